"""The ranges of ids and dates a person can meaningfully type, checked where input is parsed.

Outside them a database either overflows (SQLite's 64-bit integers, year 0 after a time zone
shift) or Python's date arithmetic does: both were 500s. Inside them nothing real is excluded.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_ID = 2**63 - 1  # the largest BigAutoField value
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)

DATE_VALIDATORS = [
    MinValueValidator(EARLIEST_DATE, message=_("Give a date from 2000 on.")),
    MaxValueValidator(LATEST_DATE, message=_("Give a date before 2100.")),
]


def id_in_range(value: int) -> bool:
    return 1 <= value <= MAX_ID


# More digits than any number Reship reads can need; Python refuses to read past 4,300 at all.
MAX_DIGITS = 30


def int_from_text(text: str) -> int | None:
    """A whole number written in ASCII digits (spaces around it and a leading minus allowed), or
    ``None`` for any other text. Every number typed as text is read here: ``str.isdigit`` also
    accepts digits ``int`` cannot read ("²", "①"), and ``int`` raises on 4,301 digits or more —
    both were 500s wherever a check let them through to ``int``."""
    written = text.strip()
    digits = written[1:] if written.startswith("-") else written
    if not (digits.isascii() and digits.isdigit() and len(digits) <= MAX_DIGITS):
        return None
    return int(written)


def id_from_text(text: str) -> int | None:
    """An id typed as text: ``int_from_text`` within 1..``MAX_ID``, else ``None``."""
    number = int_from_text(text)
    return number if number is not None and id_in_range(number) else None


MAX_UTC_OFFSET = timedelta(hours=14)  # the widest real time zone; PostgreSQL refuses far wider ones


def moment_in_range(value: datetime) -> bool:
    offset = value.utcoffset()
    return EARLIEST_DATE.year <= value.year <= LATEST_DATE.year and (offset is None or abs(offset) <= MAX_UTC_OFFSET)


def validate_moment(value: datetime) -> None:
    if value is not None and not moment_in_range(value):
        raise ValidationError(_("Give a time from 2000 to 2099 with a real UTC offset."), code="out_of_range")


def validate_ids(values: list[int], message: StrOrPromise) -> None:
    if not all(id_in_range(value) for value in values):
        raise ValidationError(message, code="invalid")
