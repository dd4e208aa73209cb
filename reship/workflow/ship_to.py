"""The request's own ship-to (改地址): the seller changes where the replacement goes.

The customer moved, or gave the wrong flat number: until a parcel of the request has left, the seller
changes the request's ship-to (the order's stays as it was, for the original parcel). The change is
one ``SHIP_TO_CHANGED`` event and, once the partner is packing (approved, fulfilling), a message
telling it to ship to the new address.

The event keeps only the changed fields' names and their *masked* before and after (王*明,
138****1234, street cut), never the full address: the timeline, the API's event list and every
webhook's copy of the request carry events verbatim to both sides, also to a partner reading outside
its window. The full current ship-to is on the request, shown through ``reship.privacy``'s rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Shipment
from orders.ship_to import (
    FIELDS,
    MODEL_FIELDS,
    clean,
    masked_value,
    values_of,
)
from reship.choices import Action, EventKind, RequestStatus
from reship.core import inputs
from reship.core.errors import InvalidInput, InvalidTransition
from reship.models import ReshipRequest
from reship.notifications import outbox
from reship.workflow.base import move, transition

if TYPE_CHECKING:
    from reship.accounts.models import User

# The partner is told only once the request is its to pack; before approval it reads the new
# ship-to (masked) when it reviews.
PARTNER_TOLD_STATUSES = frozenset({RequestStatus.APPROVED, RequestStatus.FULFILLING})


def _first_parcel(request: ReshipRequest) -> Shipment | None:
    return (
        Shipment.objects.filter(reship_request_id=request.pk)
        .select_related("carrier")
        .order_by("shipped_at", "pk")
        .first()
    )


def reship_change_ship_to(
    *,
    request_id: int,
    actor: User | None,
    ship_to: Mapping[str, Any],
    note: str = "",
    now: datetime | None = None,
) -> ReshipRequest:
    """The seller gives the replacement a new ship-to (the short keys ``orders.ship_to.clean`` reads:
    name, phone, country, province, city, district, street, postcode; a key left out keeps its
    current value, an empty one clears it). Refused with a 409 once a
    parcel of the request has left — it can only be redirected through the carrier — and with a 422
    when nothing differs from the current one."""
    with transition(Action.CHANGE_SHIP_TO, request_id=request_id, actor=actor, now=now) as (request, now):
        parcel = _first_parcel(request)
        if parcel is not None:
            raise InvalidTransition(
                _(
                    "The replacement left on %(date)s with %(carrier)s %(number)s; the ship-to can no longer "
                    "change. Ask the carrier to redirect the parcel."
                )
                % {
                    "date": timezone.localtime(parcel.shipped_at).strftime("%Y-%m-%d"),
                    "carrier": parcel.carrier_name,
                    "number": parcel.tracking_number,
                }
            )
        cleaned = _cleaned(ship_to, current=values_of(request))
        note = inputs.optional_text(note, "note")
        changed = [key for key, (field, _length, _label) in FIELDS.items() if getattr(request, field) != cleaned[field]]
        if not changed:
            raise InvalidInput(_("This is already the ship-to: nothing was changed."))
        before = {key: masked_value(key, getattr(request, FIELDS[key][0])) for key in changed}
        after = {key: masked_value(key, cleaned[FIELDS[key][0]]) for key in changed}
        for field, value in cleaned.items():
            setattr(request, field, value)
        move(
            request,
            actor=actor,
            kind=EventKind.SHIP_TO_CHANGED,
            fields=MODEL_FIELDS,
            message=note,
            data={"fields": changed, "before": before, "after": after},
            now=now,
        )
        if request.status in PARTNER_TOLD_STATUSES:
            outbox.announce(request=request, template="ship_to_changed", context={"fields": changed, "note": note})
        return request


def _cleaned(given: Mapping[str, Any], *, current: dict[str, str]) -> dict[str, str]:
    """The checked ship-to, fields left out keeping their current value (an API call may send only
    the phone); anything but a mapping of the known keys is refused in words."""
    if not isinstance(given, Mapping):
        raise InvalidInput(_("Give the ship-to as its fields: name, phone, city, street and the others."))
    unknown = sorted(str(key) for key in given if key not in FIELDS)
    if unknown:
        raise InvalidInput(
            _("Unknown ship-to fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            field_errors={key: [_("Not a ship-to field.")] for key in unknown},
        )
    return clean({**current, **given})
