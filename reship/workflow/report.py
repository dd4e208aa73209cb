"""A customer's own report (售后自助): the first stage of a request the customer filed on the shop's
after-sale page, before it is the partner's.

``reship_report`` is the customer's (no actor: the public page has checked who they are): the order
row is locked as a seller's submit locks it, the shop's return window and the quantities left to
claim are checked, and the request starts at REPORTED, the seller's step. The seller then confirms
it (it becomes a submitted request, the partner's, exactly as if the seller had filed it), edits its
lines, or declines it with a reason the customer reads. A shop rule (``auto_confirm_rule``) may
confirm it at once, as the system.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from orders.models import Order, OrderLine, Shipment
from reship import lifecycle
from reship.choices import (
    Action,
    CustomerEvent,
    EventKind,
    Reason,
    RequestSource,
    RequestStatus,
    Resolution,
)
from reship.core import inputs
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.models import ReshipLine, ReshipRequest
from reship.notifications import outbox
from reship.notifications.customer import customer_tell
from reship.selectors.quantities import remaining_quantities
from reship.workflow import events
from reship.workflow.application import LineRequest, lines_data, partner_told, request_create, validated_lines
from reship.workflow.base import move, transition
from reship.workflow.review import cancel_open_lines

if TYPE_CHECKING:
    from reship.accounts.models import User

S = RequestStatus
# What a customer may ask for: a restock is the partner's and the seller's business, not theirs.
CUSTOMER_RESOLUTIONS = (Resolution.RESEND, Resolution.COMPENSATION)

Validated = list[tuple[OrderLine, LineRequest, str]]


class ReportAlreadyOpen(InvalidTransition):
    """A line the customer reports is in a request still open: the page links that one instead."""

    code = "report_already_open"

    def __init__(self, message: str, *, open_request: ReshipRequest) -> None:
        super().__init__(message)
        self.open_request = open_request


def report_deadline(order: Order) -> datetime:
    """Until when the shop's customers may report a problem with this order."""
    return order.placed_at + timedelta(days=order.seller.return_window_days)


def _customer_lines(lines: Sequence[LineRequest], preferred_resolution: str) -> list[LineRequest]:
    """The lines with the customer's preferred resolution (one for the report, else each line's own;
    resend when none), refused when it is not one a customer may ask for."""
    chosen = []
    for index, line in enumerate(lines):
        resolution = preferred_resolution or line.resolution or Resolution.RESEND
        if resolution not in CUSTOMER_RESOLUTIONS:
            field = "preferred_resolution" if preferred_resolution else f"lines.{index}.resolution"
            message = _("Choose a resend or a compensation.")
            raise InvalidInput(message, field_errors={field: [message]})
        chosen.append(LineRequest(line.order_line_id, line.quantity, resolution, line.reason))
    return chosen


def _open_request_for(order: Order, lines: Sequence[LineRequest]) -> ReshipRequest | None:
    ids = [line.order_line_id for line in lines]
    held = ReshipLine.objects.filter(
        order_line_id__in=ids, order_line__order=order, request__status__in=lifecycle.OPEN_STATUSES
    )
    first = held.select_related("request").order_by("request__created_at", "request_id").first()
    return first.request if first is not None else None


def _report_value(validated: Validated) -> Decimal:
    return sum((order_line.unit_price * line.quantity for order_line, line, _r in validated), Decimal("0.00"))


def auto_confirm_rule(order: Order, reason: str, validated: Validated, now: datetime) -> dict[str, Any] | None:
    """The shop rule that confirms a customer's report at once, named for the event's data; ``None``
    when none holds. A parcel lost in transit: the order's own shipment left at least the shop's
    days ago and was not delivered. A small report: its lines are worth at most the shop's value."""
    seller = order.seller
    days = seller.auto_confirm_lost_days
    if days is not None and reason == Reason.LOST_IN_TRANSIT:
        late = Shipment.objects.filter(
            order=order, reship_request__isnull=True, shipped_at__lte=now - timedelta(days=days)
        )
        if (
            late.exists()
            and not Shipment.objects.filter(
                order=order, reship_request__isnull=True, delivered_at__isnull=False
            ).exists()
        ):
            return {"rule": "lost_in_transit", "days": days}
    limit = seller.auto_confirm_max_value
    if limit is not None and _report_value(validated) <= limit:
        return {"rule": "max_value", "max_value": str(limit), "value": str(_report_value(validated))}
    return None


def _validated_of(request: ReshipRequest) -> Validated:
    """A request's own lines in the shape the partner's auto-approval rules read."""
    return [
        (line.order_line, LineRequest(line.order_line_id, line.quantity, line.resolution, line.reason), line.reason)
        for line in request.lines.select_related("order_line__product").order_by("pk")
    ]


def _confirm(request: ReshipRequest, *, actor: User | None, data: dict[str, Any], now: datetime) -> None:
    """REPORTED → SUBMITTED: from here on it is the partner's, as if the seller had filed it."""
    request.submitted_at = now
    fields = ["submitted_at"]
    if actor is None:
        request.auto_confirmed = True
        fields.append("auto_confirmed")
    move(
        request,
        actor=actor,
        kind=EventKind.REPORT_CONFIRMED,
        to_status=S.SUBMITTED,
        fields=fields,
        data=data,
        now=now,
    )
    partner_told(request, _validated_of(request), now)


