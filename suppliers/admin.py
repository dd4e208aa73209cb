"""Admin for sources (货源方) and dropship partners (代发方): the platform staff's address book."""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from reship.core.admin_actions import ACTIVATION_ACTIONS
from reship.core.errors import InvalidInput
from reship.core.webhook_targets import webhook_url_clean
from suppliers.models import DropshipPartner, PartnerContact, PartnerMembership, Supplier


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "restock_lead_days", "is_active"]
    list_filter = ["kind", "region", "is_active"]
    search_fields = ["name", "contact_name", "phone", "email"]
    actions = ACTIVATION_ACTIONS
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "region", "restock_lead_days", "is_active"]}),
        (_("Contact"), {"fields": ["contact_name", "phone", "email", "im_handle"]}),
        (_("Notes"), {"fields": ["notes", "created_at", "updated_at"]}),
    ]


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0
    fields = ["name", "title", "phone", "email", "im_handle", "is_primary"]


class PartnerMembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 0
    verbose_name = _("member")
    verbose_name_plural = _("members")
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "partner")


class DropshipPartnerForm(forms.ModelForm):
    """The webhook URL is held to the rule the partner's own settings page keeps (a public https://
    address, reship.core.webhook_targets): staff typing 127.0.0.1 here saved it unchecked."""

    def clean_webhook_url(self) -> str:
        url = (self.cleaned_data.get("webhook_url") or "").strip()
        if not url:
            return ""
        try:
            return webhook_url_clean(url, field="webhook_url", max_length=200)
        except InvalidInput as refused:
            raise forms.ValidationError(refused.field_errors["webhook_url"]) from None


@admin.register(DropshipPartner)
class DropshipPartnerAdmin(admin.ModelAdmin):
    form = DropshipPartnerForm
    list_display = [
        "name",
        "mode",
        "region",
        "preferred_channel",
        "review_sla_hours",
        "fulfilment_sla_hours",
        "is_active",
    ]
    list_filter = ["mode", "region", "is_active", "preferred_channel"]
    search_fields = ["name", "phone", "email", "im_handle"]
    autocomplete_fields = ["suppliers"]
    inlines = [PartnerContactInline, PartnerMembershipInline]
    actions = ACTIVATION_ACTIONS
    readonly_fields = ["created_at", "updated_at"]
    # Webhooks carry signed payloads; a URL typed without a scheme is meant as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "mode", "region", "is_active"]}),
        (_("Contact"), {"fields": ["phone", "email", "im_handle", "preferred_channel"]}),
        (_("Service levels"), {"fields": ["review_sla_hours", "fulfilment_sla_hours"]}),
        (_("Sources"), {"fields": ["suppliers"]}),
        (_("Webhook"), {"fields": ["webhook_url", "webhook_secret"]}),
        (
            _("What its staff are told"),
            {
                "fields": [
                    "notify_quote_accepted",
                    "notify_quote_disputed",
                    "notify_info_updated",
                    "notify_customer_contacted",
                    "notify_closed",
                ]
            },
        ),
        (_("Notes"), {"fields": ["notes", "created_at", "updated_at"]}),
    ]
