"""Admin for sellers, their SKUs, orders, shipments and the carriers parcels go with.

Every foreign key to a table that grows (sellers, partners, products, orders, requests) is an
autocomplete, so no change page renders a select list of the whole table.
"""

import re

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orders.admin_forms import OrderAdminForm
from orders.models import Carrier, Order, OrderLine, Product, Seller, SellerMembership, Shipment
from reship.core.admin_actions import ACTIVATION_ACTIONS
from reship.customers.branding import logo_path


class SellerMembershipInline(admin.TabularInline):
    model = SellerMembership
    extra = 0
    verbose_name = _("member")
    verbose_name_plural = _("members")
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "seller")


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["name", "display_name", "contact_email", "contact_phone", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "display_name", "contact_email", "contact_phone"]
    inlines = [SellerMembershipInline]
    actions = ACTIVATION_ACTIONS
    # What customers see of the shop is the shop managers' to set (reship.services.shop_settings checks
    # the logo's bytes and the rules' bounds): shown here, not edited.
    exclude = ["logo"]  # shown by logo_shown, set by the shop's managers only
    readonly_fields = [
        "display_name",
        "logo_shown",
        "report_key",
        "return_window_days",
        "auto_confirm_lost_days",
        "auto_confirm_max_value",
        "created_at",
        "updated_at",
    ]

    @admin.display(description=_("logo"))
    def logo_shown(self, seller: Seller) -> str:
        """The logo through the shop's public logo view: Django's own link to the file (its storage
        URL) leads nowhere, since uploaded files are never served from MEDIA_URL nor public in the
        bucket (reship.core.files)."""
        path = logo_path(seller)
        if not path:
            return "-"
        return format_html('<a href="{}"><img src="{}" alt="" height="48"></a>', path, path)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku_code", "name", "seller", "supplier", "unit_cost", "currency", "is_active"]
    list_filter = [
        ("seller", admin.RelatedOnlyFieldListFilter),
        ("supplier", admin.RelatedOnlyFieldListFilter),
        "is_active",
    ]
    search_fields = ["sku_code", "name"]
    autocomplete_fields = ["seller", "supplier"]
    list_select_related = ["seller", "supplier"]
    actions = ACTIVATION_ACTIONS


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["product", "quantity", "unit_price"]
    autocomplete_fields = ["product"]

    def get_queryset(self, request):
        # Each row prints its line, whose __str__ reads the product.
        return super().get_queryset(request).select_related("product")


class ShipmentInline(admin.TabularInline):
    model = Shipment
    extra = 0
    fields = ["carrier", "carrier_label", "tracking_number", "shipped_at", "delivered_at", "reship_request"]
    autocomplete_fields = ["reship_request"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reship_request", "carrier")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "platform_order_number",
        "seller",
        "partner",
        "customer_name",
        "amount_with_currency",
        "placed_at",
        "status",
    ]
    list_filter = ["platform", "status", "partner"]
    search_fields = [
        "platform_order_number",
        "customer_name",
        "customer_phone",
        "ship_name",
        "ship_phone_e164",
        "shipments__tracking_number",
    ]
    date_hierarchy = "placed_at"
    list_select_related = ["seller", "partner"]
    autocomplete_fields = ["seller", "partner"]
    readonly_fields = ["ship_phone_e164", "created_at", "updated_at"]
    inlines = [OrderLineInline, ShipmentInline]
    form = OrderAdminForm  # the ship-to checked as anywhere else, its phone's E.164 form kept in step
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "seller",
                    "platform",
                    "platform_order_number",
                    "partner",
                    "amount",
                    "currency",
                    "placed_at",
                    "status",
                ]
            },
        ),
        (
            _("customer"),
            {
                "fields": [
                    "customer_name",
                    "customer_phone",
                    "customer_email",
                    "customer_language",
                    "customer_time_zone",
                ]
            },
        ),
        (
            _("ship to"),
            {
                "fields": [
                    "ship_name",
                    ("ship_phone", "ship_phone_e164"),
                    "ship_country",
                    ("ship_province", "ship_city", "ship_district"),
                    "ship_street",
                    "ship_postcode",
                ]
            },
        ),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description=_("order amount"), ordering="amount")
    def amount_with_currency(self, order: Order) -> str:
        return f"{order.amount} {order.currency}"


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = [
        "tracking_number",
        "carrier",
        "order",
        "shipped_at",
        "tracking_status",
        "delivered_at",
        "is_reship",
    ]
    list_filter = [("reship_request", admin.EmptyFieldListFilter), "carrier", "tracking_status", "shipped_at"]
    search_fields = ["tracking_number", "order__platform_order_number"]
    date_hierarchy = "shipped_at"
    list_select_related = ["order", "carrier"]
    autocomplete_fields = ["order", "reship_request"]
    readonly_fields = ["created_at"]

    @admin.display(description=_("reship"), boolean=True)
    def is_reship(self, shipment: Shipment) -> bool:
        return shipment.is_reship


class CarrierForm(forms.ModelForm):
    """A carrier as the admin edits it: every shipping door checks numbers with its pattern and
    links to its page, so a pattern that does not compile or an address that is not a page of the
    carrier's with the number in it is refused here, not found out by a partner."""

    class Meta:
        model = Carrier
        fields = [
            "code",
            "name_zh",
            "name_en",
            "aliases",
            "tracking_pattern",
            "pattern_help_zh",
            "pattern_help_en",
            "tracking_url",
            "is_active",
            "position",
        ]

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip().upper()
        if not re.fullmatch(r"[A-Z0-9]{1,20}", code):
            raise ValidationError(_("Use capital letters and digits only, e.g. SF, ZTO, 4PX."))
        if self.instance.pk and self.instance.code != code and self.instance.shipments.exists():
            raise ValidationError(_("Parcels were shipped with this carrier: its code cannot change."))
        return code

    def clean_aliases(self) -> list[str]:
        aliases = self.cleaned_data.get("aliases")
        if aliases in (None, ""):
            return []
        if not isinstance(aliases, list) or not all(isinstance(alias, str) and alias.strip() for alias in aliases):
            raise ValidationError(_('Give a list of names, e.g. ["顺丰", "SF Express"].'))
        return [alias.strip() for alias in aliases]

    def clean_tracking_pattern(self) -> str:
        pattern = (self.cleaned_data.get("tracking_pattern") or "").strip()
        if pattern:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValidationError(
                    _("This is not a regular expression Python reads: %(error)s.") % {"error": error}
                ) from None
        return pattern

    def clean_tracking_url(self) -> str:
        url = (self.cleaned_data.get("tracking_url") or "").strip()
        if not url:
            return url
        if "{number}" not in url:
            raise ValidationError(_("Put {number} where the tracking number goes in the address."))
        if not url.startswith("https://"):
            raise ValidationError(_("The tracking page must be an https:// address."))
        try:
            URLValidator(schemes=["https"])(url.replace("{number}", "SF123456789012"))
        except ValidationError:
            raise ValidationError(_("This is not a web address.")) from None
        return url


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    form = CarrierForm
    list_display = ["code", "name_zh", "name_en", "tracking_pattern", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["position", "code"]
