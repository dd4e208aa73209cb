"""Which form each workflow action of the request page uses, and the forms offered to a user now."""

from __future__ import annotations

from reship.choices import Action
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


def action_forms(actions: list[Action], reship: ReshipRequest, *, bound: ActionForm | None = None) -> list[ActionForm]:
    """The forms for the actions the user may take now, the posted one (with its errors) in place."""
    result = []
    for action in actions:
        if bound is not None and bound.action == action:
            result.append(bound)
        elif action in ACTION_FORMS:
            result.append(ACTION_FORMS[action](reship=reship))
    return result
