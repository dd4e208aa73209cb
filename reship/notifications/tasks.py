"""The Celery side of notifications: the delivery task, handing rows to it after commit, the sweeper
and the admin's retry. Tasks are thin entry points that load by id and call ``delivery``.

A broker that is down never raises into the caller: rows stay pending and the sweeper queues them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reship.choices import NotificationStatus
from reship.models import Notification
from reship.notifications.delivery import notification_deliver

logger = logging.getLogger(__name__)


@shared_task(name="reship.deliver_notification", acks_late=True, reject_on_worker_lost=True)
def deliver_notification(notification_id: int) -> str:
    return notification_deliver(notification_id=notification_id)


@shared_task(name="reship.sweep_notifications")
def sweep_notifications() -> int:
    """Beat: re-queue rows still pending (the broker was down, or a retry fell due)."""
    return notifications_sweep(now=timezone.now())


def enqueue_delivery(notification_ids: list[int]) -> None:
    """Queue one delivery task per row (ids only). A broker that is down costs nothing: the rows
    stay pending and the sweeper queues them later, so this logs and returns instead of raising."""
    for index, notification_id in enumerate(notification_ids):
        try:
            deliver_notification.apply_async((notification_id,), retry=False)
        except Exception:
            # Each further try would wait out the broker timeout again, inside a web request.
            logger.warning(
                "Could not queue notification %s (and %d after it); the sweeper will send them",
                notification_id,
                len(notification_ids) - index - 1,
                exc_info=True,
            )
            return


def notification_retry(*, notification_id: int, now: datetime | None = None) -> bool:
    """The admin's retry: a failed row gets a fresh set of attempts and is queued after commit.
    Returns False (and changes nothing) for a row that is not failed."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = Notification.objects.filter(pk=notification_id, status=NotificationStatus.FAILED).update(
            status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now
        )
        if updated:
            transaction.on_commit(partial(enqueue_delivery, [notification_id]))
    return bool(updated)


def notifications_sweep(*, now: datetime, batch_size: int = 500) -> int:
    """Queue pending rows whose attempt is overdue: the broker was down when they were written, or
    their retry time came. Rows due within the last ``RESHIP_NOTIFY_SWEEP_AFTER_SECONDS`` are left
    to the task already queued for them. Returns how many were queued."""
    cutoff = now - timedelta(seconds=settings.RESHIP_NOTIFY_SWEEP_AFTER_SECONDS)
    # One query on the partial index notification_pending_due.
    ids = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    if ids:
        transaction.on_commit(partial(enqueue_delivery, ids))
    return len(ids)