def reship_report(
    *,
    order_id: int,
    seller_id: int,
    lines: Sequence[LineRequest],
    reason: str,
    description: str = "",
    preferred_resolution: str = "",
    now: datetime | None = None,
) -> ReshipRequest:
    """The customer reports a problem with an order of the shop (售后自助); the seller's step next.

    Raises ``RequestNotFound`` (not the shop's order), ``InvalidTransition`` (outside the return
    window, nothing left to claim), ``ReportAlreadyOpen`` (a line is in an open request) or
    ``InvalidInput`` (the lines)."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("partner", "seller")
            .filter(pk=order_id, seller_id=seller_id)
            .first()
        )
        now = now or timezone.now()  # read once the lock is held: events stay in time order
        if order is None:
            raise RequestNotFound(_("Order not found."))
        deadline = report_deadline(order)
        if now > deadline:
            raise InvalidTransition(
                _("Problems with this order could be reported until %(date)s.")
                % {"date": formats.date_format(timezone.localtime(deadline), "DATE_FORMAT")}
            )
        reason = inputs.choice(reason, Reason, "reason")
        description = inputs.optional_text(description, "description")
        lines = _customer_lines(lines, inputs.optional_text(preferred_resolution, "preferred_resolution"))
        open_request = _open_request_for(order, lines)
        if open_request is not None:
            raise ReportAlreadyOpen(
                _("A problem with these items is already being handled; follow it on its page."),
                open_request=open_request,
            )
        caps = remaining_quantities(order)
        if not any(left > 0 for left in caps.values()):
            raise InvalidTransition(_("Everything in this order has already been reported."))
        validated = validated_lines(order, lines, reason, caps)
        request = request_create(
            actor=None,
            order=order,
            reason=reason,
            description=description,
            validated=validated,
            status=S.REPORTED,
            follow_up_of=None,
            now=now,
            source=RequestSource.CUSTOMER,
            reported_at=now,
        )
        events.event_create(
            request=request,
            actor=None,
            kind=EventKind.REPORTED,
            to_status=S.REPORTED,
            message=description,
            data={"lines": lines_data(validated)},
            at=now,
        )
        rule = auto_confirm_rule(order, reason, validated, now)
        if rule is not None:
            _confirm(request, actor=None, data={"automatic": True, **rule}, now=now)
        outbox.announce(request=request, template="request_reported", context={"auto_confirmed": rule is not None})
        customer_tell(request=request, event=CustomerEvent.REQUEST_RECEIVED, now=now)
        return request


def reship_confirm_report(*, request_id: int, actor: User, now: datetime | None = None) -> ReshipRequest:
    """The seller confirms the customer's report: it goes to the partner as a submitted request."""
    with transition(Action.CONFIRM_REPORT, request_id=request_id, actor=actor, now=now) as (request, now):
        _confirm(request, actor=actor, data={}, now=now)
        return request


def reship_edit_report(
    *,
    request_id: int,
    actor: User,
    lines: Sequence[LineRequest],
    reason: str | None = None,
    description: str | None = None,
    now: datetime | None = None,
) -> ReshipRequest:
    """The seller adjusts the customer's report (lines, quantities, resolutions, reason, description)
    before confirming it; the event keeps what it was and what it became."""
    with transition(Action.EDIT_REPORT, request_id=request_id, actor=actor, now=now) as (request, now):
        order = Order.objects.select_for_update(of=("self",)).get(pk=request.order_id)
        before = {"lines": lines_data(_validated_of(request)), "reason": request.reason}
        reason = inputs.choice(reason, Reason, "reason") if reason is not None else request.reason
        caps = remaining_quantities(order)
        for line in request.lines.all():  # its own quantities are free to take again
            caps[line.order_line_id] = caps.get(line.order_line_id, 0) + line.quantity
        validated = validated_lines(order, lines, reason, caps)
        request.lines.all().delete()
        ReshipLine.objects.bulk_create(
            ReshipLine(request=request, order_line=ol, quantity=line.quantity, reason=r, resolution=line.resolution)
            for ol, line, r in validated
        )
        request.reason = reason
        fields = ["reason"]
        if description is not None:
            request.description = inputs.optional_text(description, "description")
            fields.append("description")
        move(
            request,
            actor=actor,
            kind=EventKind.REPORT_EDITED,
            fields=fields,
            data={"before": before, "after": {"lines": lines_data(validated), "reason": reason}},
            now=now,
        )
        return request


def reship_decline_report(*, request_id: int, actor: User, reason: str, now: datetime | None = None) -> ReshipRequest:
    """The seller declines the customer's report, saying why: the customer is told the reason."""
    with transition(Action.DECLINE_REPORT, request_id=request_id, actor=actor, now=now) as (request, now):
        reason = inputs.required_text(reason, "reason", _("The reason for declining"))
        request.decision_note = reason
        cancel_open_lines(request, now)
        move(
            request,
            actor=actor,
            kind=EventKind.REPORT_DECLINED,
            to_status=S.DECLINED,
            fields=["decision_note"],
            message=reason,
            now=now,
        )
        customer_tell(
            request=request, event=CustomerEvent.REPORT_DECLINED, now=now, facts={"reason": reason}, actor=actor
        )
        return request
