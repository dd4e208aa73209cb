"""The Celery side of notifications: the delivery tasks, handing rows to them after commit, the
sweeper and the admin's retry. Tasks are thin entry points that load by id and call ``delivery``.

Webhooks have their own task and queue (``reship.deliver_webhook`` on ``webhooks``, routed in
``CELERY_TASK_ROUTES``): a receiver that hangs holds webhook workers only, never the emails, and
each endpoint has at most ``RESHIP_WEBHOOK_MAX_IN_FLIGHT`` of those at a time.

A broker that is down never raises into the caller: rows stay pending, marked for the sweeper.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from datetime import datetime, timedelta
from functools import partial

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification
from reship.notifications.delivery import BUSY, LEASED, lease_free, notification_deliver, notifications_deliver

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="reship.deliver_notification", acks_late=True, reject_on_worker_lost=True)
def deliver_notification(self: Task[[int], str], notification_id: int) -> str:
    """One row's task; on a worker it takes up to ``RESHIP_NOTIFY_BATCH_SIZE`` due rows along with
    it (``delivery.notifications_deliver``). Run in-process (eager), it sends its own row only."""
    batch_size = 1 if self.request.is_eager else settings.RESHIP_NOTIFY_BATCH_SIZE
    outcome = notifications_deliver(notification_id=notification_id, batch_size=batch_size)
    if outcome == LEASED:
        _again_later(self, notification_id, settings.RESHIP_NOTIFY_LEASE_SECONDS)
    return outcome


@shared_task(bind=True, name="reship.deliver_webhook", acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(self: Task[[int], str], notification_id: int) -> str:
    outcome = notification_deliver(notification_id=notification_id)
    if outcome == BUSY:
        # The endpoint has its limit of sends in flight: ask again shortly instead of waiting here.
        _again_later(self, notification_id, settings.RESHIP_WEBHOOK_BUSY_RETRY_SECONDS)
    elif outcome == LEASED:
        _again_later(self, notification_id, settings.RESHIP_NOTIFY_LEASE_SECONDS)
    return outcome


def _again_later(task: Task[[int], str], notification_id: int, seconds: float) -> None:
    """Ask again after ``seconds``, on the queue this message came from: the endpoint has a free
    slot by then, or the lease of a worker killed mid-send (whose task the pool put back) has run
    out. Run in-process (eager), it leaves the row to the sweeper instead of looping here; so does a
    broker that is down now."""
    request = task.request
    if request.is_eager:
        return
    queue: str | None = (request.delivery_info or {}).get("routing_key")
    try:
        if queue:
            task.apply_async((notification_id,), retry=False, countdown=seconds, queue=queue)
        else:
            task.apply_async((notification_id,), retry=False, countdown=seconds)
    except Exception:
        logger.warning("Could not queue notification %s again; the sweeper will", notification_id, exc_info=True)


@shared_task(name="reship.sweep_notifications")
def sweep_notifications() -> int:
    """Beat: re-queue rows still pending (the broker was down, a task was lost, a retry fell due)."""
    return notifications_sweep(now=timezone.now())


def enqueue_delivery(notification_ids: list[int], *, webhook_ids: Collection[int] | None = None) -> bool:
    """Queue one delivery task per row (ids only): webhook rows (``webhook_ids``, looked up when the
    caller does not know them) to ``reship.deliver_webhook``, the others to
    ``reship.deliver_notification``. A broker that is down costs nothing: this logs, marks the rows
    not queued yet as due for the sweeper at once, and returns False instead of raising. Returns
    True when every row was queued."""
    if webhook_ids is None:
        webhook_ids = set(
            Notification.objects.filter(pk__in=notification_ids, channel=NotificationChannel.WEBHOOK).values_list(
                "pk", flat=True
            )
        )
    for index, notification_id in enumerate(notification_ids):
        task = deliver_webhook if notification_id in webhook_ids else deliver_notification
        try:
            task.apply_async((notification_id,), retry=False)
        except Exception:
            # Each further try would wait out the broker timeout again, inside a web request.
            logger.warning(
                "Could not queue notification %s (and %d after it); the sweeper will send them",
                notification_id,
                len(notification_ids) - index - 1,
                exc_info=True,
            )
            _mark_unqueued(notification_ids[index:])
            return False
    return True


def _mark_unqueued(notification_ids: list[int]) -> None:
    """Rows no task was queued for: the sweeper takes them on its next run, not a minute later."""
    overdue = timezone.now() - timedelta(seconds=settings.RESHIP_NOTIFY_SWEEP_AFTER_SECONDS + 1)
    try:
        Notification.objects.filter(
            pk__in=notification_ids, status=NotificationStatus.PENDING, next_attempt_at__gt=overdue
        ).update(next_attempt_at=overdue)
    except Exception:
        logger.warning("Could not mark %d notifications for the sweeper", len(notification_ids), exc_info=True)


def notification_retry(*, notification_id: int, now: datetime | None = None) -> bool:
    """The admin's retry of one row (``notifications_retry``). Returns False (and changes nothing)
    for a row that is not failed."""
    return bool(notifications_retry(notification_ids=[notification_id], now=now))


def notifications_retry(*, notification_ids: Collection[int], now: datetime | None = None) -> list[int]:
    """The admin's retry: each failed row among ``notification_ids`` gets a fresh set of attempts
    and is queued after commit; rows that are not failed are left as they are. Returns the ids
    queued again, in order."""
    now = now or timezone.now()
    with transaction.atomic():
        failed = list(
            Notification.objects.select_for_update()
            .filter(pk__in=list(notification_ids), status=NotificationStatus.FAILED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if failed:
            Notification.objects.filter(pk__in=failed).update(
                status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now, leased_until=None, lease_id=None
            )
            transaction.on_commit(partial(enqueue_delivery, failed))
    return failed


def notifications_sweep(*, now: datetime, chunk_size: int = 500, budget_seconds: float | None = None) -> int:
    """Queue every pending row whose attempt is overdue and that no live lease holds: the broker was
    down when it was written, its task was lost (a killed worker's), or its retry time came. Rows
    due within the last ``RESHIP_NOTIFY_SWEEP_AFTER_SECONDS`` are left to the task already queued
    for them. Works in chunks until none is left or ``budget_seconds`` (default: the sweep interval)
    is spent; each row queued is stamped as queued now, so the next run does not queue it again
    unless it is still pending that much later. Returns how many were queued."""
    budget = budget_seconds if budget_seconds is not None else settings.RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS
    started = time.monotonic()
    cutoff = now - timedelta(seconds=settings.RESHIP_NOTIFY_SWEEP_AFTER_SECONDS)
    # Never later than the clock: a sweep run with a ``now`` ahead must not push the rows' due time.
    queued_at = min(now, timezone.now())
    queued = last_pk = 0
    while True:
        rows = list(
            Notification.objects.filter(
                lease_free(now), status=NotificationStatus.PENDING, next_attempt_at__lte=cutoff, pk__gt=last_pk
            )
            .order_by("pk")
            .values_list("pk", "channel")[:chunk_size]
        )
        if not rows:
            return queued
        ids = [pk for pk, _channel in rows]
        last_pk = ids[-1]
        Notification.objects.filter(pk__in=ids).update(next_attempt_at=queued_at)
        webhook_ids = {pk for pk, channel in rows if channel == NotificationChannel.WEBHOOK}
        if not enqueue_delivery(ids, webhook_ids=webhook_ids):
            return queued  # the broker is down: the rows are marked, the next run tries again
        queued += len(ids)
        if time.monotonic() - started >= budget:
            return queued
