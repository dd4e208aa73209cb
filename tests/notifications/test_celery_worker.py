"""Notifications through a real Redis and a real Celery worker process, on PostgreSQL.

Each test starts ``celery -A reship worker`` on pytest-django's test database and a Redis
database of its own (flushed first), consuming a queue named for the test. The worker's email and
SMS backends write every send to a sink file (``tests/celery_support.py``), so "delivered exactly
once" is counted per notification id, not inferred from the row's status alone.
"""

import logging
import os
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from reship import workflow
from reship.choices import NotificationStatus, RequestStatus
from reship.config.celery import app as celery_app
from reship.models import Notification
from reship.notifications.tasks import notifications_sweep
from tests.celery_support import (
    WORKER_REDIS_DB,
    CeleryWorker,
    broker_set,
    celery_eager,
    celery_publishing_to,
    redis_url_with_db,
    sink_read,
    wait_until,
    worker_environment,
    worker_start,
)
from tests.live_support import database_url
from tests.workflow_states import line, make_parties, request_in, submit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]

DELIVERY_TIMEOUT = 30  # seconds a test waits for the worker
DEAD_BROKER = "redis://127.0.0.1:1/15"  # nothing listens on port 1: connections are refused


@dataclass
class Rig:
    """One test's broker database, queue, sink and the workers it started."""

    broker_url: str
    queue: str
    database_url: str
    sink: Path
    log_dir: Path
    broker: redis.Redis
    workers: list[CeleryWorker] = field(default_factory=list)

    def start(self, *, pool: str = "solo", slow_first_send: float = 0, lease_seconds: int = 90) -> CeleryWorker:
        env = worker_environment(
            database_url=self.database_url, broker_url=self.broker_url, sink=self.sink, slow_first_send=slow_first_send
        )
        env["RESHIP_NOTIFY_LEASE_SECONDS"] = str(lease_seconds)
        worker = worker_start(
            queue=self.queue, env=env, log_dir=self.log_dir, pool=pool, name_suffix=f"-{len(self.workers) + 1}"
        )
        self.workers.append(worker)
        return worker

    def queued(self) -> int:
        """Messages waiting in the test's queue (published, not yet taken by a worker)."""
        return self.broker.llen(self.queue)

    def sink_entries(self, event: str = "sent") -> list[dict]:
        return [entry for entry in sink_read(self.sink) if entry["event"] == event]

    def sent_per_id(self) -> Counter:
        return Counter(entry["id"] for entry in self.sink_entries("sent"))

    def logs(self) -> str:
        return "\n".join(f"--- {worker.name}\n{worker.log()[-3000:]}" for worker in self.workers)


@pytest.fixture
def rig(transactional_db, tmp_path, settings):
    """Depends on ``transactional_db``, so the workers are stopped before the tables are flushed."""
    broker_url = redis_url_with_db(settings.REDIS_URL, WORKER_REDIS_DB)
    broker = redis.Redis.from_url(broker_url, socket_connect_timeout=2)
    broker.flushdb()
    rig = Rig(
        broker_url=broker_url,
        queue=f"reship-test-{uuid.uuid4().hex[:10]}",
        database_url=database_url(connection.settings_dict),
        sink=tmp_path / "sent.jsonl",
        log_dir=tmp_path,
        broker=broker,
    )
    try:
        with celery_publishing_to(celery_app, broker_url=broker_url, queue=rig.queue):
            yield rig
    finally:
        for worker in rig.workers:
            worker.stop()
        broker.flushdb()
        broker.close()


def statuses(ids) -> Counter:
    return Counter(Notification.objects.filter(pk__in=ids).values_list("status", flat=True))


def all_sent(ids) -> bool:
    return statuses(ids) == {NotificationStatus.SENT: len(ids)}


def wait_all_sent(rig: Rig, ids) -> None:
    if not wait_until(lambda: all_sent(ids), timeout=DELIVERY_TIMEOUT, interval=0.2):
        pytest.fail(f"Not all of {sorted(ids)} were sent within {DELIVERY_TIMEOUT} s: {statuses(ids)}\n{rig.logs()}")


def new_ids(before: set[int]) -> set[int]:
    return set(Notification.objects.values_list("pk", flat=True)) - before


