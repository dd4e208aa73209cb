"""Redis stopped under load: a live server (gunicorn, no eager Celery) on its own Redis, driven by a
seller and a partner in the browser, a login every few seconds and API calls with a key, while
that Redis is stopped for RESHIP_FAULT_REDIS_DOWN_SECONDS (default 60) and started again.

Nothing answers 5xx, every kind of call is answered during the outage, and the requests submitted
meanwhile keep their notifications pending in the outbox (none lost, none failed): the sweeper
sends them once the broker is back (how fast is tests/faults' backlog test, not this one).

Needs PostgreSQL (the server process shares the test database) and the redis-server binary.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests
from django.db import connection

from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification, ReshipRequest
from reship.services.api_keys import api_key_create
from tests.conftest import skip_or_fail
from tests.factories import (
    DEFAULT_PASSWORD,
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    SellerMembershipFactory,
    UserFactory,
)
from tests.live_support import clean_environment, database_url, free_port, gunicorn_serve

logger = logging.getLogger(__name__)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DOWN_SECONDS = float(os.environ.get("RESHIP_FAULT_REDIS_DOWN_SECONDS", "60"))
BEFORE_SECONDS = 4.0
AFTER_SECONDS = 8.0  # past the cache's 5 s fallback, so calls reach the restarted Redis too
ORDERS = 80  # one per submitted request (about one every 2-3 s); submissions stop if they run out


def _wait_for_port(port: int, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


class OwnRedis:
    """A redis-server of this test's own, on a free port, stopped and started at will."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, 10, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@dataclass
class Log:
    """Every answer: (phase, what, status); phases are before, down, after."""

    phase: list[str] = field(default_factory=lambda: ["before"])
    answers: list[tuple[str, str, int]] = field(default_factory=list)
    slowest: dict[str, float] = field(default_factory=dict)
    submitted_while_down: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, response: requests.Response) -> str:
        with self.lock:
            phase = self.phase[0]
            self.answers.append((phase, what, response.status_code))
            seconds = response.elapsed.total_seconds()
            self.slowest[phase] = max(self.slowest.get(phase, 0.0), seconds)
            return phase


def _token(body: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert match, "no CSRF token on the login page"
    return match.group(1)


def _sign_in(base: str, username: str, log: Log) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=30)
    log.record("GET /login/", page)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": _token(page.text)},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
        timeout=30,
    )
    log.record("POST /login/", response)
    assert response.status_code == 302, f"sign-in as {username} answered {response.status_code}"
    return session


def _browse(base: str, username: str, paths: list[str], log: Log, stop: threading.Event) -> None:
    session = _sign_in(base, username, log)
    while not stop.is_set():
        for path in paths:
            response = session.get(f"{base}{path}", allow_redirects=False, timeout=30)
            log.record(f"GET {path}", response)
            time.sleep(0.05)


def _keep_signing_in(base: str, username: str, log: Log, stop: threading.Event) -> None:
    while not stop.is_set():
        session = _sign_in(base, username, log)
        home = session.get(f"{base}/seller/", allow_redirects=False, timeout=30)
        log.record("GET /seller/ after sign-in", home)
        stop.wait(3)


def _call_api(base: str, raw_key: str, log: Log, stop: threading.Event) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Api-Key {raw_key}"
    while not stop.is_set():
        for path in ("/api/v1/me/", "/api/v1/requests/", "/api/v1/orders/", "/api/v1/evaluation/"):
            response = session.get(f"{base}{path}", timeout=30)
            log.record(f"GET {path}", response)
            time.sleep(0.05)


def _submit_requests(base: str, raw_key: str, order_lines: list[tuple[int, int]], log: Log, stop: threading.Event):
    session = requests.Session()
    session.headers["Authorization"] = f"Api-Key {raw_key}"
    for order_id, order_line_id in order_lines:
        if stop.is_set():
            return
        body = {
            "order": order_id,
            "reason": "lost_in_transit",
            "description": "Tracking stopped a week ago.",
            "lines": [{"order_line": order_line_id, "quantity": 1, "resolution": "resend"}],
        }
        response = session.post(f"{base}/api/v1/requests/", json=body, timeout=30)
        phase = log.record("POST /api/v1/requests/", response)
        if response.status_code == 201 and phase == "down":
            with log.lock:
                log.submitted_while_down.append(response.json()["id"])
        stop.wait(0.5)


