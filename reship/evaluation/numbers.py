"""How figures are rounded once they leave the database: rates as fractions to 4 places, hours and
averages to 2, money to the cent. ``None`` wherever a figure is undefined (nothing to divide by,
nothing answered) — never a misleading zero."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def rate(part: int, whole: int) -> float | None:
    """part / whole as a fraction (0.6667, not 66.67 %); ``None`` when the whole is zero."""
    return round(part / whole, 4) if whole else None


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def average(value: float | Decimal | None) -> float | None:
    return None if value is None else round(float(value), 2)


def money(value: Decimal | float | int | None) -> Decimal:
    """A sum of money to the cent; a sum over no rows is zero."""
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def money_share(part: Decimal, whole: Decimal) -> float | None:
    return round(float(part / whole), 4) if whole else None


def money_average(total: Decimal, count: int) -> Decimal | None:
    return (total / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else None
