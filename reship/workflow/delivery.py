"""Delivery: a reship parcel arrives, and the customer's survey waits for it.

A parcel (a reship ``Shipment``) becomes *delivered* when the partner or the seller marks it (page,
API), a tracking import row says so (the importing user is the actor), or the tracking provider
reports it (``actor=None``). Each delivery is one ``DELIVERED`` event on its request and a
``parcel_delivered`` notification to the seller and the partner (inbox, email per their settings,
and their webhook endpoints: the webhook event is named ``parcel_delivered``, like every event, after
its template). Statuses short of delivered (in transit, out for delivery, a delivery problem) are
``reship_record_tracking``'s: one ``TRACKING_UPDATED`` event when the status changes, none when not.

The survey (客户满意度) goes out once, after the goods: ``survey_schedule`` sets ``survey_due_at``
when the request's fulfilment finishes and again on each delivery —

* every parcel of the request delivered: the latest delivery + the seller's ``survey_delay_days``;
* a parcel not heard of yet: the latest parcel's shipping + the seller's ``survey_fallback_days``
  (never before a delivery already known + the delay);
* no parcel (every line compensated): when the last line was resolved + ``survey_delay_days``;
* cancelled or rejected requests: no survey.

``surveys_send_due`` (Celery beat, every minute) sends those due, each exactly once even with two
workers: the rows are taken with ``select_for_update(skip_locked=True)`` and ``survey_sent_at`` is
written in the same transaction as the ``SURVEY_SENT`` event and the invitation's outbox rows.
A survey already sent is never rescheduled.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.choices import TrackingStatus
from orders.models import Shipment
from reship.choices import Action, CustomerEvent, EventKind, RequestStatus
from reship.core import signing
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.models import ReshipRequest
from reship.notifications import customer, outbox
from reship.workflow.base import action_check, lock, move

if TYPE_CHECKING:
    from reship.accounts.models import User

S = RequestStatus
NO_SURVEY_STATUSES = frozenset({S.CANCELLED, S.REJECTED})
# What a tracking report may set besides delivered (which is ``reship_mark_delivered``'s).
PROGRESS_STATUSES = frozenset(
    {TrackingStatus.SHIPPED, TrackingStatus.IN_TRANSIT, TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.EXCEPTION}
)
SURVEY_BATCH = 200


class DeliveredBy:
    """Who said the parcel arrived, as the DELIVERED event's ``by`` records it."""

    PERSON = "person"  # the partner or the seller, on the page or through the API
    IMPORT = "import"  # a row of a tracking import (the importing user is the actor)
    PROVIDER = "provider"  # the tracking provider (no actor)


