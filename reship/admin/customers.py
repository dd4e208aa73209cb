"""Admin for what shops tell their customers: each shop's message channel choices and its own
wording of each message. Shown read-only: the shop's managers change them on their settings page
(``reship.services.shop_settings``), which checks every template's placeholders; no row is the
default."""

from django.contrib import admin
from django.http import HttpRequest

from reship.models import CustomerMessageSetting, CustomerMessageTemplate


class _ReadOnly(admin.ModelAdmin):
    list_select_related = ["seller"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(CustomerMessageSetting)
class CustomerMessageSettingAdmin(_ReadOnly):
    list_display = ["seller", "event", "channels", "updated_at"]
    list_filter = [("seller", admin.RelatedOnlyFieldListFilter), "event", "channels"]
    search_fields = ["seller__name", "seller__display_name"]
    fields = ["seller", "event", "channels", "updated_at"]


@admin.register(CustomerMessageTemplate)
class CustomerMessageTemplateAdmin(_ReadOnly):
    list_display = ["seller", "event", "language", "subject", "updated_by", "updated_at"]
    list_filter = [("seller", admin.RelatedOnlyFieldListFilter), "event", "language"]
    search_fields = ["seller__name", "seller__display_name", "subject"]
    fields = ["seller", "event", "language", "subject", "body", "sms", "updated_by", "updated_at"]
    list_select_related = ["seller", "updated_by"]
