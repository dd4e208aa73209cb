"""The one set of input checks the domain runs on what a person or a system typed.

Each returns the cleaned value or raises ``InvalidInput`` naming the field, with a message in the
caller's language. Forms and serializers check shapes first; these are the rules the domain keeps
whatever the front door (a page, the API, a spreadsheet, the admin).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from reship.core.bounds import int_from_text
from reship.core.errors import InvalidInput

MAX_TEXT = 5000  # a message, note or answer: long enough for a letter, short enough to show
MONEY_LIMIT = Decimal("1e10")  # money fields have 12 digits, 2 of them decimals


def required_text(value: str | None, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(label)s is required.") % {"label": label}, field_errors={field: [_("Required.")]})
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("%(label)s is too long (at most %(max)d characters).") % {"label": label, "max": MAX_TEXT},
            field_errors={field: [_("Too long.")]},
        )
    return text


def optional_text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        message = _("The text is too long (at most %(max)d characters).") % {"max": MAX_TEXT}
        raise InvalidInput(message, field_errors={field: [message]})
    return text


def money(value: Any, field: str, *, positive: bool = False) -> Decimal:
    """An amount with two decimals: never negative (nor zero with ``positive``), below ``MONEY_LIMIT``."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Enter an amount of money."), field_errors={field: [_("Not a number.")]}) from None
    if amount < 0:
        message = _("The amount cannot be negative.")
    elif positive and amount == 0:
        message = _("The amount must be greater than zero.")
    elif amount >= MONEY_LIMIT:
        message = _("The amount is too large.")
    else:
        return amount
    raise InvalidInput(message, field_errors={field: [message]})


def optional_money(value: Any, field: str) -> Decimal | None:
    """``money``, or ``None`` for an empty value (no limit set)."""
    if value is None or value == "":
        return None
    return money(value, field)


def choice(value: Any, choices: Any, field: str) -> str:
    """One of a ``TextChoices``' values."""
    if value not in choices.values:
        raise InvalidInput(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(str(label) for label in choices.labels)},
            field_errors={field: [_("Not a valid choice.")]},
        )
    return str(value)


def rating(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(_("Ratings go from 1 to 5."), field_errors={field: [_("Give 1 to 5.")]})
    return value


def quantity(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(_("Quantities are whole numbers of at least 1."), field_errors={field: [_("At least 1.")]})
    return value


def whole_number(value: Any, field: str, *, low: int, high: int, message: str) -> int:
    """A whole number in ``low..high`` (digits in a string count: form posts and sheets send text)."""
    if isinstance(value, str):
        value = int_from_text(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(message, field_errors={field: [message]})
    return value
