"""Info update (更新信息), customer contact (客户沟通), close with an evaluation, and the customer's survey."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reship.choices import (
    RESOLVED_LINE_STATUSES,
    Action,
    Counterpart,
    CustomerEvent,
    Direction,
    EventKind,
    LineStatus,
    QuoteStatus,
    RequestStatus,
)
from reship.core import inputs
from reship.core.bounds import int_from_text
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.customers import policy
from reship.customers.messages import Wording
from reship.models import (
    CommunicationRecord,
    ReshipLine,
    ReshipRequest,
    SurveyResponse,
)
from reship.notifications import customer, outbox
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
    """The seller confirms the sales platform now carries the new tracking (or the refund).

    When the customer was already told of every outcome automatically (each shipped or compensated
    line has ``customer_told_at``: the shop's choice sent the message), the contact step
    (客户沟通) is completed by it at once: the request moves on to CONTACTED with a
    CUSTOMER_CONTACTED event by the system naming the automatic messages, instead of waiting for the
    seller to send the same again."""
    with transition(Action.CONFIRM_INFO_UPDATE, request_id=request_id, actor=actor, now=now) as (request, now):
        note = inputs.optional_text(note, "note")
        move(request, actor=actor, kind=EventKind.INFO_UPDATED, to_status=S.CUSTOMER_CONTACT, message=note, now=now)
        outbox.announce(request=request, template="info_updated", context={"note": note})
        _contact_done_automatically(request, now)
        return request


def _contact_done_automatically(request: ReshipRequest, now: datetime) -> None:
    resolved = request.lines.filter(status__in=RESOLVED_LINE_STATUSES)
    if not resolved.exists() or resolved.filter(customer_told_at__isnull=True).exists():
        return
    told = list(
        CommunicationRecord.objects.filter(
            request=request,
            automatic=True,
            notification__template__in=[CustomerEvent.LINES_SHIPPED, CustomerEvent.LINES_COMPENSATED],
        )
        .select_related("notification")
        .order_by("occurred_at", "pk")
    )
    channels = sorted({record.channel for record in told})
    sent = ", ".join(
        f"{CustomerEvent(record.notification.template).label} ({record.get_channel_display()})"
        for record in told
        if record.notification is not None
    )
    move(
        request,
        actor=None,
        kind=EventKind.CUSTOMER_CONTACTED,
        to_status=S.CONTACTED,
        message=_("The customer was told automatically: %(sent)s.") % {"sent": sent},
        data={"automatic": True, "channels": channels},
        now=now,
    )
    outbox.announce(request=request, template="customer_contacted", context={"automatic": True, "channels": channels})


# The channels the outbox sends itself; the others are logged contacts the seller had.
CUSTOMER_NOTIFY_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})


def outcome_message(request: ReshipRequest, channel: str) -> str:
    """The shop's outcome wording filled for this request, for the contact step (客户沟通) when the
    shop does not send it automatically: one "shipped" message per parcel and one "compensated"
    message for the compensated lines, the SMS wording for an SMS, the email's otherwise."""
    lines = list(
        request.lines.filter(status__in=RESOLVED_LINE_STATUSES)
        .select_related("order_line__product", "substitute_product", "shipment__carrier")
        .order_by("pk")
    )
    parts: list[str] = []
    parcels: dict[int, list[ReshipLine]] = {}
    for line in lines:
        if line.shipment_id is not None:
            parcels.setdefault(line.shipment_id, []).append(line)
    for parcel_lines in parcels.values():
        shipment = parcel_lines[0].shipment
        assert shipment is not None
        parcel: dict[str, Any] = {**shipment_facts(shipment), "lines": customer.line_facts(parcel_lines)}
        parts.append(_wording_text(customer.filled(request, CustomerEvent.LINES_SHIPPED, parcel), channel))
    compensated = [line for line in lines if line.status == LineStatus.COMPENSATED]
    if compensated:
        facts = {
            "lines": customer.line_facts(compensated),
            "amount": sum((line.compensation_amount or Decimal("0.00") for line in compensated), Decimal("0.00")),
            "currency": request.currency,
            "method": compensated[-1].compensation_method,
        }
        parts.append(_wording_text(customer.filled(request, CustomerEvent.LINES_COMPENSATED, facts), channel))
    return "\n\n".join(parts)


def _wording_text(wording: Wording, channel: str) -> str:
    return wording.sms if channel == Channel.SMS else wording.body


def reship_contact_customer(
    *, request_id: int, actor: User, channel: str, message: str = "", now: datetime | None = None
) -> ReshipRequest:
    """Tell the customer what happens, when the shop's automatic message did not (its choice is
    off, or the order could not be reached). The channel must be one the order can reach
    (``policy.contact_channels``). Email and SMS are sent under the shop's name (an empty message
    sends the shop's outcome wording, filled); a phone call, IM chat or site message the seller had
    is logged. Either way it is recorded in the contact log."""
    with transition(Action.CONTACT_CUSTOMER, request_id=request_id, actor=actor, now=now) as (request, now):
        channel = inputs.choice(channel, Channel, "channel")
        message = inputs.optional_text(message, "message")
        offered = policy.contact_channels(request.order)
        if channel not in offered:
            names = ", ".join(str(Channel(each).label) for each in offered)
            raise InvalidInput(
                _("Order %(order)s cannot be reached by %(channel)s; choose one of: %(channels)s.")
                % {"order": request.order, "channel": Channel(channel).label, "channels": names},
                field_errors={"channel": [_("Choose one of: %(channels)s.") % {"channels": names}]},
            )
        automatic = not message
        if automatic and channel not in CUSTOMER_NOTIFY_CHANNELS:
            raise InvalidInput(
                _("Say what you told the customer: only email and SMS can send the automatic message."),
                field_errors={"message": [_("Required for this channel.")]},
            )
        if channel in CUSTOMER_NOTIFY_CHANNELS:
            text = message or outcome_message(request, channel)
            customer.customer_tell(
                request=request,
                event=customer.CONTACT_MESSAGE,
                now=now,
                about=customer.CONTACT_ABOUT,
                facts={"message": text},
                channels=[channel],
                actor=actor,
            )
        else:
            CommunicationRecord.objects.create(
                request=request,
                counterpart=Counterpart.CUSTOMER,
                channel=channel,
                direction=Direction.OUTBOUND,
                summary=message,
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
        outbox.announce(
            request=request, template="customer_contacted", context={"automatic": False, "channel": channel}
        )
        return request


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
        outbox.announce(
            request=request,
            template="request_closed",
            context={
                "rating_speed": request.rating_speed,
                "rating_quality": request.rating_quality,
                "rating_cooperation": request.rating_cooperation,
                "note": request.close_note,
            },
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
