"""The money rules of a statement: which cost items a closed request has, who bears which share, and
what moves between the two sides. Pure rules and one read; ``statements`` writes what they give.

Cost items of a request (in its currency): the quoted goods and shipping (the partner shipped them,
so the partner paid), and each compensated line's amount (paid by whoever recorded it: the partner,
or the seller itself — ``ReshipLine.compensation_paid_by``). Items of zero are left out.

Between the partner and a seller, the seller's share of an item is all of it when the seller bears
the cost, ``shared_seller_percent`` of it when it is shared, and nothing when the partner, the source
or the carrier bears it: the partner buys from the source and ships with the carrier, so it recovers
their shares from them (on the source's statement, or by the carrier's claim). What moves is the
seller's share less what the seller paid itself:

    due = seller's share − (amount if the seller paid it else 0)

positive: the seller pays the partner; negative: the partner pays the seller.

Between the partner and a source, the source's share is every item of a request it bears (the cost
was the partner's, or the partner reimbursed the seller on the seller's statement): the source pays
the partner the whole amount. A request's source is the source of its first line's product.

A follow-up of a request already on an issued statement never changes that statement: its items go
on the next one as adjustment lines naming the original (``adjusts``, ``note``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from reship.choices import (
    CostBearer,
    CostPayer,
    LineStatus,
    RequestStatus,
    Resolution,
    StatementItem,
    StatementKind,
    StatementStatus,
)
from reship.models import ReshipLine, ReshipRequest, Statement, StatementLine

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CostItem:
    """One cost item of a closed request, as recorded on the request."""

    request_id: int
    request_number: str
    order_number: str
    closed_at: datetime | None
    item: str  # StatementItem: goods, shipping, compensation
    resolution: str
    currency: str
    amount: Decimal
    paid_by: str  # CostPayer
    bearer: str  # CostBearer
    reship_line_id: int | None = None
    # A follow-up's items adjust the original request's first line on an issued statement.
    adjusts_line_id: int | None = None
    note: str = field(default="")


def seller_share(amount: Decimal, bearer: str, shared_seller_percent: int) -> Decimal:
    """The part of an item the seller bears (to the cent, halves rounded up)."""
    if bearer == CostBearer.SELLER:
        return amount
    if bearer == CostBearer.SHARED:
        return (amount * Decimal(shared_seller_percent) / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)
    return ZERO


def seller_due(*, amount: Decimal, paid_by: str, bearer: str, shared_seller_percent: int) -> tuple[Decimal, Decimal]:
    """``(seller's share, due)`` of an item between the partner and a seller (signs: module docstring)."""
    share = seller_share(amount, bearer, shared_seller_percent)
    paid_by_seller = amount if paid_by == CostPayer.SELLER else ZERO
    return share, share - paid_by_seller


def source_due(*, amount: Decimal) -> tuple[Decimal, Decimal]:
    """``(source's share, due)`` of an item the source bears: all of it, paid to the partner."""
    return amount, amount


def line_due(
    *, kind: str, amount: Decimal, paid_by: str, bearer: str, shared_seller_percent: int
) -> tuple[Decimal, Decimal]:
    """``(counterparty's share, due)`` of an item on a statement of this kind. On a source's
    statement every item is the source's as drawn up; one the partner later agrees the source does
    not bear (its bearer changed in answer to a dispute) moves nothing."""
    if kind == StatementKind.SUPPLIER:
        return source_due(amount=amount) if bearer == CostBearer.SUPPLIER else (ZERO, ZERO)
    return seller_due(amount=amount, paid_by=paid_by, bearer=bearer, shared_seller_percent=shared_seller_percent)


def _goods_resolution(lines: list[ReshipLine]) -> str:
    resolutions = {line.resolution for line in lines if line.status != LineStatus.CANCELLED}
    if Resolution.RESTOCK_RESEND in resolutions:
        return Resolution.RESTOCK_RESEND
    if Resolution.RESEND in resolutions:
        return Resolution.RESEND
    return Resolution.COMPENSATION if resolutions else ""


def request_items(request: ReshipRequest) -> list[CostItem]:
    """The request's cost items as recorded (its lines prefetched as ``settled_lines``)."""
    lines: list[ReshipLine] = list(getattr(request, "settled_lines", None) or request.lines.all())
    base = CostItem(
        request_id=request.pk,
        request_number=request.number,
        order_number=request.order.platform_order_number,
        closed_at=request.closed_at,
        item="",
        resolution="",
        currency=request.currency,
        amount=ZERO,
        paid_by=CostPayer.PARTNER,
        bearer=request.cost_bearer,
    )
    items: list[CostItem] = []
    goods_resolution = _goods_resolution(lines)
    for kind, amount in ((StatementItem.GOODS, request.quote_goods), (StatementItem.SHIPPING, request.quote_shipping)):
        if amount:
            items.append(replace(base, item=kind, resolution=goods_resolution, amount=amount))
    for line in lines:
        if line.status == LineStatus.COMPENSATED and line.compensation_amount:
            items.append(
                replace(
                    base,
                    item=StatementItem.COMPENSATION,
                    resolution=Resolution.COMPENSATION,
                    amount=line.compensation_amount,
                    paid_by=line.compensation_paid_by or CostPayer.PARTNER,
                    reship_line_id=line.pk,
                )
            )
    return items


def _first_line_supplier() -> Subquery:
    return Subquery(
        ReshipLine.objects.filter(request_id=OuterRef("pk"))
        .order_by("pk")
        .values("order_line__product__supplier_id")[:1]
    )


def same_pair(statement: Statement, prefix: str = "") -> Q:
    """Statements (or rows through ``prefix``) of the statement's pair and kind."""
    return Q(
        **{
            f"{prefix}kind": statement.kind,
            f"{prefix}partner_id": statement.partner_id,
            f"{prefix}seller_id" if statement.seller_id else f"{prefix}seller__isnull": statement.seller_id or True,
            f"{prefix}supplier_id" if statement.supplier_id else f"{prefix}supplier__isnull": statement.supplier_id
            or True,
        }
    )


def requests_due(statement: Statement) -> QuerySet[ReshipRequest]:
    """The closed requests a statement takes: the pair's, closed before its cut-off, on no other of
    the pair's statements (so one that missed an earlier period is taken by the next); for a source,
    only those the source bears."""
    on_a_statement = (
        StatementLine.objects.filter(request_id=OuterRef("pk"))
        .filter(same_pair(statement, "statement__"))
        .exclude(statement_id=statement.pk)
    )
    requests = ReshipRequest.objects.filter(
        partner_id=statement.partner_id, status=RequestStatus.CLOSED, closed_at__lt=statement.cut_off
    ).filter(~Exists(on_a_statement))
    if statement.kind == StatementKind.SUPPLIER:
        requests = requests.filter(cost_bearer=CostBearer.SUPPLIER).annotate(source_id=_first_line_supplier())
        requests = requests.filter(source_id=statement.supplier_id)
    else:
        requests = requests.filter(seller_id=statement.seller_id or 0)
    return (
        requests.select_related("order", "follow_up_of")
        .prefetch_related(Prefetch("lines", queryset=ReshipLine.objects.order_by("pk"), to_attr="settled_lines"))
        .order_by("closed_at", "pk")
    )


def statement_items(statement: Statement) -> list[CostItem]:
    """Every cost item the statement takes, in the order of closing; a follow-up's items are
    adjustments of its original's line on an earlier issued statement of the pair."""
    requests = list(requests_due(statement))
    originals = {request.follow_up_of_id for request in requests if request.follow_up_of_id}
    earlier: dict[int, StatementLine] = {}
    if originals:
        for line in (
            StatementLine.objects.filter(same_pair(statement, "statement__"), request_id__in=originals)
            .exclude(statement__status=StatementStatus.DRAFT)
            .select_related("statement")
            .order_by("statement__period_start", "position", "pk")
        ):
            earlier.setdefault(line.request_id or 0, line)
    items: list[CostItem] = []
    for request in requests:
        original = earlier.get(request.follow_up_of_id or 0)
        for item in request_items(request):
            if original is not None:
                note = _("Follow-up of %(request)s, which is on statement %(statement)s.") % {
                    "request": original.request_number,
                    "statement": original.statement.number,
                }
                item = replace(item, adjusts_line_id=original.pk, note=note)
            items.append(item)
    return items


def recorded_costs(request: ReshipRequest) -> dict[tuple[str, int | None], Decimal]:
    """What the request recorded per item (the ``(item, line id)`` key of its statement lines): an
    edited line must keep its amount, or come as an adjustment line with a reason."""
    return {(item.item, item.reship_line_id): item.amount for item in request_items(request)}
