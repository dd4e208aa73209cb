"""What the REST API keeps: organisations' API keys, idempotency records, webhook endpoints."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX_LENGTH = 8


def api_key_hash(raw: str) -> str:
    """Keys are stored as SHA-256: a leaked table gives no usable key (they are long and random,
    so a slow hash adds nothing)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_generate() -> tuple[str, str]:
    """(the key shown once, its public prefix)."""
    raw = "rsk_" + secrets.token_urlsafe(32)
    return raw, raw[4 : 4 + KEY_PREFIX_LENGTH]


class ApiKey(models.Model):
    """A key an organisation's own system uses. It acts as the organisation's service user, so the
    browser's permission rules apply to it unchanged."""

    seller = models.ForeignKey(
        "orders.Seller",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("seller"),
    )
    partner = models.ForeignKey(
        "suppliers.DropshipPartner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("dropship partner"),
    )
    service_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("acts as")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=KEY_PREFIX_LENGTH, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(seller__isnull=False) & Q(partner__isnull=True))
                | (Q(seller__isnull=True) & Q(partner__isnull=False)),
                name="api_key_one_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (rsk_{self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(models.Model):
    """The first response to a POST with an ``Idempotency-Key``, replayed for the same key and body.

    Written in the transaction that does the request's work (``reship.api.idempotency``): it is
    ``in_progress`` only inside that transaction, and every committed record is ``done``."""

    IN_PROGRESS = "in_progress"
    DONE = "done"

    scope = models.CharField(_("organisation"), max_length=40, help_text=_("seller:<id> or partner:<id>"))
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    request_hash = models.CharField(_("request hash"), max_length=64)
    state = models.CharField(_("state"), max_length=20, default=IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once_per_organisation")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class WebhookEndpoint(models.Model):
    """An organisation's receiver for chosen events, signed with its own secret."""

    seller = models.ForeignKey(
        "orders.Seller", on_delete=models.CASCADE, null=True, blank=True, related_name="webhook_endpoints"
    )
    partner = models.ForeignKey(
        "suppliers.DropshipPartner", on_delete=models.CASCADE, null=True, blank=True, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("secret"), max_length=128)
    events = models.JSONField(_("events"), default=list, blank=True, help_text=_("Event types; empty means all."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Kept by the delivery (``reship.notifications.endpoint_health``): failed sends since the last
    # one that went through, since when, and when the organisation was told it keeps failing (once
    # per streak; a send that goes through clears all three).
    consecutive_failures = models.PositiveIntegerField(_("failed sends in a row"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    failing_told_at = models.DateTimeField(_("organisation told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(seller__isnull=False) & Q(partner__isnull=True))
                | (Q(seller__isnull=True) & Q(partner__isnull=False)),
                name="webhook_endpoint_one_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.url
