"""Delivery under faults, with real processes: a Redis server of the test's own (so it can be
stopped), real Celery workers (the default queue and the webhooks queue) on PostgreSQL, a local
webhook receiver and the sink e-mail backend (``tests/celery_support.py``).

(a) workers SIGKILLed again and again mid-run: nothing lost, at most one duplicate per kill, and
    every duplicate carries the same delivery id (Webhook-Id / body id, e-mail Message-ID);
(b) one organisation's endpoint hangs: the others' webhooks arrive within 1 s of normal and no
    worker is held past the deadline, nor more than the endpoint's limit of them;
(c) a backlog written while the broker was down is sent within 60 s of the broker's return.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import statistics
import subprocess
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone

from reship.choices import NotificationChannel, NotificationStatus
from reship.config.celery import app as celery_app
from reship.models import Notification, WebhookEndpoint
from reship.notifications import outbox, tasks
from reship.notifications.tasks import notifications_sweep
from tests.celery_support import (
    CeleryWorker,
    _die_with_parent,
    broker_set,
    celery_publishing_to,
    sink_read,
    wait_until,
    worker_environment,
    worker_start,
)
from tests.conftest import skip_or_fail
from tests.live_support import database_url, free_port
from tests.workflow_states import make_parties, submit

# The figures each test measured: shown with -o log_cli=true (see the report in issue 14).
FIGURES = logging.getLogger("tests.faults.delivery")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


# --- a Redis of our own ------------------------------------------------------------------------------


@dataclass
class OwnRedis:
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                argv, stdout=output, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent
            )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        if not wait_until(lambda: _pings(client), timeout=10):
            raise RuntimeError(f"redis-server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        skip_or_fail("needs redis-server on PATH: the fault tests start and stop their own")
    server = OwnRedis(port=free_port(), log=tmp_path / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- workers --------------------------------------------------------------------------------------


@dataclass
class Workers:
    redis: OwnRedis
    database_url: str
    sink: Path
    log_dir: Path
    env_extra: dict[str, str]
    running: list[CeleryWorker] = field(default_factory=list)
    started: int = 0

    def start(self, queue: str, *, pool: str = "solo", concurrency: int = 1) -> CeleryWorker:
        self.started += 1
        env = worker_environment(database_url=self.database_url, broker_url=self.redis.url, sink=self.sink)
        env.update(self.env_extra)
        worker = worker_start(
            queue=queue,
            env=env,
            log_dir=self.log_dir,
            pool=pool,
            concurrency=concurrency,
            name_suffix=f"-{self.started}",
            ready_seconds=40,
        )
        self.running.append(worker)
        return worker

    def current(self, queue: str) -> CeleryWorker:
        return [worker for worker in self.running if worker.name.startswith(f"{queue}-")][-1]

    def logs(self) -> str:
        return "\n".join(f"--- {worker.name}\n{worker.log()[-2000:]}" for worker in self.running)

    def stop_all(self) -> None:
        for worker in self.running:
            worker.stop()


@pytest.fixture
def workers(own_redis, tmp_path, settings) -> Iterator[Workers]:
    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = True
    rig = Workers(
        redis=own_redis,
        database_url=database_url(connection.settings_dict),
        sink=tmp_path / "sent.jsonl",
        log_dir=tmp_path,
        # DB_CONN_MAX_AGE: the production default (celery_support turns it off for its own tests).
        env_extra={"RESHIP_WEBHOOK_ALLOW_PRIVATE": "true", "DB_CONN_MAX_AGE": "60"},
    )
    try:
        with celery_publishing_to(celery_app, broker_url=own_redis.url, queue="celery"):
            yield rig
    finally:
        rig.stop_all()


# --- a webhook receiver -----------------------------------------------------------------------------


@dataclass
class Receipt:
    at: float
    path: str
    webhook_id: str
    body_id: str


class Receiver:
    """Records every webhook: when, where, and its ids; answers after ``delay`` seconds."""

    def __init__(self, delay: float = 0.0):
        self.receipts: list[Receipt] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if delay:
                    time.sleep(delay)
                with receiver.lock:
                    receiver.receipts.append(
                        Receipt(time.time(), self.path, self.headers["Webhook-Id"], json.loads(body)["id"])
                    )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Hanging:
    """Accepts connections and never answers; records when each was opened and when the sender
    gave up (closed it)."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.spans: list[tuple[float, float | None]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            threading.Thread(target=self._hold, args=(conn,), daemon=True).start()

    def _hold(self, conn):
        with self.lock:
            index = len(self.spans)
            self.spans.append((time.monotonic(), None))
        try:
            while conn.recv(65536):
                pass  # read the request, answer nothing
        except OSError:
            pass
        with self.lock:
            self.spans[index] = (self.spans[index][0], time.monotonic())
        conn.close()

    def most_open_at_once(self) -> int:
        events = sorted([(start, 1) for start, _ in self.spans] + [(end, -1) for _, end in self.spans if end])
        most = current = 0
        for _, step in events:
            current += step
            most = max(most, current)
        return most

    def close(self):
        self.socket.close()


