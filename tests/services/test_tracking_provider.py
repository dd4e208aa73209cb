"""The tracking provider's round: the file provider reports, the workflow records, failures lose nothing."""

import json
from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings

from orders.models import Shipment
from reship.choices import EventKind
from reship.models import ReshipEvent
from reship.services import tasks
from reship.services.tracking_providers import FileTrackingProvider, ParcelRef, TrackingReport, tracking_poll
from tests.workflow.test_delivery import _request, _ship
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 8, 9, 0, tzinfo=UTC)
PROVIDER = "reship.services.tracking_providers.FileTrackingProvider"


@pytest.fixture
def parcels():
    parties = make_parties()
    first = _request(parties, [("A", "resend")])
    second = _request(parties, [("B1", "resend")])
    return _ship(parties, first, "A", "SF100000000101"), _ship(parties, second, "B1", "SF100000000102")


def _write(tmp_path, rows, suffix=".json"):
    path = tmp_path / f"tracking{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    else:
        path.write_text(rows, encoding="utf-8")
    return path


def test_the_file_provider_delivers_a_parcel_and_moves_another(parcels, tmp_path, settings):
    first, second = parcels
    settings.RESHIP_TRACKING_PROVIDER = PROVIDER
    settings.RESHIP_TRACKING_FILE = str(
        _write(
            tmp_path,
            [
                {"carrier": "SF", "number": "SF100000000101", "status": "delivered", "at": "2026-11-05T14:30:00+00:00"},
                {"carrier": "sf", "number": "sf100000000102", "status": "in_transit"},
                {"carrier": "SF", "number": "SF999999999999", "status": "delivered"},  # not one of ours
            ],
        )
    )

    counts = tracking_poll(now=NOW)

    assert counts == {"checked": 2, "reported": 2, "failed": 0}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.delivered_at, first.tracking_status) == (datetime(2026, 11, 5, 14, 30, tzinfo=UTC), "delivered")
    assert (second.delivered_at, second.tracking_status) == (None, "in_transit")
    assert first.tracking_checked_at == second.tracking_checked_at == NOW
    delivered = ReshipEvent.objects.get(kind=EventKind.DELIVERED)
    assert (delivered.request_id, delivered.actor, delivered.data["by"]) == (first.reship_request_id, None, "provider")
    assert ReshipEvent.objects.get(kind=EventKind.TRACKING_UPDATED).request_id == second.reship_request_id


def test_a_csv_file_works_too_and_a_delivered_parcel_is_not_asked_again(parcels, tmp_path, settings):
    first, second = parcels
    settings.RESHIP_TRACKING_PROVIDER = PROVIDER
    settings.RESHIP_TRACKING_FILE = str(
        _write(tmp_path, "carrier,number,status,at\nSF,SF100000000101,delivered,2026-11-05T14:30:00+00:00\n", ".csv")
    )
    tracking_poll(now=NOW)

    counts = tracking_poll(now=datetime(2026, 11, 8, 9, 15, tzinfo=UTC))

    assert counts == {"checked": 1, "reported": 0, "failed": 0}  # only the second parcel is asked
    assert ReshipEvent.objects.filter(kind=EventKind.DELIVERED).count() == 1


class BrokenProvider:
    def statuses(self, parcels):
        raise ConnectionError("provider down")


def test_a_failing_provider_loses_nothing_and_the_next_round_catches_up(parcels, tmp_path, settings, caplog):
    first, second = parcels

    counts = tracking_poll(now=NOW, provider=BrokenProvider())

    assert counts == {"checked": 0, "reported": 0, "failed": 2}
    assert "Tracking provider failed" in caplog.text
    assert list(Shipment.objects.order_by("pk").values_list("tracking_checked_at", "delivered_at")) == [
        (None, None),
        (None, None),
    ]

    settings.RESHIP_TRACKING_FILE = str(
        _write(tmp_path, [{"carrier": "SF", "number": "SF100000000101", "status": "delivered"}])
    )
    tracking_poll(now=NOW, provider=FileTrackingProvider())

    first.refresh_from_db()
    assert first.delivered_at == NOW  # no time in the report: now


def test_the_beat_task_does_nothing_without_a_provider_and_survives_a_missing_file(parcels, settings):
    settings.RESHIP_TRACKING_PROVIDER = ""
    assert tasks.poll_tracking_provider() == {"checked": 0, "reported": 0, "failed": 0}

    settings.RESHIP_TRACKING_PROVIDER = PROVIDER
    settings.RESHIP_TRACKING_FILE = "/nonexistent/tracking.json"
    assert tasks.poll_tracking_provider() == {"checked": 0, "reported": 0, "failed": 2}


def test_parcels_shipped_more_than_sixty_days_ago_are_not_asked_about(parcels, settings):
    asked = []

    class Recording:
        def statuses(self, refs):
            asked.extend(refs)
            return []

    tracking_poll(now=datetime(2027, 1, 2, 9, 0, tzinfo=UTC), provider=Recording())  # 60 days after the 3 Nov parcels

    assert asked == []
    tracking_poll(now=datetime(2027, 1, 1, 9, 0, tzinfo=UTC), provider=Recording())
    assert asked == [ParcelRef("SF", "SF100000000101"), ParcelRef("SF", "SF100000000102")]


def test_a_round_asks_in_batches_the_longest_unchecked_first(parcels, settings):
    first, second = parcels
    Shipment.objects.filter(pk=first.pk).update(tracking_checked_at=datetime(2026, 11, 7, 9, 0, tzinfo=UTC))
    settings.RESHIP_TRACKING_BATCH = 1
    batches = []

    class Recording:
        def statuses(self, refs):
            batches.append([ref.number for ref in refs])
            return [TrackingReport(ref.carrier, ref.number, "in_transit") for ref in refs]

    counts = tracking_poll(now=NOW, provider=Recording())

    assert batches == [["SF100000000102"], ["SF100000000101"]]  # never checked first
    assert counts == {"checked": 2, "reported": 2, "failed": 0}


def test_the_beat_runs_the_round_every_quarter_hour():
    entry = django_settings.CELERY_BEAT_SCHEDULE["reship-poll-tracking-provider"]
    assert (entry["task"], entry["schedule"]) == ("reship.poll_tracking_provider", 900.0)
    surveys = django_settings.CELERY_BEAT_SCHEDULE["reship-send-due-surveys"]
    assert (surveys["task"], surveys["schedule"]) == ("reship.send_due_surveys", 60.0)
