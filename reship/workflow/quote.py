"""The price (价格): the seller accepts or disputes the partner's quote; the partner revises it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from reship.choices import (
    Action,
    AuthorRole,
    EventKind,
    QuoteStatus,
    RequestStatus,
)
from reship.core import inputs
from reship.models import (
    RequestMessage,
    ReshipRequest,
)
from reship.notifications import outbox
from reship.workflow.base import move, transition
from reship.workflow.review import validated_quote

if TYPE_CHECKING:
    from reship.accounts.models import User

S = RequestStatus


def reship_accept_quote(*, request_id: int, actor: User, now: datetime | None = None) -> ReshipRequest:
    """The seller agrees to the price. Which quote states may be answered is ``lifecycle.state_refusal``'s
    (asked by ``action_check``): pending, or disputed and then accepted as quoted."""
    with transition(Action.ACCEPT_QUOTE, request_id=request_id, actor=actor, now=now) as (request, now):
        request.quote_status = QuoteStatus.ACCEPTED
        move(request, actor=actor, kind=EventKind.QUOTE_ACCEPTED, fields=["quote_status"], now=now)
        outbox.announce(
            request=request,
            template="quote_accepted",
            context={
                "quote_goods": request.quote_goods,
                "quote_shipping": request.quote_shipping,
                "cost_bearer": request.cost_bearer,
            },
        )
        return request


def reship_dispute_quote(*, request_id: int, actor: User, message: str, now: datetime | None = None) -> ReshipRequest:
    """The seller disagrees with the price; the thread reopens it and the partner may revise it."""
    with transition(Action.DISPUTE_QUOTE, request_id=request_id, actor=actor, now=now) as (request, now):
        message = inputs.required_text(message, "message", _("What you disagree with"))
        request.quote_status = QuoteStatus.DISPUTED
        RequestMessage.objects.create(
            request=request, author=actor, author_role=AuthorRole.SELLER, body=message, created_at=now
        )
        move(request, actor=actor, kind=EventKind.QUOTE_DISPUTED, fields=["quote_status"], message=message, now=now)
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
    with transition(Action.REVISE_QUOTE, request_id=request_id, actor=actor, now=now) as (request, now):
        goods, shipping, bearer = validated_quote(quote_goods, quote_shipping, cost_bearer, None, now)
        message = inputs.optional_text(message, "message")
        request.quote_goods, request.quote_shipping, request.cost_bearer = goods, shipping, bearer
        request.quote_status = QuoteStatus.PENDING
        if message:
            RequestMessage.objects.create(
                request=request, author=actor, author_role=AuthorRole.PARTNER, body=message, created_at=now
            )
        move(
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
