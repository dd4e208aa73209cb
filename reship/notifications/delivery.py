"""Delivering outbox rows: once each, retried with backoff, swept up if their task was lost.

``notification_deliver`` locks the pending row, sends it through its channel and marks it sent in
the same transaction. A duplicate task (a redelivered message, the sweeper and the row's own
task) finds the row locked or no longer pending and skips it, so nothing is sent twice by us. A
crash between sending and committing leaves the row pending and it is sent again: delivery is at
least once, and receivers drop repeats by the delivery key (webhook header, email Message-ID).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reship.choices import NotificationStatus
from reship.models import Notification
from reship.notifications.channels import channel_for

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling from the base, capped."""
    base = settings.RESHIP_NOTIFY_RETRY_BASE_SECONDS
    return timedelta(seconds=min(settings.RESHIP_NOTIFY_RETRY_CAP_SECONDS, base * 2 ** (attempts - 1)))


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one row if it is pending and due. Returns what happened: ``sent``; ``retry`` (failed,
    will be retried) or ``failed`` (gave up); ``skipped`` (sent, failed or being sent by another
    worker already); ``not_due`` (waiting for its retry time)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("request__order", "request__partner", "recipient_user")
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return "skipped"
        now = now or timezone.now()
        if notification.next_attempt_at > now:
            return "not_due"
        try:
            channel_for(notification.channel).send(notification)
        except Exception as error:  # a template, the network, the SMTP server, a receiver's 500
            return _record_failure(notification, error, now)
        notification.status = NotificationStatus.SENT
        notification.sent_at = now
        notification.attempts += 1
        notification.save(update_fields=["status", "sent_at", "attempts"])
        return "sent"


def _record_failure(notification: Notification, error: Exception, now: datetime) -> str:
    notification.attempts += 1
    notification.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
    notification.next_attempt_at = now + retry_delay(notification.attempts)
    gave_up = notification.attempts >= settings.RESHIP_NOTIFY_MAX_ATTEMPTS
    if gave_up:
        notification.status = NotificationStatus.FAILED
    notification.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
    logger.warning(
        "Notification %s (%s, %s) failed on attempt %d%s: %s",
        notification.pk,
        notification.channel,
        notification.template,
        notification.attempts,
        "; giving up" if gave_up else "",
        notification.last_error,
    )
    return "failed" if gave_up else "retry"