def _local_text(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _lock_parcel(shipment_id: int, actor: User | None) -> tuple[ReshipRequest, Shipment]:
    """Inside a transaction: the parcel's request locked first (as every transition does), then the
    parcel. A parcel that is not a reship one, or whose request the actor may not see, is a 404."""
    request_id = (
        Shipment.objects.filter(pk=shipment_id, reship_request__isnull=False)
        .values_list("reship_request_id", flat=True)
        .first()
    )
    if request_id is None:
        raise RequestNotFound(_("Parcel not found."))
    request = lock(request_id, actor)
    shipment = Shipment.objects.select_for_update(of=("self",)).select_related("carrier").get(pk=shipment_id)
    return request, shipment


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _already_delivered(shipment: Shipment) -> InvalidTransition:
    assert shipment.delivered_at is not None
    return InvalidTransition(
        _("Parcel %(carrier)s %(number)s was already delivered on %(date)s; nothing was changed.")
        % {
            "carrier": shipment.carrier_name,
            "number": shipment.tracking_number,
            "date": _local_text(shipment.delivered_at),
        }
    )


def reship_mark_delivered(
    *,
    shipment_id: int,
    actor: User | None,
    delivered_at: datetime | None = None,
    now: datetime | None = None,
    by: str = "",
) -> Shipment:
    """The parcel arrived (at ``delivered_at``, by default now). ``actor=None`` is the tracking
    provider; ``by`` says where it was heard (``DeliveredBy``; by default a person when there is
    an actor, else the provider). A parcel delivered already is a 409 and writes nothing."""
    with transaction.atomic():
        request, shipment = _lock_parcel(shipment_id, actor)
        now = now or timezone.now()  # read once the locks are held: events stay in time order
        action_check(request, actor, Action.MARK_DELIVERED)
        if shipment.delivered_at is not None:
            raise _already_delivered(shipment)
        delivered_at = _aware(delivered_at) if delivered_at is not None else now
        if delivered_at < shipment.shipped_at:
            raise InvalidInput(
                _("A parcel cannot arrive before it was shipped (%(shipped)s).")
                % {"shipped": _local_text(shipment.shipped_at)},
                field_errors={"delivered_at": [_("Before the parcel was shipped.")]},
            )
        if delivered_at > now:
            raise InvalidInput(
                _("The delivery time cannot be in the future."),
                field_errors={"delivered_at": [_("In the future.")]},
            )
        shipment.delivered_at = delivered_at
        shipment.tracking_status = TrackingStatus.DELIVERED
        shipment.save(update_fields=["delivered_at", "tracking_status"])
        survey_schedule(request, now, save=False)
        by = by or (DeliveredBy.PERSON if actor is not None else DeliveredBy.PROVIDER)
        move(
            request,
            actor=actor,
            kind=EventKind.DELIVERED,
            fields=["survey_due_at"],
            data={
                "shipment": shipment.pk,
                "carrier": shipment.carrier.code,
                "tracking_number": shipment.tracking_number,
                "delivered_at": delivered_at.isoformat(),
                "by": by,
            },
            now=now,
        )
        outbox.announce(
            request=request,
            template="parcel_delivered",
            context={
                "shipment": shipment.pk,
                "carrier": shipment.carrier_name,
                "carrier_code": shipment.carrier.code,
                "tracking_number": shipment.tracking_number,
                "tracking_link": shipment.tracking_link,
                "delivered_at": delivered_at.isoformat(),
                "delivered_at_text": _local_text(delivered_at),
                "by": by,
            },
        )
        return shipment


def reship_record_tracking(
    *,
    shipment_id: int,
    status: str,
    at: datetime | None = None,
    actor: User | None = None,
    now: datetime | None = None,
    by: str = "",
) -> Shipment:
    """Where the parcel is now, as a tracking import or provider says. ``delivered`` is
    ``reship_mark_delivered``'s (``at`` is then the delivery time); another status is written with
    one ``TRACKING_UPDATED`` event when it changes, and nothing at all when it does not."""
    if status == TrackingStatus.DELIVERED:
        return reship_mark_delivered(shipment_id=shipment_id, actor=actor, delivered_at=at, now=now, by=by)
    if status not in PROGRESS_STATUSES:
        raise InvalidInput(
            _("Unknown tracking status %(status)s; use one of: %(choices)s.")
            % {"status": status, "choices": ", ".join(TrackingStatus.values)},
            field_errors={"status": [_("Not a valid choice.")]},
        )
    with transaction.atomic():
        request, shipment = _lock_parcel(shipment_id, actor)
        now = now or timezone.now()
        action_check(request, actor, Action.MARK_DELIVERED)
        if shipment.delivered_at is not None:
            raise _already_delivered(shipment)
        if shipment.tracking_status == status:
            return shipment
        previous = shipment.tracking_status
        shipment.tracking_status = status
        shipment.save(update_fields=["tracking_status"])
        move(
            request,
            actor=actor,
            kind=EventKind.TRACKING_UPDATED,
            data={
                "shipment": shipment.pk,
                "carrier": shipment.carrier.code,
                "tracking_number": shipment.tracking_number,
                "from": previous,
                "to": status,
                "at": _aware(at).isoformat() if at is not None else None,
                "by": by or (DeliveredBy.PERSON if actor is not None else DeliveredBy.PROVIDER),
            },
            now=now,
        )
        return shipment


# --- the survey waits for the goods ----------------------------------------------------------------


def survey_due(request: ReshipRequest) -> datetime | None:
    """When the request's survey should go out, from its parcels (see the module's docstring);
    ``None`` while a line is unresolved, and for cancelled or rejected requests."""
    if request.status in NO_SURVEY_STATUSES or request.resolved_at is None:
        return None
    seller = request.seller
    delay = timedelta(days=seller.survey_delay_days)
    parcels = list(Shipment.objects.filter(reship_request=request).values_list("shipped_at", "delivered_at"))
    if not parcels:
        return request.resolved_at + delay
    delivered = [delivered_at for _shipped, delivered_at in parcels if delivered_at is not None]
    after_delivery = max(delivered) + delay if delivered else None
    if len(delivered) == len(parcels):
        return after_delivery
    fallback = max(shipped_at for shipped_at, _delivered in parcels) + timedelta(days=seller.survey_fallback_days)
    # Never before a delivery already known: a parcel heard of waits its delay too.
    return max(fallback, after_delivery) if after_delivery is not None else fallback


def survey_schedule(request: ReshipRequest, now: datetime, *, save: bool = True) -> datetime | None:
    """(Re)compute ``survey_due_at`` on the locked request: when its fulfilment finishes and on each
    delivery. A survey already sent stays as it is. ``save=False`` leaves the saving to the caller's
    ``move``. ``now`` is kept for the callers' symmetry (the due time depends on the parcels only)."""
    del now
    if request.survey_sent_at is not None:
        return request.survey_due_at
    due = survey_due(request)
    if due != request.survey_due_at:
        request.survey_due_at = due
        if save:
            request.save(update_fields=["survey_due_at"])
    return due


def surveys_send_due(
    *, now: datetime | None = None, batch: int = SURVEY_BATCH, request_ids: Collection[int] | None = None
) -> int:
    """Send the surveys that fell due, each once: rows another worker holds are skipped (it is
    sending them), and ``survey_sent_at`` commits with the event and the outbox rows.
    ``request_ids`` limits it to those requests (the demo's replay)."""
    sent = 0
    only = Q(pk__in=list(request_ids)) if request_ids is not None else Q()
    while True:
        with transaction.atomic():
            moment = now or timezone.now()
            due = list(
                ReshipRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(only, survey_due_at__lte=moment, survey_sent_at__isnull=True)
                .exclude(status__in=NO_SURVEY_STATUSES)
                .select_related("order", "seller", "partner")
                .order_by("survey_due_at", "pk")[:batch]
            )
            for request in due:
                _survey_send(request, moment)
        sent += len(due)
        if len(due) < batch:
            return sent


def _survey_send(request: ReshipRequest, now: datetime) -> None:
    """The survey falls due: the customer is invited on the channels the shop chose. When it chose
    none (or the order cannot be reached) it is still "sent": the tracking page offers it."""
    request.survey_sent_at = now
    told = customer.customer_tell(
        request=request,
        event=CustomerEvent.SURVEY_INVITATION,
        now=now,
        facts={"survey_path": signing.survey_path(request), "survey_days": settings.RESHIP_SURVEY_LINK_DAYS},
    )
    move(
        request,
        actor=None,
        kind=EventKind.SURVEY_SENT,
        fields=["survey_sent_at"],
        data={
            "due_at": request.survey_due_at.isoformat() if request.survey_due_at else None,
            "channels": [row.channel for row in told],
        },
        now=now,
    )
