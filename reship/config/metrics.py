"""``/metrics`` for Prometheus: the requests' and queries' figures, and Reship's own.

Who may read it: a request from an address in ``RESHIP_METRICS_ALLOWED_IPS`` (addresses or networks;
loopback by default) that did not come through a proxy (no ``X-Forwarded-For``: behind a proxy the
peer is the proxy, whoever is outside), or any request with ``Authorization: Bearer
<RESHIP_METRICS_TOKEN>``. Anyone else gets the site's 404 page, as for an address that does not exist.

Per request and per query (``reship.config.request_metrics``, under django-prometheus' names): latency
by view and method, responses by status, view and method, queries executed and their errors. Under
gunicorn each worker process counts its own: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder
writable by every worker (emptied before each start), and the page sums all of them
(prometheus_client's multiprocess mode; gunicorn's ``child_exit`` hook should call
``prometheus_client.multiprocess.mark_process_dead(worker.pid)``).

Reship's own figures are read from the database and Redis while the page is asked (``ReshipCollector``),
so they are the same whichever node is scraped: notification rows not delivered by status and
channel, the oldest one's age, deliveries per channel in the last ``RESHIP_METRICS_WINDOW_SECONDS``,
the Celery queues' lengths, import jobs waiting or running. Each is one small query on an index.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from orders.choices import ImportStatus
from orders.models import ImportJob
from reship.choices import NotificationStatus
from reship.models import Notification

logger = logging.getLogger(__name__)

# Kombu's Redis transport keeps a queue's messages of priority 0 under the queue's name and the
# other priority steps under name + this separator + the step.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)
# How long before its delivery a row counted as delivered recently may have been written.
_WRITTEN_BEFORE_SENT = timedelta(days=1)


@cache
def _allowed_networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.RESHIP_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    if "x-forwarded-for" in request.headers:
        return False
    try:
        peer = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return False
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        peer = peer.ipv4_mapped
    return any(peer in network for network in _allowed_networks(tuple(settings.RESHIP_METRICS_ALLOWED_IPS)))


class ReshipCollector(Collector):
    """Figures read at scrape time; a source that does not answer is skipped and counted in the errors gauge."""

    def collect(self) -> Iterator[Metric]:
        errors = GaugeMetricFamily(
            "reship_metrics_source_errors",
            "1 when this scrape could not read the source (database, redis), so its figures are missing.",
            labels=["source"],
        )
        for source, read in (("database", self._from_database), ("redis", self._from_redis)):
            try:
                yield from read()
                errors.add_metric([source], 0)
            except Exception as error:
                logger.warning("metrics: reading %s failed: %s", source, type(error).__name__)
                errors.add_metric([source], 1)
        yield errors

    def _from_database(self) -> list[Metric]:
        now = timezone.now()
        rows = GaugeMetricFamily(
            "reship_notifications",
            "Notification rows not delivered, by status (pending: waiting for its send or a retry; failed: gave "
            "up after the last attempt, for an admin to retry) and channel. Delivered rows are not counted here.",
            labels=["status", "channel"],
        )
        retrying = GaugeMetricFamily(
            "reship_notifications_retrying",
            "Pending notification rows whose delivery already failed at least once (waiting for a retry), by channel.",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "reship_notification_oldest_pending_age_seconds",
            "Seconds since the oldest pending notification row was written (0 when none is pending).",
        )
        oldest_created = None
        undelivered = (
            Notification.objects.filter(status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED])
            .order_by()
            .values_list("status", "channel")
            .annotate(rows=Count("id"), retrying=Count("id", filter=Q(attempts__gt=0)), oldest=Min("created_at"))
        )
        for status, channel, count, failed_once, first in undelivered:
            rows.add_metric([status, channel], count)
            if status == NotificationStatus.PENDING:
                retrying.add_metric([channel], failed_once)
                oldest_created = first if oldest_created is None else min(oldest_created, first)
        oldest.add_metric([], max((now - oldest_created).total_seconds(), 0.0) if oldest_created else 0.0)

        window = settings.RESHIP_METRICS_WINDOW_SECONDS
        delivered = GaugeMetricFamily(
            "reship_notification_deliveries_recent",
            f"Notification rows delivered (status sent) in the last {window} seconds "
            "(RESHIP_METRICS_WINDOW_SECONDS), by channel; rows written more than a day before that are not counted.",
            labels=["channel"],
        )
        since = now - timedelta(seconds=window)
        for channel, count in (
            # The bound on created_at lets the (status, created_at) index find the rows (6 ms for the
            # benchmark's 400k rows, a parallel scan of all of them took 54 ms); a row sent a day after
            # it was written (an admin's retry) is the one left out.
            Notification.objects.filter(
                status=NotificationStatus.SENT, sent_at__gte=since, created_at__gte=since - _WRITTEN_BEFORE_SENT
            )
            .order_by()
            .values_list("channel")
            .annotate(rows=Count("id"))
        ):
            delivered.add_metric([channel], count)

        imports = GaugeMetricFamily(
            "reship_import_jobs",
            "Order import jobs confirmed and not finished, by status (queued: waiting for a worker; running).",
            labels=["status"],
        )
        counts = dict(
            ImportJob.objects.filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
            .order_by()
            .values_list("status")
            .annotate(rows=Count("id"))
            .values_list("status", "rows")
        )
        for status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            imports.add_metric([str(status)], counts.get(status, 0))
        return [rows, retrying, oldest, delivered, imports]

    def _from_redis(self) -> list[Metric]:
        broker = settings.CELERY_BROKER_URL
        if not broker.startswith(("redis://", "rediss://", "unix://")):
            return []  # the embedded default (memory://, tasks run eagerly): no queue to measure
        import redis

        queue_names = ["celery", settings.RESHIP_WEBHOOK_QUEUE]
        client = redis.Redis.from_url(broker, socket_connect_timeout=1, socket_timeout=1)
        try:
            pipeline = client.pipeline(transaction=False)
            for name in queue_names:
                pipeline.llen(name)
                for step in _PRIORITY_STEPS:
                    pipeline.llen(f"{name}{_PRIORITY_SEPARATOR}{step}")
            lengths = pipeline.execute()
        finally:
            client.close()
        queued = GaugeMetricFamily(
            "reship_celery_queue_length",
            "Celery messages waiting in the broker's queue (Redis list length, all priorities), not yet taken by "
            "a worker.",
            labels=["queue"],
        )
        per_queue = 1 + len(_PRIORITY_STEPS)
        for index, name in enumerate(queue_names):
            queued.add_metric([name], sum(lengths[index * per_queue : (index + 1) * per_queue]))
        return [queued]


_reship_registry = CollectorRegistry(auto_describe=False)
_reship_registry.register(ReshipCollector())


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        MultiProcessCollector(processes)
        base = generate_latest(processes)
    else:
        base = generate_latest(REGISTRY)
    return base + generate_latest(_reship_registry)


def metrics_view(request: HttpRequest) -> HttpResponse | None:
    """The page, or None for a caller not allowed: the site then answers as for any unknown address (404)."""
    if not metrics_allowed(request):
        return None
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
