"""One dispatcher from an action and its parsed input to the workflow function that performs it.

The request page's forms and the API's serializers both end here, so the mapping from input to each
workflow call is written once. ``data`` holds the workflow's own argument names; ``items`` (ship)
and ``lines`` (follow-up) are already ``workflow.ShipItem`` / ``workflow.LineRequest`` lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reship import workflow
from reship.choices import Action
from reship.models import ReshipRequest

# action → (the workflow function, the names it takes from ``data`` besides request_id and actor)
CALLS: dict[Action, tuple[Callable[..., Any], tuple[str, ...]]] = {
    Action.REQUEST_INFO: (workflow.reship_request_info, ("question",)),
    Action.ANSWER_INFO: (workflow.reship_answer_info, ("answer",)),
    Action.APPROVE: (
        workflow.reship_approve,
        ("quote_goods", "quote_shipping", "cost_bearer", "promised_date", "note"),
    ),
    Action.REJECT: (workflow.reship_reject, ("reason",)),
    Action.CANCEL: (workflow.reship_cancel, ("reason",)),
    Action.ACCEPT_QUOTE: (workflow.reship_accept_quote, ()),
    Action.DISPUTE_QUOTE: (workflow.reship_dispute_quote, ("message",)),
    Action.REVISE_QUOTE: (workflow.reship_revise_quote, ("quote_goods", "quote_shipping", "cost_bearer", "message")),
    Action.START_RESTOCK: (workflow.reship_start_restock, ("line_ids", "note")),
    Action.SHIP: (workflow.reship_ship, ("items", "carrier", "tracking_number", "quality_check_note")),
    Action.COMPENSATE: (workflow.reship_compensate, ("line_ids", "method", "amount", "note")),
    Action.CONFIRM_INFO_UPDATE: (workflow.reship_confirm_info_update, ("note",)),
    Action.CONTACT_CUSTOMER: (workflow.reship_contact_customer, ("channel", "message")),
    Action.CLOSE: (
        workflow.reship_close,
        ("rating_speed", "rating_quality", "rating_cooperation", "platform_dispute", "bad_review", "note"),
    ),
    Action.FOLLOW_UP: (workflow.reship_follow_up, ("reason", "description", "lines")),
}


def action_perform(*, action: Action, request_id: int, actor, data: dict[str, Any]) -> ReshipRequest | None:
    """Perform the action; returns the new request a follow-up creates, else ``None``."""
    if action == Action.CONFIRM_RESTOCK:  # the workflow finds the request through the restock order
        workflow.reship_confirm_restock(
            restock_order_id=data["restock_order"], actor=actor, ship_date=data["ship_date"], note=data["note"]
        )
        return None
    function, names = CALLS[action]
    result = function(request_id=request_id, actor=actor, **{name: data[name] for name in names})
    return result if action == Action.FOLLOW_UP else None