def _endpoint(partner, url: str) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(partner=partner, url=url, events=[], secret="whsec_faults")


def _clones(template: Notification, count: int) -> list[int]:
    """``count`` new pending rows like ``template`` (each with its own delivery id), not queued."""
    rows = Notification.objects.bulk_create(
        Notification(
            channel=template.channel,
            template=template.template,
            language=template.language,
            recipient_user_id=template.recipient_user_id,
            recipient_address=template.recipient_address,
            request_id=template.request_id,
            webhook_endpoint_id=template.webhook_endpoint_id,
            payload=template.payload,
        )
        for _ in range(count)
    )
    return [row.pk for row in rows]


def _statuses(ids) -> Counter:
    return Counter(Notification.objects.filter(pk__in=ids).values_list("status", flat=True))


# --- (a) worker SIGKILLs during delivery --------------------------------------------------------------


def test_workers_killed_again_and_again_mid_run_lose_nothing_and_duplicate_at_most_once_per_kill(
    workers, settings, tmp_path
):
    settings.RESHIP_NOTIFY_SWEEP_AFTER_SECONDS = 3  # the test's beat, below, runs every second
    workers.env_extra.update({"RESHIP_NOTIFY_LEASE_SECONDS": "4", "RESHIP_WEBHOOK_MAX_IN_FLIGHT": "5"})
    receiver = Receiver(delay=0.1)  # a kill of the webhooks worker mostly lands mid-send
    try:
        parties = make_parties()
        partner = parties.order.partner
        _endpoint(partner, receiver.url + "/hooks")
        with tasks_not_queued():
            request = submit(parties)
        email = Notification.objects.get(
            request=request, channel=NotificationChannel.EMAIL, template="request_submitted"
        )
        webhook = Notification.objects.get(request=request, channel=NotificationChannel.WEBHOOK)
        Notification.objects.filter(request=request).delete()
        emails, webhooks = _clones(email, 100), _clones(webhook, 100)
        ids = emails + webhooks
        workers.start("celery")
        workers.start("webhooks")

        tasks.enqueue_delivery(ids, webhook_ids=set(webhooks))
        kills = 0
        started = time.monotonic()
        while _statuses(ids).get(NotificationStatus.SENT, 0) < len(ids) and time.monotonic() - started < 75:
            time.sleep(0.7)
            if kills < 6:  # SIGKILL the default queue's worker, then the webhooks', in turn; restart it
                queue = ("celery", "webhooks")[kills % 2]
                workers.current(queue).kill()
                kills += 1
                workers.start(queue)
            notifications_sweep(now=timezone.now())  # beat's sweeper, for the tasks the kills lost
        took = time.monotonic() - started

        assert _statuses(ids) == {NotificationStatus.SENT: len(ids)}, workers.logs()
        # Every row reached its receiver; count the repeats and check their ids.
        key_of = dict(Notification.objects.filter(pk__in=webhooks).values_list("delivery_key", "pk"))
        webhook_sends = Counter()
        ids_per_row = defaultdict(set)
        for receipt in receiver.receipts:
            row = key_of[uuid.UUID(receipt.webhook_id)]
            webhook_sends[row] += 1
            ids_per_row[row].add((receipt.webhook_id, receipt.body_id))
        email_sends = Counter()
        message_ids = defaultdict(set)
        for entry in sink_read(workers.sink):
            if entry["event"] == "sent" and entry["id"] in set(emails):
                email_sends[entry["id"]] += 1
                message_ids[entry["id"]].add(entry["message_id"])
        assert set(webhook_sends) == set(webhooks), "a webhook was lost"
        assert set(email_sends) == set(emails), "an e-mail was lost"
        duplicates = sum(webhook_sends.values()) - len(webhooks) + sum(email_sends.values()) - len(emails)
        FIGURES.warning(f"(a) {len(ids)} rows, {kills} SIGKILLs, {duplicates} duplicates, all sent in {took:.1f} s")
        assert kills == 6
        assert duplicates <= kills
        assert all(len(each) == 1 for each in ids_per_row.values())  # one id per row, however often sent
        assert all(webhook_id == body_id for ((webhook_id, body_id),) in ids_per_row.values())
        assert all(len(each) == 1 for each in message_ids.values())
    finally:
        receiver.close()


class tasks_not_queued:
    """Rows written inside are not handed to Celery (the test queues them itself)."""

    def __enter__(self):
        self.saved = outbox.enqueue
        outbox.enqueue = lambda ids, **kwargs: None

    def __exit__(self, *exc):
        outbox.enqueue = self.saved


# --- (b) one endpoint hanging ------------------------------------------------------------------------


def _latencies(receiver: Receiver, created: dict[str, float]) -> list[float]:
    return [receipt.at - created[receipt.body_id] for receipt in receiver.receipts if receipt.body_id in created]


def _queue_tests(endpoint: WebhookEndpoint, count: int) -> dict[str, float]:
    """``count`` test events for the endpoint, queued now; their delivery ids and when."""
    created = {}
    for _ in range(count):
        row = outbox.webhook_test_queue(endpoint)  # autocommit: queued at once
        created[str(row.delivery_key)] = time.time()
    return created


