"""The only code that changes a reship request's status (补单申请 → 审核确认 → 补货/补寄 → 更新信息 → 客户沟通).

Every transition is one function. Each one, in a single transaction: locks the request row,
checks the actor may see it (else ``RequestNotFound``: another organisation's request is a 404,
never a leak) and may take the action (``reship.permissions``), checks the current status against
``TRANSITIONS`` (else ``InvalidTransition`` saying what state it is in and what is allowed),
validates the input (``InvalidInput``), writes the change with ``update_fields``, one event, the
next stage's due time, and the notification rows, which Celery delivers after commit.

``actor=None`` means the system (automatic approval, the source through its signed link); only
this module's own callers pass it, never a view acting for a person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order, OrderLine, Product, Shipment
from reship import events, permissions, timeliness
from reship.accounts.roles import Role
from reship.choices import (
    FINAL_STATUSES,
    RESOLVED_LINE_STATUSES,
    Action,
    AuthorRole,
    CompensationMethod,
    CostBearer,
    Counterpart,
    Direction,
    EventKind,
    LineStatus,
    QuoteStatus,
    Reason,
    RequestStatus,
    Resolution,
    RestockStatus,
)
from reship.errors import ActionNotPermitted, InvalidInput, InvalidTransition, RequestNotFound
from reship.models import (
    AutoApprovalRule,
    CommunicationRecord,
    RequestMessage,
    ReshipLine,
    ReshipRequest,
    RestockOrder,
    SurveyResponse,
)
from reship.notifications import outbox
from reship.numbering import request_number_next
from suppliers.choices import Channel

if TYPE_CHECKING:
    from reship.accounts.models import User

S = RequestStatus

# The one table of allowed moves: the statuses an action may start from. The status it leads to
# is decided by the function (some actions keep the status, shipping may finish fulfilment).
TRANSITIONS: dict[Action, frozenset[RequestStatus]] = {
    Action.REQUEST_INFO: frozenset({S.SUBMITTED}),
    Action.ANSWER_INFO: frozenset({S.NEEDS_INFO}),
    Action.APPROVE: frozenset({S.SUBMITTED}),
    Action.REJECT: frozenset({S.SUBMITTED, S.NEEDS_INFO}),
    Action.CANCEL: frozenset({S.SUBMITTED, S.NEEDS_INFO, S.APPROVED}),
    Action.ACCEPT_QUOTE: frozenset({S.APPROVED, S.FULFILLING, S.INFO_UPDATE, S.CUSTOMER_CONTACT, S.CONTACTED}),
    Action.DISPUTE_QUOTE: frozenset({S.APPROVED, S.FULFILLING, S.INFO_UPDATE, S.CUSTOMER_CONTACT, S.CONTACTED}),
    Action.REVISE_QUOTE: frozenset({S.APPROVED, S.FULFILLING, S.INFO_UPDATE, S.CUSTOMER_CONTACT, S.CONTACTED}),
    Action.START_RESTOCK: frozenset({S.APPROVED, S.FULFILLING}),
    Action.CONFIRM_RESTOCK: frozenset({S.FULFILLING}),
    Action.SHIP: frozenset({S.APPROVED, S.FULFILLING}),
    Action.COMPENSATE: frozenset({S.APPROVED, S.FULFILLING}),
    Action.CONFIRM_INFO_UPDATE: frozenset({S.INFO_UPDATE}),
    Action.CONTACT_CUSTOMER: frozenset({S.CUSTOMER_CONTACT}),
    Action.CLOSE: frozenset({S.CONTACTED}),
    Action.FOLLOW_UP: frozenset({S.CLOSED}),
}

# Requests in these statuses hold their quantities; rejected and cancelled ones give them back.
CLAIMING_STATUSES = tuple(status for status in RequestStatus if status not in (S.REJECTED, S.CANCELLED))
MAX_TEXT = 5000


@dataclass(frozen=True)
class LineRequest:
    """One line of a new request, as the seller asks for it."""

    order_line_id: int
    quantity: int
    resolution: str
    reason: str | None = None  # defaults to the request's reason


@dataclass(frozen=True)
class ShipItem:
    line_id: int
    substitute_product_id: int | None = None


# --- reading the row under lock, and the checks every transition makes -------------------------


def _lock(request_id: int, actor: User | None) -> ReshipRequest:
    """Lock the row; a request the actor may not see does not exist for them."""
    queryset = ReshipRequest.objects.select_for_update(of=("self",)).select_related("order", "partner", "seller")
    if actor is not None:
        queryset = queryset.filter(permissions.visible_requests_filter(actor))
    try:
        return queryset.get(pk=request_id)
    except ReshipRequest.DoesNotExist:
        raise RequestNotFound(_("Reship request not found.")) from None


def allowed_actions(request: ReshipRequest) -> list[Action]:
    """The actions the request's current status allows, for anyone (see ``actions_for``)."""
    return [action for action, sources in TRANSITIONS.items() if request.status in sources]


