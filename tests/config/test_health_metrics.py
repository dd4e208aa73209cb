"""/healthz, /readyz and /metrics (issue 20, item 3): liveness touches nothing; readiness names each
check and fails (503) while Redis is down or a migration is unapplied, and recovers; /metrics answers
only allowed addresses or the token, and shows the requests' and Reship's own figures."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from orders.choices import ImportKind, ImportStatus
from orders.models import ImportJob
from reship.config import health
from reship.models import Notification
from tests.celery_support import wait_until
from tests.conftest import skip_or_fail
from tests.live_support import free_port

TOKEN = "scrape-token-for-the-tests"


@pytest.fixture(autouse=True)
def _fresh_checks(settings):
    settings.RESHIP_METRICS_ALLOWED_IPS = ["127.0.0.1", "::1"]
    settings.RESHIP_METRICS_TOKEN = TOKEN
    health.clear_cache()
    yield
    health.clear_cache()


def test_healthz_answers_without_touching_the_database_or_the_host_check(client):
    # No django_db mark: a query would raise. The host is not in ALLOWED_HOSTS (a node's own address).
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_readyz_names_each_check(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/readyz", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "redis": "skipped", "storage": "ok"},
    }


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_unapplied(client, settings, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr(
        "reship.config.health.MigrationExecutor.migration_plan",
        lambda self, targets: [("reship.9999_not_applied", False)],
    )

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "failed"
    assert response.json()["status"] == "failed"


@pytest.mark.django_db
def test_readyz_is_503_when_the_storage_does_not_answer(client, settings, monkeypatch):
    settings.REDIS_URL = ""

    def unreachable(name):
        raise OSError("the store does not answer")

    monkeypatch.setattr(health.default_storage, "exists", unreachable)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "skipped", "storage": "failed"}


# --- A Redis of the test's own, stopped and started again (as tests/faults start theirs) ---------------


class OwnRedis:
    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
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
        skip_or_fail("needs redis-server on PATH: this test starts and stops its own")
    server = OwnRedis(port=free_port(), log=tmp_path / "redis.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.django_db
def test_readyz_fails_while_redis_is_stopped_and_recovers_when_it_is_back(client, settings, own_redis):
    settings.REDIS_URL = own_redis.url

    assert client.get("/readyz").status_code == 200

    own_redis.stop()
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json() == {
        "status": "failed",
        "checks": {"database": "ok", "migrations": "ok", "redis": "failed", "storage": "ok"},
    }

    own_redis.start()
    back = client.get("/readyz")
    assert back.status_code == 200
    assert back.json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_metrics_counts_the_celery_queues_in_the_broker(client, settings, own_redis):
    settings.CELERY_BROKER_URL = own_redis.url
    broker = redis.Redis.from_url(own_redis.url)
    broker.lpush("celery", "a", "b")
    broker.lpush("celery\x06\x163", "c")  # kombu's list for priority 3
    broker.lpush(settings.RESHIP_WEBHOOK_QUEUE, "d")

    page = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

    assert 'reship_celery_queue_length{queue="celery"} 3.0' in page
    assert f'reship_celery_queue_length{{queue="{settings.RESHIP_WEBHOOK_QUEUE}"}} 1.0' in page
    assert 'reship_metrics_source_errors{source="redis"} 0.0' in page

    own_redis.stop()
    page = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "reship_celery_queue_length{" not in page
    assert 'reship_metrics_source_errors{source="redis"} 1.0' in page


# --- /metrics --------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"REMOTE_ADDR": "203.0.113.9"},
        {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": "Bearer not-the-token"},
        {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": TOKEN},
        # Through a proxy on this machine: the peer is loopback, the caller is whoever is outside.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
    ],
)
def test_metrics_is_a_404_for_anyone_else(client, headers):
    response = client.get("/metrics", **headers)

    assert response.status_code == 404
    assert b"reship_" not in response.content


@pytest.mark.django_db
def test_metrics_answers_the_token_from_anywhere_and_an_allowed_network(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    settings.RESHIP_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.2.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def _value(page: str, sample: str) -> float:
    match = re.search(rf"^{re.escape(sample)} (\S+)$", page, re.MULTILINE)
    assert match, f"{sample} is not on the page"
    return float(match.group(1))


@pytest.mark.django_db
def test_metrics_shows_the_requests_queries_notifications_and_imports(client, settings, partner_user):
    settings.CELERY_BROKER_URL = "memory://"
    now = timezone.now()
    Notification.objects.create(template="t", channel="email", language="en", created_at=now - timedelta(minutes=5))
    Notification.objects.create(
        template="t", channel="email", language="en", attempts=2, created_at=now - timedelta(minutes=1)
    )
    Notification.objects.create(template="t", channel="sms", language="en", status="failed", attempts=6)
    Notification.objects.create(template="t", channel="inbox", language="en", status="sent", sent_at=now)
    Notification.objects.create(
        template="t", channel="inbox", language="en", status="sent", sent_at=now - timedelta(hours=2)
    )
    ImportJob.objects.create(
        kind=ImportKind.TRACKING,
        partner=partner_user.partner_membership.partner,
        original_filename="tracking.csv",
        status=ImportStatus.RUNNING,
    )
    latency = 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="login"}'
    before = client.get("/metrics").content.decode()
    counted_before = _value(before, latency) if latency in before else 0.0

    assert client.get("/login/").status_code == 200
    page = client.get("/metrics").content.decode()

    assert client.get("/metrics").status_code == 200
    assert _value(page, 'reship_notifications{channel="email",status="pending"}') == 2
    assert _value(page, 'reship_notifications{channel="sms",status="failed"}') == 1
    assert 'reship_notifications{channel="inbox"' not in page  # delivered rows are not counted there
    assert _value(page, 'reship_notifications_retrying{channel="email"}') == 1
    assert 295 <= _value(page, "reship_notification_oldest_pending_age_seconds") < 400
    assert _value(page, 'reship_notification_deliveries_recent{channel="inbox"}') == 1
    assert _value(page, 'reship_import_jobs{status="running"}') == 1
    assert _value(page, 'reship_import_jobs{status="queued"}') == 0
    assert _value(page, 'reship_metrics_source_errors{source="database"}') == 0
    assert _value(page, latency) == counted_before + 1  # the scrapes themselves are not counted
    responses = 'django_http_responses_total_by_status_view_method_total{method="GET",status="200",view="login"}'
    assert _value(page, responses) >= 1
    assert re.search(r'^django_db_execute_total\{alias="default",vendor="\w+"\} [1-9]', page, re.MULTILINE)


@pytest.fixture
def embedded_celery() -> Iterator[None]:
    """Deliveries in-process as each change commits, as under ``make run``, whatever broker the suite has."""
    from reship.config.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.mark.django_db(transaction=True)
def test_metrics_after_the_story_command_count_what_it_delivered(client, settings, embedded_celery):
    """The done-when of issue 20: ``manage.py run_reship_story`` (four requests, submission to close,
    delivered in-process), then a scrape shows its deliveries per channel, nothing left pending, and
    the pages asked meanwhile by view."""
    from django.core.management import call_command

    settings.CELERY_BROKER_URL = "memory://"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with open(os.devnull, "w") as quiet:
        call_command("run_reship_story", stdout=quiet)
    assert client.get("/login/").status_code == 200

    page = client.get("/metrics").content.decode()

    sent = {
        channel: Notification.objects.filter(status="sent", channel=channel).count() for channel in ("email", "inbox")
    }
    assert sent["email"] > 0  # the story wrote and delivered both
    assert sent["inbox"] > 0
    assert _value(page, 'reship_notification_deliveries_recent{channel="email"}') == sent["email"]
    assert _value(page, 'reship_notification_deliveries_recent{channel="inbox"}') == sent["inbox"]
    assert 'status="pending"' not in page  # nothing left to send
    assert _value(page, "reship_notification_oldest_pending_age_seconds") == 0
    assert _value(page, 'django_http_requests_latency_seconds_by_view_method_count{method="GET",view="login"}') >= 1