def test_one_endpoint_hanging_delays_the_others_webhooks_by_under_a_second_and_holds_no_worker_past_the_deadline(
    workers,
):
    workers.env_extra.update(
        {
            "RESHIP_WEBHOOK_TIMEOUT_SECONDS": "2",
            "RESHIP_WEBHOOK_MAX_IN_FLIGHT": "2",
            "RESHIP_WEBHOOK_BUSY_RETRY_SECONDS": "1",
            "RESHIP_NOTIFY_MAX_ATTEMPTS": "1",  # the hanging endpoint's rows fail on their first try
        }
    )
    hanging, healthy = Hanging(), Receiver()
    try:
        stuck = _endpoint(make_parties().order.partner, hanging.url + "/hooks")
        others = [_endpoint(make_parties().order.partner, healthy.url + f"/org{n}") for n in range(3)]
        workers.start("webhooks", pool="prefork", concurrency=4)

        # Normal: the other organisations' webhooks alone.
        normal = {}
        for endpoint in others:
            normal.update(_queue_tests(endpoint, 4))
        assert wait_until(lambda: len(healthy.receipts) == 12, timeout=30), workers.logs()
        normal_worst = max(_latencies(healthy, normal))

        # The same, queued right behind 12 events for an endpoint that never answers.
        healthy.receipts.clear()
        _queue_tests(stuck, 12)
        time.sleep(0.3)
        during = {}
        for endpoint in others:
            during.update(_queue_tests(endpoint, 4))
        assert wait_until(lambda: len(healthy.receipts) == 12, timeout=30), workers.logs()
        during_worst = max(_latencies(healthy, during))
        # Every event for the hanging endpoint was tried and given up.
        stuck_rows = Notification.objects.filter(webhook_endpoint=stuck)
        assert wait_until(lambda: set(stuck_rows.values_list("status", flat=True)) == {"failed"}, timeout=60)
        spans = [end - start for start, end in hanging.spans if end is not None]
        FIGURES.warning(
            f"(b) others' worst latency: {normal_worst:.2f} s normal, {during_worst:.2f} s with a hanging endpoint "
            f"(median {statistics.median(_latencies(healthy, during)):.2f} s); hanging connections held "
            f"{max(spans):.2f} s at most (deadline 2 s), {hanging.most_open_at_once()} at once (limit 2)"
        )
        assert during_worst <= normal_worst + 1.0
        assert len(spans) == len(hanging.spans) == 12
        assert max(spans) <= 2.5
        assert hanging.most_open_at_once() <= 2
    finally:
        hanging.close()
        healthy.close()


# --- (c) backlog after the broker was down -----------------------------------------------------------


def test_a_backlog_written_while_the_broker_was_down_is_sent_within_60_seconds_of_its_return(
    workers, own_redis, settings, caplog
):
    backlog = 1000
    with tasks_not_queued():
        request = submit(make_parties())
    email = Notification.objects.get(request=request, channel=NotificationChannel.EMAIL, template="request_submitted")
    Notification.objects.filter(request=request).delete()
    workers.start("celery", pool="prefork", concurrency=4)

    own_redis.stop()
    ids = _clones(email, backlog)
    started = time.monotonic()
    assert tasks.enqueue_delivery(ids, webhook_ids=set()) is False  # the broker is down: logged, marked
    assert time.monotonic() - started < settings.RESHIP_BROKER_TIMEOUT_SECONDS + 3
    assert _statuses(ids) == {NotificationStatus.PENDING: backlog}

    own_redis.start()
    broker_set(celery_app, own_redis.url)
    back = time.monotonic()
    # Beat, every RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS (10): the sweeper runs on the worker.
    next_beat = back
    while _statuses(ids).get(NotificationStatus.SENT, 0) < backlog and time.monotonic() - back < 75:
        if time.monotonic() >= next_beat:
            tasks.sweep_notifications.apply_async()
            next_beat += settings.RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS
        time.sleep(0.5)
    drained = time.monotonic() - back

    sends = sorted(entry["at"] for entry in sink_read(workers.sink) if entry["event"] == "sent")
    first_send = sends[0] - (time.time() - time.monotonic() + back) if sends else float("nan")
    longest_idle = max((later - earlier for earlier, later in zip(sends, sends[1:], strict=False)), default=0.0)
    FIGURES.warning(
        f"(c) {backlog} rows written while the broker was down, all sent {drained:.1f} s after it returned "
        f"(first send after {first_send:.1f} s, longest pause between two sends {longest_idle:.2f} s)"
    )
    assert _statuses(ids) == {NotificationStatus.SENT: backlog}, workers.logs()
    assert drained <= 60
    # At the workers' own speed: the first sweep queued everything, they never waited for another.
    assert first_send <= settings.RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS
    assert longest_idle <= 3
    sent = Counter(entry["id"] for entry in sink_read(workers.sink) if entry["event"] == "sent")
    assert set(sent) == set(ids)
