"""Sellers (shops), their products, orders, order lines and shipments."""

import secrets
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from orders.choices import Currency, ImportKind, ImportStatus, OrderStatus, Platform, TrackingStatus
from orders.ship_to import ShipTo
from reship.accounts.validation import validate_single_organisation
from suppliers.choices import MemberRole


def report_key_new() -> str:
    """The random part of a shop's public after-sale link (售后卡): stable, unguessable, URL-safe."""
    return secrets.token_urlsafe(9)


def shop_logo_upload_to(instance: "Seller", filename: str) -> str:
    return f"shops/{instance.pk}/logo-{secrets.token_hex(4)}-{filename}"


class Seller(models.Model):
    """A shop on one or more sales platforms; the tenant whose orders and requests are private."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The customer's satisfaction survey waits for the goods (reship.workflow.delivery).
    survey_delay_days = models.PositiveSmallIntegerField(
        _("survey: days after delivery"),
        default=2,
        help_text=_("The survey goes out this many days after the replacement is delivered."),
    )
    survey_fallback_days = models.PositiveSmallIntegerField(
        _("survey: days after shipping when no delivery is known"),
        default=7,
        help_text=_("Without a delivery date, the survey goes out this many days after shipping."),
    )
    # What the shop's customers see (customer messages, the after-sale and tracking pages): never
    # "Reship", never an RS number (reship.customers).
    display_name = models.CharField(
        _("display name"), max_length=100, blank=True, help_text=_("The shop's name as customers know it.")
    )
    logo = models.FileField(_("logo"), upload_to=shop_logo_upload_to, max_length=255, blank=True)
    # The public after-sale page (售后自助): /c/<report_key>/, printed as a QR code on the insert card.
    report_key = models.CharField(
        _("after-sale page key"), max_length=24, unique=True, default=report_key_new, editable=False
    )
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=30,
        help_text=_("Customers may report a problem up to this many days after the order was placed."),
    )
    # Per-shop rules that confirm a customer's report at once (empty: the seller confirms by hand).
    auto_confirm_lost_days = models.PositiveSmallIntegerField(
        _("confirm lost parcels automatically after (days)"),
        null=True,
        blank=True,
        help_text=_(
            "A report of a parcel lost in transit is confirmed at once when the order shipped this many days ago "
            "or more and was not delivered."
        ),
    )
    auto_confirm_max_value = models.DecimalField(
        _("confirm reports automatically up to this value"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A report whose lines are worth at most this much (quantity × unit price) is confirmed at once."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> str:
        """The name customers read: the display name, or the shop's name."""
        return self.display_name or self.name


