"""Review (审核确认): the partner asks for information, approves with its price, or rejects; the
seller answers or cancels."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from reship import permissions
from reship.choices import (
    RESOLVED_LINE_STATUSES,
    Action,
    AuthorRole,
    CostBearer,
    EventKind,
    LineStatus,
    QuoteStatus,
    RequestStatus,
    RestockStatus,
)
from reship.core import inputs
from reship.core.errors import InvalidInput
from reship.models import (
    RequestMessage,
    ReshipLine,
    ReshipRequest,
    RestockOrder,
)
from reship.notifications import outbox
from reship.workflow.base import move, transition

if TYPE_CHECKING:
    from reship.accounts.models import User

S = RequestStatus


def reship_request_info(*, request_id: int, actor: User, question: str, now: datetime | None = None) -> ReshipRequest:
    """The partner needs more before deciding; the seller owes an answer."""
    with transition(Action.REQUEST_INFO, request_id=request_id, actor=actor, now=now) as (request, now):
        question = inputs.required_text(question, "question", _("The question"))
        RequestMessage.objects.create(
            request=request, author=actor, author_role=AuthorRole.PARTNER, body=question, created_at=now
        )
        move(request, actor=actor, kind=EventKind.INFO_REQUESTED, to_status=S.NEEDS_INFO, message=question, now=now)
        outbox.announce(request=request, template="info_requested", context={"question": question})
        return request


def reship_answer_info(*, request_id: int, actor: User, answer: str, now: datetime | None = None) -> ReshipRequest:
    """The seller answers; the request goes back to review with a fresh review clock."""
    with transition(Action.ANSWER_INFO, request_id=request_id, actor=actor, now=now) as (request, now):
        answer = inputs.required_text(answer, "answer", _("The answer"))
        RequestMessage.objects.create(
            request=request, author=actor, author_role=AuthorRole.SELLER, body=answer, created_at=now
        )
        move(request, actor=actor, kind=EventKind.INFO_ANSWERED, to_status=S.SUBMITTED, message=answer, now=now)
        outbox.announce(request=request, template="info_answered", context={"answer": answer})
        return request


def validated_quote(
    quote_goods: Any, quote_shipping: Any, cost_bearer: Any, promised_date: Any, now: datetime
) -> tuple[Decimal, Decimal, str]:
    goods = inputs.money(quote_goods, "quote_goods")
    shipping = inputs.money(quote_shipping, "quote_shipping")
    bearer = inputs.choice(cost_bearer, CostBearer, "cost_bearer")
    if promised_date is not None and not isinstance(promised_date, date):
        raise InvalidInput(_("Enter a date."), field_errors={"promised_date": [_("Not a date.")]})
    if promised_date is not None and promised_date < timezone.localdate(now):
        raise InvalidInput(
            _("The promised date cannot be in the past."), field_errors={"promised_date": [_("In the past.")]}
        )
    return goods, shipping, bearer


def apply_approval(
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
    move(
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
    with transition(Action.APPROVE, request_id=request_id, actor=actor, now=now) as (request, now):
        goods, shipping, bearer = validated_quote(quote_goods, quote_shipping, cost_bearer, promised_date, now)
        apply_approval(
            request,
            actor=actor,
            kind=EventKind.APPROVED,
            quote_goods=goods,
            quote_shipping=shipping,
            cost_bearer=bearer,
            promised_date=promised_date,
            note=inputs.optional_text(note, "note"),
            data={},
            now=now,
        )
        return request


def cancel_open_lines(request: ReshipRequest, now: datetime) -> None:
    ReshipLine.objects.filter(request=request).exclude(status__in=RESOLVED_LINE_STATUSES).update(
        status=LineStatus.CANCELLED
    )
    RestockOrder.objects.filter(request=request, status=RestockStatus.ORDERED).update(status=RestockStatus.CANCELLED)


def reship_reject(*, request_id: int, actor: User, reason: str, now: datetime | None = None) -> ReshipRequest:
    """The partner refuses, saying why; the quantities return to the order."""
    with transition(Action.REJECT, request_id=request_id, actor=actor, now=now) as (request, now):
        reason = inputs.required_text(reason, "reason", _("The reason for rejecting"))
        request.decision_note = reason
        request.reviewed_at = request.reviewed_at or now
        cancel_open_lines(request, now)
        move(
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
    """The seller (or a platform admin) withdraws the request; allowed until fulfilment starts."""
    with transition(Action.CANCEL, request_id=request_id, actor=actor, now=now) as (request, now):
        reason = inputs.optional_text(reason, "reason")
        cancel_open_lines(request, now)
        move(request, actor=actor, kind=EventKind.CANCELLED, to_status=S.CANCELLED, message=reason, now=now)
        # Cancelled by the platform (Django admin): the seller did not do it, so it is told too.
        by_platform = permissions.admin_may(Action.CANCEL, actor)
        outbox.announce(
            request=request,
            template="request_cancelled",
            context={"reason": reason, "by_platform": by_platform},
            audience=("seller", "partner") if by_platform else None,
        )
        return request
