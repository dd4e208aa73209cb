"""The trend: requests submitted and their cost per day, or per week (Monday first) when the
period is longer than a month or open-ended; buckets are local days of settings.TIME_ZONE, cut
in SQL. With a bounded period every bucket is listed, empty ones as zeros, so a chart has no gaps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import TruncDate, TruncWeek

from reship.evaluation import sql
from reship.evaluation.links import Link, base_link, narrowed
from reship.evaluation.numbers import money
from reship.evaluation.rolled import Rolled
from reship.evaluation.scope import EvaluationFilter, requests_for

DAILY_UP_TO = timedelta(days=31)


@dataclass(frozen=True)
class TrendPoint:
    start: date  # the local day, or the Monday of the week
    requests: int  # submitted
    cost: dict[str, Decimal] = field(default_factory=dict)  # of those approved or later, per currency
    link: Link = field(default_factory=dict)


@dataclass(frozen=True)
class Trend:
    unit: str  # "day" or "week"
    points: list[TrendPoint]


def trend_unit(evaluation_filter: EvaluationFilter) -> str:
    f = evaluation_filter
    return "day" if f.start is not None and f.end is not None and f.end - f.start <= DAILY_UP_TO else "week"


def trend_figures(evaluation_filter: EvaluationFilter, rolled: Rolled | None = None) -> Trend:
    f = evaluation_filter
    tz = ZoneInfo(settings.TIME_ZONE)
    unit = trend_unit(f)
    bucket = (
        TruncDate("submitted_at", tzinfo=tz)
        if unit == "day"
        else TruncWeek("submitted_at", tzinfo=tz, output_field=DateField())
    )
    rows: Iterable[Mapping[str, Any]] = (
        _rolled_buckets(rolled, unit)
        if rolled is not None
        else requests_for(f)
        .annotate(bucket=bucket)
        .values("bucket", "currency")
        .annotate(
            requests=Count("pk"),
            cost=Sum(sql.request_cost(), filter=Q(status__in=sql.COSTED_STATUSES)),
        )
        .order_by("bucket", "currency")
    )
    step = timedelta(days=1 if unit == "day" else 7)
    points: dict[date, dict] = {}
    if f.start is not None and f.end is not None:
        day = f.start.astimezone(tz).date()
        day -= timedelta(days=day.weekday() if unit == "week" else 0)
        while datetime.combine(day, time.min, tzinfo=tz) < f.end:
            points[day] = {"requests": 0, "cost": {}}
            day += step
    for row in rows:
        point = points.setdefault(row["bucket"], {"requests": 0, "cost": {}})
        point["requests"] += row["requests"]
        if row["cost"] is not None:
            point["cost"][row["currency"]] = money(row["cost"])
    link = base_link(f, period=False)
    return Trend(
        unit=unit,
        points=[
            TrendPoint(
                start=day,
                requests=point["requests"],
                cost=point["cost"],
                link=narrowed(link, **_bucket_period(f, day, step, tz)),
            )
            for day, point in sorted(points.items())
        ],
    )


def _rolled_buckets(rolled: Rolled, unit: str) -> list[dict[str, Any]]:
    """The rollups' days summed into the trend's buckets (a week starts on Monday, as TruncWeek)."""
    buckets: dict[tuple[date, str], dict[str, Any]] = {}
    for row in rolled.trend_days:
        day = row["day"] if unit == "day" else row["day"] - timedelta(days=row["day"].weekday())
        bucket = buckets.setdefault((day, row["currency"]), {"bucket": day, "currency": row["currency"], "requests": 0})
        bucket["requests"] += row["requests"]
        if row["costed"]:
            bucket["cost"] = bucket.get("cost", 0) + row["cost"]
    return [{"cost": None} | bucket for _, bucket in sorted(buckets.items())]


def _bucket_period(f: EvaluationFilter, day: date, step: timedelta, tz: ZoneInfo) -> dict[str, str]:
    """The bucket's own period, cut to the filter's."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + step, time.min, tzinfo=tz)
    start = max(start, f.start) if f.start is not None else start
    end = min(end, f.end) if f.end is not None else end
    return {"submitted_from": start.astimezone(tz).isoformat(), "submitted_to": end.astimezone(tz).isoformat()}
