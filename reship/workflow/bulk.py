"""Bulk approval: one partner's terms applied to many requests in one transaction, each request
checked by the workflow and refused alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.timezone import now
from django.utils.translation import gettext as _

from reship.choices import Action, EventKind
from reship.core.errors import InvalidInput, RequestNotFound, WorkflowError
from reship.selectors import partner as selectors
from reship.workflow.base import action_check, lock_many
from reship.workflow.review import apply_approval, validated_quote

if TYPE_CHECKING:
    from reship.accounts.models import User
    from suppliers.models import DropshipPartner


@dataclass
class ApprovalOutcome:
    """What bulk approval did to each selected request: approved, or refused with the reason."""

    approved: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def approve_each(
    *, actor: User, partner: DropshipPartner, request_ids: list[int], terms: dict[str, Any]
) -> ApprovalOutcome:
    """Approve each request with the same terms, each as ``reship_approve`` does (locked, checked
    by ``action_check``, moved with its event, announced through the outbox), so a request that
    changed since the page was loaded — or is not this partner's — is refused with the workflow's
    message and the others still go through.

    One transaction holds them all: the requests are locked with one query (``lock_many``, in the
    order of their ids, so two bulk approvals over the same rows wait instead of deadlocking), each
    is checked before anything of it is written, the approved ones commit once and their
    notifications are queued after that commit. A failure while writing (the database's, not a
    refusal) rolls the whole action back: all or nothing of what passed the checks. A transaction
    and a lock query per request were most of the cost of 100. The outcome lists the requests in
    the order given.
    """
    numbers = selectors.partner_request_numbers(partner=partner, request_ids=request_ids)
    refusals: dict[int, str] = {}
    with transaction.atomic():
        locked = lock_many(request_ids, actor)
        # The same terms for all, so checked once; wrong ones refuse each request, after its own check.
        quote: tuple[Decimal, Decimal, str] | InvalidInput
        try:
            quote = validated_quote(
                terms["quote_goods"], terms["quote_shipping"], terms["cost_bearer"], terms["promised_date"], now()
            )
        except InvalidInput as error:
            quote = error
        for request_id in sorted(set(request_ids)):
            request = locked.get(request_id)
            try:
                if request is None:
                    raise RequestNotFound(_("Reship request not found."))
                action_check(request, actor, Action.APPROVE)
                if isinstance(quote, InvalidInput):
                    raise quote
            except WorkflowError as error:
                refusals[request_id] = error.message
                continue
            # Every refusal comes before a request's first write, so none needs a savepoint to undo
            # (200 of the 800 statements of 100 approvals). Nothing below refuses: anything it
            # raises aborts the whole action, and nothing of it is kept.
            goods, shipping, bearer = quote
            apply_approval(
                request,
                actor=actor,
                kind=EventKind.APPROVED,
                quote_goods=goods,
                quote_shipping=shipping,
                cost_bearer=bearer,
                promised_date=terms["promised_date"],
                note="",
                data={},
                now=now(),
            )
    outcome = ApprovalOutcome()
    for request_id in dict.fromkeys(request_ids):
        label = numbers.get(request_id) or _("Request #%(id)d") % {"id": request_id}
        if request_id in refusals:
            outcome.refused.append((label, refusals[request_id]))
        else:
            outcome.approved.append(label)
    return outcome
