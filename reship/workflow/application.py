"""Application (补单申请): a seller files a request for some of an order's lines, or a follow-up
when the replacement failed too; a partner's rule may approve it at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import ship_to
from orders.models import Order, OrderLine
from reship import lifecycle, permissions
from reship.choices import (
    Action,
    CustomerEvent,
    EventKind,
    Reason,
    RequestStatus,
    Resolution,
)
from reship.core import inputs
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.models import (
    AutoApprovalRule,
    ReshipLine,
    ReshipRequest,
)
from reship.notifications import customer, outbox
from reship.selectors.quantities import remaining_quantities
from reship.workflow import events, timeliness
from reship.workflow.base import move, transition
from reship.workflow.numbering import request_number_next
from reship.workflow.review import apply_approval

if TYPE_CHECKING:
    from reship.accounts.models import User

S = RequestStatus


@dataclass(frozen=True)
class LineRequest:
    """One line of a new request, as the seller asks for it."""

    order_line_id: int
    quantity: int
    resolution: str
    reason: str | None = None  # defaults to the request's reason


def validated_lines(
    order: Order,
    lines: Sequence[LineRequest],
    default_reason: str,
    caps: dict[int, int],
    order_lines_read: Sequence[OrderLine] | None = None,
) -> list[tuple[OrderLine, LineRequest, str]]:
    """``order_lines_read``: the order's lines with their products, when the caller read them already."""
    if not lines:
        raise InvalidInput(_("Choose at least one order line."), field_errors={"lines": [_("Required.")]})
    if order_lines_read is None:
        order_lines_read = list(order.lines.select_related("product"))
    order_lines = {line.pk: line for line in order_lines_read}
    seen: set[int] = set()
    validated = []
    for index, line in enumerate(lines):
        field = f"lines.{index}"  # the API's one path format (reship.api.errors)
        order_line = order_lines.get(line.order_line_id)
        if order_line is None:
            raise InvalidInput(
                _("Line %(index)d is not a line of order %(order)s.") % {"index": index + 1, "order": order},
                field_errors={field: [_("Not a line of this order.")]},
            )
        if line.order_line_id in seen:
            raise InvalidInput(
                _("SKU %(sku)s is listed twice; give one line with the total quantity.")
                % {"sku": order_line.product.sku_code},
                field_errors={field: [_("Listed twice.")]},
            )
        seen.add(line.order_line_id)
        quantity = inputs.quantity(line.quantity, f"{field}.quantity")
        left = caps.get(order_line.pk, 0)
        if quantity > left:
            raise InvalidInput(
                _("SKU %(sku)s has %(left)d left to claim; you asked for %(asked)d.")
                % {"sku": order_line.product.sku_code, "left": max(left, 0), "asked": quantity},
                field_errors={f"{field}.quantity": [_("At most %(left)d.") % {"left": max(left, 0)}]},
            )
        resolution = inputs.choice(line.resolution, Resolution, f"{field}.resolution")
        if resolution == Resolution.RESTOCK_RESEND and order_line.product.supplier_id is None:
            raise InvalidInput(
                _("SKU %(sku)s has no source to restock from; choose resend or compensation.")
                % {"sku": order_line.product.sku_code},
                field_errors={f"{field}.resolution": [_("No source for this SKU.")]},
            )
        reason = inputs.choice(line.reason or default_reason, Reason, f"{field}.reason")
        validated.append((order_line, line, reason))
    return validated


def _ship_to_values(source: Order | ReshipRequest) -> dict[str, str]:
    """The ship-to model fields of an order or request, to copy onto a new request."""
    return {field: getattr(source, field) for field in ship_to.MODEL_FIELDS}


def lines_data(validated: Sequence[tuple[OrderLine, LineRequest, str]]) -> list[dict[str, object]]:
    """The lines as an event's data records them."""
    return [
        {"order_line": ol.pk, "sku": ol.product.sku_code, "quantity": line.quantity, "resolution": line.resolution}
        for ol, line, _reason in validated
    ]


def request_create(
    *,
    actor: User | None,
    order: Order,
    reason: str,
    description: str,
    validated: Sequence[tuple[OrderLine, LineRequest, str]],
    status: str,
    follow_up_of: ReshipRequest | None,
    now: datetime,
    **fields: object,
) -> ReshipRequest:
    """A new request row and its lines, with its stage clock (seller's submit, customer's report)."""
    request = ReshipRequest(
        number=request_number_next(year=timezone.localtime(now).year),
        order=order,
        seller_id=order.seller_id,
        partner_id=order.partner_id,
        reason=reason,
        description=description,
        status=status,
        currency=order.currency,
        follow_up_of=follow_up_of,
        created_by=actor,
        created_at=now,
        # The replacement goes where the order went, or where the failed replacement went (the
        # seller may have changed it); the request keeps its own copy from here on.
        **_ship_to_values(follow_up_of or order),
        **fields,
    )
    request.partner = order.partner
    request.seller = order.seller  # read with the order (no query of its own for the answer, the notifications)
    timeliness.apply_stage_clock(request, timeliness.stage_clock(request, from_status="", to_status=status, now=now))
    request.save()
    ReshipLine.objects.bulk_create(
        ReshipLine(
            request=request,
            order_line=order_line,
            quantity=line.quantity,
            reason=line_reason,
            resolution=line.resolution,
        )
        for order_line, line, line_reason in validated
    )
    return request


def partner_told(
    request: ReshipRequest, validated: Sequence[tuple[OrderLine, LineRequest, str]], now: datetime
) -> None:
    """What follows a request reaching the partner (a seller's submit, a confirmed customer's report):
    a rule of the partner's approves it at once, or the partner is told to review it."""
    if not _auto_approve(request, list(validated), now=now):
        outbox.announce(request=request, template="request_submitted")


