"""Info update (更新信息), customer contact (客户沟通), close with an evaluation, and the customer's survey."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reship.choices import (
    Action,
    Counterpart,
    Direction,
    EventKind,
    QuoteStatus,
    RequestStatus,
)
from reship.core import inputs
from reship.core.bounds import int_from_text
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.models import (
    CommunicationRecord,
    ReshipRequest,
    SurveyResponse,
)
from reship.notifications import outbox
from reship.workflow import events
from reship.workflow.base import move, transition
from reship.workflow.fulfilment import shipment_facts
from suppliers.choices import Channel

if TYPE_CHECKING:
    from reship.accounts.models import User

S = RequestStatus


def reship_confirm_info_update(
    *, request_id: int, actor: User, note: str = "", now: datetime | None = None
) -> ReshipRequest:
    """The seller confirms the sales platform now carries the new tracking (or the refund)."""
    with transition(Action.CONFIRM_INFO_UPDATE, request_id=request_id, actor=actor, now=now) as (request, now):
        note = inputs.optional_text(note, "note")
        move(request, actor=actor, kind=EventKind.INFO_UPDATED, to_status=S.CUSTOMER_CONTACT, message=note, now=now)
        return request


CUSTOMER_NOTIFY_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})


def reship_contact_customer(
    *, request_id: int, actor: User, channel: str, message: str = "", now: datetime | None = None
) -> ReshipRequest:
    """Tell the customer what happens. Email and SMS go through the outbox (an empty message sends
    the system's own message with carrier and tracking); a phone call, IM chat or site message the
    seller had is logged. Either way it is recorded in the communication log."""
    with transition(Action.CONTACT_CUSTOMER, request_id=request_id, actor=actor, now=now) as (request, now):
        channel = inputs.choice(channel, Channel, "channel")
        message = inputs.optional_text(message, "message")
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
        move(
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
    lines = request.lines.select_related("order_line__product", "substitute_product", "shipment__carrier").order_by(
        "pk"
    )
    return {
        "customer_name": request.order.customer_name,
        "lines": [
            {
                "sku": line.order_line.product.sku_code,
                "name": line.order_line.product.name,
                "quantity": line.quantity,
                "status": line.status,
                "carrier": None,
                "tracking_number": None,
                **(shipment_facts(line.shipment) if line.shipment else {}),
                **({"carrier": line.shipment.carrier_name} if line.shipment else {}),  # the caller's language
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
    """The seller closes with an evaluation of the partner. The customer's survey goes out on its
    own schedule, after the goods arrived (``delivery.surveys_send_due``), not at close."""
    with transition(Action.CLOSE, request_id=request_id, actor=actor, now=now) as (request, now):
        if request.quote_status == QuoteStatus.DISPUTED:
            raise InvalidTransition(_("The quote is still disputed: settle the price in the thread before closing."))
        # Closing without a dispute is the seller's consent to the price; say so in the log.
        accepted_on_close = request.quote_status == QuoteStatus.PENDING
        if accepted_on_close:
            request.quote_status = QuoteStatus.ACCEPTED
        request.rating_speed = inputs.rating(rating_speed, "rating_speed")
        request.rating_quality = inputs.rating(rating_quality, "rating_quality")
        request.rating_cooperation = inputs.rating(rating_cooperation, "rating_cooperation")
        request.platform_dispute = bool(platform_dispute)
        request.bad_review = bool(bad_review)
        request.close_note = inputs.optional_text(note, "note")
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
        move(
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
        # The customer's survey is not sent here: it waits for the goods (workflow.delivery).
        return request


def survey_answer(*, request_id: int, rating: Any, comment: str = "", now: datetime | None = None) -> SurveyResponse:
    """The customer rates the outcome through the signed survey link, once. The survey exists once
    it was sent (``survey_sent_at``), whatever the request's status since."""
    with transaction.atomic():
        request = ReshipRequest.objects.select_for_update(of=("self",)).filter(pk=request_id).first()
        now = now or timezone.now()  # read once the lock is held: events stay in time order
        if request is None or request.survey_sent_at is None:
            raise RequestNotFound(_("This survey does not exist."))
        if SurveyResponse.objects.filter(request=request).exists():
            raise InvalidTransition(_("This survey has been answered already. Thank you!"))
        if isinstance(rating, str):
            rating = int_from_text(rating)
        rating = inputs.rating(rating, "rating")
        comment = inputs.optional_text(comment, "comment")
        response = SurveyResponse.objects.create(request=request, rating=rating, comment=comment, answered_at=now)
        events.event_create(
            request=request, actor=None, kind=EventKind.NOTE, message=comment, data={"survey_rating": rating}, at=now
        )
        return response
