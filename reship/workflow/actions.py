"""One dispatcher from an action and its parsed input to the workflow function that performs it.

The request page's forms and the API's serializers both end here, so the mapping from input to each
workflow call is written once. ``data`` holds the workflow's own argument names; ``items`` (ship)
and ``lines`` (follow-up, a report's edit) are already ``ShipItem`` / ``LineRequest`` lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from orders.models import Shipment
from reship.choices import Action
from reship.core.errors import InvalidInput
from reship.models import ReshipRequest
from reship.workflow import application, closing, delivery, fulfilment, quote, report, review
from reship.workflow.ship_to import reship_change_ship_to

if TYPE_CHECKING:
    from reship.accounts.models import User

# action → (the workflow function, the names it takes from ``data`` besides request_id and actor)
CALLS: dict[Action, tuple[Callable[..., Any], tuple[str, ...]]] = {
    Action.CONFIRM_REPORT: (report.reship_confirm_report, ()),
    Action.EDIT_REPORT: (report.reship_edit_report, ("lines", "reason", "description")),
    Action.DECLINE_REPORT: (report.reship_decline_report, ("reason",)),
    Action.REQUEST_INFO: (review.reship_request_info, ("question",)),
    Action.ANSWER_INFO: (review.reship_answer_info, ("answer",)),
    Action.APPROVE: (
        review.reship_approve,
        ("quote_goods", "quote_shipping", "cost_bearer", "promised_date", "note"),
    ),
    Action.REJECT: (review.reship_reject, ("reason",)),
    Action.CANCEL: (review.reship_cancel, ("reason",)),
    Action.ACCEPT_QUOTE: (quote.reship_accept_quote, ()),
    Action.DISPUTE_QUOTE: (quote.reship_dispute_quote, ("message",)),
    Action.REVISE_QUOTE: (quote.reship_revise_quote, ("quote_goods", "quote_shipping", "cost_bearer", "message")),
    Action.START_RESTOCK: (fulfilment.reship_start_restock, ("line_ids", "note")),
    Action.SHIP: (
        fulfilment.reship_ship,
        ("items", "carrier", "carrier_name", "tracking_number", "quality_check_note"),
    ),
    Action.COMPENSATE: (fulfilment.reship_compensate, ("line_ids", "method", "amount", "note")),
    Action.CONFIRM_INFO_UPDATE: (closing.reship_confirm_info_update, ("note",)),
    Action.CONTACT_CUSTOMER: (closing.reship_contact_customer, ("channel", "message")),
    Action.CLOSE: (
        closing.reship_close,
        ("rating_speed", "rating_quality", "rating_cooperation", "platform_dispute", "bad_review", "note"),
    ),
    Action.FOLLOW_UP: (application.reship_follow_up, ("reason", "description", "lines")),
    Action.CHANGE_SHIP_TO: (reship_change_ship_to, ("ship_to", "note")),
}


def action_perform(*, action: Action, request_id: int, actor: User, data: dict[str, Any]) -> ReshipRequest | None:
    """Perform the action; returns the new request a follow-up creates, else ``None``."""
    if action == Action.CONFIRM_RESTOCK:  # the workflow finds the request through the restock order
        fulfilment.reship_confirm_restock(
            restock_order_id=data["restock_order"], actor=actor, ship_date=data["ship_date"], note=data["note"]
        )
        return None
    if action == Action.MARK_DELIVERED:
        if not Shipment.objects.filter(pk=data["shipment"], reship_request_id=request_id).exists():
            # The address names the request: a parcel of another one (even a visible one) is not its.
            raise InvalidInput(
                _("That is not a parcel of this request."),
                field_errors={"shipment": [_("Not a parcel of this request.")]},
            )
        delivery.reship_mark_delivered(
            shipment_id=data["shipment"], actor=actor, delivered_at=data.get("delivered_at") or None
        )
        return None
    function, names = CALLS[action]
    result = function(request_id=request_id, actor=actor, **{name: data[name] for name in names})
    return result if action == Action.FOLLOW_UP else None
