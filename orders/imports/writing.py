"""Order drafts → rows in the database, in one transaction per batch, with bulk queries.

- The key is (seller, platform order number). An order already there is updated when the file
  differs: its fields, its lines (added, changed, removed) and new parcels (carrier + tracking
  number; a parcel is never removed by an import). A line a reship request holds is never removed
  or reduced below what requests claim: the order is refused with the reason instead.
- The batch's existing orders are locked (``select_for_update``, as ``reship_submit`` locks its
  order), so a request submitted at the same moment cannot claim a line the import is reducing.
- The queries grow per batch, not per row. If a batch hits a conflict written at the same moment
  by someone else (the same order number or parcel), it is written again order by order, and only
  the order in conflict is refused.
- A new order with a parcel is "shipped"; its parcel's shipping time is the order's time (the
  file does not say when it shipped).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import ship_to
from orders.choices import OrderStatus
from orders.imports.fields import (
    QUANTITY,
    SKU_CODE,
    TRACKING_NUMBER,
)
from orders.imports.validation import Context, LineDraft, OrderDraft, Problems
from orders.models import Carrier, Order, OrderLine, Shipment
from reship.models import ReshipLine
from reship.selectors.quantities import claimed_quantities

logger = logging.getLogger(__name__)

# The order's fields an import sets, compared to tell "updated" from "unchanged".
COMPARED_FIELDS = (
    "platform",
    "customer_name",
    "customer_phone",
    "customer_email",
    *ship_to.MODEL_FIELDS,
    "partner_id",
    "amount",
    "placed_at",
)


# --- Writing a batch --------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[list[tuple[int, list[str]]], Problems]] = field(default_factory=list)


def write_batch(context: Context, drafts: list[OrderDraft]) -> BatchOutcome:
    """Write the drafts in one transaction; on a conflict from outside, one by one (see module doc)."""
    if not drafts:
        return BatchOutcome()
    try:
        with transaction.atomic():
            return _write(context, drafts)
    except IntegrityError:
        logger.info("import batch of %d orders hit a conflict; writing them one by one", len(drafts))
    outcome = BatchOutcome()
    for draft in drafts:
        try:
            with transaction.atomic():
                one = _write(context, [draft])
        except IntegrityError:
            message = _("Changed by someone else while this file was imported; import the row again.")
            outcome.refused.append((draft.rows, {draft.rows[0][0]: [(None, message)]}))
            continue
        outcome.created += one.created
        outcome.updated += one.updated
        outcome.unchanged += one.unchanged
        outcome.refused += one.refused
    return outcome


def _write(context: Context, drafts: list[OrderDraft]) -> BatchOutcome:
    outcome = BatchOutcome()
    # Plain values, not model instances: a batch of orders already there is mostly unchanged, and
    # building thousands of instances only to compare them would be most of the work.
    existing = {
        row["platform_order_number"]: row
        for row in Order.objects.select_for_update(of=("self",))
        .filter(seller=context.seller, platform_order_number__in=[draft.number for draft in drafts])
        .values("pk", "platform_order_number", "status", *COMPARED_FIELDS)
    }
    lines_of: dict[int, list[CurrentLine]] = defaultdict(list)
    if existing:
        for line in (
            OrderLine.objects.filter(order_id__in=[row["pk"] for row in existing.values()])
            .order_by("id")
            .values_list("id", "order_id", "product_id", "quantity", "unit_price", "product__sku_code")
        ):
            lines_of[line[1]].append(CurrentLine(*line))
    line_ids = [line.pk for lines in lines_of.values() for line in lines]
    claimed = claimed_quantities(line_ids) if line_ids else {}
    in_requests = (
        set(ReshipLine.objects.filter(order_line_id__in=line_ids).values_list("order_line_id", flat=True))
        if line_ids
        else set()
    )
    wanted = {parcel for draft in drafts for parcel in draft.parcels}
    parcel_owner: dict[tuple[int, str], Any] = {}
    if wanted:
        for order_id, carrier, tracking in Shipment.objects.filter(
            tracking_number__in={tracking for _carrier, tracking in wanted}
        ).values_list("order_id", "carrier_id", "tracking_number"):
            if (carrier, tracking) in wanted:
                parcel_owner[(carrier, tracking)] = order_id

    new_orders: list[tuple[Order, OrderDraft]] = []
    changed_orders: list[Order] = []
    new_lines: list[OrderLine] = []
    changed_lines: list[OrderLine] = []
    removed_lines: list[int] = []
    new_parcels: list[Shipment] = []
    now = timezone.now()
    for draft in drafts:
        current = existing.get(draft.number)
        owner_key = current["pk"] if current is not None else draft.number
        problems: Problems = defaultdict(list)
        for parcel, row in draft.parcels.items():
            owner = parcel_owner.get(parcel)
            if owner is not None and owner != owner_key:
                problems[row].append(
                    (
                        TRACKING_NUMBER,
                        _("%(carrier)s %(tracking)s is already the parcel of another order.")
                        % {
                            "carrier": draft.parcel_labels.get(parcel) or _carrier_name(parcel[0]),
                            "tracking": parcel[1],
                        },
                    )
                )
        plan = (
            None if current is None else _line_changes(draft, lines_of[current["pk"]], claimed, in_requests, problems)
        )
        if any(problems.values()):
            outcome.refused.append((draft.rows, {row: found for row, found in problems.items() if found}))
            continue
        fresh_parcels = [parcel for parcel in draft.parcels if parcel not in parcel_owner]
        for parcel in fresh_parcels:
            parcel_owner[parcel] = owner_key  # a later order of this batch may not take it
        values = _values(draft)
        if current is None:
            status = OrderStatus.SHIPPED if draft.parcels else OrderStatus.PENDING
            order = Order(seller=context.seller, platform_order_number=draft.number, status=status, **values)
            new_orders.append((order, draft))
            outcome.created += 1
            continue
        assert plan is not None  # planned for every current order
        added, changed, removed = plan
        status = current["status"]
        if fresh_parcels and status == OrderStatus.PENDING:
            status = OrderStatus.SHIPPED
        fields_changed = status != current["status"] or any(current[name] != values[name] for name in COMPARED_FIELDS)
        if not (fields_changed or added or changed or removed or fresh_parcels):
            outcome.unchanged += 1
            continue
        outcome.updated += 1
        if fields_changed:
            changed_orders.append(Order(pk=current["pk"], status=status, updated_at=now, **values))
        new_lines += [_order_line(current["pk"], line) for line in added]
        changed_lines += changed
        removed_lines += removed
        new_parcels += [_shipment(current["pk"], draft, parcel) for parcel in fresh_parcels]

    if new_orders:
        Order.objects.bulk_create([order for order, _draft in new_orders])
        for order, draft in new_orders:
            new_lines += [_order_line(order.pk, line) for line in draft.lines]
            new_parcels += [_shipment(order.pk, draft, parcel) for parcel in draft.parcels]
    if removed_lines:
        OrderLine.objects.filter(pk__in=removed_lines).delete()
    if changed_orders:
        Order.objects.bulk_update(changed_orders, [*COMPARED_FIELDS, "status", "updated_at"])
    if changed_lines:
        OrderLine.objects.bulk_update(changed_lines, ["quantity", "unit_price"])
    if new_lines:
        OrderLine.objects.bulk_create(new_lines)
    if new_parcels:
        Shipment.objects.bulk_create(new_parcels)
    return outcome


class CurrentLine(NamedTuple):
    pk: int
    order_id: int
    product_id: int
    quantity: int
    unit_price: Decimal
    sku: str


def _values(draft: OrderDraft) -> dict[str, Any]:
    return {
        "platform": draft.platform,
        "customer_name": draft.customer_name,
        "customer_phone": draft.customer_phone,
        "customer_email": draft.customer_email,
        **draft.ship_to,
        "partner_id": draft.partner_id,
        "amount": draft.amount,
        "placed_at": draft.placed_at,
    }


def _line_changes(
    draft: OrderDraft,
    current: list[CurrentLine],
    claimed: dict[int, int],
    in_requests: set[int],
    problems: Problems,
) -> tuple[list[LineDraft], list[OrderLine], list[int]]:
    """Lines to add, lines changed in place, ids of lines to remove — or problems when a reship
    request holds a line the file removes or reduces below what is claimed."""
    by_product: dict[int, CurrentLine] = {}
    extra: list[CurrentLine] = []
    for current_line in current:
        if current_line.product_id in by_product:
            extra.append(current_line)  # the same SKU twice (made outside order_create): the file's line replaces both
        else:
            by_product[current_line.product_id] = current_line
    added: list[LineDraft] = []
    changed: list[OrderLine] = []
    for line in draft.lines:
        existing = by_product.pop(line.product_id, None)
        if existing is None:
            added.append(line)
            continue
        if existing.quantity == line.quantity and existing.unit_price == line.unit_price:
            continue
        held = claimed.get(existing.pk, 0)
        if line.quantity < held:
            problems[line.row].append(
                (
                    QUANTITY,
                    _("Reship requests already claim %(claimed)s of SKU %(sku)s; the quantity cannot be less.")
                    % {"claimed": held, "sku": line.sku},
                )
            )
            continue
        changed.append(OrderLine(pk=existing.pk, quantity=line.quantity, unit_price=line.unit_price))
    removed = []
    for left_out in [*by_product.values(), *extra]:
        if left_out.pk in in_requests:
            problems[draft.rows[0][0]].append(
                (
                    SKU_CODE,
                    _("The file leaves out a line of this order that a reship request holds (SKU %(sku)s); keep it.")
                    % {"sku": left_out.sku},
                )
            )
        else:
            removed.append(left_out.pk)
    return added, changed, removed


def _order_line(order_id: int, line: LineDraft) -> OrderLine:
    return OrderLine(order_id=order_id, product_id=line.product_id, quantity=line.quantity, unit_price=line.unit_price)


def _shipment(order_id: int, draft: OrderDraft, parcel: tuple[int, str]) -> Shipment:
    return Shipment(
        order_id=order_id,
        carrier_id=parcel[0],
        carrier_label=draft.parcel_labels.get(parcel, ""),
        tracking_number=parcel[1],
        shipped_at=draft.placed_at,
    )


def _carrier_name(carrier_id: int) -> str:
    """A carrier's name for a refusal's message (rare: a query is fine)."""
    carrier = Carrier.objects.filter(pk=carrier_id).first()
    return carrier.name if carrier else ""
