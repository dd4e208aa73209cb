"""The figures' sums read from the per-day rollups (``reship.models.RequestRollup``) instead of the
requests: four grouped queries over a few hundred rows replace the dozen aggregates over every
request of the period (issue 19: the biggest seller's quarter took 1.8–2.1 s without the cache).

``rolled_sums(filter)`` answers when the rollups can: PostgreSQL, ``RESHIP_EVALUATION_ROLLUPS``
on, rollups built, and a period of whole local days (the dashboard's and the API's always are).
It first catches the rollups up with what changed (``rollup.catch_up_rollups``: one query when
nothing did), so a figure is never behind what its reader just did. Otherwise it answers
``None`` and every section computes from the requests, as before.

The rows it returns have the shape of the sections' own aggregates (same keys), so each section
builds its dataclasses once, from either source. What a rollup cannot hold stays with the
requests, bounded by the period's indexes: percentiles (the medians and 90th percentiles), the
newest comments, the orders' value (each order once), what is overdue now, the customers' own
reports (by ``reported_at``), restock orders, statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from reship.accounts.roles import Role
from reship.choices import CostBearer, Reason
from reship.evaluation.rollup import catch_up_rollups, rollups_supported
from reship.evaluation.scope import EvaluationFilter
from reship.models import RequestRollup
from reship.models.rollups import COUNTS, SUMS
from suppliers.models import Supplier

Row = dict[str, Any]


@dataclass
class Rolled:
    """The sums of the filter's requests, grouped as each section needs them."""

    brand: Row = field(default_factory=dict)
    satisfaction: Row = field(default_factory=dict)  # closed, answered, comments, average, rating_1..5
    satisfaction_by_partner: list[Row] = field(default_factory=list)
    satisfaction_by_reason: Row = field(default_factory=dict)  # {reason}__closed / __answered / __average
    timeliness: Row = field(default_factory=dict)
    partners: list[Row] = field(default_factory=list)
    cost_totals: list[Row] = field(default_factory=list)
    cost_by_bearer: list[Row] = field(default_factory=list)
    cost_by_partner: list[Row] = field(default_factory=list)
    cost_by_reason: list[Row] = field(default_factory=list)
    cost_by_supplier: list[Row] = field(default_factory=list)
    supplier_lines: list[Row] = field(default_factory=list)
    supplier_borne: list[Row] = field(default_factory=list)
    trend_days: list[Row] = field(default_factory=list)  # day, currency, requests, costed, cost


def _whole_days(evaluation_filter: EvaluationFilter) -> tuple[Any, Any] | None:
    f = evaluation_filter
    if f.start is None or f.end is None:
        return None
    tz = timezone.get_default_timezone()
    first, last = timezone.localdate(f.start, tz), timezone.localdate(f.end, tz)
    if datetime.combine(first, time.min, tzinfo=tz) != f.start or datetime.combine(last, time.min, tzinfo=tz) != f.end:
        return None  # not whole local days: the rollups' days cannot answer it
    return first, last


def _rows(evaluation_filter: EvaluationFilter, first_day, end_day) -> QuerySet[RequestRollup]:
    f = evaluation_filter
    rows = RequestRollup.objects.filter(day__gte=first_day, day__lt=end_day).order_by()
    if f.scope.role == Role.SELLER:
        rows = rows.filter(seller_id=f.scope.seller_id or 0)
    elif f.scope.role == Role.PARTNER:
        # The rollups hold no customer report before its confirmation: nothing more to exclude.
        rows = rows.filter(partner_id=f.scope.partner_id or 0)
    if f.partner_id is not None:
        rows = rows.filter(partner_id=f.partner_id)
    return rows


def _sums(*names: str) -> dict[str, Sum]:
    return {name: Sum(name) for name in names}


