"""Fulfilment (补货 / 补寄 / 补偿): restock from the source, resend in parcels, or compensate; the
request leaves fulfilment when every line is resolved."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.carriers import carrier_label_clean, carrier_resolve, tracking_number_clean
from orders.models import Carrier, Product, Shipment
from reship import lifecycle, permissions
from reship.accounts.roles import Role
from reship.choices import (
    RESOLVED_LINE_STATUSES,
    Action,
    CompensationMethod,
    CostPayer,
    CustomerEvent,
    EventKind,
    LineStatus,
    RequestStatus,
    Resolution,
    RestockStatus,
)
from reship.core import inputs, signing
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.models import (
    ReshipLine,
    ReshipRequest,
    RestockOrder,
)
from reship.notifications import customer, outbox
from reship.workflow import delivery
from reship.workflow.base import action_check, lock, move, transition

if TYPE_CHECKING:
    from reship.accounts.models import User

S = RequestStatus


@dataclass(frozen=True)
class ShipItem:
    line_id: int
    substitute_product_id: int | None = None


def _lines_of(request: ReshipRequest, line_ids: Sequence[int], field: str) -> list[ReshipLine]:
    if not line_ids:
        raise InvalidInput(_("Choose at least one line."), field_errors={field: [_("Required.")]})
    if len(set(line_ids)) != len(line_ids):
        raise InvalidInput(_("A line is listed twice."), field_errors={field: [_("Listed twice.")]})
    lines = list(
        ReshipLine.objects.select_for_update(of=("self",))
        .filter(request=request, pk__in=line_ids)
        .select_related("order_line__product__supplier")
        .order_by("pk")
    )
    if len(lines) != len(line_ids):
        raise InvalidInput(
            _("Some lines are not lines of request %(number)s.") % {"number": request.number},
            field_errors={field: [_("Not a line of this request.")]},
        )
    return lines


def _finish_fulfilment_if_resolved(request: ReshipRequest, now: datetime) -> str:
    """A request leaves fulfilment when every line is resolved (shipped or compensated)."""
    unresolved = request.lines.exclude(status__in=RESOLVED_LINE_STATUSES).exists()
    if unresolved:
        return S.FULFILLING
    request.resolved_at = now
    delivery.survey_schedule(request, now)  # the survey waits for the goods (reship.workflow.delivery)
    return S.INFO_UPDATE


def shipment_facts(shipment: Shipment) -> dict[str, str]:
    """What an event and a message keep of a parcel: the carrier's code and both names (the reader's
    language is chosen when it is shown), the number and the link to the carrier's tracking page."""
    carrier = shipment.carrier
    return {
        "carrier": shipment.carrier_label or carrier.name_en,
        "carrier_code": carrier.code,
        "carrier_name_zh": shipment.carrier_label or carrier.name_zh,
        "carrier_name_en": shipment.carrier_label or carrier.name_en,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_link,
    }


def reship_start_restock(
    *, request_id: int, actor: User, line_ids: Sequence[int], note: str = "", now: datetime | None = None
) -> list[RestockOrder]:
    """The partner orders goods from each line's source (补货); the source is emailed a signed link."""
    with transition(Action.START_RESTOCK, request_id=request_id, actor=actor, now=now) as (request, now):
        note = inputs.optional_text(note, "note")
        lines = _lines_of(request, line_ids, "line_ids")
        for line in lines:
            if line.resolution != Resolution.RESTOCK_RESEND or line.status != LineStatus.PENDING:
                raise InvalidInput(
                    _("SKU %(sku)s is not waiting for a restock (it is %(status)s, to be %(resolution)s).")
                    % {
                        "sku": line.order_line.product.sku_code,
                        "status": line.get_status_display(),
                        "resolution": line.get_resolution_display(),
                    },
                    field_errors={"line_ids": [_("Not waiting for a restock.")]},
                )
        orders = RestockOrder.objects.bulk_create(
            RestockOrder(
                request=request,
                line=line,
                supplier=line.order_line.product.supplier,
                quantity=line.quantity,
                note=note,
                created_by=actor,
                created_at=now,
            )
            for line in lines
        )
        ReshipLine.objects.filter(pk__in=[line.pk for line in lines]).update(status=LineStatus.RESTOCKING)
        move(
            request,
            actor=actor,
            kind=EventKind.RESTOCK_STARTED,
            to_status=S.FULFILLING,
            message=note,
            data={"restock_orders": [order.pk for order in orders]},
            now=now,
        )
        by_supplier: dict[int, list[RestockOrder]] = defaultdict(list)
        for restock in orders:
            by_supplier[restock.supplier_id].append(restock)
        for supplier_orders in by_supplier.values():
            outbox.announce(
                request=request,
                template="restock_ordered",
                supplier=supplier_orders[0].supplier,
                context={
                    "items": [
                        {
                            "sku": restock.line.order_line.product.sku_code,
                            "name": restock.line.order_line.product.name,
                            "quantity": restock.quantity,
                            "confirm_path": signing.restock_confirm_path(restock),
                        }
                        for restock in supplier_orders
                    ],
                    "note": note,
                },
            )
        return orders


