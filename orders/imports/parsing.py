"""Reading one cell of an export as a value for Reship, or saying in a line what is wrong with it.

The rules themselves (lengths, money range, quantity range, time range) are ``orders.services``'
so an imported order passes exactly what ``order_create`` accepts; this module only turns text
into the values those rules check.

Dates and times accepted (decided; anything else is refused with an example):
- year first, with ``-``, ``/``, ``.`` or 年月日: ``2026-11-20 14:03``, ``2026/11/20 14:03:05``,
  ``2026/1/5 9:03`` (Excel's Chinese format), ``2026年11月20日 14:03``, a date alone (midnight);
- ISO 8601 with a zone: ``2026-11-20T14:03:00+08:00``, ``…Z``; a time without a zone is in the
  uploader's time zone (their account setting, kept on the import job);
- day-first or month-first dates (``20/11/2026``, ``11/20/2026``) are refused: ``03/04/2026`` reads
  two ways, and a wrong guess is worse than a clear message.

Phone numbers: a number made of digits and separators, with or without +86/0086, is stored as its
digits without the country prefix ("+86 138 0013 8000" → "13800138000"), the form the order search
tries first; anything else (a masked "138****8000", a foreign number) is kept as written.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.selectors import phone_normalise
from orders.services import MAX_LENGTHS, MAX_QUANTITY, check_placed_at, clean_money, clean_text, quantity_allowed
from reship.core.errors import InvalidInput


class CellProblem(Exception):
    """What is wrong with one cell, in a line a person can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


PHONE = gettext_lazy("Phone")
EMAIL = gettext_lazy("Email")


def text(value: str, label: Any, max_length: int) -> str:
    """The text if it fits; ``label`` (lazy: translated only for a message) names it in the message."""
    try:
        return clean_text(value, label, max_length, required=False)
    except InvalidInput as error:
        raise CellProblem(error.message) from None


def quantity(value: str) -> int:
    """A whole number from 1 to 100,000: "2" and "2.0" are 2; 0, -1, 1.5 and "abc" are refused.

    Read as a Decimal and bounded before it becomes an int: int() of "1e9999999" builds a number
    of ten million digits (a worker's CPU for minutes), and of 4,301 digits or more it raises."""
    value = value.replace(",", "")
    try:
        exact = Decimal(value)
    except InvalidOperation:
        raise CellProblem(_("“%(value)s” is not a number.") % {"value": value[:40]}) from None
    if not exact.is_finite() or exact != exact.to_integral_value():
        raise CellProblem(_("The quantity must be a whole number, not %(value)s.") % {"value": value[:40]})
    number = int(exact) if 1 <= exact <= MAX_QUANTITY else 0
    if not quantity_allowed(number):
        raise CellProblem(_("The quantity must be from 1 to %(max)d.") % {"max": MAX_QUANTITY})
    return number


_CURRENCY_MARKS = re.compile(r"^(?:[¥￥$]|CNY|RMB|元)\s*|\s*(?:元|CNY|RMB)$", re.IGNORECASE)


def money(value: str) -> Decimal:
    """An amount ≥ 0 with at most 2 decimals after rounding: "¥1,299.00", "19.9", "0"."""
    cleaned = _CURRENCY_MARKS.sub("", value).replace(",", "").strip()
    try:
        Decimal(cleaned)
    except InvalidOperation:
        raise CellProblem(_("“%(value)s” is not an amount of money.") % {"value": value[:40]}) from None
    try:
        return clean_money(cleaned, "amount")
    except InvalidInput as error:
        raise CellProblem(error.message) from None


_MOMENT = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[T\s]*(?P<H>\d{1,2})\s*[:时]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:分]\s*(?P<S>\d{1,2})(?:\.\d{1,6})?\s*秒?|\s*分)?)?"
    r"\s*(?P<zone>Z|[+-]\d{2}:?\d{2})?"
)
_DAY_FIRST = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\b.*")


def moment(value: str, *, zone: tzinfo, now: datetime) -> datetime:
    """When the order was placed, as an aware datetime (see the module's list of formats)."""
    match = _MOMENT.fullmatch(value)
    if match is None:
        if _DAY_FIRST.fullmatch(value):
            raise CellProblem(
                _("Write the date year first, e.g. 2026-11-20 14:03: “%(value)s” can be read two ways.")
                % {"value": value[:40]}
            )
        raise CellProblem(
            _("“%(value)s” is not a date and time Reship reads; write e.g. 2026-11-20 14:03.") % {"value": value[:40]}
        )
    parts = match.groupdict()
    try:
        placed = datetime(
            int(parts["y"]),
            int(parts["m"]),
            int(parts["d"]),
            int(parts["H"] or 0),
            int(parts["M"] or 0),
            int(parts["S"] or 0),
            tzinfo=_zone(parts["zone"]) or zone,
        )
    except ValueError:
        raise CellProblem(_("“%(value)s” is not a real date.") % {"value": value[:40]}) from None
    try:
        return check_placed_at(placed, now=now)
    except InvalidInput as error:
        raise CellProblem(error.message) from None


def _zone(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return dt_timezone(-offset if text[0] == "-" else offset)


def phone(value: str) -> str:
    """Digits without +86 when it is a phone number; otherwise as written (see the module doc)."""
    return text(phone_normalise(value) or value, PHONE, MAX_LENGTHS["customer_phone"])


def email(value: str) -> str:
    value = text(value, EMAIL, MAX_LENGTHS["customer_email"])
    try:
        validate_email(value)
    except ValidationError:
        raise CellProblem(_("“%(value)s” is not an email address.") % {"value": value[:60]}) from None
    return value
