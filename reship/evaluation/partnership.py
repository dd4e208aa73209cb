"""Partnership (合作关系): a scorecard per dropship partner and per source (supplier or manufacturer).

Partner: its requests of the period, approval rate (approved / reviewed, where approved = reviewed
and not rejected — approved-then-cancelled counts as approved), median review hours, SLA hit
rates, follow-up rate (closed requests that needed a follow-up / closed requests) and the seller's
average ratings at close, and its statements' lines disputed per statement issued in the period
(``reship.evaluation.settlement``). A seller sees the partners of its requests, a partner only itself.

Source: the lines of its products in the period's requests and how many were quality defects;
its restock orders for those requests, the average lead time of the confirmed ones (ship date −
the local date the restock was ordered, in days) against the lead time it promises
(``Supplier.restock_lead_days``) and how many shipped within it; and the cost of the requests
whose cost it bore (per currency; a request counts once per source it involves).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.db.models.lookups import LessThanOrEqual

from reship.choices import CostBearer, Reason, RequestStatus, RestockStatus
from reship.evaluation import sql
from reship.evaluation.cost import costed_requests, first_line_per_supplier
from reship.evaluation.links import Link, base_link, narrowed
from reship.evaluation.numbers import average, hours, money, rate
from reship.evaluation.rolled import Rolled
from reship.evaluation.scope import EvaluationFilter, requests_for
from reship.evaluation.settlement import DisputedLines, disputed_lines_per_partner
from reship.models import ReshipLine, RestockOrder


@dataclass(frozen=True)
class PartnerScorecard:
    partner_id: int
    name: str
    requests: int
    reviewed: int
    approved: int
    approval_rate: float | None  # approved / reviewed
    median_review_hours: float | None
    review_sla_rate: float | None
    fulfilment_sla_rate: float | None
    closed: int
    followed_up: int
    follow_up_rate: float | None  # followed_up / closed
    rated: int  # closed requests the seller rated
    rating_speed: float | None  # averages, 1–5
    rating_quality: float | None
    rating_cooperation: float | None
    link: Link
    statements_issued: int = 0  # its statements (对账单) issued in the period, within the scope
    disputed_lines: int = 0  # ... their lines disputed at any time
    disputed_lines_per_statement: float | None = None  # disputed_lines / statements_issued


@dataclass(frozen=True)
class SupplierScorecard:
    supplier_id: int
    name: str
    lines: int  # reship lines of its products
    quality_defects: int  # ... with the reason "quality defect"
    quality_defect_share: float | None
    restock_orders: int  # every restock order: waiting, confirmed or cancelled
    confirmed_restocks: int
    average_lead_days: float | None  # over the confirmed restocks
    promised_lead_days: int
    on_time_restocks: int  # confirmed with a lead time within the promise
    on_time_rate: float | None  # on_time / confirmed
    cost_borne_requests: int  # requests whose cost it bore
    cost_borne: dict[str, Decimal]  # their cost, per currency
    link: Link


def partner_scorecards(evaluation_filter: EvaluationFilter, rolled: Rolled | None = None) -> list[PartnerScorecard]:
    requests = requests_for(evaluation_filter)
    closed = Q(status=RequestStatus.CLOSED)
    rows = (
        rolled.partners
        if rolled is not None
        else requests.values("partner_id", "partner__name")
        .annotate(
            requests=Count("pk"),
            reviewed=Count("pk", filter=sql.REVIEWED),
            rejected=Count("pk", filter=sql.REVIEWED & Q(status=RequestStatus.REJECTED)),
            review_hits=Count("pk", filter=sql.review_sla_hit()),
            resolved=Count("pk", filter=sql.RESOLVED),
            fulfilment_hits=Count("pk", filter=sql.fulfilment_sla_hit()),
            closed=Count("pk", filter=closed),
            followed_up=Count("pk", filter=closed & sql.FOLLOWED_UP),
            rated=Count("pk", filter=closed & Q(rating_speed__isnull=False)),
            rating_speed=Avg("rating_speed", filter=closed),
            rating_quality=Avg("rating_quality", filter=closed),
            rating_cooperation=Avg("rating_cooperation", filter=closed),
        )
        .order_by("partner__name", "partner_id")
    )
    medians = sql.percentiles(
        requests.filter(sql.REVIEWED), value=sql.review_seconds(), partition="partner_id", percents=(50,)
    )
    disputed = disputed_lines_per_partner(evaluation_filter)
    link = base_link(evaluation_filter)
    none = DisputedLines(statements_issued=0, disputed_lines=0, per_statement=None)
    return [
        PartnerScorecard(
            partner_id=row["partner_id"],
            name=row["partner__name"],
            requests=row["requests"],
            reviewed=row["reviewed"],
            approved=row["reviewed"] - row["rejected"],
            approval_rate=rate(row["reviewed"] - row["rejected"], row["reviewed"]),
            median_review_hours=hours(medians.get(row["partner_id"], {}).get(50)),
            review_sla_rate=rate(row["review_hits"], row["reviewed"]),
            fulfilment_sla_rate=rate(row["fulfilment_hits"], row["resolved"]),
            closed=row["closed"],
            followed_up=row["followed_up"],
            follow_up_rate=rate(row["followed_up"], row["closed"]),
            rated=row["rated"],
            rating_speed=average(row["rating_speed"]),
            rating_quality=average(row["rating_quality"]),
            rating_cooperation=average(row["rating_cooperation"]),
            link=narrowed(link, partner=row["partner_id"]),
            statements_issued=disputed.get(row["partner_id"], none).statements_issued,
            disputed_lines=disputed.get(row["partner_id"], none).disputed_lines,
            disputed_lines_per_statement=disputed.get(row["partner_id"], none).per_statement,
        )
        for row in rows
    ]


def supplier_scorecards(evaluation_filter: EvaluationFilter, rolled: Rolled | None = None) -> list[SupplierScorecard]:
    """Three grouped queries (lines, restock orders, cost borne), merged per source."""
    f = evaluation_filter
    requests = requests_for(f).values("pk")
    only = {"order_line__product__supplier_id": f.supplier_id} if f.supplier_id is not None else {}
    lines = (
        rolled.supplier_lines
        if rolled is not None
        else ReshipLine.objects.filter(request__in=requests, order_line__product__supplier__isnull=False, **only)
        .values(
            supplier_id=F("order_line__product__supplier_id"),
            name=F("order_line__product__supplier__name"),
            promised=F("order_line__product__supplier__restock_lead_days"),
        )
        .annotate(lines=Count("pk"), quality_defects=Count("pk", filter=Q(reason=Reason.QUALITY_DEFECT)))
        .order_by()
    )
    lead_days = sql.DaysBetween("ship_date", TruncDate("created_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
    confirmed = Q(status=RestockStatus.CONFIRMED, ship_date__isnull=False)
    restock_orders = RestockOrder.objects.filter(request__in=requests)
    if f.supplier_id is not None:
        restock_orders = restock_orders.filter(supplier_id=f.supplier_id)
    restocks = (
        restock_orders.values("supplier_id", name=F("supplier__name"), promised=F("supplier__restock_lead_days"))
        .annotate(
            orders=Count("pk"),
            confirmed=Count("pk", filter=confirmed),
            average_lead_days=Avg(lead_days, filter=confirmed),
            on_time=Count("pk", filter=confirmed & Q(LessThanOrEqual(lead_days, F("supplier__restock_lead_days")))),
        )
        .order_by()
    )
    borne_lines = first_line_per_supplier(costed_requests(f).filter(cost_bearer=CostBearer.SUPPLIER))
    borne = (
        rolled.supplier_borne
        if rolled is not None
        else borne_lines.filter(**only)
        .values(
            supplier_id=F("order_line__product__supplier_id"),
            name=F("order_line__product__supplier__name"),
            promised=F("order_line__product__supplier__restock_lead_days"),
            currency=F("request__currency"),
        )
        .annotate(requests=Count("request_id"), total=Sum(sql.request_cost("request__")))
        .order_by("currency")
    )

    line_rows = {row["supplier_id"]: row for row in lines}
    restock_rows = {row["supplier_id"]: row for row in restocks}
    borne_rows: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for row in borne:
        borne_rows[row["supplier_id"]].append(row)
    sources = {
        row["supplier_id"]: (row["name"], row["promised"])
        for row in chain(line_rows.values(), restock_rows.values(), *borne_rows.values())
    }
    link = base_link(f)
    cards = []
    for supplier_id, (name, promised) in sources.items():
        line_row: Mapping[str, Any] = line_rows.get(supplier_id, {})
        restock_row: Mapping[str, Any] = restock_rows.get(supplier_id, {})
        cards.append(
            SupplierScorecard(
                supplier_id=supplier_id,
                name=name,
                lines=line_row.get("lines", 0),
                quality_defects=line_row.get("quality_defects", 0),
                quality_defect_share=rate(line_row.get("quality_defects", 0), line_row.get("lines", 0)),
                restock_orders=restock_row.get("orders", 0),
                confirmed_restocks=restock_row.get("confirmed", 0),
                average_lead_days=average(restock_row.get("average_lead_days")),
                promised_lead_days=promised,
                on_time_restocks=restock_row.get("on_time", 0),
                on_time_rate=rate(restock_row.get("on_time", 0), restock_row.get("confirmed", 0)),
                cost_borne_requests=sum(row["requests"] for row in borne_rows[supplier_id]),
                cost_borne={row["currency"]: money(row["total"]) for row in borne_rows[supplier_id]},
                link=narrowed(link, supplier=supplier_id),
            )
        )
    return sorted(cards, key=lambda card: (card.name, card.supplier_id))
