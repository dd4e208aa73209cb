"""Readable request numbers: RS-<year>-<six digits>, counted per year, never reused.

On PostgreSQL each year has its own sequence, ``reship_request_number_<year>``: ``nextval`` is not
transactional, so a submission never waits for another one's commit (the row counter below made
every submission in the system queue on one row lock until commit). A number taken by a submission
that then rolls back is simply not used: numbers may have gaps, never repeats. The sequence is
created on a year's first use, starting above the highest number already handed out that year (the
``RequestNumberSequence`` row, which the row counter kept and data loads fill, and the requests
themselves); two processes creating it at once is settled by a savepoint and a retry.

Other databases (SQLite, the embedded default) keep counting in the ``RequestNumberSequence`` row.
"""

from __future__ import annotations

from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone

from reship.models import RequestNumberSequence, ReshipRequest


def sequence_name(year: int) -> str:
    return f"reship_request_number_{int(year):d}"


def request_number_next(*, year: int | None = None) -> str:
    """Hand out the next number of the year (this year by default)."""
    year = year or timezone.localdate().year
    value = _sequence_next(year) if connection.vendor == "postgresql" else _row_next(year)
    return f"RS-{year}-{value:06d}"


def live_last_value() -> RawSQL | F:
    """For a queryset of ``RequestNumberSequence`` rows (``.annotate(live=live_last_value())``): the
    last number handed out in each row's year, live, in the rows' one query: its sequence's on
    PostgreSQL (NULL before the year's first submission makes it), else the row's own."""
    if connection.vendor != "postgresql":
        return F("last_value")
    table = RequestNumberSequence._meta.db_table
    return RawSQL(
        "SELECT s.last_value FROM pg_sequences s WHERE s.schemaname = current_schema() "  # noqa: S608
        f"AND s.sequencename = 'reship_request_number_' || {table}.year",
        [],
    )


def request_number_last(year: int) -> int | None:
    """The last number handed out in the year, live: the sequence's on PostgreSQL (None when it
    does not exist yet, until the year's first submission), else the row's."""
    if connection.vendor != "postgresql":
        return RequestNumberSequence.objects.filter(year=year).values_list("last_value", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [sequence_name(year)])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT last_value, is_called FROM {sequence_name(year)}")  # noqa: S608 - an int in the name
        last_value, is_called = cursor.fetchone()
    return int(last_value) if is_called else int(last_value) - 1


def _row_next(year: int) -> int:
    """The row counter: the row lock makes concurrent submissions get different numbers."""
    with transaction.atomic():
        RequestNumberSequence.objects.get_or_create(year=year)
        RequestNumberSequence.objects.filter(year=year).update(last_value=F("last_value") + 1)
        return RequestNumberSequence.objects.select_for_update().get(year=year).last_value


def _sequence_next(year: int) -> int:
    """``nextval`` of the year's sequence, in one statement once it exists (``nextval('…'::text)``
    looks the name up when it runs, so a missing sequence answers NULL instead of failing)."""
    name = sequence_name(year)
    with connection.cursor() as cursor:
        for _attempt in range(3):
            cursor.execute("SELECT CASE WHEN to_regclass(%s) IS NOT NULL THEN nextval(%s::text) END", [name, name])
            value = cursor.fetchone()[0]
            if value is not None:
                return int(value)
            _sequence_create(cursor, year)
    raise RuntimeError(f"the sequence {name} could not be created")  # pragma: no cover - needs three races lost


def _sequence_create(cursor: CursorWrapper, year: int) -> None:
    """Create the year's sequence above every number handed out so far. Another process creating it
    at the same moment makes this one's CREATE fail (a duplicate in the catalogue, once the other
    commits): the savepoint keeps the caller's transaction usable, and the caller reads it again."""
    prefix = f"RS-{year}-"
    cursor.execute(
        f"SELECT coalesce(max(substring(number from %s)::bigint), 0) FROM {ReshipRequest._meta.db_table} "  # noqa: S608
        "WHERE number LIKE %s AND substring(number from %s) ~ '^[0-9]{1,18}$'",
        [len(prefix) + 1, prefix + "%", len(prefix) + 1],
    )
    highest = cursor.fetchone()[0]
    counted = RequestNumberSequence.objects.filter(year=year).values_list("last_value", flat=True).first() or 0
    start = max(int(highest), int(counted)) + 1
    try:
        with transaction.atomic():
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(year)} START WITH %s", [start])
    except (IntegrityError, ProgrammingError):
        pass  # created by another process meanwhile: the caller's next nextval finds it