def actions_for(user: User | None, request: ReshipRequest) -> list[Action]:
    """What this user may do to this request now: their side's actions that the status allows."""
    return [action for action in allowed_actions(request) if permissions.can(action, user, request)]


def _check(request: ReshipRequest, actor: User | None, action: Action) -> None:
    if actor is not None and not permissions.can(action, actor, request):
        raise ActionNotPermitted(
            _("You may not %(action)s this request: it is the other party's step.") % {"action": action.label.lower()}
        )
    if request.status not in TRANSITIONS[action]:
        allowed = ", ".join(str(each.label) for each in allowed_actions(request)) or _("nothing (it is final)")
        raise InvalidTransition(
            _("Request %(number)s is at “%(status)s”, where “%(action)s” is not possible. Possible now: %(allowed)s.")
            % {
                "number": request.number,
                "status": request.get_status_display(),
                "action": action.label,
                "allowed": allowed,
            }
        )


def _begin(request_id: int, actor: User | None, action: Action) -> ReshipRequest:
    request = _lock(request_id, actor)
    _check(request, actor, action)
    return request


def _move(
    request: ReshipRequest,
    *,
    actor: User | None,
    kind: str,
    to_status: str | None = None,
    fields: Iterable[str] = (),
    message: str = "",
    data: dict[str, Any] | None = None,
    now: datetime,
):
    """Save the request (status, stage clock, given fields) and write its one event."""
    from_status = request.status
    update = set(fields) | {"updated_at"}
    if to_status is not None and to_status != from_status:
        clock = timeliness.stage_clock(request, from_status=from_status, to_status=to_status, now=now)
        request.status = to_status
        update |= {"status", *timeliness.apply_stage_clock(request, clock)}
    request.save(update_fields=sorted(update))
    return events.event_create(
        request=request,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=request.status,
        message=message,
        data=data,
        at=now,
    )


# --- input checks ------------------------------------------------------------------------------


def _required_text(value: str | None, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(_("%(label)s is required.") % {"label": label}, field_errors={field: [_("Required.")]})
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("%(label)s is too long (at most %(max)d characters).") % {"label": label, "max": MAX_TEXT},
            field_errors={field: [_("Too long.")]},
        )
    return text


def _optional_text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            _("The text is too long (at most %(max)d characters).") % {"max": MAX_TEXT},
            field_errors={field: [_("Too long.")]},
        )
    return text


def _money(value: Any, field: str, *, positive: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Enter an amount of money."), field_errors={field: [_("Not a number.")]}) from None
    if not amount.is_finite() or amount < 0 or (positive and amount == 0) or amount >= Decimal("1e10"):
        message = _("The amount must be greater than zero.") if positive else _("The amount cannot be negative.")
        raise InvalidInput(message, field_errors={field: [message]})
    return amount


def _choice(value: Any, choices: type, field: str) -> str:
    if value not in choices.values:
        raise InvalidInput(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(str(label) for label in choices.labels)},
            field_errors={field: [_("Not a valid choice.")]},
        )
    return value


