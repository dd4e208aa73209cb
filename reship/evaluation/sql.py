"""The SQL building blocks of the figures, written once so PostgreSQL and SQLite agree.

Durations are plain seconds (a float) rather than Django's ``DurationField``: SQLite has no
interval type, and comparing and ranking numbers needs no per-backend converters. Percentiles use
the nearest-rank definition — the P-th percentile of N ascending values is the value at rank
⌈P·N/100⌉ (1-based) — so the median of an even count is the lower of the two middle values and
every percentile is one of the observed values (PostgreSQL's ``percentile_disc`` gives the same).
The rank is found with window functions (``ROW_NUMBER`` and ``COUNT`` over a partition) in one
query for any number of groups, so a per-partner median costs no query per partner.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.db.models.lookups import GreaterThan, LessThanOrEqual

from reship.choices import EventKind, RequestStatus
from reship.models import ReshipEvent, ReshipLine, ReshipRequest

# Approved or later: the requests a cost was agreed for. Approved-then-cancelled ones, and rejected
# ones, cost nothing (nothing was sent or paid).
COSTED_STATUSES: tuple[str, ...] = (
    RequestStatus.APPROVED,
    RequestStatus.FULFILLING,
    RequestStatus.INFO_UPDATE,
    RequestStatus.CUSTOMER_CONTACT,
    RequestStatus.CONTACTED,
    RequestStatus.CLOSED,
)

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY_FIELD)


def request_cost(prefix: str = "") -> Expression:
    """goods + shipping + compensation, a missing part counting as zero; ``prefix`` reaches the
    request through a relation (``"request__"`` from a line)."""
    return (
        Coalesce(F(f"{prefix}quote_goods"), ZERO, output_field=MONEY_FIELD)
        + Coalesce(F(f"{prefix}quote_shipping"), ZERO, output_field=MONEY_FIELD)
        + Coalesce(F(f"{prefix}quote_compensation"), ZERO, output_field=MONEY_FIELD)
    )


class SecondsBetween(Func):
    """``end - start`` in seconds (a float); NULL when either is NULL."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)",
            arg_joiner=" - ",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Django's own SQLite function for datetime subtraction: exact integer microseconds.
        return self.as_sql(
            compiler, connection, template="(django_timestamp_diff(%(expressions)s) / 1000000.0)", **extra
        )


class DaysBetween(Func):
    """``end - start`` in whole days for two dates (a float, so averages keep their fraction)."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST((%(expressions)s) AS double precision)", arg_joiner=" - ", **extra
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(julianday(%(expressions)s))", arg_joiner=") - julianday(", **extra
        )


def has_reason(reason: str) -> Q:
    """The request's own reason, or the reason of any of its lines (the two may differ)."""
    return Q(reason=reason) | Q(Exists(ReshipLine.objects.filter(request=OuterRef("pk"), reason=reason)))


def nearest_rank(count: int, percent: int) -> int:
    """⌈percent·count/100⌉: the 1-based rank of the percentile (integer arithmetic, no float error)."""
    return (count * percent + 99) // 100


def percentiles(
    queryset: QuerySet,
    *,
    value: Expression,
    partition: str | None = None,
    percents: Sequence[int] = (50, 90),
) -> dict[Any, dict[int, float]]:
    """Nearest-rank percentiles of ``value`` over the rows where it is not NULL, per value of the
    ``partition`` field (one group keyed ``None`` without it), in one query: only the rows sitting
    at a wanted rank come back (at most ``len(percents)`` per group)."""
    partition_by = [F(partition)] if partition else None
    ranked = (
        queryset.order_by()
        .annotate(_value=value)
        .filter(_value__isnull=False)
        .annotate(
            _rank=Window(RowNumber(), partition_by=partition_by, order_by=[F("_value").asc(), F("pk").asc()]),
            _count=Window(Count("pk"), partition_by=partition_by),
        )
    )
    wanted = Q()
    for percent in percents:
        target = (F("_count") * Value(percent) + Value(99)) / Value(100)
        wanted |= Q(_rank=ExpressionWrapper(target, output_field=IntegerField()))
    fields = (partition,) if partition else ()
    rows = ranked.filter(wanted).values_list(*fields, "_rank", "_count", "_value")
    result: dict[Any, dict[int, float]] = {}
    for row in rows:
        key, (rank, count, seconds) = (row[0] if partition else None), row[-3:]
        group = result.setdefault(key, {})
        for percent in percents:
            if rank == nearest_rank(count, percent):
                group[percent] = seconds
    return result


