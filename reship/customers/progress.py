"""A request's progress as its customer sees it on the tracking page (``customer-track``): the steps
received → approved → shipped → delivered → compensated → closed, the parcels (carrier, number,
the carrier's page), the compensation paid, the items concerned, the survey when it is due, and
how a request that stopped short ended (declined by the shop with its reason, rejected, cancelled).

Pure reading: ``progress_load`` fetches the request and what the page shows in a fixed number of
queries, whatever the number of lines or parcels; ``progress_of`` computes from those rows. The
customer's words only: the shop and the platform order number, never "Reship" or an RS number,
never the partner's internal notes. Labels are translated in the language active when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from orders.models import Shipment
from reship.choices import CompensationMethod, LineStatus, RequestStatus, Resolution
from reship.customers.links import request_ended_at
from reship.models import ReshipEvent, ReshipLine, ReshipRequest, SurveyResponse

S = RequestStatus
SHIPPED_RESOLUTIONS = frozenset({Resolution.RESEND, Resolution.RESTOCK_RESEND})
# Statuses in which the request has not been accepted (yet, or at all).
NOT_APPROVED = frozenset({S.REPORTED, S.DECLINED, S.SUBMITTED, S.NEEDS_INFO, S.REJECTED})
# How a request that did not reach its end is explained: (state, heading).
STOPPED = frozenset({S.DECLINED, S.REJECTED, S.CANCELLED})

# (key, label, done, at): a step before it is given its place (done, current, upcoming).
RawStep = tuple[str, str, bool, datetime | None]

DONE = "done"
CURRENT = "current"
UPCOMING = "upcoming"


@dataclass(frozen=True)
class Step:
    key: str  # received, approved, shipped, delivered, compensated, closed
    label: str  # what happened when done (Shipped, 已发货); what is awaited otherwise (Shipping, 待发货)
    state: str  # done, current, upcoming
    at: datetime | None = None


@dataclass(frozen=True)
class Parcel:
    carrier: str
    tracking_number: str
    link: str
    shipped_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Compensation:
    item: str
    amount: Decimal
    currency: str
    method: str


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int
    remedy: str  # what the shop does about it, in the customer's words


@dataclass(frozen=True)
class Progress:
    state: str  # checking, in_progress, closed, declined, rejected, cancelled
    steps: tuple[Step, ...]
    parcels: tuple[Parcel, ...]
    compensations: tuple[Compensation, ...]
    items: tuple[Item, ...]
    shop_reason: str  # the shop's reason for declining a report (the customer is meant to read it)
    ended_at: datetime | None
    survey: str  # "due", "answered" or ""


def progress_load(request_id: int) -> ReshipRequest | None:
    """The request with everything ``progress_of`` and the page read, in four queries: the request
    (with its order, shop and survey answer), its lines with their products, its parcels with their
    carriers, and its status events."""
    return (
        ReshipRequest.objects.select_related("order", "seller", "survey_response")
        .prefetch_related(
            Prefetch("lines", queryset=ReshipLine.objects.select_related("order_line__product").order_by("pk")),
            Prefetch("shipments", queryset=Shipment.objects.select_related("carrier")),
            Prefetch(
                "events",
                queryset=ReshipEvent.objects.exclude(to_status="").only("request_id", "to_status", "created_at"),
            ),
        )
        .filter(pk=request_id)
        .first()
    )


def _remedy(resolution: str) -> str:
    if resolution == Resolution.COMPENSATION:
        return _("Compensation")
    return _("Replacement")


def _survey_state(request: ReshipRequest) -> str:
    try:
        answered = request.survey_response is not None
    except SurveyResponse.DoesNotExist:
        answered = False
    if answered:
        return "answered"
    return "due" if request.survey_sent_at is not None else ""


def _latest(moments: list[datetime | None]) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def _steps(request: ReshipRequest, lines: list[ReshipLine], parcels: list[Parcel]) -> list[RawStep]:
    """(key, label, done, at) of each step that applies to this request, in order."""
    live = [line for line in lines if line.status != LineStatus.CANCELLED]
    to_ship = [line for line in live if line.resolution in SHIPPED_RESOLUTIONS]
    to_compensate = [line for line in live if line.resolution == Resolution.COMPENSATION]
    approved = request.status not in NOT_APPROVED and request.reviewed_at is not None
    steps: list[RawStep] = [
        ("received", _("Request received"), True, request.reported_at or request.submitted_at or request.created_at),
        ("approved", _("Approved"), approved, request.reviewed_at if approved else None),
    ]
    if to_ship:
        shipped = all(line.status == LineStatus.SHIPPED for line in to_ship)
        steps.append(("shipped", _("Shipped"), shipped, _latest([p.shipped_at for p in parcels]) if shipped else None))
        delivered = shipped and bool(parcels) and all(parcel.delivered_at is not None for parcel in parcels)
        at = _latest([p.delivered_at for p in parcels]) if delivered else None
        steps.append(("delivered", _("Delivered"), delivered, at))
    if to_compensate:
        compensated = all(line.status == LineStatus.COMPENSATED for line in to_compensate)
        at = _latest([line.resolved_at for line in to_compensate]) if compensated else None
        steps.append(("compensated", _("Compensated"), compensated, at))
    closed = request.status == S.CLOSED
    steps.append(("closed", _("Closed"), closed, request.closed_at if closed else None))
    return steps


def _pending_label(key: str) -> str:
    """A step not reached yet, named for what is awaited (待发货), not for what happened (已发货)."""
    labels = {
        "approved": pgettext("step not reached yet", "Approval"),
        "shipped": pgettext("step not reached yet", "Shipping"),
        "delivered": pgettext("step not reached yet", "Delivery"),
        "compensated": pgettext("step not reached yet", "Compensation"),
        "closed": pgettext("step not reached yet", "Closing"),
    }
    return labels[key]


def _state(status: str) -> str:
    if status == S.REPORTED:
        return "checking"
    if status in STOPPED or status == S.CLOSED:
        return str(status)
    return "in_progress"


def progress_of(request: ReshipRequest) -> Progress:
    """The customer's view of ``request`` as loaded by ``progress_load`` (no further query)."""
    lines = list(request.lines.all())
    parcels = tuple(
        Parcel(
            carrier=shipment.carrier_name,
            tracking_number=shipment.tracking_number,
            link=shipment.tracking_link,
            shipped_at=shipment.shipped_at,
            delivered_at=shipment.delivered_at,
        )
        for shipment in sorted(request.shipments.all(), key=lambda shipment: (shipment.shipped_at, shipment.pk))
    )
    state = _state(request.status)
    raw = _steps(request, lines, list(parcels))
    if state in STOPPED:
        # What happened before it stopped; nothing is coming any more.
        steps = tuple(Step(key, label, DONE, at) for key, label, done, at in raw if done)
    else:
        steps_list: list[Step] = []
        current_given = request.status == S.CLOSED
        for key, label, done, at in raw:
            if done:
                steps_list.append(Step(key, label, DONE, at))
            elif not current_given:
                steps_list.append(Step(key, _pending_label(key), CURRENT))
                current_given = True
            else:
                steps_list.append(Step(key, _pending_label(key), UPCOMING))
        steps = tuple(steps_list)
    methods = dict(CompensationMethod.choices)
    compensations = tuple(
        Compensation(
            item=line.order_line.product.name,
            amount=line.compensation_amount,
            currency=request.currency,
            method=str(methods.get(line.compensation_method, "")),
        )
        for line in lines
        if line.status == LineStatus.COMPENSATED and line.compensation_amount is not None
    )
    items = tuple(
        Item(name=line.order_line.product.name, quantity=line.quantity, remedy=_remedy(line.resolution))
        for line in lines
    )
    return Progress(
        state=state,
        steps=steps,
        parcels=parcels,
        compensations=compensations,
        items=items,
        shop_reason=request.decision_note if request.status == S.DECLINED else "",
        ended_at=request_ended_at(request, request.events.all()),
        survey=_survey_state(request),
    )
