"""The notification outbox: one row per message to one recipient on one channel.

Rows are written in the same transaction as the change they announce; Celery delivers them after
commit, and a periodic sweeper re-sends rows still pending, so a dead broker loses nothing. A
delivery leases its row (committed), sends outside any transaction, then records the result.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reship.choices import NotificationChannel, NotificationStatus
from reship.core.request_context import request_id_get


class Notification(models.Model):
    channel = models.CharField(_("channel"), max_length=20, choices=NotificationChannel.choices)
    template = models.CharField(_("template"), max_length=60, help_text=_("Which message, e.g. request_approved."))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("recipient user"),
    )
    recipient_address = models.CharField(
        _("recipient address"), max_length=500, blank=True, help_text=_("Email address, phone number or webhook URL.")
    )
    request = models.ForeignKey(
        "reship.ReshipRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("reship request"),
    )
    # A statement's happenings (对账单: issued, disputed, adjusted, confirmed, paid) are told with it.
    statement = models.ForeignKey(
        "reship.Statement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("statement"),
    )
    webhook_endpoint = models.ForeignKey(
        "reship.WebhookEndpoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("webhook endpoint"),
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # A customer message's identity (request, event, channel, and the parcel or line it is about):
    # unique, so a customer never gets the same message twice (reship.customers.messages.dedup_key).
    dedup_key = models.CharField(_("message key"), max_length=160, null=True, blank=True, unique=True, editable=False)
    # Sent as the webhook's idempotency key and the email's Message-ID: receivers can drop repeats.
    delivery_key = models.UUIDField(_("delivery key"), default=uuid.uuid4, unique=True, editable=False)
    # The request id (X-Request-ID) of the request or task whose change wrote the row, whoever writes
    # it; a webhook sends it as X-Request-ID, however much later it goes. Empty when none (beat, a command).
    origin_request_id = models.CharField(
        _("trace id (X-Request-ID)"), max_length=64, blank=True, default=request_id_get, editable=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    # A worker's claim while it sends, committed before the send and cleared with the result: no
    # lock is held while a receiver answers, and a row whose worker was killed mid-send is claimed
    # again once its lease has passed. lease_id tells the claim that records the result.
    leased_until = models.DateTimeField(_("being sent until"), null=True, blank=True)
    lease_id = models.UUIDField(_("lease"), null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # An inbox entry that asks for an action (review this, answer that) names the side and step it
    # waits on; it is marked done when that happens, by anyone of the organisation
    # (``reship.services.inbox``). "New" stays reserved for unread.
    awaits = models.CharField(_("waits for"), max_length=40, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweeper: pending rows whose next attempt is due.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="notification_pending_due"),
            # Sends in flight, counted per webhook endpoint to keep each endpoint's concurrency limit.
            models.Index(
                fields=["webhook_endpoint", "leased_until"],
                condition=Q(leased_until__isnull=False),
                name="notification_in_flight",
            ),
            # The admin's list of failures.
            models.Index(fields=["status", "-created_at"], name="notification_status_recent"),
            # A user's inbox, newest first, and its unread badge.
            models.Index(fields=["recipient_user", "channel", "-created_at"], name="notification_inbox"),
            # A request's entries still waiting for their action, marked done when it happens.
            models.Index(
                fields=["request"],
                condition=Q(done_at__isnull=True) & ~Q(awaits=""),
                name="notification_awaiting",
            ),
            # Only what the badge counts (delivered, unread), so the count reads the index alone.
            models.Index(
                fields=["recipient_user", "channel"],
                condition=Q(read_at__isnull=True, status="sent"),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.template} → {self.recipient_address or self.recipient_user_id}"