def percentiles_of(
    queryset: QuerySet, *, values: dict[str, Expression], percents: Sequence[int] = (50, 90)
) -> dict[str, dict[int, float]]:
    """Nearest-rank percentiles of several values over the same rows, each over the rows where it
    is not NULL, in one query (one read of the rows, a window per value): NULLs sort last and are
    not counted, so a wanted rank (at most the count) is always a value's own row."""
    ranked = queryset.order_by().annotate(**{f"_value_{name}": value for name, value in values.items()})
    ranked = ranked.annotate(
        **{
            key: window
            for name in values
            for key, window in (
                (
                    f"_rank_{name}",
                    Window(RowNumber(), order_by=[F(f"_value_{name}").asc(nulls_last=True), F("pk").asc()]),
                ),
                (f"_count_{name}", Window(Count(f"_value_{name}"))),
            )
        }
    )
    wanted = Q()
    for name in values:
        for percent in percents:
            target = (F(f"_count_{name}") * Value(percent) + Value(99)) / Value(100)
            wanted |= Q(**{f"_rank_{name}": ExpressionWrapper(target, output_field=IntegerField())})
    fields = [f"_{kind}_{name}" for name in values for kind in ("rank", "count", "value")]
    result: dict[str, dict[int, float]] = {name: {} for name in values}
    for row in ranked.filter(wanted).values_list(*fields):
        for index, name in enumerate(values):
            rank, count, seconds = row[3 * index : 3 * index + 3]
            for percent in percents:
                if count and rank == nearest_rank(count, percent):
                    result[name][percent] = seconds
    return result


# --- milestones and their SLAs ----------------------------------------------------------------
# Review: submitted → reviewed (approved or rejected; a question and its answer count inside it).
# Resolution: submitted → every line resolved. Fulfilment: reviewed → every line resolved. The
# partner's SLA hours are read as they are today (the row keeps no history of them).
REVIEWED = Q(reviewed_at__isnull=False)
RESOLVED = Q(reviewed_at__isnull=False, resolved_at__isnull=False)


def review_seconds() -> Expression:
    return SecondsBetween("reviewed_at", "submitted_at")


def resolution_seconds() -> Expression:
    return SecondsBetween("resolved_at", "submitted_at")


def fulfilment_seconds() -> Expression:
    return SecondsBetween("resolved_at", "reviewed_at")


def review_sla_hit() -> Q:
    return REVIEWED & Q(LessThanOrEqual(review_seconds(), F("partner__review_sla_hours") * Value(3600)))


def review_sla_missed() -> Q:
    return REVIEWED & Q(GreaterThan(review_seconds(), F("partner__review_sla_hours") * Value(3600)))


def fulfilment_sla_hit() -> Q:
    return RESOLVED & Q(LessThanOrEqual(fulfilment_seconds(), F("partner__fulfilment_sla_hours") * Value(3600)))


def fulfilment_sla_missed() -> Q:
    return RESOLVED & Q(GreaterThan(fulfilment_seconds(), F("partner__fulfilment_sla_hours") * Value(3600)))


# --- what happened to a request (OuterRef) later -----------------------------------------------


def overdue_events(level: str = "any") -> QuerySet[ReshipEvent]:
    """Its OVERDUE events: any, or one level (``reminder`` / ``escalation``; a sweeper that was
    down writes the escalation alone)."""
    events = ReshipEvent.objects.filter(request=OuterRef("pk"), kind=EventKind.OVERDUE)
    return events if level == "any" else events.filter(data__level=level)


# A follow-up request was filed for it: the replacement failed too (a repeat reship).
FOLLOWED_UP = Q(Exists(ReshipRequest.objects.filter(follow_up_of=OuterRef("pk"))))
