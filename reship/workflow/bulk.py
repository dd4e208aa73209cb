"""Bulk approval: one partner's terms applied to many requests, each in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from reship.core.errors import WorkflowError
from reship.selectors import partner as selectors
from reship.workflow.review import reship_approve

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
    """Approve each request with the same terms through the workflow, one transaction each (the
    workflow opens it; requests are not atomic together), so a request that changed since the page
    was loaded — or is not this partner's — is refused with the workflow's message and the others
    still go through."""
    numbers = selectors.partner_request_numbers(partner=partner, request_ids=request_ids)
    outcome = ApprovalOutcome()
    for request_id in request_ids:
        label = numbers.get(request_id) or _("Request #%(id)d") % {"id": request_id}
        try:
            reship_approve(request_id=request_id, actor=actor, **terms)
        except WorkflowError as error:
            outcome.refused.append((label, error.message))
        else:
            outcome.approved.append(label)
    return outcome