@pytest.fixture
def own_redis():
    binary = shutil.which("redis-server")
    if binary is None:
        skip_or_fail("needs the redis-server binary (Debian's redis-server package)")
    redis = OwnRedis(binary)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def live_server_on(own_redis, tmp_path):
    """gunicorn serving the app on the test database and this test's Redis (broker and cache)."""
    environment = clean_environment(
        DATABASE_URL=database_url(connection.settings_dict), REDIS_URL=own_redis.url, LANGUAGE_CODE="en"
    )
    log_path = tmp_path / "gunicorn.log"
    with gunicorn_serve(environment, log_path=log_path, workers=2, threads=4, timeout=60) as server:
        yield server.url
    errors = log_path.read_text(errors="replace")
    # Django logs every 5xx it answers; queueing warnings (the broker is down) are expected.
    assert "Internal Server Error" not in errors, errors[-4000:]


def test_pages_and_api_answer_while_redis_is_stopped_and_notifications_wait(own_redis, live_server_on, settings):
    base = live_server_on
    # The server checks passwords with the real hashers; the suite's fast MD5 one is not among them.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    seller = UserFactory(username="seller-outage")
    seller_membership = SellerMembershipFactory(user=seller)
    partner_membership = PartnerMembershipFactory(user=UserFactory(username="partner-outage"))
    _key, raw_key = api_key_create(actor=seller, name="erp")
    order_lines = []
    for _ in range(ORDERS):
        order = OrderFactory(seller=seller_membership.seller, partner=partner_membership.partner)
        order_lines.append((order.pk, OrderLineFactory(order=order, quantity=1).pk))

    log = Log()
    stop = threading.Event()
    jobs = [
        (_browse, (base, "seller-outage", ["/seller/", "/requests/", "/dashboard/", "/account/profile/"], log, stop)),
        (_browse, (base, "partner-outage", ["/partner/", "/partner/queue/"], log, stop)),
        (_keep_signing_in, (base, "seller-outage", log, stop)),
        (_call_api, (base, raw_key, log, stop)),
        (_submit_requests, (base, raw_key, order_lines, log, stop)),
    ]
    failures: list[BaseException] = []

    def guarded(target, args) -> None:
        try:
            target(*args)
        except BaseException as error:  # a client that stopped is reported with the rest below
            failures.append((target.__name__, error))

    workers = [threading.Thread(target=guarded, args=job, daemon=True) for job in jobs]
    started = time.monotonic()
    for each in workers:
        each.start()
    time.sleep(BEFORE_SECONDS)
    own_redis.stop()
    with log.lock:
        log.phase[0] = "down"
    time.sleep(DOWN_SECONDS)
    own_redis.start()
    with log.lock:
        log.phase[0] = "after"
    time.sleep(AFTER_SECONDS)
    stop.set()
    for each in workers:
        each.join(timeout=60)
    wall = time.monotonic() - started

    assert not failures, failures
    by_status = Counter((phase, status) for phase, _what, status in log.answers)
    server_errors = [(phase, what, status) for phase, what, status in log.answers if status >= 500]
    logger.warning(
        "Redis down %.0f s, wall %.0f s; answers by phase and status: %s; slowest answer by phase (s): %s",
        DOWN_SECONDS,
        wall,
        dict(by_status),
        log.slowest,
    )
    assert server_errors == []
    # Every kind of call was answered, with success, while Redis was down.
    answered_while_down = {what for phase, what, status in log.answers if phase == "down" and status in (200, 201, 302)}
    for what in (
        "GET /seller/",
        "GET /dashboard/",
        "GET /partner/",
        "POST /login/",
        "GET /api/v1/me/",
        "GET /api/v1/evaluation/",
        "POST /api/v1/requests/",
    ):
        assert what in answered_while_down, f"{what} was never answered while Redis was down"
    # The requests submitted meanwhile have their notifications, all waiting in the outbox.
    assert log.submitted_while_down
    submitted = ReshipRequest.objects.filter(pk__in=log.submitted_while_down)
    assert submitted.count() == len(log.submitted_while_down)
    rows = Notification.objects.filter(request__in=submitted)
    assert {request.pk for request in submitted} == set(rows.values_list("request_id", flat=True))
    # (Inbox rows are written sent, with the change: they wait for no broker.)
    assert set(rows.exclude(channel=NotificationChannel.INBOX).values_list("status", flat=True)) == {
        NotificationStatus.PENDING
    }
    assert not Notification.objects.filter(status=NotificationStatus.FAILED).exists()
