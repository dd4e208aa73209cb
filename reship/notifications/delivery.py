"""Delivering outbox rows: leased, sent outside any transaction, recorded, retried with backoff,
swept up if their task was lost.

``notification_deliver`` runs three steps. Claim: in a short transaction it takes a pending, due
row that no live lease holds (``leased_until``, ``lease_id``) and commits the lease; a webhook row
is only claimed while its endpoint has fewer than ``RESHIP_WEBHOOK_MAX_IN_FLIGHT`` sends in flight.
Send: through its channel, holding no row lock and no transaction, so a slow receiver holds up no
one else. Record: one conditional UPDATE, by the lease, marks it sent or schedules the retry.

On a worker a task takes more than its own row (``notifications_deliver``): in the same claim, up
to ``RESHIP_NOTIFY_BATCH_SIZE`` due rows in all (not webhooks), leased under one id, sent through
one mail server connection and each recorded as soon as it went; their own tasks, arriving later,
find them sent and skip them. Inbox rows are written sent (``outbox.staff_rows``): no task at all.

A duplicate task (a redelivered message, the sweeper and the row's own task) finds the row sent or
leased and skips it. A worker killed between the send and the record leaves a lease that runs out;
the sweeper then queues the row and it is sent again: delivery is at least once, and every attempt
at a row carries the same id (``delivery_key``: the webhook's ``id`` and ``X-Reship-Delivery``, the
email's Message-ID), so receivers drop repeats by it.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from reship.choices import NotificationChannel, NotificationStatus
from reship.core.request_context import request_id_bound, request_id_get
from reship.models import Notification
from reship.notifications.channels import channel_for, email_session
from reship.notifications.endpoint_health import endpoint_send_recorded

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000
BUSY = "busy"
LEASED = "leased"


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling from the base, capped."""
    base = settings.RESHIP_NOTIFY_RETRY_BASE_SECONDS
    return timedelta(seconds=min(settings.RESHIP_NOTIFY_RETRY_CAP_SECONDS, base * 2 ** (attempts - 1)))


def lease_free(now: datetime) -> Q:
    """Rows no worker is sending now: never leased, or the lease ran out (its worker died)."""
    return Q(leased_until__isnull=True) | Q(leased_until__lte=now)


def _endpoint_busy(notification: Notification, now: datetime) -> bool:
    """Whether the row's webhook receiver already has its share of sends in flight. The endpoint's
    row (the partner's, for its own legacy URL) is locked while counting, so two workers cannot both
    take the last slot; the lock lasts only this short claim transaction."""
    if notification.channel != NotificationChannel.WEBHOOK:
        return False
    from reship.models import WebhookEndpoint
    from suppliers.models import DropshipPartner

    in_flight = Notification.objects.filter(
        channel=NotificationChannel.WEBHOOK, status=NotificationStatus.PENDING, leased_until__gt=now
    ).exclude(pk=notification.pk)
    if notification.webhook_endpoint_id is not None:
        list(WebhookEndpoint.objects.select_for_update().filter(pk=notification.webhook_endpoint_id).values("pk"))
        in_flight = in_flight.filter(webhook_endpoint_id=notification.webhook_endpoint_id)
    else:
        if notification.request is not None:
            list(DropshipPartner.objects.select_for_update().filter(pk=notification.request.partner_id).values("pk"))
        in_flight = in_flight.filter(webhook_endpoint__isnull=True, recipient_address=notification.recipient_address)
    limit: int = settings.RESHIP_WEBHOOK_MAX_IN_FLIGHT
    return in_flight.count() >= limit


def _claimable() -> QuerySet[Notification]:
    return Notification.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
        "request__order", "request__partner", "recipient_user", "webhook_endpoint"
    )


