"""What an order line has left to claim: its quantity less what live requests already hold."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Sum

from orders.models import Order, OrderLine
from reship.lifecycle import CLAIMING_STATUSES
from reship.models import ReshipLine


def claimed_quantities(order_line_ids: Iterable[int]) -> dict[int, int]:
    """Quantities already claimed per order line by first requests that still hold them (follow-ups
    re-claim a closed request's quantity and are capped by it instead)."""
    rows = (
        ReshipLine.objects.filter(
            order_line_id__in=list(order_line_ids),
            request__status__in=CLAIMING_STATUSES,
            request__follow_up_of__isnull=True,
        )
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    return {row["order_line_id"]: row["total"] for row in rows}


def remaining_quantities(order: Order, lines: Iterable[OrderLine] | None = None) -> dict[int, int]:
    """What each of the order's lines has left to claim, in one query (two without ``lines``, the
    order's lines when the caller read them already)."""
    lines = list(order.lines.all()) if lines is None else list(lines)
    claimed = claimed_quantities(line.pk for line in lines)
    return {line.pk: line.quantity - claimed.get(line.pk, 0) for line in lines}