class SellerMembership(models.Model):
    """A user working for a seller; a user works for one organisation only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seller_membership", verbose_name=_("user")
    )
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("seller"))
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices, default=MemberRole.STAFF)
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("seller member")
        verbose_name_plural = _("seller members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.seller.name}"

    def clean(self) -> None:
        validate_single_organisation(self.user_id, exclude=self)


class Product(models.Model):
    """A seller's SKU and the source that supplies it when a restock is needed."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="products", verbose_name=_("seller"))
    sku_code = models.CharField(_("SKU code"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        related_name="products",
        null=True,
        blank=True,
        verbose_name=_("source"),
    )
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product (SKU)")
        verbose_name_plural = _("products (SKUs)")
        ordering = ["seller", "sku_code"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "sku_code"], name="product_sku_unique_per_seller"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="product_unit_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_code} · {self.name}"


class Order(ShipTo):
    """An order from a sales platform, shipped by one dropship partner (代发)."""

    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="orders", verbose_name=_("seller"))
    platform = models.CharField(_("sales platform"), max_length=20, choices=Platform.choices)
    platform_order_number = models.CharField(_("platform order number"), max_length=64)
    customer_name = models.CharField(_("customer name"), max_length=100)
    customer_phone = models.CharField(_("customer phone"), max_length=40, blank=True)
    customer_email = models.EmailField(_("customer email"), blank=True)
    customer_language = models.CharField(
        _("customer language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="zh-hans",
        help_text=_("Messages to the customer are written in this language."),
    )
    customer_time_zone = models.CharField(
        _("customer time zone"),
        max_length=64,
        blank=True,
        help_text=_("For the SMS quiet hours; empty: read from the phone number, else the shop's time zone."),
    )
    partner = models.ForeignKey(
        "suppliers.DropshipPartner",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("dropship partner"),
    )
    amount = models.DecimalField(_("order amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    placed_at = models.DateTimeField(_("placed at"))
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "platform_order_number"], name="order_platform_number_unique_per_seller"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="order_amount_not_negative"),
        ]
        indexes = [
            # The seller's and the partner's order lists, newest first.
            models.Index(fields=["seller", "-placed_at", "-id"], name="order_seller_placed"),
            models.Index(fields=["partner", "-placed_at", "-id"], name="order_partner_placed"),
            # Search within a seller by the start of an order number or a phone number (LIKE 'x%'):
            # pattern operator classes, so PostgreSQL uses them whatever the database's collation.
            models.Index(
                fields=["seller", "platform_order_number"],
                name="order_seller_number_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["seller", "customer_phone"],
                name="order_seller_phone",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["seller", "customer_name"], name="order_seller_customer"),
            # The platform admin's search across every seller (Django admin): the start of a phone
            # number, a customer's name or an order number.
            models.Index(fields=["customer_phone"], name="order_phone_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["customer_name"], name="order_customer_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["platform_order_number"], name="order_number_prefix", opclasses=["varchar_pattern_ops"]
            ),
            # "Which partners work for this seller" and "which sellers does this partner serve" (the
            # list filters' choices): an EXISTS answered from the index, not by reading orders.
            models.Index(fields=["seller", "partner"], name="order_seller_partner"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.platform_order_number}"


class OrderLine(models.Model):
    """One SKU of an order; a reship request claims some of its quantity (一件代发: per item)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("SKU"))
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku_code} × {self.quantity}"


class Carrier(models.Model):
    """A carrier (快递公司) parcels are sent with: managed in the admin, seeded by a migration with the
    ones sellers here use. ``orders.carriers`` reads it: names in sheets, the tracking-number check
    and the link to the carrier's tracking page."""

    code = models.CharField(_("code"), max_length=20, unique=True, help_text=_("Short code, e.g. SF, ZTO, UPS."))
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60)
    aliases = models.JSONField(
        _("other names"), default=list, blank=True, help_text=_("Other names accepted in sheets and the API.")
    )
    tracking_pattern = models.CharField(
        _("tracking-number pattern"),
        max_length=200,
        blank=True,
        help_text=_("A regular expression the whole number must match (upper case); empty accepts any."),
    )
    pattern_help_zh = models.CharField(_("pattern, explained in Chinese"), max_length=200, blank=True)
    pattern_help_en = models.CharField(_("pattern, explained in English"), max_length=200, blank=True)
    tracking_url = models.CharField(
        _("tracking page"),
        max_length=300,
        blank=True,
        help_text=_("Address of the carrier's tracking page with {number} where the number goes."),
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Inactive carriers cannot be chosen."))
    position = models.PositiveSmallIntegerField(_("position"), default=100, help_text=_("Lower comes first."))

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.name_zh} {self.name_en}"

    @property
    def name(self) -> str:
        """The name in the reader's language."""
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    @property
    def pattern_help(self) -> str:
        return self.pattern_help_zh if (get_language() or "").startswith("zh") else self.pattern_help_en

    def tracking_link(self, number: str) -> str:
        """The carrier's tracking page for ``number``, or "" when the carrier has none."""
        if not self.tracking_url or not number:
            return ""
        return self.tracking_url.replace("{number}", quote(number, safe=""))