def reship_confirm_restock(
    *, restock_order_id: int, actor: User | None, ship_date: date, note: str = "", now: datetime | None = None
) -> RestockOrder:
    """The source confirms (through its signed link: ``actor=None``), or the partner on its behalf."""
    with transaction.atomic():
        # Lock order as everywhere else: the request first, then its restock order (no deadlock
        # with a compensation cancelling the same restock).
        request_id = RestockOrder.objects.filter(pk=restock_order_id).values_list("request_id", flat=True).first()
        if request_id is None:
            raise RequestNotFound(_("Restock order not found."))
        request = lock(request_id, actor)
        restock = (
            RestockOrder.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=restock_order_id)
        )
        now = now or timezone.now()  # read once the locks are held: events stay in time order
        if actor is not None and not permissions.can(Action.CONFIRM_RESTOCK, actor, request):
            action_check(request, actor, Action.CONFIRM_RESTOCK)
        if restock.status != RestockStatus.ORDERED:
            raise InvalidTransition(
                _("This restock order is %(status)s already; it cannot be confirmed again.")
                % {"status": restock.get_status_display()}
            )
        action_check(request, actor, Action.CONFIRM_RESTOCK)
        if not isinstance(ship_date, date):
            raise InvalidInput(_("Enter a ship date."), field_errors={"ship_date": [_("Not a date.")]})
        today = timezone.localdate(now)
        if not today - timedelta(days=30) <= ship_date <= today + timedelta(days=365):
            raise InvalidInput(
                _("The ship date must be within the last 30 days or the coming year."),
                field_errors={"ship_date": [_("Out of range.")]},
            )
        note = inputs.optional_text(note, "note")
        restock.status = RestockStatus.CONFIRMED
        restock.ship_date = ship_date
        restock.confirmed_at = now
        restock.confirmed_by = actor
        restock.save(update_fields=["status", "ship_date", "confirmed_at", "confirmed_by"])
        ReshipLine.objects.filter(pk=restock.line_id, status=LineStatus.RESTOCKING).update(status=LineStatus.RESTOCKED)
        move(
            request,
            actor=actor,
            kind=EventKind.RESTOCK_CONFIRMED,
            message=note,
            data={"restock_order": restock.pk, "ship_date": ship_date.isoformat(), "by_source": actor is None},
            now=now,
        )
        outbox.announce(
            request=request,
            template="restock_confirmed",
            context={"supplier": restock.supplier.name, "ship_date": ship_date, "quantity": restock.quantity},
        )
        return restock