def _rating(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(_("Ratings go from 1 to 5."), field_errors={field: [_("Give 1 to 5.")]})
    return value


def _quantity(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(_("Quantities are whole numbers of at least 1."), field_errors={field: [_("At least 1.")]})
    return value


# --- quantities: what an order line has left to claim -----------------------------------------


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


def remaining_quantities(order: Order) -> dict[int, int]:
    """What each of the order's lines has left to claim, in one query."""
    lines = list(order.lines.all())
    claimed = claimed_quantities(line.pk for line in lines)
    return {line.pk: line.quantity - claimed.get(line.pk, 0) for line in lines}


def _validated_lines(
    order: Order, lines: Sequence[LineRequest], default_reason: str, caps: dict[int, int]
) -> list[tuple[OrderLine, LineRequest, str]]:
    if not lines:
        raise InvalidInput(_("Choose at least one order line."), field_errors={"lines": [_("Required.")]})
    order_lines = {line.pk: line for line in order.lines.select_related("product")}
    seen: set[int] = set()
    validated = []
    for index, line in enumerate(lines):
        field = f"lines[{index}]"
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
        quantity = _quantity(line.quantity, f"{field}.quantity")
        left = caps.get(order_line.pk, 0)
        if quantity > left:
            raise InvalidInput(
                _("SKU %(sku)s has %(left)d left to claim; you asked for %(asked)d.")
                % {"sku": order_line.product.sku_code, "left": max(left, 0), "asked": quantity},
                field_errors={f"{field}.quantity": [_("At most %(left)d.") % {"left": max(left, 0)}]},
            )
        resolution = _choice(line.resolution, Resolution, f"{field}.resolution")
        if resolution == Resolution.RESTOCK_RESEND and order_line.product.supplier_id is None:
            raise InvalidInput(
                _("SKU %(sku)s has no source to restock from; choose resend or compensation.")
                % {"sku": order_line.product.sku_code},
                field_errors={f"{field}.resolution": [_("No source for this SKU.")]},
            )
        reason = _choice(line.reason or default_reason, Reason, f"{field}.reason")
        validated.append((order_line, line, reason))
    return validated


# --- application (补单申请) ---------------------------------------------------------------------


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
) -> ReshipRequest:
    validated = _validated_lines(order, lines, reason, caps)
    request = ReshipRequest(
        number=request_number_next(year=timezone.localtime(now).year),
        order=order,
        seller_id=order.seller_id,
        partner_id=order.partner_id,
        reason=reason,
        description=description,
        status=S.SUBMITTED,
        currency=order.currency,
        follow_up_of=follow_up_of,
        created_by=actor,
        created_at=now,
        submitted_at=now,
    )
    request.partner = order.partner
    timeliness.apply_stage_clock(
        request, timeliness.stage_clock(request, from_status="", to_status=S.SUBMITTED, now=now)
    )
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
    events.event_create(
        request=request,
        actor=actor,
        kind=EventKind.SUBMITTED,
        to_status=S.SUBMITTED,
        message=description,
        data={
            "lines": [
                {
                    "order_line": ol.pk,
                    "sku": ol.product.sku_code,
                    "quantity": line.quantity,
                    "resolution": line.resolution,
                }
                for ol, line, _reason in validated
            ],
            **({"follow_up_of": follow_up_of.number} if follow_up_of else {}),
        },
        at=now,
    )
    if not _auto_approve(request, validated, now=now):
        outbox.announce(request=request, template="request_submitted")
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
    now = now or timezone.now()
    with transaction.atomic():
        order = (
            permissions.visible_orders(actor, Order.objects.select_for_update(of=("self",)).select_related("partner"))
            .filter(pk=order_id)
            .first()
        )
        if order is None:
            raise RequestNotFound(_("Order not found."))
        if not permissions.can_submit_for(actor, order):
            raise ActionNotPermitted(_("Only the order's seller can file a reship request for it."))
        reason = _choice(reason, Reason, "reason")
        description = _optional_text(description, "description")
        caps = remaining_quantities(order)
        return _create_request(
            actor=actor,
            order=order,
            reason=reason,
            description=description,
            lines=lines,
            caps=caps,
            follow_up_of=None,
            now=now,
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
    now = now or timezone.now()
    with transaction.atomic():
        original = _begin(request_id, actor, Action.FOLLOW_UP)
        order = Order.objects.select_for_update(of=("self",)).select_related("partner").get(pk=original.order_id)
        reason = _choice(reason, Reason, "reason")
        description = _required_text(description, "description", _("What went wrong with the replacement"))
        taken = dict(
            ReshipLine.objects.filter(request__follow_up_of=original, request__status__in=CLAIMING_STATUSES)
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
        _move(
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


def _auto_approve(request: ReshipRequest, validated, *, now: datetime) -> bool:
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
    _apply_approval(
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


# --- review (审核确认) ------------------------------------------------------------------------


def reship_request_info(*, request_id: int, actor: User, question: str, now: datetime | None = None) -> ReshipRequest:
    """The partner needs more before deciding; the seller owes an answer."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.REQUEST_INFO)
        question = _required_text(question, "question", _("The question"))
        RequestMessage.objects.create(
            request=request, author=actor, author_role=AuthorRole.PARTNER, body=question, created_at=now
        )
        _move(request, actor=actor, kind=EventKind.INFO_REQUESTED, to_status=S.NEEDS_INFO, message=question, now=now)
        outbox.announce(request=request, template="info_requested", context={"question": question})
        return request


def reship_answer_info(*, request_id: int, actor: User, answer: str, now: datetime | None = None) -> ReshipRequest:
    """The seller answers; the request goes back to review with a fresh review clock."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.ANSWER_INFO)
        answer = _required_text(answer, "answer", _("The answer"))
        RequestMessage.objects.create(
            request=request, author=actor, author_role=AuthorRole.SELLER, body=answer, created_at=now
        )
        _move(request, actor=actor, kind=EventKind.INFO_ANSWERED, to_status=S.SUBMITTED, message=answer, now=now)
        outbox.announce(request=request, template="info_answered", context={"answer": answer})
        return request


def _validated_quote(quote_goods, quote_shipping, cost_bearer, promised_date, now: datetime):
    goods = _money(quote_goods, "quote_goods")
    shipping = _money(quote_shipping, "quote_shipping")
    bearer = _choice(cost_bearer, CostBearer, "cost_bearer")
    if promised_date is not None and not isinstance(promised_date, date):
        raise InvalidInput(_("Enter a date."), field_errors={"promised_date": [_("Not a date.")]})
    if promised_date is not None and promised_date < timezone.localdate(now):
        raise InvalidInput(
            _("The promised date cannot be in the past."), field_errors={"promised_date": [_("In the past.")]}
        )
    return goods, shipping, bearer


def _apply_approval(
    request: ReshipRequest,
    *,
    actor: User | None,
    kind: str,
    quote_goods: Decimal,
    quote_shipping: Decimal,
    cost_bearer: str,
    promised_date: date | None,
    note: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    request.quote_goods = quote_goods
    request.quote_shipping = quote_shipping
    request.quote_compensation = request.quote_compensation or Decimal("0.00")
    request.cost_bearer = cost_bearer
    request.promised_date = promised_date
    request.quote_status = QuoteStatus.PENDING
    request.reviewed_at = now
    _move(
        request,
        actor=actor,
        kind=kind,
        to_status=S.APPROVED,
        fields=[
            "quote_goods",
            "quote_shipping",
            "quote_compensation",
            "cost_bearer",
            "promised_date",
            "quote_status",
            "reviewed_at",
        ],
        message=note,
        data={
            "quote_goods": str(quote_goods),
            "quote_shipping": str(quote_shipping),
            "cost_bearer": cost_bearer,
            "promised_date": promised_date.isoformat() if promised_date else None,
            **data,
        },
        now=now,
    )
    outbox.announce(
        request=request,
        template="request_approved",
        # A rule approved it: the partner's people hear of the request only through this.
        audience=[outbox.Audience.SELLER, outbox.Audience.PARTNER] if actor is None else None,
        context={
            "quote_goods": quote_goods,
            "quote_shipping": quote_shipping,
            "cost_bearer": request.cost_bearer,
            "promised_date": promised_date,
            "automatic": actor is None,
            "note": note,
        },
    )


def reship_approve(
    *,
    request_id: int,
    actor: User,
    quote_goods: Any,
    quote_shipping: Any,
    cost_bearer: str,
    promised_date: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ReshipRequest:
    """The partner accepts the request with its price (价格): the cost quote and who bears it."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.APPROVE)
        goods, shipping, bearer = _validated_quote(quote_goods, quote_shipping, cost_bearer, promised_date, now)
        _apply_approval(
            request,
            actor=actor,
            kind=EventKind.APPROVED,
            quote_goods=goods,
            quote_shipping=shipping,
            cost_bearer=bearer,
            promised_date=promised_date,
            note=_optional_text(note, "note"),
            data={},
            now=now,
        )
        return request


def _cancel_open_lines(request: ReshipRequest, now: datetime) -> None:
    ReshipLine.objects.filter(request=request).exclude(status__in=RESOLVED_LINE_STATUSES).update(
        status=LineStatus.CANCELLED
    )
    RestockOrder.objects.filter(request=request, status=RestockStatus.ORDERED).update(status=RestockStatus.CANCELLED)


def reship_reject(*, request_id: int, actor: User, reason: str, now: datetime | None = None) -> ReshipRequest:
    """The partner refuses, saying why; the quantities return to the order."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.REJECT)
        reason = _required_text(reason, "reason", _("The reason for rejecting"))
        request.decision_note = reason
        request.reviewed_at = request.reviewed_at or now
        _cancel_open_lines(request, now)
        _move(
            request,
            actor=actor,
            kind=EventKind.REJECTED,
            to_status=S.REJECTED,
            fields=["decision_note", "reviewed_at"],
            message=reason,
            now=now,
        )
        outbox.announce(request=request, template="request_rejected", context={"reason": reason})
        return request


def reship_cancel(*, request_id: int, actor: User, reason: str = "", now: datetime | None = None) -> ReshipRequest:
    """The seller withdraws the request; allowed until fulfilment starts."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.CANCEL)
        reason = _optional_text(reason, "reason")
        _cancel_open_lines(request, now)
        _move(request, actor=actor, kind=EventKind.CANCELLED, to_status=S.CANCELLED, message=reason, now=now)
        outbox.announce(request=request, template="request_cancelled", context={"reason": reason})
        return request


# --- the price (价格) ---------------------------------------------------------------------------


def reship_accept_quote(*, request_id: int, actor: User, now: datetime | None = None) -> ReshipRequest:
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.ACCEPT_QUOTE)
        if request.quote_status not in (QuoteStatus.PENDING, QuoteStatus.DISPUTED):
            raise InvalidTransition(
                _("The quote is %(state)s; there is nothing to accept.") % {"state": request.get_quote_status_display()}
            )
        request.quote_status = QuoteStatus.ACCEPTED
        _move(request, actor=actor, kind=EventKind.QUOTE_ACCEPTED, fields=["quote_status"], now=now)
        return request


def reship_dispute_quote(*, request_id: int, actor: User, message: str, now: datetime | None = None) -> ReshipRequest:
    """The seller disagrees with the price; the thread reopens it and the partner may revise it."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.DISPUTE_QUOTE)
        message = _required_text(message, "message", _("What you disagree with"))
        if request.quote_status not in (QuoteStatus.PENDING, QuoteStatus.ACCEPTED):
            raise InvalidTransition(
                _("The quote is %(state)s already.") % {"state": request.get_quote_status_display()}
            )
        request.quote_status = QuoteStatus.DISPUTED
        RequestMessage.objects.create(
            request=request, author=actor, author_role=AuthorRole.SELLER, body=message, created_at=now
        )
        _move(request, actor=actor, kind=EventKind.QUOTE_DISPUTED, fields=["quote_status"], message=message, now=now)
        outbox.announce(request=request, template="quote_disputed", context={"message": message})
        return request


def reship_revise_quote(
    *,
    request_id: int,
    actor: User,
    quote_goods: Any,
    quote_shipping: Any,
    cost_bearer: str,
    message: str = "",
    now: datetime | None = None,
) -> ReshipRequest:
    """The partner answers a dispute (or corrects itself) with a new quote for the seller to accept."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.REVISE_QUOTE)
        goods, shipping, bearer = _validated_quote(quote_goods, quote_shipping, cost_bearer, None, now)
        message = _optional_text(message, "message")
        request.quote_goods, request.quote_shipping, request.cost_bearer = goods, shipping, bearer
        request.quote_status = QuoteStatus.PENDING
        if message:
            RequestMessage.objects.create(
                request=request, author=actor, author_role=AuthorRole.PARTNER, body=message, created_at=now
            )
        _move(
            request,
            actor=actor,
            kind=EventKind.QUOTE_REVISED,
            fields=["quote_goods", "quote_shipping", "cost_bearer", "quote_status"],
            message=message,
            data={
                "quote_goods": str(goods),
                "quote_shipping": str(shipping),
                "cost_bearer": bearer,
            },
            now=now,
        )
        outbox.announce(
            request=request,
            template="quote_revised",
            context={
                "quote_goods": goods,
                "quote_shipping": shipping,
                "cost_bearer": request.cost_bearer,
            },
        )
        return request


# --- fulfilment (补货 / 补寄 / 补偿) -------------------------------------------------------------


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
    return S.INFO_UPDATE


def reship_start_restock(
    *, request_id: int, actor: User, line_ids: Sequence[int], note: str = "", now: datetime | None = None
) -> list[RestockOrder]:
    """The partner orders goods from each line's source (补货); the source is emailed a signed link."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.START_RESTOCK)
        note = _optional_text(note, "note")
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
        _move(
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
            from reship import signing

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
    now = now or timezone.now()
    with transaction.atomic():
        # Lock order as everywhere else: the request first, then its restock order (no deadlock
        # with a compensation cancelling the same restock).
        request_id = RestockOrder.objects.filter(pk=restock_order_id).values_list("request_id", flat=True).first()
        if request_id is None:
            raise RequestNotFound(_("Restock order not found."))
        request = _lock(request_id, actor)
        restock = (
            RestockOrder.objects.select_for_update(of=("self",)).select_related("supplier").get(pk=restock_order_id)
        )
        if actor is not None and not permissions.can(Action.CONFIRM_RESTOCK, actor, request):
            _check(request, actor, Action.CONFIRM_RESTOCK)
        if restock.status != RestockStatus.ORDERED:
            raise InvalidTransition(
                _("This restock order is %(status)s already; it cannot be confirmed again.")
                % {"status": restock.get_status_display()}
            )
        _check(request, actor, Action.CONFIRM_RESTOCK)
        if not isinstance(ship_date, date):
            raise InvalidInput(_("Enter a ship date."), field_errors={"ship_date": [_("Not a date.")]})
        today = timezone.localdate(now)
        if not today - timedelta(days=30) <= ship_date <= today + timedelta(days=365):
            raise InvalidInput(
                _("The ship date must be within the last 30 days or the coming year."),
                field_errors={"ship_date": [_("Out of range.")]},
            )
        note = _optional_text(note, "note")
        restock.status = RestockStatus.CONFIRMED
        restock.ship_date = ship_date
        restock.confirmed_at = now
        restock.confirmed_by = actor
        restock.save(update_fields=["status", "ship_date", "confirmed_at", "confirmed_by"])
        ReshipLine.objects.filter(pk=restock.line_id, status=LineStatus.RESTOCKING).update(status=LineStatus.RESTOCKED)
        _move(
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
    carrier: str,
    tracking_number: str,
    quality_check_note: str = "",
    now: datetime | None = None,
) -> Shipment:
    """The partner resends lines (补寄) in one parcel; it becomes a reship Shipment on the order."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.SHIP)
        carrier = _required_text(carrier, "carrier", _("The carrier"))[:60]
        tracking_number = _required_text(tracking_number, "tracking_number", _("The tracking number"))
        if len(tracking_number) > 64:
            raise InvalidInput(
                _("The tracking number is too long."), field_errors={"tracking_number": [_("Too long.")]}
            )
        quality_check_note = _optional_text(quality_check_note, "quality_check_note")
        lines = _lines_of(request, [item.line_id for item in items], "items")
        substitutes = {item.line_id: item.substitute_product_id for item in items if item.substitute_product_id}
        products = {
            product.pk: product
            for product in Product.objects.filter(pk__in=substitutes.values(), seller_id=request.seller_id)
        }
        for line in lines:
            ready = LineStatus.RESTOCKED if line.resolution == Resolution.RESTOCK_RESEND else LineStatus.PENDING
            if line.resolution == Resolution.COMPENSATION or line.status != ready:
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
        if Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).exists():
            raise InvalidInput(
                _("%(carrier)s tracking number %(tracking)s is already used by another parcel.")
                % {"carrier": carrier, "tracking": tracking_number},
                field_errors={"tracking_number": [_("Already used.")]},
            )
        try:
            with transaction.atomic():  # a parcel registered at the same moment by another request
                shipment = Shipment.objects.create(
                    order_id=request.order_id,
                    carrier=carrier,
                    tracking_number=tracking_number,
                    shipped_at=now,
                    reship_request=request,
                )
        except IntegrityError:
            raise InvalidInput(
                _("%(carrier)s tracking number %(tracking)s is already used by another parcel.")
                % {"carrier": carrier, "tracking": tracking_number},
                field_errors={"tracking_number": [_("Already used.")]},
            ) from None
        shipped = []
        for line in lines:
            line.status = LineStatus.SHIPPED
            line.shipment = shipment
            line.quality_check_note = quality_check_note
            line.substitute_product = products.get(substitutes.get(line.pk))
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
        ReshipLine.objects.bulk_update(
            lines, ["status", "shipment", "quality_check_note", "substitute_product", "resolved_at"]
        )
        to_status = _finish_fulfilment_if_resolved(request, now)
        _move(
            request,
            actor=actor,
            kind=EventKind.SHIPPED,
            to_status=to_status,
            fields=["resolved_at"],
            message=quality_check_note,
            data={"carrier": carrier, "tracking_number": tracking_number, "shipment": shipment.pk, "lines": shipped},
            now=now,
        )
        outbox.announce(
            request=request,
            template="lines_shipped",
            context={"carrier": carrier, "tracking_number": tracking_number, "lines": shipped},
        )
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
    the request's compensation cost. Lines planned as resends may be compensated instead (out of
    stock); the event records that change of plan."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.COMPENSATE)
        method = _choice(method, CompensationMethod, "method")
        amount = _money(amount, "amount", positive=True)
        note = _optional_text(note, "note")
        lines = _lines_of(request, line_ids, "line_ids")
        for line in lines:
            if line.status in RESOLVED_LINE_STATUSES or line.status == LineStatus.CANCELLED:
                raise InvalidInput(
                    _("SKU %(sku)s is %(status)s already.")
                    % {"sku": line.order_line.product.sku_code, "status": line.get_status_display()},
                    field_errors={"line_ids": [_("Already resolved.")]},
                )
        changed_plan = [line.pk for line in lines if line.resolution != Resolution.COMPENSATION]
        share = (amount / len(lines)).quantize(Decimal("0.01"))
        for index, line in enumerate(lines):
            line.status = LineStatus.COMPENSATED
            line.resolution = Resolution.COMPENSATION
            line.compensation_method = method
            # The last line takes the rounding remainder so the parts add up to the amount.
            line.compensation_amount = amount - share * (len(lines) - 1) if index == len(lines) - 1 else share
            line.resolved_at = now
        ReshipLine.objects.bulk_update(
            lines, ["status", "resolution", "compensation_method", "compensation_amount", "resolved_at"]
        )
        RestockOrder.objects.filter(line__in=lines, status=RestockStatus.ORDERED).update(status=RestockStatus.CANCELLED)
        request.quote_compensation = (request.quote_compensation or Decimal("0.00")) + amount
        if request.quote_compensation >= Decimal("1e10"):
            raise InvalidInput(
                _("The request's compensation would exceed what can be recorded."),
                field_errors={"amount": [_("Too large.")]},
            )
        to_status = _finish_fulfilment_if_resolved(request, now)
        _move(
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
        audience = [outbox.Audience.CUSTOMER]
        # The other side hears of it: the seller when the partner compensated; the partner when the
        # seller did (it must not ship those lines any more).
        if permissions.side_of(actor, request) == Role.PARTNER:
            audience.append(outbox.Audience.SELLER)
        else:
            audience.append(outbox.Audience.PARTNER)
        outbox.announce(
            request=request,
            template="lines_compensated",
            audience=audience,
            context={
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
            },
        )
        return request


# --- info update (更新信息), customer contact (客户沟通), close ----------------------------------


def reship_confirm_info_update(*, request_id: int, actor: User, note: str = "", now: datetime | None = None):
    """The seller confirms the sales platform now carries the new tracking (or the refund)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.CONFIRM_INFO_UPDATE)
        note = _optional_text(note, "note")
        _move(request, actor=actor, kind=EventKind.INFO_UPDATED, to_status=S.CUSTOMER_CONTACT, message=note, now=now)
        return request


CUSTOMER_NOTIFY_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})


def reship_contact_customer(
    *, request_id: int, actor: User, channel: str, message: str = "", now: datetime | None = None
) -> ReshipRequest:
    """Tell the customer what happens. Email and SMS go through the outbox (an empty message sends
    the system's own message with carrier and tracking); a phone call, IM chat or site message the
    seller had is logged. Either way it is recorded in the communication log."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.CONTACT_CUSTOMER)
        channel = _choice(channel, Channel, "channel")
        message = _optional_text(message, "message")
        automatic = not message
        if automatic and channel not in CUSTOMER_NOTIFY_CHANNELS:
            raise InvalidInput(
                _("Say what you told the customer: only email and SMS can send the automatic message."),
                field_errors={"message": [_("Required for this channel.")]},
            )
        if channel == Channel.EMAIL and not request.order.customer_email:
            raise InvalidInput(
                _("Order %(order)s has no customer email; choose SMS or log a call.") % {"order": request.order},
                field_errors={"channel": [_("No customer email.")]},
            )
        if channel == Channel.SMS and not request.order.customer_phone:
            raise InvalidInput(
                _("Order %(order)s has no customer phone; choose email or log another contact.")
                % {"order": request.order},
                field_errors={"channel": [_("No customer phone.")]},
            )
        if channel in CUSTOMER_NOTIFY_CHANNELS:
            context = customer_update_context(request)
            outbox.announce(
                request=request,
                template="customer_message",
                context={**context, "message": message, "automatic": automatic, "channel": channel},
                channels=[channel],
            )
        CommunicationRecord.objects.create(
            request=request,
            counterpart=Counterpart.CUSTOMER,
            channel=channel,
            direction=Direction.OUTBOUND,
            summary=message or _("Automatic update with carrier and tracking number."),
            recorded_by=actor,
            occurred_at=now,
        )
        _move(
            request,
            actor=actor,
            kind=EventKind.CUSTOMER_CONTACTED,
            to_status=S.CONTACTED,
            message=message,
            data={"channel": channel, "automatic": automatic},
            now=now,
        )
        return request


def customer_update_context(request: ReshipRequest) -> dict[str, Any]:
    """What the customer is told: each line's outcome, with carrier, tracking and substitutions."""
    lines = request.lines.select_related("order_line__product", "substitute_product", "shipment").order_by("pk")
    return {
        "customer_name": request.order.customer_name,
        "lines": [
            {
                "sku": line.order_line.product.sku_code,
                "name": line.order_line.product.name,
                "quantity": line.quantity,
                "status": line.status,
                "carrier": line.shipment.carrier if line.shipment else None,
                "tracking_number": line.shipment.tracking_number if line.shipment else None,
                "substitute_name": line.substitute_product.name if line.substitute_product else None,
                "compensation_method": line.compensation_method or None,
                "compensation_amount": line.compensation_amount,
            }
            for line in lines
        ],
    }


def reship_close(
    *,
    request_id: int,
    actor: User,
    rating_speed: int,
    rating_quality: int,
    rating_cooperation: int,
    platform_dispute: bool = False,
    bad_review: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> ReshipRequest:
    """The seller closes with an evaluation of the partner; the customer is sent a survey link."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _begin(request_id, actor, Action.CLOSE)
        if request.quote_status == QuoteStatus.DISPUTED:
            raise InvalidTransition(_("The quote is still disputed: settle the price in the thread before closing."))
        # Closing without a dispute is the seller's consent to the price; say so in the log.
        accepted_on_close = request.quote_status == QuoteStatus.PENDING
        if accepted_on_close:
            request.quote_status = QuoteStatus.ACCEPTED
        request.rating_speed = _rating(rating_speed, "rating_speed")
        request.rating_quality = _rating(rating_quality, "rating_quality")
        request.rating_cooperation = _rating(rating_cooperation, "rating_cooperation")
        request.platform_dispute = bool(platform_dispute)
        request.bad_review = bool(bad_review)
        request.close_note = _optional_text(note, "note")
        request.closed_at = now
        fields = [
            "rating_speed",
            "rating_quality",
            "rating_cooperation",
            "platform_dispute",
            "bad_review",
            "close_note",
            "closed_at",
            "quote_status",
        ]
        _move(
            request,
            actor=actor,
            kind=EventKind.CLOSED,
            to_status=S.CLOSED,
            fields=fields,
            message=request.close_note,
            data={
                "rating_speed": request.rating_speed,
                "rating_quality": request.rating_quality,
                "rating_cooperation": request.rating_cooperation,
                "platform_dispute": request.platform_dispute,
                "bad_review": request.bad_review,
                "quote_accepted_on_close": accepted_on_close,
            },
            now=now,
        )
        from reship import signing

        outbox.announce(
            request=request,
            template="survey_invitation",
            context={"customer_name": request.order.customer_name, "survey_path": signing.survey_path(request)},
        )
        return request


def survey_answer(*, request_id: int, rating: Any, comment: str = "", now: datetime | None = None) -> SurveyResponse:
    """The customer rates the outcome through the signed survey link, once."""
    now = now or timezone.now()
    with transaction.atomic():
        request = ReshipRequest.objects.select_for_update(of=("self",)).filter(pk=request_id).first()
        if request is None or request.status != S.CLOSED:
            raise RequestNotFound(_("This survey does not exist."))
        if SurveyResponse.objects.filter(request=request).exists():
            raise InvalidTransition(_("This survey has been answered already. Thank you!"))
        if isinstance(rating, str) and rating.strip().isdigit():
            rating = int(rating)
        rating = _rating(rating, "rating")
        comment = _optional_text(comment, "comment")
        response = SurveyResponse.objects.create(request=request, rating=rating, comment=comment, answered_at=now)
        events.event_create(
            request=request, actor=None, kind=EventKind.NOTE, message=comment, data={"survey_rating": rating}, at=now
        )
        return response


__all__ = [
    "TRANSITIONS",
    "LineRequest",
    "ShipItem",
    "actions_for",
    "allowed_actions",
    "remaining_quantities",
    "reship_accept_quote",
    "reship_answer_info",
    "reship_approve",
    "reship_cancel",
    "reship_close",
    "reship_compensate",
    "reship_confirm_info_update",
    "reship_confirm_restock",
    "reship_contact_customer",
    "reship_dispute_quote",
    "reship_follow_up",
    "reship_reject",
    "reship_request_info",
    "reship_revise_quote",
    "reship_ship",
    "reship_start_restock",
    "reship_submit",
    "survey_answer",
    "FINAL_STATUSES",
]
