"""What an inbox entry waits for, and marking it done when the request stops waiting for it.

An entry that asks for an action (review this request, answer that question, accept the quote)
carries ``Notification.awaits``: ``"<side>:<step>"``, the side of the request (``seller`` /
``partner``) and either one of ``lifecycle.STEPS``' keys or ``quote`` (the price side, which runs
beside the steps). ``awaited`` says which of these a request waits for now — the same answer as
``lifecycle.waiting_for``, one step finer. After any move of the request (``workflow.base.move``,
whoever made it: either side, an admin or the system), ``resolve`` stamps ``done_at`` on each of the
request's open entries whose key is no longer awaited, in one UPDATE on the ``notification_awaiting``
index. An entry for a step that is still awaited (an unrelated change, a line of several shipped)
stays open. "New" is a different thing: unread (``read_at``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Q

from reship import lifecycle
from reship.accounts.roles import Role
from reship.choices import NotificationChannel
from reship.models import Notification

if TYPE_CHECKING:
    from reship.models import ReshipRequest

QUOTE = lifecycle.QUOTE_STEP
# The current step, whoever owns it (a reminder, an escalation): not the told side's own step.
CURRENT_STEP = "*"

# What each happening asks of the side it tells (an entry of another template asks nothing).
ASKS: dict[str, str] = {
    "request_reported": "confirm_report",  # the seller confirms, edits or declines the customer's report
    "request_submitted": "review",  # the partner reviews
    "info_answered": "review",
    "info_requested": "seller_answer",  # the seller answers the partner's question
    "request_approved": QUOTE,  # the seller accepts or disputes the quote (when one waits)
    "quote_revised": QUOTE,
    "quote_disputed": QUOTE,  # the partner revises
    "restock_confirmed": "fulfilment",  # the partner ships what the source delivered
    "lines_shipped": "info_update",  # the seller confirms the platform's info (once every line is resolved)
    "lines_compensated": "info_update",
    "stage_reminder": CURRENT_STEP,
    "stage_escalated": CURRENT_STEP,
    "request_escalated": CURRENT_STEP,
}


def key(side: str, what: str) -> str:
    """An ``awaits`` value: ``"partner:review"``, ``"seller:quote"``."""
    return f"{side}:{what}"


def awaited(status: str, quote_status: str) -> frozenset[str]:
    """The keys a request in this state waits for (``lifecycle.waiting_steps``)."""
    return frozenset(key(side.value, step) for side, step in lifecycle.waiting_steps(status, quote_status))


def awaits_for(request: ReshipRequest, template: str, side: str) -> str:
    """What a new entry of this template, told to this side, waits for ("" when it asks nothing or
    the request does not wait for it now: a lines_shipped before the last line is news only)."""
    what = ASKS.get(template)
    if what is None:
        return ""
    if what == CURRENT_STEP:
        step = lifecycle.step_of(request.status)
        if step is None:
            return ""
        wanted = key(step.owner.value, step.key)
    else:
        wanted = key(side, what)
    return wanted if wanted in awaited(request.status, request.quote_status) else ""


def awaits_mark(rows: list[Notification], request: ReshipRequest) -> None:
    """Set ``awaits`` on the inbox rows about to be written (the other channels need no "done")."""
    for row in rows:
        if row.channel == NotificationChannel.INBOX:
            row.awaits = awaits_for(request, row.template, str(row.payload.get("audience", "")))


def resolve(request: ReshipRequest, *, now: datetime) -> int:
    """Mark done every open entry of the request it no longer waits for; how many. One UPDATE on
    the partial index ``notification_awaiting`` (open entries of one request), in the caller's
    transaction."""
    # Besides: a partner's staff whose request went to another partner (an admin reassigned it) owe
    # nothing on it any more, though the request still waits for "partner:review".
    gone = Q(awaits__startswith=f"{Role.PARTNER.value}:") & ~Q(
        recipient_user__partner_membership__partner_id=request.partner_id
    )
    return (
        Notification.objects.filter(request_id=request.pk, done_at__isnull=True)
        .exclude(awaits="")
        .filter(~Q(awaits__in=sorted(awaited(request.status, request.quote_status))) | gone)
        .update(done_at=now)
    )
