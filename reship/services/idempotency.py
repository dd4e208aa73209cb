"""Idempotency records: what lets an API client retry a POST safely (``reship.api.idempotency``
writes and replays them). A record is only needed for ``RESHIP_IDEMPOTENCY_HOURS``; beat purges
the older ones every hour (``reship.services.tasks.purge_idempotency_records``) so the table does
not grow without bound.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from reship.models import IdempotencyRecord


def idempotency_records_purge(*, now: datetime) -> int:
    """Delete the records created more than ``RESHIP_IDEMPOTENCY_HOURS`` before ``now``; returns
    how many went. A younger record stays, so its key still replays its first answer."""
    cutoff = now - timedelta(hours=settings.RESHIP_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