def _claim_locked(notification_id: int, now: datetime) -> Notification | str:
    """The claim of one row, inside the caller's transaction."""
    notification = _claimable().filter(pk=notification_id, status=NotificationStatus.PENDING).first()
    if notification is None:
        return "skipped"
    if notification.leased_until is not None and notification.leased_until > now:
        return LEASED  # another worker is sending it, or was until it was killed
    if notification.next_attempt_at > now:
        return "not_due"
    if _endpoint_busy(notification, now):
        return BUSY
    notification.lease_id = uuid.uuid4()
    notification.leased_until = now + timedelta(seconds=settings.RESHIP_NOTIFY_LEASE_SECONDS)
    notification.save(update_fields=["lease_id", "leased_until"])
    return notification


def _claim(notification_id: int, now: datetime) -> Notification | str:
    with transaction.atomic():
        return _claim_locked(notification_id, now)


def _due(now: datetime, rows: QuerySet[Notification] | None = None) -> QuerySet[Notification]:
    """Rows a batch may take: pending, due, no lease holding them, not webhooks (their claim counts
    the endpoint's sends in flight, one by one). The partial index notification_pending_due finds them."""
    rows = Notification.objects.all() if rows is None else rows
    return rows.filter(lease_free(now), status=NotificationStatus.PENDING, next_attempt_at__lte=now).exclude(
        channel=NotificationChannel.WEBHOOK
    )


def _claim_more(now: datetime, *, besides: int, limit: int) -> list[Notification]:
    """Up to ``limit`` more pending, due rows no lease holds and no other worker is claiming, never
    webhooks (their claim counts the endpoint's sends in flight, one by one), newest first: the
    oldest are the ones whose own tasks come next. One UPDATE leases them all, under one lease id.
    Inside the caller's transaction."""
    rows = list(_due(now, _claimable()).exclude(pk=besides).order_by("-next_attempt_at", "-pk")[:limit])
    if rows:
        lease_id = uuid.uuid4()
        leased_until = now + timedelta(seconds=settings.RESHIP_NOTIFY_LEASE_SECONDS)
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
            lease_id=lease_id, leased_until=leased_until
        )
        for row in rows:
            row.lease_id, row.leased_until = lease_id, leased_until
    return rows


def notifications_deliver(*, notification_id: int, batch_size: int, now: datetime | None = None) -> str:
    """A worker's delivery: the row its task is for, as ``notification_deliver`` does, and in the
    same claim up to ``batch_size - 1`` more rows due (not webhooks) whose own tasks are still
    queued; those tasks then find their row sent and skip it at the cost of one query. The emails
    of one batch go through one connection to the mail server. Each row is recorded as soon as it
    is sent (a worker killed mid-batch sends at most the row in hand twice); rows not reached
    within ``RESHIP_NOTIFY_BATCH_SECONDS`` are handed back (their own task or the sweeper sends them).
    Returns what happened to the task's own row."""
    fixed_now = now
    now = now or timezone.now()
    started = time.monotonic()
    if not Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING).exists():
        # Sent by a batch before its own task came (most tasks, under load): one small query, no
        # claim, no transaction, unless rows are due that no one is sending. Those are taken now:
        # their own messages may wait behind thousands of such tasks for rows already sent (a bulk
        # approval's), and they were written after them (the benchmark's paced submissions after
        # the bulk approvals waited 38 s at p95 with only their own tasks to send them).
        if batch_size <= 1 or not _due(now).exclude(pk=notification_id).exists():
            return "skipped"
        with transaction.atomic():
            rows = _claim_more(now, besides=notification_id, limit=batch_size)
        claimed: Notification | str = "skipped"
    else:
        with transaction.atomic():
            claimed = _claim_locked(notification_id, now)
            more = _claim_more(now, besides=notification_id, limit=batch_size - 1) if batch_size > 1 else []
        rows = ([claimed] if isinstance(claimed, Notification) else []) + more
    outcome = claimed if isinstance(claimed, str) else "sent"
    budget: float = settings.RESHIP_NOTIFY_BATCH_SECONDS
    with email_session():
        for index, row in enumerate(rows):
            if index and time.monotonic() - started > budget:
                _release(rows[index:])
                break
            result = _send_and_record(row, fixed_now or timezone.now())
            if row is claimed:
                outcome = result
    return outcome


