"""Admin for sellers, their SKUs, orders and shipments.

Every foreign key to a table that grows (sellers, partners, products, orders, requests) is an
autocomplete, so no change page renders a select list of the whole table.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders.admin_forms import OrderAdminForm
from orders.models import Order, OrderLine, Product, Seller, SellerMembership, Shipment
from reship.core.admin_actions import ACTIVATION_ACTIONS


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
    list_display = ["name", "contact_email", "contact_phone", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_email", "contact_phone"]
    inlines = [SellerMembershipInline]
    actions = ACTIVATION_ACTIONS
    readonly_fields = ["created_at", "updated_at"]


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
    fields = ["carrier", "tracking_number", "shipped_at", "delivered_at", "reship_request"]
    autocomplete_fields = ["reship_request"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reship_request")


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
        (_("customer"), {"fields": ["customer_name", "customer_phone", "customer_email", "customer_language"]}),
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
    list_display = ["tracking_number", "carrier", "order", "shipped_at", "delivered_at", "is_reship"]
    list_filter = [("reship_request", admin.EmptyFieldListFilter), "shipped_at"]
    search_fields = ["tracking_number", "order__platform_order_number"]
    date_hierarchy = "shipped_at"
    list_select_related = ["order"]
    autocomplete_fields = ["order", "reship_request"]
    readonly_fields = ["created_at"]

    @admin.display(description=_("reship"), boolean=True)
    def is_reship(self, shipment: Shipment) -> bool:
        return shipment.is_reship