def _create_request(
    *,
    actor: User,
    order: Order,
    reason: str,
    description: str,
    lines: Sequence[LineRequest],
    caps: dict[int, int],
    follow_up_of: ReshipRequest | None,
    now: datetime,
    order_lines_read: Sequence[OrderLine] | None = None,
) -> ReshipRequest:
    validated = validated_lines(order, lines, reason, caps, order_lines_read)
    request = request_create(
        actor=actor,
        order=order,
        reason=reason,
        description=description,
        validated=validated,
        status=S.SUBMITTED,
        follow_up_of=follow_up_of,
        now=now,
        submitted_at=now,
    )
    events.event_create(
        request=request,
        actor=actor,
        kind=EventKind.SUBMITTED,
        to_status=S.SUBMITTED,
        message=description,
        data={
            "lines": lines_data(validated),
            **({"follow_up_of": follow_up_of.number} if follow_up_of else {}),
        },
        at=now,
    )
    partner_told(request, validated, now)
    customer.customer_tell(request=request, event=CustomerEvent.REQUEST_RECEIVED, now=now)
    return request


def reship_submit(
    *,
    actor: User,
    order_id: int,
    reason: str,
    lines: Sequence[LineRequest],
    description: str = "",
    now: datetime | None = None,
) -> ReshipRequest:
    """The seller files a request for some of an order's lines (补单申请).

    The order row is locked first, so two submissions for the same order run one after the other
    and the second sees what the first claimed: a line can never be claimed beyond its quantity.
    """
    with transaction.atomic():
        order = (
            permissions.visible_orders(
                actor, Order.objects.select_for_update(of=("self",)).select_related("partner", "seller")
            )
            .filter(pk=order_id)
            .first()
        )
        now = now or timezone.now()  # read once the lock is held: events stay in time order
        if order is None:
            raise RequestNotFound(_("Order not found."))
        if not permissions.can_submit_for(actor, order):
            raise ActionNotPermitted(_("Only the order's seller can file a reship request for it."))
        reason = inputs.choice(reason, Reason, "reason")
        description = inputs.optional_text(description, "description")
        # The order's lines are read once, for what each has left and to check the asked lines against.
        order_lines = list(order.lines.select_related("product"))
        caps = remaining_quantities(order, order_lines)
        return _create_request(
            actor=actor,
            order=order,
            reason=reason,
            description=description,
            lines=lines,
            caps=caps,
            follow_up_of=None,
            now=now,
            order_lines_read=order_lines,
        )


def reship_follow_up(
    *,
    request_id: int,
    actor: User,
    reason: str,
    lines: Sequence[LineRequest],
    description: str = "",
    now: datetime | None = None,
) -> ReshipRequest:
    """The replacement failed too: a new request, linked to the closed one, for up to its quantities."""
    with transition(Action.FOLLOW_UP, request_id=request_id, actor=actor, now=now) as (original, now):
        order = (
            Order.objects.select_for_update(of=("self",)).select_related("partner", "seller").get(pk=original.order_id)
        )
        reason = inputs.choice(reason, Reason, "reason")
        description = inputs.required_text(description, "description", _("What went wrong with the replacement"))
        taken = dict(
            ReshipLine.objects.filter(request__follow_up_of=original, request__status__in=lifecycle.CLAIMING_STATUSES)
            .values("order_line_id")
            .annotate(total=Sum("quantity"))
            .values_list("order_line_id", "total")
        )
        caps = {line.order_line_id: line.quantity - taken.get(line.order_line_id, 0) for line in original.lines.all()}
        follow_up = _create_request(
            actor=actor,
            order=order,
            reason=reason,
            description=description,
            lines=lines,
            caps=caps,
            follow_up_of=original,
            now=now,
        )
        move(
            original,
            actor=actor,
            kind=EventKind.FOLLOWED_UP,
            message=description,
            data={"follow_up": follow_up.number},
            now=now,
        )
        return follow_up


def _matching_rule(
    request: ReshipRequest, validated: list[tuple[OrderLine, LineRequest, str]]
) -> AutoApprovalRule | None:
    rules = AutoApprovalRule.objects.filter(partner_id=request.partner_id, is_active=True).filter(
        Q(sellers__isnull=True) | Q(sellers=request.seller_id)
    )
    reasons = {reason for _ol, _line, reason in validated}
    highest_line_value = max(order_line.unit_price * line.quantity for order_line, line, _reason in validated)
    for rule in rules.distinct().order_by("pk"):
        if rule.reasons and not reasons <= set(rule.reasons):
            continue
        if rule.max_line_value is not None and highest_line_value > rule.max_line_value:
            continue
        return rule
    return None


def _auto_approve(
    request: ReshipRequest, validated: list[tuple[OrderLine, LineRequest, str]], *, now: datetime
) -> bool:
    """Approve at once, as the system, when one of the partner's rules covers the request."""
    rule = _matching_rule(request, validated)
    if rule is None:
        return False
    goods = sum(
        (
            order_line.product.unit_cost * line.quantity
            for order_line, line, _reason in validated
            if line.resolution != Resolution.COMPENSATION
        ),
        Decimal("0.00"),
    )
    apply_approval(
        request,
        actor=None,
        kind=EventKind.AUTO_APPROVED,
        quote_goods=goods,
        quote_shipping=rule.quote_shipping,
        cost_bearer=rule.cost_bearer,
        promised_date=timezone.localdate(now) + timedelta(days=rule.promised_days),
        note=_("Approved automatically under the rule “%(rule)s”.") % {"rule": rule.name},
        data={"rule": rule.pk, "rule_name": rule.name},
        now=now,
    )
    return True
