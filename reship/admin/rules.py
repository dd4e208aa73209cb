"""Admin for partners' auto-approval rules."""

from django import forms
from django.contrib import admin
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reship.choices import Reason
from reship.core.admin_actions import ACTIVATION_ACTIONS
from reship.models import (
    AutoApprovalRule,
)

# --- auto-approval rules ---------------------------------------------------------------------------


class AutoApprovalRuleForm(forms.ModelForm):
    """Reasons as boxes to tick, not raw JSON; stored as the list of reason codes the workflow reads."""

    reasons = forms.MultipleChoiceField(
        label=capfirst(AutoApprovalRule._meta.get_field("reasons").verbose_name),
        help_text=AutoApprovalRule._meta.get_field("reasons").help_text,
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AutoApprovalRule
        fields = [
            "partner",
            "name",
            "is_active",
            "reasons",
            "max_line_value",
            "sellers",
            "cost_bearer",
            "quote_shipping",
            "promised_days",
        ]

    def clean_reasons(self) -> list[str]:
        # The field has refused any code outside Reason already; keep the choices' order, once each.
        chosen = set(self.cleaned_data["reasons"])
        return [code for code in Reason.values if code in chosen]


@admin.register(AutoApprovalRule)
class AutoApprovalRuleAdmin(admin.ModelAdmin):
    """A partner's rules for approving a request at once; the platform staff keep them for partners."""

    form = AutoApprovalRuleForm
    list_display = [
        "name",
        "partner",
        "is_active",
        "reason_labels",
        "max_line_value",
        "cost_bearer",
        "quote_shipping",
        "promised_days",
    ]
    list_filter = ["is_active", "cost_bearer", ("partner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "partner__name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner", "sellers"]
    actions = ACTIVATION_ACTIONS
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["partner", "name", "is_active"]}),
        (_("Applies to"), {"fields": ["reasons", "max_line_value", "sellers"]}),
        (_("Approval terms"), {"fields": ["cost_bearer", "quote_shipping", "promised_days", "created_at"]}),
    ]

    @admin.display(description=_("reasons"))
    def reason_labels(self, rule: AutoApprovalRule) -> str:
        labels = [str(Reason(code).label) for code in rule.reasons if code in Reason.values]
        return ", ".join(labels) if labels else gettext("Any reason")