def reship_ship(
    *,
    request_id: int,
    actor: User,
    items: Sequence[ShipItem],
    carrier: str | Carrier,
    tracking_number: str,
    carrier_name: str = "",
    quality_check_note: str = "",
    now: datetime | None = None,
) -> Shipment:
    """The partner resends lines (补寄) in one parcel; it becomes a reship Shipment on the order.

    ``carrier`` is a code or a Chinese or English name (or a ``Carrier`` a sheet already resolved);
    the number must fit the carrier's pattern; "other" needs ``carrier_name``."""
    with transition(Action.SHIP, request_id=request_id, actor=actor, now=now) as (request, now):
        if not isinstance(carrier, Carrier):
            carrier = carrier_resolve(carrier)
        tracking_number = tracking_number_clean(carrier, tracking_number)
        carrier_label = carrier_label_clean(carrier, carrier_name)
        quality_check_note = inputs.optional_text(quality_check_note, "quality_check_note")
        lines = _lines_of(request, [item.line_id for item in items], "items")
        substitutes = {item.line_id: item.substitute_product_id for item in items if item.substitute_product_id}
        products = {
            product.pk: product
            for product in Product.objects.filter(pk__in=substitutes.values(), seller_id=request.seller_id)
        }
        for line in lines:
            if not lifecycle.line_ready_to_ship(line.resolution, line.status):
                raise InvalidInput(
                    _("SKU %(sku)s cannot be shipped now: it is %(status)s, to be %(resolution)s.")
                    % {
                        "sku": line.order_line.product.sku_code,
                        "status": line.get_status_display(),
                        "resolution": line.get_resolution_display(),
                    },
                    field_errors={"items": [_("Not ready to ship.")]},
                )
            if line.pk in substitutes and substitutes[line.pk] not in products:
                raise InvalidInput(
                    _("The substitute SKU must be one of the seller's products."),
                    field_errors={"items": [_("Unknown substitute SKU.")]},
                )
        already_used = InvalidInput(
            _("%(carrier)s tracking number %(tracking)s is already used by another parcel.")
            % {"carrier": carrier_label or carrier.name, "tracking": tracking_number},
            field_errors={"tracking_number": [_("Already used.")]},
        )
        if Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).exists():
            raise already_used
        try:
            with transaction.atomic():  # a parcel registered at the same moment by another request
                shipment = Shipment.objects.create(
                    order_id=request.order_id,
                    carrier=carrier,
                    carrier_label=carrier_label,
                    tracking_number=tracking_number,
                    shipped_at=now,
                    reship_request=request,
                )
        except IntegrityError:
            raise already_used from None
        shipped = []
        for line in lines:
            line.status = LineStatus.SHIPPED
            line.shipment = shipment
            line.quality_check_note = quality_check_note
            substitute_id = substitutes.get(line.pk)
            line.substitute_product = products.get(substitute_id) if substitute_id is not None else None
            line.resolved_at = now
            shipped.append(
                {
                    "sku": line.order_line.product.sku_code,
                    "name": line.order_line.product.name,
                    "quantity": line.quantity,
                    "substitute_sku": line.substitute_product.sku_code if line.substitute_product else None,
                    "substitute_name": line.substitute_product.name if line.substitute_product else None,
                }
            )
        parcel = shipment_facts(shipment)
        # The customer hears of the parcel from the shop (once: its key is the parcel); the lines it
        # told them of need no second word at the contact step.
        told = customer.customer_tell(
            request=request,
            event=CustomerEvent.LINES_SHIPPED,
            now=now,
            about=shipment.pk,
            facts={**parcel, "lines": shipped},
        )
        for line in lines:
            line.customer_told_at = now if told else line.customer_told_at
        ReshipLine.objects.bulk_update(
            lines, ["status", "shipment", "quality_check_note", "substitute_product", "resolved_at", "customer_told_at"]
        )
        to_status = _finish_fulfilment_if_resolved(request, now)
        move(
            request,
            actor=actor,
            kind=EventKind.SHIPPED,
            to_status=to_status,
            fields=["resolved_at"],
            message=quality_check_note,
            data={**parcel, "shipment": shipment.pk, "lines": shipped},
            now=now,
        )
        outbox.announce(request=request, template="lines_shipped", context={**parcel, "lines": shipped})
        return shipment


