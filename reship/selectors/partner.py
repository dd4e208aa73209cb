"""Reads for the dropship partner's pages: the review queue, restock orders, lines to ship, and the
sellers a partner works for. Always scoped to one partner; related rows are fetched once per page,
so a page of 50 costs the same number of queries as a page of 1."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When

from orders.choices import ImportKind
from orders.models import ImportJob, Order, Seller
from reship import privacy
from reship.choices import RequestStatus, RestockStatus
from reship.lifecycle import LINE_READY_TO_SHIP
from reship.models import AutoApprovalRule, ReshipLine, ReshipRequest, RestockOrder
from suppliers.models import DropshipPartner

# Requests whose lines the partner may ship now (the workflow's SHIP transition starts from these).
SHIPPABLE_REQUEST_STATUSES = (RequestStatus.APPROVED, RequestStatus.FULFILLING)


def partner_sellers(*, partner: DropshipPartner) -> QuerySet[Seller]:
    """Sellers whose orders this partner fulfils (an EXISTS, so no duplicate per order)."""
    fulfils = Order.objects.filter(seller_id=OuterRef("pk"), partner=partner)
    return Seller.objects.filter(Exists(fulfils)).order_by("name", "pk")


def partner_review_queue(
    *,
    partner: DropshipPartner,
    seller_id: int | None = None,
    reason: str = "",
    resolution: str = "",
) -> QuerySet[ReshipRequest]:
    """Submitted requests (answered questions come back as submitted), the earliest due first, so
    overdue ones lead. ``reason`` matches the request's reason or any line's; ``resolution``
    matches requests with at least one line resolved that way. Filters are EXISTS subqueries, so a
    request with two matching lines is listed once.

    Count this; show ``partner_queue_rows`` of it (the joins those need would make the count read
    every order of the queue)."""
    queryset = ReshipRequest.objects.filter(partner=partner, status=RequestStatus.SUBMITTED)
    if seller_id is not None:
        queryset = queryset.filter(seller_id=seller_id)
    if reason:
        line_reason = ReshipLine.objects.filter(request_id=OuterRef("pk"), reason=reason)
        queryset = queryset.filter(Q(reason=reason) | Exists(line_reason))
    if resolution:
        queryset = queryset.filter(Exists(ReshipLine.objects.filter(request_id=OuterRef("pk"), resolution=resolution)))
    return queryset.order_by(F("stage_due_at").asc(nulls_last=True), "id")


def partner_queue_rows(queue: QuerySet[ReshipRequest]) -> QuerySet[ReshipRequest, dict[str, Any]]:
    """The few values a queue row shows (``QUEUE_ROW_FIELDS``), not model instances: a page of 50
    built a request, its order and its seller with every column each. Their lines:
    ``partner_queue_lines``."""
    return queue.values(*QUEUE_ROW_FIELDS)


QUEUE_ROW_FIELDS = (
    "pk",
    "number",
    "stage_due_at",
    "reason",
    "seller__name",
    "order__platform",
    "order__platform_order_number",
)


def partner_queue_lines(*, request_ids: Iterable[int]) -> dict[int, list[tuple[str, int, str]]]:
    """The lines of the given queue rows (already scoped to the partner by the queue), each as
    (SKU, quantity, resolution), in the order they were written; one query for a page."""
    found: dict[int, list[tuple[str, int, str]]] = {}
    rows = (
        ReshipLine.objects.filter(request_id__in=list(request_ids))
        .order_by("id")
        .values_list("request_id", "order_line__product__sku_code", "quantity", "resolution")
    )
    for request_id, sku_code, quantity, resolution in rows:
        found.setdefault(request_id, []).append((sku_code, quantity, resolution))
    return found


def partner_restock_orders(*, partner: DropshipPartner, status: str = "") -> QuerySet[RestockOrder]:
    """Restock orders to sources for this partner's requests: those awaiting the source's
    confirmation first, then confirmed, then cancelled; the oldest first within each."""
    queryset = RestockOrder.objects.filter(request__partner=partner)
    if status:
        queryset = queryset.filter(status=status)
    status_rank = Case(
        When(status=RestockStatus.ORDERED, then=Value(0)),
        When(status=RestockStatus.CONFIRMED, then=Value(1)),
        default=Value(2),
    )
    return queryset.select_related("request", "line__order_line__product", "supplier").order_by(
        status_rank, "created_at", "id"
    )


def partner_lines_to_ship(*, partner: DropshipPartner) -> QuerySet[ReshipLine]:
    """Lines ready to go to the customer: resends still pending and restocks the source delivered,
    on requests approved or being fulfilled; by the request's due time, a request's lines together.
    The to-ship page reads their requests again with ``partner_requests_to_ship`` (the ship-to
    window annotated); the sheet reads the request and order joined here."""
    return (
        ReshipLine.objects.filter(
            LINE_READY_TO_SHIP, request__partner=partner, request__status__in=SHIPPABLE_REQUEST_STATUSES
        )
        .select_related("request__order", "order_line__product", "substitute_product")
        .order_by(F("request__stage_due_at").asc(nulls_last=True), "request_id", "id")
    )


def partner_requests_to_ship(*, partner: DropshipPartner, request_ids: Iterable[int]) -> dict[int, ReshipRequest]:
    """The given requests of this partner by id, with their order and shop and the ship-to window
    annotated (``privacy.with_ship_to_window``), so showing their ship-tos costs no query per request."""
    queryset = ReshipRequest.objects.filter(partner=partner, pk__in=list(request_ids)).select_related(
        "order", "seller", "partner"
    )
    return {reship.pk: reship for reship in privacy.with_ship_to_window(queryset)}


def partner_ready_line_ids(*, partner: DropshipPartner, request_ids: Iterable[int]) -> dict[int, list[int]]:
    """The lines ready to ship of each of the given requests of this partner (a request ticked
    whole on the to-ship list); requests not this partner's are absent."""
    rows = (
        ReshipLine.objects.filter(
            LINE_READY_TO_SHIP,
            request__partner=partner,
            request__status__in=SHIPPABLE_REQUEST_STATUSES,
            request_id__in=list(request_ids),
        )
        .order_by("request_id", "id")
        .values_list("request_id", "pk")
    )
    found: dict[int, list[int]] = {}
    for request_id, line_id in rows:
        found.setdefault(request_id, []).append(line_id)
    return found