def test_a_committed_change_is_delivered_by_the_worker_after_commit(rig):
    parties = make_parties()
    rig.start()

    with transaction.atomic():
        request = submit(parties)
        written = Notification.objects.filter(request=request)
        # request_submitted: the partner's inbox and email; request_received: the customer's email.
        assert written.count() == 3
        time.sleep(0.5)
        assert rig.queued() == 0, "published before the commit"
        assert sink_read(rig.sink) == []
    ids = set(written.values_list("pk", flat=True))

    wait_all_sent(rig, ids)
    email = Notification.objects.get(request=request, channel="email", template="request_submitted")
    assert email.recipient_address == f"{parties.partner.username}@example.com"  # the factories' address
    received = Notification.objects.get(request=request, channel="email", template="request_received")
    assert received.recipient_address == "buyer@example.com"
    sent = {entry["id"]: entry for entry in rig.sink_entries()}
    assert sorted((entry["id"], entry["channel"]) for entry in sent.values()) == sorted(
        [(email.pk, "email"), (received.pk, "email")]
    )
    assert sent[email.pk]["message_id"].startswith(f"<{email.delivery_key}@")
    assert set(Notification.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def test_a_rolled_back_change_writes_no_rows_and_sends_nothing(rig):
    parties = make_parties()
    rig.start()

    written_inside = []

    def submit_then_fail() -> None:
        with transaction.atomic():
            submit(parties)
            written_inside.append(Notification.objects.count())
            raise RuntimeError("the seller's browser lost the connection")

    with pytest.raises(RuntimeError, match="the seller's browser lost the connection"):
        submit_then_fail()

    assert written_inside == [3]  # the partner's inbox and email, the customer's "received"
    assert Notification.objects.count() == 0
    time.sleep(3)
    assert rig.queued() == 0
    assert sink_read(rig.sink) == []
    # The worker was there and working all along: the same change, committed, is delivered.
    request = submit(parties)
    ids = set(Notification.objects.filter(request=request).values_list("pk", flat=True))
    wait_all_sent(rig, ids)
    assert {entry["id"] for entry in rig.sink_entries()} <= ids


def test_rows_written_while_the_broker_is_down_are_sent_by_the_sweeper_once_it_is_back(rig, caplog):
    parties = make_parties()
    rig.start()
    broker_set(celery_app, DEAD_BROKER)

    caplog.set_level(logging.WARNING, logger="reship.notifications.dispatch")
    started = time.monotonic()
    request = submit(parties)  # commits; queueing after commit fails
    submitted_in = time.monotonic() - started
    started = time.monotonic()
    workflow.reship_approve(
        request_id=request.pk, actor=parties.partner, quote_goods="10", quote_shipping="5", cost_bearer="partner"
    )
    approved_in = time.monotonic() - started

    budget = settings.RESHIP_BROKER_TIMEOUT_SECONDS + 3
    assert submitted_in < budget, f"submission took {submitted_in:.1f} s with the broker down"
    assert approved_in < budget, f"approval took {approved_in:.1f} s with the broker down"
    # Three queueings: the partner's rows and the customer's "received" at submission, the seller's.
    assert caplog.text.count("the sweeper will send them") == 3
    ids = set(Notification.objects.filter(request=request).values_list("pk", flat=True))
    assert len(ids) == 5  # the partner's inbox and email, the customer's email, then the seller's
    time.sleep(1)
    # The two inbox rows are written sent, with the change (no task): the three emails wait.
    assert statuses(ids) == {NotificationStatus.PENDING: 3, NotificationStatus.SENT: 2}
    assert rig.queued() == 0
    assert sink_read(rig.sink) == []

    broker_set(celery_app, rig.broker_url)
    assert notifications_sweep(now=timezone.now() + timedelta(minutes=2)) == 3

    wait_all_sent(rig, ids)
    emails = set(Notification.objects.filter(pk__in=ids, channel="email").values_list("pk", flat=True))
    assert len(emails) == 3
    assert rig.sent_per_id() == dict.fromkeys(emails, 1)


def _ship_and_compensate(parties, request) -> None:
    """Two changes, two commits: lines_shipped and lines_compensated, 3 rows each (seller inbox
    and email; the customer's email, the shop's default choice), 4 of them through the email backend."""
    workflow.reship_ship(
        request_id=request.pk,
        actor=parties.partner,
        items=[workflow.ShipItem(line(request, "A").pk)],
        carrier="SF Express",
        tracking_number="SF000000000001",
    )
    workflow.reship_compensate(
        request_id=request.pk, actor=parties.partner, line_ids=[line(request, "C").pk], method="voucher", amount="25"
    )


def _approved_request(parties):
    """Built in this process (delivered eagerly, not through the worker), so the sink only sees the
    rows of the changes under test."""
    with celery_eager(celery_app):
        return request_in(RequestStatus.APPROVED, parties)


def _first_send_started(rig: Rig) -> dict:
    if not wait_until(lambda: rig.sink_entries("start"), timeout=DELIVERY_TIMEOUT, interval=0.05):
        pytest.fail(f"No delivery started within {DELIVERY_TIMEOUT} s\n{rig.logs()}")
    return rig.sink_entries("start")[0]


def test_a_worker_killed_mid_delivery_then_restarted_sends_every_row_exactly_once(rig):
    parties = make_parties()
    request = _approved_request(parties)
    before = set(Notification.objects.values_list("pk", flat=True))
    first = rig.start(slow_first_send=5, lease_seconds=3)

    _ship_and_compensate(parties, request)
    ids = new_ids(before)
    assert len(ids) == 6
    in_flight = _first_send_started(rig)
    assert in_flight["pid"] == first.pid  # the solo pool sends in the main process
    first.kill()  # SIGKILL, mid-send: no ack, no shutdown, the database connection dies with it

    killed = Notification.objects.get(pk=in_flight["id"])
    assert killed.status == NotificationStatus.PENDING
    assert killed.leased_until is not None  # the killed worker's lease: nobody sends it meanwhile
    assert rig.sink_entries("sent") == []
    rig.start()
    # The killed message stays unacknowledged in Redis for the visibility timeout (an hour);
    # once the killed worker's lease has run out, the sweeper queues its row again, and every
    # other row still pending, a second time.
    time.sleep(3)
    notifications_sweep(now=timezone.now() + timedelta(minutes=2))

    wait_all_sent(rig, ids)
    external = set(Notification.objects.filter(pk__in=ids).exclude(channel="inbox").values_list("pk", flat=True))
    assert len(external) == 4
    assert rig.sent_per_id() == dict.fromkeys(external, 1)
    starts = Counter(entry["id"] for entry in rig.sink_entries("start"))
    assert starts[in_flight["id"]] == 2  # the killed attempt, and the one that went out
    assert set(Notification.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def test_a_pool_process_killed_mid_delivery_is_redelivered_by_the_worker(rig):
    """reject_on_worker_lost: the prefork worker puts the lost task back on the queue; it finds the
    killed process's lease and comes back once that has run out; no sweeper."""
    parties = make_parties()
    request = _approved_request(parties)
    before = set(Notification.objects.values_list("pk", flat=True))
    worker = rig.start(pool="prefork", slow_first_send=5, lease_seconds=3)

    _ship_and_compensate(parties, request)
    ids = new_ids(before)
    in_flight = _first_send_started(rig)
    assert in_flight["pid"] != worker.pid  # a pool process, not the worker's main process
    os.kill(in_flight["pid"], signal.SIGKILL)

    wait_all_sent(rig, ids)
    external = set(Notification.objects.filter(pk__in=ids).exclude(channel="inbox").values_list("pk", flat=True))
    assert len(external) == 4
    assert rig.sent_per_id() == dict.fromkeys(external, 1)
    redelivered = [entry for entry in rig.sink_entries("start") if entry["id"] == in_flight["id"]]
    assert len(redelivered) == 2
    assert redelivered[1]["pid"] != in_flight["pid"]
    assert worker.process.poll() is None  # the worker itself lived on
    assert set(Notification.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == {1}


def test_the_reship_story_under_a_real_worker_notifies_every_party_once(rig):
    rig.start()
    out = StringIO()

    call_command("run_reship_story", wait=DELIVERY_TIMEOUT, stdout=out)

    output = out.getvalue()
    assert "4 of 4 requests closed; 89 notifications: sent 89, pending 0, failed 0" in output, rig.logs()
    rows = Notification.objects.all()
    assert rows.count() == 89
    assert set(rows.values_list("status", "attempts")) == {(NotificationStatus.SENT, 1)}
    external = set(rows.exclude(channel="inbox").values_list("pk", flat=True))
    assert len(external) == 52  # 12 + 14 + 10 + 16 emails: see tests/dev/test_story.py
    assert rig.sent_per_id() == dict.fromkeys(external, 1)