def reship_compensate(
    *,
    request_id: int,
    actor: User,
    line_ids: Sequence[int],
    method: str,
    amount: Any,
    note: str = "",
    now: datetime | None = None,
) -> ReshipRequest:
    """The customer is compensated (补偿) for lines instead of getting goods; the amount is added to
    the request's compensation cost. The partner may compensate lines planned as resends instead (out
    of stock) until the goods are on their way (``lifecycle.line_offered``); the event records that
    change of plan."""
    with transition(Action.COMPENSATE, request_id=request_id, actor=actor, now=now) as (request, now):
        method = inputs.choice(method, CompensationMethod, "method")
        amount = inputs.money(amount, "amount", positive=True)
        note = inputs.optional_text(note, "note")
        lines = _lines_of(request, line_ids, "line_ids")
        for line in lines:
            if line.status in RESOLVED_LINE_STATUSES or line.status == LineStatus.CANCELLED:
                raise InvalidInput(
                    _("SKU %(sku)s is %(status)s already.")
                    % {"sku": line.order_line.product.sku_code, "status": line.get_status_display()},
                    field_errors={"line_ids": [_("Already resolved.")]},
                )
            if not lifecycle.line_offered(Action.COMPENSATE, line, permissions.side_of(actor, request)):
                raise InvalidTransition(
                    _("SKU %(sku)s is being resent (%(status)s): it cannot be compensated instead.")
                    % {"sku": line.order_line.product.sku_code, "status": line.get_status_display()}
                )
        changed_plan = [line.pk for line in lines if line.resolution != Resolution.COMPENSATION]
        by_partner = permissions.side_of(actor, request) == Role.PARTNER
        paid_by = CostPayer.PARTNER if by_partner else CostPayer.SELLER
        share = (amount / len(lines)).quantize(Decimal("0.01"))
        for index, line in enumerate(lines):
            line.status = LineStatus.COMPENSATED
            line.resolution = Resolution.COMPENSATION
            line.compensation_method = method
            line.compensation_paid_by = paid_by
            # The last line takes the rounding remainder so the parts add up to the amount.
            line.compensation_amount = amount - share * (len(lines) - 1) if index == len(lines) - 1 else share
            line.resolved_at = now
        ReshipLine.objects.bulk_update(
            lines,
            [
                "status",
                "resolution",
                "compensation_method",
                "compensation_paid_by",
                "compensation_amount",
                "resolved_at",
            ],
        )
        RestockOrder.objects.filter(line__in=lines, status=RestockStatus.ORDERED).update(status=RestockStatus.CANCELLED)
        request.quote_compensation = (request.quote_compensation or Decimal("0.00")) + amount
        if request.quote_compensation >= Decimal("1e10"):
            raise InvalidInput(
                _("The request's compensation would exceed what can be recorded."),
                field_errors={"amount": [_("Too large.")]},
            )
        to_status = _finish_fulfilment_if_resolved(request, now)
        move(
            request,
            actor=actor,
            kind=EventKind.COMPENSATED,
            to_status=to_status,
            fields=["quote_compensation", "resolved_at"],
            message=note,
            data={
                "method": method,
                "amount": str(amount),
                "lines": [line.pk for line in lines],
                "changed_from_goods": changed_plan,
            },
            now=now,
        )
        # The other side hears of it: the seller when the partner compensated; the partner when the
        # seller did (it must not ship those lines any more). The customer hears it from the shop.
        other = outbox.Audience.SELLER if by_partner else outbox.Audience.PARTNER
        facts = {
            "method": method,
            "amount": amount,
            "currency": request.currency,
            "lines": [
                {
                    "sku": line.order_line.product.sku_code,
                    "name": line.order_line.product.name,
                    "quantity": line.quantity,
                }
                for line in lines
            ],
        }
        outbox.announce(request=request, template="lines_compensated", audience=[other], context=facts)
        told = customer.customer_tell(
            request=request,
            event=CustomerEvent.LINES_COMPENSATED,
            now=now,
            about="-".join(str(line.pk) for line in lines),
            facts=facts,
        )
        if told:
            ReshipLine.objects.filter(pk__in=[line.pk for line in lines]).update(customer_told_at=now)
        return request
