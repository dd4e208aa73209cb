"""Sources of goods (货源方: suppliers and manufacturers) and dropship partners (代发方)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reship.accounts.validation import validate_single_organisation
from suppliers.choices import Channel, MemberRole, PartnerMode, Region, SupplierKind


class Supplier(models.Model):
    """Where goods come from when a line must be restocked (补货)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=SupplierKind.choices, default=SupplierKind.SUPPLIER)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, default=Region.DOMESTIC)
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    email = models.EmailField(_("contact email"), blank=True)
    im_handle = models.CharField(_("IM handle"), max_length=100, blank=True)
    restock_lead_days = models.PositiveSmallIntegerField(
        _("restock lead time (days)"), default=3, help_text=_("Days from a restock order to goods shipped.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("source (supplier or manufacturer)")
        verbose_name_plural = _("sources (suppliers and manufacturers)")
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "is_active"], name="supplier_kind_active")]
        constraints = [
            models.CheckConstraint(condition=Q(restock_lead_days__lte=365), name="supplier_lead_days_at_most_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class DropshipPartner(models.Model):
    """A third party that stores and ships goods for sellers (代发方)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    mode = models.CharField(_("mode"), max_length=20, choices=PartnerMode.choices, default=PartnerMode.PROFESSIONAL)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, default=Region.DOMESTIC)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    im_handle = models.CharField(_("IM handle"), max_length=100, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    review_sla_hours = models.PositiveSmallIntegerField(
        _("review SLA (hours)"), default=24, help_text=_("Hours the partner has to review a submitted request.")
    )
    fulfilment_sla_hours = models.PositiveSmallIntegerField(
        _("fulfilment SLA (hours)"), default=72, help_text=_("Hours from approval to every line resolved.")
    )
    suppliers = models.ManyToManyField(
        Supplier, related_name="partners", blank=True, verbose_name=_("sources it buys from")
    )
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=128, blank=True, help_text=_("Signs outgoing webhooks (HMAC-SHA256).")
    )
    # What the partner's staff are told of the seller's side of a request (inbox, email, webhooks);
    # each switchable in the partner's settings.
    notify_quote_accepted = models.BooleanField(_("tell us when a quote is accepted"), default=True)
    notify_quote_disputed = models.BooleanField(_("tell us when a quote is disputed"), default=True)
    notify_info_updated = models.BooleanField(_("tell us when the order info is updated"), default=True)
    notify_customer_contacted = models.BooleanField(_("tell us when the customer is contacted"), default=True)
    notify_closed = models.BooleanField(_("tell us when a request is closed and rated"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dropship partner")
        verbose_name_plural = _("dropship partners")
        ordering = ["name"]
        indexes = [models.Index(fields=["mode", "is_active"], name="partner_mode_active")]
        constraints = [
            models.CheckConstraint(condition=Q(review_sla_hours__gt=0), name="partner_review_sla_positive"),
            models.CheckConstraint(condition=Q(fulfilment_sla_hours__gt=0), name="partner_fulfilment_sla_positive"),
            models.CheckConstraint(
                condition=Q(webhook_url="") | ~Q(webhook_secret=""), name="partner_webhook_needs_secret"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_mode_display()})"


class PartnerContact(models.Model):
    """A named person at the partner to call or message about reships (not necessarily a user)."""

    partner = models.ForeignKey(
        DropshipPartner, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("dropship partner")
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    im_handle = models.CharField(_("IM handle"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner"], condition=Q(is_primary=True), name="partner_one_primary_contact"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.partner.name}"


class PartnerMembership(models.Model):
    """A user working for a dropship partner; a user works for one organisation only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_membership",
        verbose_name=_("user"),
    )
    partner = models.ForeignKey(
        DropshipPartner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("dropship partner")
    )
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices, default=MemberRole.STAFF)
    created_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner member")
        verbose_name_plural = _("partner members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner.name}"

    def clean(self) -> None:
        validate_single_organisation(self.user_id, exclude=self)
