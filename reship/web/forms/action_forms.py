"""Which form each workflow action of the request page uses, and the forms offered to a user now."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reship import lifecycle
from reship.accounts.roles import Role
from reship.choices import Action, QuoteStatus
from reship.models import ReshipRequest
from reship.web.forms.parcels import ChangeShipToForm, MarkDeliveredForm, ShipForm
from reship.web.forms.report import ConfirmReportForm, DeclineReportForm, EditReportForm
from reship.web.forms.requests import (
    AcceptQuoteForm,
    ActionForm,
    AnswerInfoForm,
    ApproveForm,
    CancelForm,
    CloseForm,
    CompensateForm,
    ConfirmInfoUpdateForm,
    ConfirmRestockForm,
    ContactCustomerForm,
    DisputeQuoteForm,
    FollowUpForm,
    RejectForm,
    RequestInfoForm,
    ReviseQuoteForm,
    StartRestockForm,
)

ACTION_FORMS: dict[Action, type[ActionForm]] = {
    form.action: form
    for form in (
        ConfirmReportForm,
        EditReportForm,
        DeclineReportForm,
        RequestInfoForm,
        AnswerInfoForm,
        ApproveForm,
        RejectForm,
        CancelForm,
        AcceptQuoteForm,
        DisputeQuoteForm,
        ReviseQuoteForm,
        StartRestockForm,
        ConfirmRestockForm,
        ShipForm,
        CompensateForm,
        ConfirmInfoUpdateForm,
        ContactCustomerForm,
        CloseForm,
        FollowUpForm,
        ChangeShipToForm,
        MarkDeliveredForm,
    )
}


def action_forms(
    actions: list[Action], reship: ReshipRequest, *, side: Role = Role.NONE, bound: ActionForm | None = None
) -> list[ActionForm]:
    """The forms for the actions the user may take now, the posted one (with its errors) in place."""
    result = []
    for action in actions:
        if bound is not None and bound.action == action:
            result.append(bound)
        elif action in ACTION_FORMS:
            result.append(ACTION_FORMS[action](reship=reship, side=side))
    return result


# The actions that make up each step (``lifecycle.STEPS``), for the side that owes it.
STEP_ACTIONS: dict[str, tuple[Action, ...]] = {
    "confirm_report": (Action.CONFIRM_REPORT, Action.EDIT_REPORT),
    "review": (Action.APPROVE, Action.REQUEST_INFO),
    "seller_answer": (Action.ANSWER_INFO,),
    "fulfilment": (Action.SHIP, Action.START_RESTOCK, Action.CONFIRM_RESTOCK, Action.COMPENSATE),
    "info_update": (Action.CONFIRM_INFO_UPDATE,),
    "customer_contact": (Action.CONTACT_CUSTOMER,),
    "close": (Action.CLOSE,),
}


def owed_actions(reship: ReshipRequest, side: Role) -> tuple[Action, ...]:
    """The actions of what this side owes now (``lifecycle.waiting_for``), the main one first: the
    answer to a quote that waits for it (the seller's acceptance, the partner's revision of a
    disputed one), then its step's actions."""
    if side not in lifecycle.waiting_for(reship.status, reship.quote_status):
        return ()
    owed: list[Action] = []
    if side == Role.SELLER and reship.quote_status == QuoteStatus.PENDING:
        owed.append(Action.ACCEPT_QUOTE)
    if side == Role.PARTNER and reship.quote_status == QuoteStatus.DISPUTED:
        owed.append(Action.REVISE_QUOTE)
    step = lifecycle.step_of(reship.status)
    if step is not None and step.owner == side:
        owed.extend(STEP_ACTIONS.get(step.key, ()))
    return tuple(owed)


@dataclass(frozen=True)
class ActionCards:
    """The request page's forms in reading order: what this side owes now (the first is the main
    step), the rest, and the destructive ones (cancel, reject, decline) last, shown collapsed."""

    owed: list[ActionForm]
    others: list[ActionForm]
    destructive: list[ActionForm]

    @property
    def main(self) -> ActionForm | None:
        return self.owed[0] if self.owed else None

    def __bool__(self) -> bool:
        return bool(self.owed or self.others or self.destructive)

    def __iter__(self) -> Iterator[ActionForm]:
        return iter([*self.owed, *self.others, *self.destructive])


def action_cards(forms: list[ActionForm], reship: ReshipRequest, side: Role) -> ActionCards:
    owed = owed_actions(reship, side)
    first = sorted(
        (form for form in forms if form.action in owed and not form.danger), key=lambda form: owed.index(form.action)
    )
    return ActionCards(
        owed=first,
        others=[form for form in forms if form not in first and not form.danger],
        destructive=[form for form in forms if form.danger],
    )