def _release(rows: list[Notification]) -> None:
    """Give back the leases of rows claimed but not sent: free for any worker at once."""
    for lease_id in {row.lease_id for row in rows}:
        Notification.objects.filter(
            pk__in=[row.pk for row in rows if row.lease_id == lease_id],
            status=NotificationStatus.PENDING,
            lease_id=lease_id,
        ).update(leased_until=None, lease_id=None)


def notification_deliver(*, notification_id: int, now: datetime | None = None) -> str:
    """Send one row if it is pending, due and not being sent. Returns what happened: ``sent``;
    ``retry`` (failed, will be retried) or ``failed`` (gave up); ``skipped`` (sent, failed or being
    claimed by another worker already); ``leased`` (another worker's lease holds it: it is being
    sent, or its worker was killed and it is free again once the lease runs out); ``not_due``
    (waiting for its retry time); ``busy`` (its webhook endpoint has its limit of sends in flight:
    ask again shortly)."""
    now = now or timezone.now()
    claimed = _claim(notification_id, now)
    if isinstance(claimed, str):
        return claimed
    return _send_and_record(claimed, now)


def _send_and_record(claimed: Notification, now: datetime) -> str:
    """Send a claimed row, holding no lock and no transaction, and record the result by its lease.
    Under the request id of the change that wrote the row, when one did: what is logged about the
    send (a failure) shows beside that request's lines, however late it goes (a batch, the sweeper)."""
    with request_id_bound(claimed.origin_request_id or request_id_get()):
        return _send_and_record_now(claimed, now)


def _send_and_record_now(claimed: Notification, now: datetime) -> str:
    try:
        channel_for(claimed.channel).send(claimed)
    except Exception as error:  # a template, the network, the SMTP server, a receiver's 500, a time limit
        return _record_failure(claimed, error, now)
    recorded = _mine(claimed).update(
        status=NotificationStatus.SENT, sent_at=now, attempts=claimed.attempts + 1, leased_until=None, lease_id=None
    )
    if not recorded:
        logger.warning("Notification %s was sent after its lease ran out; another attempt records it", claimed.pk)
    else:
        _endpoint_record(claimed, now, None)
    return "sent"


def _endpoint_record(notification: Notification, now: datetime, error: str | None) -> None:
    """A webhook endpoint's streak of failed sends (``endpoint_health``); the row's own record stands
    whatever happens here."""
    if notification.webhook_endpoint_id is None:
        return
    try:
        endpoint_send_recorded(notification=notification, now=now, error=error)
    except Exception:
        logger.exception("Could not record the send of notification %s on its endpoint", notification.pk)


def _mine(notification: Notification) -> QuerySet[Notification]:
    """The row while this attempt still holds it: not given up meanwhile, the lease still ours."""
    return Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.PENDING, lease_id=notification.lease_id
    )


def _record_failure(notification: Notification, error: Exception, now: datetime) -> str:
    attempts = notification.attempts + 1
    last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
    gave_up = attempts >= settings.RESHIP_NOTIFY_MAX_ATTEMPTS
    recorded = _mine(notification).update(
        attempts=attempts,
        last_error=last_error,
        next_attempt_at=now + retry_delay(attempts),
        status=NotificationStatus.FAILED if gave_up else NotificationStatus.PENDING,
        leased_until=None,
        lease_id=None,
    )
    logger.warning(
        "Notification %s (%s, %s) failed on attempt %d%s: %s",
        notification.pk,
        notification.channel,
        notification.template,
        attempts,
        "; giving up" if gave_up else "",
        last_error,
    )
    if recorded:
        _endpoint_record(notification, now, last_error)
    return "failed" if gave_up else "retry"