class Shipment(models.Model):
    """A parcel for an order: the original one, or a reship sent for a reship request."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments", verbose_name=_("order"))
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("carrier"))
    carrier_label = models.CharField(
        _("carrier as written"),
        max_length=60,
        blank=True,
        help_text=_('For a carrier not in the list ("other"): its name as it was given.'),
    )
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    shipped_at = models.DateTimeField(_("shipped at"))
    tracking_status = models.CharField(
        _("tracking status"), max_length=20, choices=TrackingStatus.choices, default=TrackingStatus.SHIPPED
    )
    tracking_checked_at = models.DateTimeField(_("tracking last checked at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    reship_request = models.ForeignKey(
        "reship.ReshipRequest",
        on_delete=models.PROTECT,
        related_name="shipments",
        null=True,
        blank=True,
        verbose_name=_("reship request"),
        help_text=_("Set when this parcel is a reship (补寄); empty for the original shipment."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["order", "shipped_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="shipment_tracking_unique_per_carrier"),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(delivered_at__gte=models.F("shipped_at")),
                name="shipment_delivered_after_shipped",
            ),
        ]
        indexes = [
            # Order search by tracking number (the seller pastes it from the customer's complaint).
            models.Index(fields=["tracking_number"], name="shipment_tracking", opclasses=["varchar_pattern_ops"]),
            # The tracking provider's round: reship parcels not delivered yet, the oldest check first.
            models.Index(
                fields=["tracking_checked_at"],
                name="shipment_to_track",
                condition=Q(delivered_at__isnull=True, reship_request__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_name} {self.tracking_number}"

    @property
    def carrier_name(self) -> str:
        """The carrier in the reader's language, or as written for "other"."""
        return self.carrier_label or self.carrier.name

    @property
    def tracking_link(self) -> str:
        return self.carrier.tracking_link(self.tracking_number)

    @property
    def is_reship(self) -> bool:
        """Derived from ``reship_request`` so the two can never disagree."""
        return self.reship_request_id is not None


class ImportPreset(models.Model):
    """A seller's saved column mapping for one kind of export file, chosen again next time."""

    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="import_presets", verbose_name=_("seller")
    )
    name = models.CharField(_("name"), max_length=100)
    # {field key: header text}, e.g. {"order_number": "订单编号", "quantity": "购买数量"}
    mapping = models.JSONField(_("column mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import preset")
        verbose_name_plural = _("import presets")
        ordering = ["seller", "name"]
        constraints = [models.UniqueConstraint(fields=["seller", "name"], name="import_preset_name_unique_per_seller")]

    def __str__(self) -> str:
        return self.name


def import_upload_to(instance: "ImportJob", filename: str) -> str:
    """Private: under MEDIA_ROOT, which is never served; files go out only through a view that checks the owner."""
    owner = f"seller-{instance.seller_id}" if instance.seller_id else f"partner-{instance.partner_id}"
    return f"imports/{owner}/{timezone.now():%Y/%m}/{filename}"


class ImportJob(models.Model):
    """One uploaded sheet and its import, for order import (seller) and tracking import (partner).

    Progress fields are written in batches with ``.update()``, so the progress page can poll them.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, null=True, blank=True, related_name="import_jobs", verbose_name=_("seller")
    )
    partner = models.ForeignKey(
        "suppliers.DropshipPartner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("dropship partner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=255)
    original_filename = models.CharField(_("original file name"), max_length=255)
    headers = models.JSONField(_("column headers"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    # What applies to the whole file, e.g. {"platform": "taobao", "partner_id": 3}.
    options = models.JSONField(_("options"), default=dict)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_refused = models.PositiveIntegerField(_("rows refused"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    refused_count = models.PositiveIntegerField(_("refused"), default=0)
    refused_file = models.FileField(
        _("refused rows"), upload_to=import_upload_to, max_length=255, null=True, blank=True
    )
    error = models.TextField(_("error"), blank=True)
    # The uploader's language and time zone: the refused-rows file is written in that language,
    # and dates without a zone are read in that zone, even by a worker long after the upload.
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Written with each batch: a RUNNING job whose progress is older than a few minutes lost its worker.
    progress_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seller__isnull=False, partner__isnull=True) | Q(seller__isnull=True, partner__isnull=False),
                name="import_job_one_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "-created_at"], name="import_job_seller_created"),
            models.Index(fields=["partner", "-created_at"], name="import_job_partner_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_filename}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
