"""Cost-effectiveness (成本效益): what reships cost (goods + shipping + compensation) in total, per
request and against the order value; by who bears it, by reason, by partner and by supplier; and
what was recovered from others.

Only requests approved or later count (``COSTED_STATUSES``): a rejected or cancelled request sent
and paid nothing. Money is never added across currencies: every sum is per currency.

"Recovered from others" is the cost the viewer's side did not bear: for a seller (and for the
platform's admins, who read the figures as the seller would) what the partner, the source or the
carrier bore; for a partner, what the source or the carrier bore. A ``shared`` cost has no agreed
split on the row, so it is never counted as recovered.

By supplier, a request counts once under each source one of its lines' products comes from (the
rows may add up to more than the total) — exactly the requests the supplier filter would show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BooleanField, Count, F, Func, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from orders.models import Order
from reship.accounts.roles import Role
from reship.choices import CostBearer, Reason
from reship.evaluation.links import COSTED, Link, base_link, narrowed
from reship.evaluation.numbers import money, money_average, money_share
from reship.evaluation.rolled import Rolled
from reship.evaluation.scope import EvaluationFilter, requests_for
from reship.evaluation.sql import COSTED_STATUSES, MONEY_FIELD, ZERO, has_reason, request_cost
from reship.models import ReshipLine, ReshipRequest


@dataclass(frozen=True)
class CostTotal:
    """All costed requests in one currency."""

    currency: str
    requests: int
    goods: Decimal
    shipping: Decimal
    compensation: Decimal
    total: Decimal
    average_per_request: Decimal | None
    order_value: Decimal  # the orders' amounts, each order once (a follow-up shares its order)
    share_of_order_value: float | None  # total / order_value
    recovered: Decimal  # borne by others than the viewer's side (see the module docstring)
    recovered_share: float | None  # recovered / total


@dataclass(frozen=True)
class CostRow:
    key: str  # bearer or reason code, partner or supplier id
    label: str
    currency: str
    requests: int
    total: Decimal
    link: Link


@dataclass(frozen=True)
class Cost:
    requests: int  # costed requests, every currency
    totals: list[CostTotal]  # one per currency, by currency code
    recovered_bearers: list[str]  # the bearers counted as "recovered" for this viewer
    by_bearer: list[CostRow]
    by_reason: list[CostRow]
    by_partner: list[CostRow]
    by_supplier: list[CostRow]
    link: Link  # every costed request


def recovered_bearers(role: Role) -> list[str]:
    if role == Role.PARTNER:
        return [CostBearer.SUPPLIER, CostBearer.CARRIER]
    return [CostBearer.PARTNER, CostBearer.SUPPLIER, CostBearer.CARRIER]


def costed_requests(evaluation_filter: EvaluationFilter) -> QuerySet[ReshipRequest]:
    return requests_for(evaluation_filter).filter(status__in=COSTED_STATUSES)


def first_line_per_supplier(requests: QuerySet[ReshipRequest]) -> QuerySet[ReshipLine]:
    """One line for each (request, source) pair — the first of the request's lines from that
    source — so grouping by source counts each request once per source, with no DISTINCT."""
    first = (
        ReshipLine.objects.filter(
            request_id=OuterRef("request_id"),
            order_line__product__supplier_id=OuterRef("order_line__product__supplier_id"),
        )
        .order_by("pk")
        .values("pk")[:1]
    )
    return ReshipLine.objects.filter(
        request__in=requests.values("pk"), order_line__product__supplier__isnull=False, pk=Subquery(first)
    ).order_by()


def cost_figures(evaluation_filter: EvaluationFilter, rolled: Rolled | None = None) -> Cost:
    f = evaluation_filter
    costed = costed_requests(f)
    cost = request_cost()
    link = narrowed(base_link(f), status=COSTED)
    bearers = recovered_bearers(f.scope.role)

    totals = (
        rolled.cost_totals
        if rolled is not None
        else list(
            costed.values("currency")
            .annotate(
                requests=Count("pk"),
                goods=Sum(Coalesce("quote_goods", ZERO, output_field=MONEY_FIELD)),
                shipping=Sum(Coalesce("quote_shipping", ZERO, output_field=MONEY_FIELD)),
                compensation=Sum(Coalesce("quote_compensation", ZERO, output_field=MONEY_FIELD)),
                total=Sum(cost),
                recovered=Sum(cost, filter=Q(cost_bearer__in=bearers), default=ZERO),
            )
            .order_by("currency")
        )
    )
    order_values = dict(
        _orders_of(costed).values("currency").annotate(total=Sum("amount")).values_list("currency", "total").order_by()
    )
    by_bearer: Iterable[Mapping[str, Any]]
    by_partner: Iterable[Mapping[str, Any]]
    by_supplier: Iterable[Mapping[str, Any]]
    if rolled is not None:
        by_bearer, by_partner, by_supplier = rolled.cost_by_bearer, rolled.cost_by_partner, rolled.cost_by_supplier
    else:
        by_bearer = costed.values("cost_bearer", "currency").annotate(requests=Count("pk"), total=Sum(cost))
        by_partner = costed.values("partner_id", "partner__name", "currency").annotate(
            requests=Count("pk"), total=Sum(cost)
        )
        supplier_lines = first_line_per_supplier(costed)
        if f.supplier_id is not None:
            supplier_lines = supplier_lines.filter(order_line__product__supplier_id=f.supplier_id)
        by_supplier = supplier_lines.values(
            "order_line__product__supplier_id", "order_line__product__supplier__name", "request__currency"
        ).annotate(requests=Count("request_id"), total=Sum(request_cost("request__")))
    bearer_labels = dict(CostBearer.choices)
    return Cost(
        requests=sum(row["requests"] for row in totals),
        totals=[_total(row, money(order_values.get(row["currency"]))) for row in totals],
        recovered_bearers=[str(bearer) for bearer in bearers],
        by_bearer=sorted(
            (
                CostRow(
                    key=row["cost_bearer"],
                    label=str(bearer_labels.get(row["cost_bearer"], "—")),
                    currency=row["currency"],
                    requests=row["requests"],
                    total=money(row["total"]),
                    link=narrowed(link, bearer=row["cost_bearer"] or None),
                )
                for row in by_bearer
            ),
            key=lambda row: (row.currency, -row.total, row.key),
        ),
        by_reason=_by_reason(costed, f, link, rolled),
        by_partner=sorted(
            (
                CostRow(
                    key=str(row["partner_id"]),
                    label=row["partner__name"],
                    currency=row["currency"],
                    requests=row["requests"],
                    total=money(row["total"]),
                    link=narrowed(link, partner=row["partner_id"]),
                )
                for row in by_partner
            ),
            key=lambda row: (row.currency, -row.total, row.label),
        ),
        by_supplier=sorted(
            (
                CostRow(
                    key=str(row["order_line__product__supplier_id"]),
                    label=row["order_line__product__supplier__name"],
                    currency=row["request__currency"],
                    requests=row["requests"],
                    total=money(row["total"]),
                    link=narrowed(link, supplier=row["order_line__product__supplier_id"]),
                )
                for row in by_supplier
            ),
            key=lambda row: (row.currency, -row.total, row.label),
        ),
        link=link,
    )


class EqualsAny(Func):
    """``value = ANY(array)`` (PostgreSQL)."""

    output_field = BooleanField()
    template = "(%(expressions)s))"
    arg_joiner = " = ANY("


def _orders_of(requests: QuerySet[ReshipRequest]) -> QuerySet[Order]:
    """The requests' orders, each once. On PostgreSQL as ``id = ANY(ARRAY(subquery))``: the plan
    looks each order up by its key, where ``IN (subquery)`` read all of a million orders to hash
    join a few thousand (0.5–0.7 s of the biggest seller's quarter, EXPLAIN ANALYZE)."""
    if connection.vendor == "postgresql":
        return Order.objects.filter(EqualsAny(F("pk"), ArraySubquery(requests.values("order_id"))))
    return Order.objects.filter(pk__in=requests.values("order_id"))


def _total(row: Mapping[str, Any], order_value: Decimal) -> CostTotal:
    total = money(row["total"])
    recovered = money(row["recovered"])
    return CostTotal(
        currency=row["currency"],
        requests=row["requests"],
        goods=money(row["goods"]),
        shipping=money(row["shipping"]),
        compensation=money(row["compensation"]),
        total=total,
        average_per_request=money_average(total, row["requests"]),
        order_value=order_value,
        share_of_order_value=money_share(total, order_value),
        recovered=recovered,
        recovered_share=money_share(recovered, total),
    )


def _by_reason(
    costed: QuerySet[ReshipRequest], evaluation_filter: EvaluationFilter, link: Link, rolled: Rolled | None
) -> list[CostRow]:
    """Per currency, a conditional count and sum per reason (a fixed set) in one query; a request
    counts under its own reason and its lines' reasons."""
    reasons = [reason for reason in Reason if not evaluation_filter.reason or reason == evaluation_filter.reason]
    cost = request_cost()
    rows: Iterable[Mapping[str, Any]] = (  # a count and a total per reason, named at run time
        rolled.cost_by_reason
        if rolled is not None
        else costed.values("currency")
        .annotate(
            **{
                name: aggregate
                for reason in reasons
                for name, aggregate in (
                    (f"{reason}__requests", Count("pk", filter=has_reason(reason))),
                    (f"{reason}__total", Sum(cost, filter=has_reason(reason))),
                )
            }
        )
        .order_by("currency")
    )
    return sorted(
        (
            CostRow(
                key=reason.value,
                label=str(reason.label),
                currency=row["currency"],
                requests=row[f"{reason}__requests"],
                total=money(row[f"{reason}__total"]),
                link=narrowed(link, reason=reason.value),
            )
            for row in rows
            for reason in reasons
            if row[f"{reason}__requests"]
        ),
        key=lambda row: (row.currency, -row.total, row.key),
    )
