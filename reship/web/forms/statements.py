"""The statements pages' forms: drawing up a statement, disputing and adjusting a line, adding an
adjustment line, recording a payment. They parse and check shape only; every rule (overlaps, the
amounts that must add up, the balance a payment may not pass) is the writer's
(``reship.settlement.statements``), whose errors the view puts next to the field they name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reship.choices import CostBearer, PaymentMethod, StatementStatus

REASON_MAX_LENGTH = 2000
MONEY_MAX_DIGITS = 12
# <input type="date"> takes only ISO dates, whatever the language's own date format.
ISO_DATE = "%Y-%m-%d"


class StatementListFilterForm(forms.Form):
    """The list's filters (GET): unknown values are dropped, not errors."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *StatementStatus.choices]
    )
    open = forms.BooleanField(label=_("Open only"), required=False)
    counterparty = forms.ChoiceField(label=_("Counterparty"), required=False)

    def __init__(self, *args: Any, counterparties: list[tuple[str, str]], counterparty_label: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["counterparty"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All")), *counterparties]
        field.label = counterparty_label


class StatementNewForm(forms.Form):
    """The partner draws up a statement for one seller (or source) it works with."""

    counterparty = forms.ChoiceField(label=_("Seller or source"))
    period_start = forms.DateField(
        label=_("Period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        help_text=_("Leave both dates empty for the pair's next period (after its last statement, on its terms)."),
    )
    period_end = forms.DateField(
        label=_("Period to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        help_text=_("The last day of the period, included."),
    )

    def __init__(self, *args: Any, counterparties: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["counterparty"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose…")), *counterparties]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if (start is None) != (end is None) and not self.errors:
            raise forms.ValidationError(_("Give both dates of the period, or neither for the next period."))
        if start is not None and end is not None and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        return data


class StatementReasonForm(forms.Form):
    """Confirm, issue, recalculate: nothing to fill in."""


class DisputeLineForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Why is this line wrong?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It is also posted in the request's thread, where you can discuss it."),
    )


class AdjustLineForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    bearer = forms.ChoiceField(
        label=_("Borne by"), required=False, choices=[("", _("Keep as it is")), *CostBearer.choices]
    )
    counterparty_share = forms.DecimalField(
        label=_("Counterparty's share"),
        required=False,
        min_value=Decimal("0"),
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=2,
        help_text=_("Leave empty to keep it (or to let the bearer decide it)."),
    )
    message = forms.CharField(
        label=_("Your answer"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class AddAdjustmentForm(forms.Form):
    due = forms.DecimalField(
        label=_("Amount due"),
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=2,
        help_text=_("Positive: the counterparty pays you; negative: you pay the counterparty."),
    )
    currency = forms.ChoiceField(label=_("Currency"))
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
    line = forms.TypedChoiceField(label=_("Answers the disputed line"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, currencies: list[str], disputed_lines: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [(code, code) for code in currencies]
        line = self.fields["line"]
        assert isinstance(line, forms.ChoiceField)
        line.choices = [("", _("None")), *disputed_lines]


class RecordPaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), min_value=Decimal("0.01"), max_digits=MONEY_MAX_DIGITS, decimal_places=2
    )
    currency = forms.ChoiceField(label=_("Currency"))
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [(code, code) for code in currencies]
        if not self.is_bound:
            self.fields["paid_on"].initial = timezone.localdate()
