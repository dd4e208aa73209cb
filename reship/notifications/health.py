"""The outbox's health as the platform admin reads it (``/admin/health/``): rows still pending and
the oldest of them, rows that failed in the last day by channel and by webhook endpoint, the latest
of them, and the endpoints that keep failing (``endpoint_health``). Every figure is counted or
grouped in SQL: one query each, whatever the number of rows.

A webhook's "endpoint" is its ``WebhookEndpoint`` or, for a partner's legacy ``webhook_url`` (no
endpoint row), the address it was sent to; its organisation is the endpoint's, or the partner of
the request or statement the row is about. Rows with no endpoint sent elsewhere were an endpoint's
that was deleted since (``services.webhooks.webhook_endpoint_delete`` gives them up): shown by their
address, with no organisation and no "retry all". ``failed_webhook_ids`` selects an endpoint's
failed rows the same way, for the admin's "retry all of this endpoint".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, F, Max, Min, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification, WebhookEndpoint
from reship.notifications.endpoint_health import endpoints_failing

FAILED_WINDOW = timedelta(days=1)
# A row sent to the legacy ``webhook_url`` of the partner of its request or statement.
LEGACY = Q(webhook_endpoint__isnull=True) & (
    Q(recipient_address=F("request__partner__webhook_url")) | Q(recipient_address=F("statement__partner__webhook_url"))
)
FAILED_SHOWN = 50  # the latest failed rows listed one by one; the counts cover all of them
ENDPOINTS_SHOWN = 50


@dataclass(frozen=True)
class OutboxHealth:
    pending: int
    oldest_pending_at: datetime | None
    failed: int
    failed_by_channel: Sequence[Mapping[str, Any]]  # channel, failed
    # endpoint_id, url, legacy_url, side, organisation, failed, last_failed_at
    failed_by_endpoint: Sequence[Mapping[str, Any]]
    failed_rows: Sequence[Notification]  # the latest FAILED_SHOWN
    endpoints_failing: Sequence[WebhookEndpoint]


def failed_recently(now: datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(status=NotificationStatus.FAILED, created_at__gte=now - FAILED_WINDOW)


def failed_webhook_ids(*, now: datetime, endpoint_id: int | None = None, legacy_url: str = "") -> list[int]:
    """The ids of one endpoint's webhook rows that failed in the last day: a ``WebhookEndpoint`` by
    id, or a legacy address (rows with no endpoint, sent to ``legacy_url``)."""
    rows = failed_recently(now).filter(channel=NotificationChannel.WEBHOOK)
    if endpoint_id is not None:
        rows = rows.filter(webhook_endpoint_id=endpoint_id)
    elif legacy_url:
        rows = rows.filter(LEGACY, recipient_address=legacy_url)
    else:
        return []
    return list(rows.order_by("pk").values_list("pk", flat=True))


def outbox_health(*, now: datetime) -> OutboxHealth:
    """The figures of the page: five queries."""
    pending = Notification.objects.filter(status=NotificationStatus.PENDING).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    failed = failed_recently(now)
    by_channel = list(failed.values("channel").annotate(failed=Count("pk")).order_by("-failed", "channel"))
    by_endpoint = list(
        failed.filter(channel=NotificationChannel.WEBHOOK)
        .values(
            endpoint_id=F("webhook_endpoint_id"),
            url=Coalesce(F("webhook_endpoint__url"), F("recipient_address")),
            legacy_url=Case(When(LEGACY, then=F("recipient_address")), default=Value(""), output_field=CharField()),
            side=Case(
                When(webhook_endpoint__seller__isnull=False, then=Value("seller")),
                default=Value("partner"),
                output_field=CharField(),
            ),
            organisation=Coalesce(
                F("webhook_endpoint__seller__name"),
                F("webhook_endpoint__partner__name"),
                Case(
                    When(LEGACY, then=Coalesce(F("request__partner__name"), F("statement__partner__name"))),
                    default=Value(""),
                    output_field=CharField(),
                ),
                Value(""),
            ),
        )
        .annotate(failed=Count("pk"), last_failed_at=Max("created_at"))
        .order_by("-failed", "-last_failed_at", "url")
    )
    rows = list(
        failed.select_related("request", "recipient_user", "webhook_endpoint").order_by("-created_at", "-pk")[
            :FAILED_SHOWN
        ]
    )
    return OutboxHealth(
        pending=pending["count"],
        oldest_pending_at=pending["oldest"],
        failed=sum(row["failed"] for row in by_channel),
        failed_by_channel=by_channel,
        failed_by_endpoint=by_endpoint,
        failed_rows=rows,
        endpoints_failing=list(endpoints_failing()[:ENDPOINTS_SHOWN]),
    )
