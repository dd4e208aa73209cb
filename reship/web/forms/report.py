"""The seller's cards on a customer's report (售后自助): confirm it (the main one), edit its lines, or
decline it with a reason the customer reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reship import workflow
from reship.choices import Action, Reason, Resolution
from reship.core.inputs import MAX_TEXT
from reship.web.forms.requests import ActionForm, textarea

if TYPE_CHECKING:
    from orders.models import OrderLine


class ConfirmReportForm(ActionForm):
    action = Action.CONFIRM_REPORT
    submit_label = _("Confirm and send to the partner")
    intro_text = _(
        "The customer's report becomes a reship request the partner reviews, as if you had filed it. "
        "Edit it first if the lines or quantities need changing."
    )


class DeclineReportForm(ActionForm):
    action = Action.DECLINE_REPORT
    submit_label = _("Decline the report")
    danger = True
    intro_text = _("The customer is told, with your reason.")
    reason = forms.CharField(
        label=_("Reason for declining (the customer reads it)"), max_length=MAX_TEXT, widget=textarea()
    )


class EditReportForm(ActionForm):
    """Every line of the order, with the report's quantity and resolution filled in (0: not in it)."""

    action = Action.EDIT_REPORT
    submit_label = _("Save the changes")
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    description = forms.CharField(label=_("Description"), required=False, max_length=MAX_TEXT, widget=textarea(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].initial = self.reship.reason
        self.fields["description"].initial = self.reship.description
        reported = {line.order_line_id: line for line in self.lines}
        self.line_rows: list[tuple[OrderLine, str, str]] = []
        for order_line in self.reship.order.lines.select_related("product").order_by("pk"):
            sku = order_line.product.sku_code
            line = reported.get(order_line.pk)
            quantity, resolution = f"quantity_{order_line.pk}", f"resolution_{order_line.pk}"
            self.fields[quantity] = forms.IntegerField(
                label=_("Quantity of %(sku)s") % {"sku": sku},
                min_value=0,
                max_value=order_line.quantity,
                initial=line.quantity if line else 0,
                required=False,
            )
            self.fields[resolution] = forms.ChoiceField(
                label=_("Resolution of %(sku)s") % {"sku": sku},
                choices=Resolution.choices,
                initial=line.resolution if line else Resolution.RESEND,
                required=False,
            )
            self.line_rows.append((order_line, quantity, resolution))

    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.errors and not self.line_requests():
            raise forms.ValidationError(_("Give a quantity for at least one line."))
        return self.cleaned_data

    def line_requests(self) -> list[workflow.LineRequest]:
        return [
            workflow.LineRequest(
                order_line.pk, self.cleaned_data[quantity], self.cleaned_data[resolution] or Resolution.RESEND
            )
            for order_line, quantity, resolution in self.line_rows
            if self.cleaned_data.get(quantity)
        ]
