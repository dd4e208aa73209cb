"""Idempotency records are purged once past ``RESHIP_IDEMPOTENCY_HOURS``: an old record goes, a
younger one stays (its key still replays), and beat runs the purge hourly through a registered task."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from reship.config.celery import app as celery_app
from reship.models import IdempotencyRecord
from reship.services import tasks
from reship.services.idempotency import idempotency_records_purge

NOW = datetime(2026, 5, 18, 12, 0, tzinfo=UTC)


def record(key: str, created_at: datetime) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        scope="seller:1",
        key=key,
        method="POST",
        path="/api/v1/webhooks/",
        request_hash="0" * 64,
        state=IdempotencyRecord.DONE,
        response_status=201,
        response_body={"id": 1},
        created_at=created_at,
    )


@pytest.mark.django_db
def test_the_purge_deletes_records_past_the_kept_hours_and_keeps_the_rest(settings):
    settings.RESHIP_IDEMPOTENCY_HOURS = 24
    record("two-days-old", datetime(2026, 5, 16, 12, 0, tzinfo=UTC))
    record("25-hours-old", datetime(2026, 5, 17, 11, 0, tzinfo=UTC))
    record("exactly-24-hours-old", datetime(2026, 5, 17, 12, 0, tzinfo=UTC))
    record("an-hour-old", datetime(2026, 5, 18, 11, 0, tzinfo=UTC))

    deleted = idempotency_records_purge(now=NOW)

    assert deleted == 2
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["an-hour-old", "exactly-24-hours-old"]


@pytest.mark.django_db
def test_the_task_purges_against_the_current_time(settings):
    settings.RESHIP_IDEMPOTENCY_HOURS = 24
    record("old", timezone.now() - timedelta(hours=30))
    record("fresh", timezone.now() - timedelta(minutes=5))

    assert tasks.purge_idempotency_records.delay().get() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_beat_runs_the_purge_every_hour_through_a_registered_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reship-purge-idempotency-records"]

    assert entry == {
        "task": "reship.purge_idempotency_records",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    }
    assert "reship.purge_idempotency_records" in celery_app.tasks
    assert tasks.purge_idempotency_records.name == "reship.purge_idempotency_records"
