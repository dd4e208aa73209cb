"""Statement periods: monthly, twice a month (1st–15th, 16th–end) or weekly (Monday–Sunday), in the
platform's time zone (``TIME_ZONE``). A period's cut-off is the start of the day after its last day:
a request closed before it belongs to the period (or, if it missed an earlier one, to this one)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from reship.choices import SettlementPeriod


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The first and the last day of the period of this kind that contains ``day``."""
    if period == SettlementPeriod.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    last_of_month = calendar.monthrange(day.year, day.month)[1]
    if period == SettlementPeriod.SEMI_MONTHLY:
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), day.replace(day=last_of_month)
    return day.replace(day=1), day.replace(day=last_of_month)


def cut_off(period_end: date) -> datetime:
    """00:00 of the day after the period's last day, in the platform's time zone."""
    return timezone.make_aware(datetime.combine(period_end + timedelta(days=1), time.min))


def last_finished(period: str, now: datetime) -> tuple[date, date]:
    """The latest period of this kind that has ended by ``now`` (its cut-off has passed)."""
    current_start = period_bounds(period, timezone.localdate(now))[0]
    return period_bounds(period, current_start - timedelta(days=1))


def following(period: str, previous_end: date | None, now: datetime) -> tuple[date, date]:
    """The period a pair's next statement covers: from the day after its last statement's end (so a
    change of period kind never leaves a gap or an overlap) to the end of the period of the new kind
    containing that day; a pair's first statement covers the last finished period."""
    if previous_end is None:
        return last_finished(period, now)
    start = previous_end + timedelta(days=1)
    return start, period_bounds(period, start)[1]


def has_ended(period_end: date, now: datetime) -> bool:
    return now >= cut_off(period_end)