def partner_lines_to_print(*, partner: DropshipPartner, line_ids: Iterable[int]) -> list[ReshipLine]:
    """The given lines of this partner with what a slip and a pick list print (product, substitute,
    the request with its order, shop and ship-to window), a request's lines together."""
    lines = list(
        ReshipLine.objects.filter(request__partner=partner, pk__in=list(line_ids))
        .select_related("order_line__product", "substitute_product")
        .order_by("request_id", "id")
    )
    requests = partner_requests_to_ship(partner=partner, request_ids={line.request_id for line in lines})
    for line in lines:
        line.request = requests[line.request_id]
    return lines


def partner_request_numbers(*, partner: DropshipPartner, request_ids: list[int]) -> dict[int, str]:
    """Numbers of the given requests that belong to this partner (others are simply absent)."""
    return dict(ReshipRequest.objects.filter(partner=partner, pk__in=request_ids).values_list("pk", "number"))


def partner_auto_approval_rules(*, partner: DropshipPartner) -> QuerySet[AutoApprovalRule]:
    return AutoApprovalRule.objects.filter(partner=partner).prefetch_related("sellers").order_by("name", "pk")


def partner_auto_approval_rule(*, partner: DropshipPartner, rule_id: int) -> AutoApprovalRule | None:
    """One of this partner's rules, or None (another partner's rule does not exist for it)."""
    return AutoApprovalRule.objects.filter(partner=partner, pk=rule_id).prefetch_related("sellers").first()


def partner_tracking_imports(*, partner: DropshipPartner, limit: int = 10) -> list[ImportJob]:
    """The partner's latest tracking imports, newest first."""
    return list(
        ImportJob.objects.filter(partner=partner, kind=ImportKind.TRACKING).select_related("created_by")[:limit]
    )


def partner_tracking_import(*, partner: DropshipPartner, job_id: int) -> ImportJob | None:
    """One of the partner's tracking imports; another partner's (or a seller's order import) is None."""
    return ImportJob.objects.filter(partner=partner, kind=ImportKind.TRACKING, pk=job_id).first()
