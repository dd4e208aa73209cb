"""The request page's parcels and survey panel (``requests/_delivery.html``): each reship parcel with
where it is and a "Mark delivered" button for the sides that may, and, for the seller, when the
customer's survey goes out — or why there is none. Reads what the page already loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from orders.models import Shipment
from reship import workflow
from reship.accounts.roles import Role
from reship.choices import Action, RequestStatus
from reship.web.forms.parcels import request_parcels

if TYPE_CHECKING:
    from reship.accounts.models import User
    from reship.models import ReshipRequest


@dataclass(frozen=True)
class Survey:
    state: str  # "sent", "scheduled" or "none"
    at: datetime | None
    why: str = ""  # for "none"


@dataclass(frozen=True)
class DeliveryPanel:
    parcels: list[Shipment]
    can_mark: bool
    survey: Survey | None  # the seller's only
    all_delivered: bool


def survey_state(reship: ReshipRequest) -> Survey:
    if reship.survey_sent_at is not None:
        return Survey("sent", reship.survey_sent_at)
    if reship.status == RequestStatus.CANCELLED:
        return Survey("none", None, _("No survey: the request was cancelled."))
    if reship.status == RequestStatus.REJECTED:
        return Survey("none", None, _("No survey: the request was rejected."))
    if reship.survey_due_at is None:
        return Survey("none", None, _("No survey yet: it is scheduled once every line is shipped or compensated."))
    if not reship.order.customer_email and not reship.order.customer_phone:
        return Survey("none", reship.survey_due_at, _("No survey: the order has no customer email or phone."))
    return Survey("scheduled", reship.survey_due_at)


def delivery_panel(
    user: User, reship: ReshipRequest, *, side: Role, actions: list[Action] | None = None
) -> DeliveryPanel:
    """``actions``: the user's ``workflow.actions_for`` when the caller has them already."""
    parcels = request_parcels(reship)
    can_mark = Action.MARK_DELIVERED in (workflow.actions_for(user, reship) if actions is None else actions)
    return DeliveryPanel(
        parcels=parcels,
        can_mark=can_mark,
        survey=survey_state(reship) if side == Role.SELLER else None,
        all_delivered=bool(parcels) and all(parcel.delivered_at is not None for parcel in parcels),
    )