def _dicts(rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    return [dict(row) for row in rows]


def _ratio(total: Any, count: int) -> float | None:
    return float(total) / count if count else None


def rolled_sums(evaluation_filter: EvaluationFilter) -> Rolled | None:
    f = evaluation_filter
    if f.scope.sees_nothing or not rollups_supported():
        return None
    days = _whole_days(f)
    if days is None or catch_up_rollups() is None:
        return None
    rows = _rows(f, *days)
    own_source, own_reason = f.supplier_id or 0, f.reason
    base = rows.filter(supplier_id=own_source, reason=own_reason)
    grouped = _dicts(
        base.values("partner_id", "currency", "cost_bearer", partner_name=F("partner__name"))
        .annotate(**_sums(*COUNTS, *SUMS))
        .order_by("partner__name", "partner_id", "currency", "cost_bearer")
    )
    rolled = Rolled()
    _totals(rolled, grouped, f.scope.role)
    rolled.trend_days = _dicts(
        base.values("day", "currency").annotate(**_sums("requests", "costed", "cost")).order_by("day", "currency")
    )
    by_reason = rows.filter(supplier_id=own_source, reason__gt="")  # a range of the slice index: not ''

    if f.reason:
        by_reason = by_reason.filter(reason=f.reason)
    _reasons(
        rolled,
        _dicts(
            by_reason.values("reason", "currency")
            .annotate(**_sums("closed", "answered", "rating_sum", "costed", "cost"))
            .order_by("currency", "reason")
        ),
        f,
    )
    by_source = rows.filter(reason=own_reason, supplier_id__gt=0)  # sources' ids are positive
    if f.supplier_id is not None:
        by_source = by_source.filter(supplier_id=f.supplier_id)
    _sources(
        rolled,
        _dicts(
            by_source.values("supplier_id", "currency", "cost_bearer").annotate(
                **_sums("lines", "quality_defect_lines", "costed", "cost")
            )
        ),
    )
    return rolled


def _totals(rolled: Rolled, grouped: list[Row], role: Role) -> None:
    total: Row = defaultdict(int)
    partners: dict[int, Row] = {}
    currencies: dict[str, Row] = {}
    bearers: dict[tuple[str, str], Row] = {}
    partner_costs: dict[tuple[int, str], Row] = {}
    recovered = (
        [CostBearer.SUPPLIER, CostBearer.CARRIER]
        if role == Role.PARTNER
        else [CostBearer.PARTNER, CostBearer.SUPPLIER, CostBearer.CARRIER]
    )
    for row in grouped:
        partner = partners.setdefault(
            row["partner_id"], {"partner_id": row["partner_id"], "partner__name": row["partner_name"]}
        )
        for name in (*COUNTS, *SUMS):
            total[name] += row[name]
            partner[name] = partner.get(name, 0) + row[name]
        if row["costed"]:
            currency = currencies.setdefault(
                row["currency"],
                {"currency": row["currency"], "requests": 0, "goods": 0, "shipping": 0, "compensation": 0, "total": 0}
                | {"recovered": 0},
            )
            currency["requests"] += row["costed"]
            currency["goods"] += row["goods"]
            currency["shipping"] += row["shipping"]
            currency["compensation"] += row["compensation"]
            currency["total"] += row["cost"]
            if row["cost_bearer"] in recovered:
                currency["recovered"] += row["cost"]
            bearer = bearers.setdefault(
                (row["cost_bearer"], row["currency"]),
                {"cost_bearer": row["cost_bearer"], "currency": row["currency"], "requests": 0, "total": 0},
            )
            bearer["requests"] += row["costed"]
            bearer["total"] += row["cost"]
            by_partner = partner_costs.setdefault(
                (row["partner_id"], row["currency"]),
                {
                    "partner_id": row["partner_id"],
                    "partner__name": row["partner_name"],
                    "currency": row["currency"],
                    "requests": 0,
                    "total": 0,
                },
            )
            by_partner["requests"] += row["costed"]
            by_partner["total"] += row["cost"]
    rolled.brand = {
        name: total[name]
        for name in (
            "requests",
            "follow_up_requests",
            "closed",
            "disputes",
            "bad_reviews",
            "disputed_or_bad_review",
            "followed_up",
        )
    }
    rolled.satisfaction = {
        "closed": total["closed"],
        "answered": total["answered"],
        "comments": total["comments"],
        "average": _ratio(total["rating_sum"], total["answered"]),
        **{f"rating_{n}": total[f"rating_{n}"] for n in range(1, 6)},
    }
    rolled.timeliness = {
        name: total[name]
        for name in ("reviewed", "review_hits", "resolved", "fulfilment_hits", "were_overdue", "were_escalated")
    }
    rolled.satisfaction_by_partner = [
        {
            "partner_id": row["partner_id"],
            "partner__name": row["partner__name"],
            "closed": row["closed"],
            "answered": row["answered"],
            "average": _ratio(row["rating_sum"], row["answered"]),
        }
        for row in partners.values()
        if row["closed"]
    ]
    rolled.partners = [
        {
            **{name: row[name] for name in ("partner_id", "partner__name", "requests", "reviewed", "rejected")},
            **{name: row[name] for name in ("review_hits", "resolved", "fulfilment_hits", "closed", "followed_up")},
            "rated": row["rated"],
            **{
                f"rating_{name}": _ratio(row[f"rating_{name}_sum"], row[f"rating_{name}_count"])
                for name in ("speed", "quality", "cooperation")
            },
        }
        for row in partners.values()
        if row["requests"]
    ]
    rolled.cost_totals = [currencies[currency] for currency in sorted(currencies)]
    rolled.cost_by_bearer = list(bearers.values())
    rolled.cost_by_partner = list(partner_costs.values())


def _reasons(rolled: Rolled, rows: list[Row], evaluation_filter: EvaluationFilter) -> None:
    reasons = [reason for reason in Reason if not evaluation_filter.reason or reason == evaluation_filter.reason]
    satisfaction: Row = defaultdict(int)
    costs: dict[str, Row] = {}
    for row in rows:
        reason = row["reason"]
        satisfaction[f"{reason}__closed"] += row["closed"]
        satisfaction[f"{reason}__answered"] += row["answered"]
        satisfaction[f"{reason}__rating_sum"] += row["rating_sum"]
        if row["costed"]:
            currency = costs.setdefault(
                row["currency"],
                {"currency": row["currency"]}
                | {f"{each}__requests": 0 for each in reasons}
                | {f"{each}__total": None for each in reasons},
            )
            currency[f"{reason}__requests"] += row["costed"]
            currency[f"{reason}__total"] = (currency[f"{reason}__total"] or 0) + row["cost"]
    rolled.satisfaction_by_reason = {
        key: value
        for reason in reasons
        for key, value in (
            (f"{reason}__closed", satisfaction[f"{reason}__closed"]),
            (f"{reason}__answered", satisfaction[f"{reason}__answered"]),
            (f"{reason}__average", _ratio(satisfaction[f"{reason}__rating_sum"], satisfaction[f"{reason}__answered"])),
        )
    }
    rolled.cost_by_reason = [costs[currency] for currency in sorted(costs)]


def _sources(rolled: Rolled, rows: list[Row]) -> None:
    suppliers = {
        each["pk"]: each
        for each in Supplier.objects.filter(pk__in={row["supplier_id"] for row in rows}).values(
            "pk", "name", "restock_lead_days"
        )
    }
    lines: dict[int, Row] = {}
    costs: dict[tuple[int, str], Row] = {}
    borne: dict[tuple[int, str], Row] = {}
    for row in rows:
        supplier = suppliers[row["supplier_id"]]
        named = {"supplier_id": row["supplier_id"], "name": supplier["name"], "promised": supplier["restock_lead_days"]}
        line = lines.setdefault(row["supplier_id"], {**named, "lines": 0, "quality_defects": 0})
        line["lines"] += row["lines"]
        line["quality_defects"] += row["quality_defect_lines"]
        if not row["costed"]:
            continue
        cost = costs.setdefault(
            (row["supplier_id"], row["currency"]),
            {
                "order_line__product__supplier_id": row["supplier_id"],
                "order_line__product__supplier__name": supplier["name"],
                "request__currency": row["currency"],
                "requests": 0,
                "total": 0,
            },
        )
        cost["requests"] += row["costed"]
        cost["total"] += row["cost"]
        if row["cost_bearer"] == CostBearer.SUPPLIER:
            each = borne.setdefault(
                (row["supplier_id"], row["currency"]), {**named, "currency": row["currency"], "requests": 0, "total": 0}
            )
            each["requests"] += row["costed"]
            each["total"] += row["cost"]
    rolled.supplier_lines = [row for row in lines.values() if row["lines"]]
    rolled.cost_by_supplier = list(costs.values())
    rolled.supplier_borne = sorted(borne.values(), key=lambda row: row["currency"])
