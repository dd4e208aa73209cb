"""The beat schedule run in-process (reship.core.periodic, ``manage.py run_periodic``): what ``make run``
does instead of ``celery beat`` and a worker, so a failed delivery is retried and ends failed."""

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from reship.choices import NotificationChannel, NotificationStatus
from reship.config.celery import app as celery_app
from reship.core.periodic import PeriodicRunner
from reship.models import Notification
from reship.notifications import tasks as notification_tasks
from tests.notifications.test_delivery import eager_celery  # noqa: F401  (the fixture, used below)
from tests.workflow_states import make_parties, submit

BASE_DIR = Path(__file__).resolve().parents[2]
# Tasks run in-process, as in the embedded setup, even when the suite runs with a broker.
pytestmark = pytest.mark.usefixtures("eager_celery")


class FakeClock:
    """The time every part sees (the runner's schedule, the sweeper, the delivery's backoff), moved
    on by the runner's sleeps instead of waiting them out."""

    def __init__(self):
        self.real = timezone.now
        self.catch_up()

    def catch_up(self):
        """A second ahead of the real clock, which the models' defaults (next_attempt_at) still read."""
        self.now = self.real().replace(microsecond=0) + timedelta(seconds=1)

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def task_modules():
    """Every task module imported before the test runs (as the runner would, but that sets Django's
    logging up again, which would unhook pytest's log capture if done inside the test)."""
    celery_app.loader.import_default_modules()


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(timezone, "now", fake)
    return fake


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db
def test_a_webhook_to_a_closed_port_is_retried_by_the_runner_with_backoff_then_fails(
    settings, clock, monkeypatch, django_capture_on_commit_callbacks
):
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = True
    settings.RESHIP_NOTIFY_RETRY_BASE_SECONDS = 30
    settings.RESHIP_NOTIFY_RETRY_CAP_SECONDS = 3600
    settings.RESHIP_NOTIFY_SWEEP_AFTER_SECONDS = 60
    settings.RESHIP_NOTIFY_MAX_ATTEMPTS = 3
    parties = make_parties()
    partner = parties.order.partner
    partner.webhook_url, partner.webhook_secret = f"http://127.0.0.1:{closed_port()}/hook", "whsec-test"
    partner.save(update_fields=["webhook_url", "webhook_secret"])
    clock.catch_up()  # the database's set-up may have taken a while
    start = clock.now
    # Submitting sends at once, in-process (eager), as a page does under `make run`: the first attempt fails.
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(parties)
    webhook = Notification.objects.get(request=request, channel=NotificationChannel.WEBHOOK)
    runner = PeriodicRunner(app=celery_app, beat_schedule=settings.CELERY_BEAT_SCHEDULE, clock=clock)
    history = [(0, 1, NotificationStatus.PENDING)]

    stop = threading.Event()
    for _ in range(60):  # five minutes of the fake clock, a tick every five seconds at most
        runner.run(stop=stop, ticks=2, sleep=clock.sleep)
        webhook.refresh_from_db()
        seen = (webhook.attempts, webhook.status)
        if seen != history[-1][1:]:
            history.append((int((clock.now - start).total_seconds()), *seen))

    # Attempt 1 at commit, due again 30 s later; the sweeper takes rows 60 s past due: attempt 2 at 90 s,
    # due 60 s later (the doubled delay); attempt 3 at 210 s is the last (RESHIP_NOTIFY_MAX_ATTEMPTS).
    assert [(attempts, status) for _, attempts, status in history] == [
        (1, NotificationStatus.PENDING),
        (2, NotificationStatus.PENDING),
        (3, NotificationStatus.FAILED),
    ]
    assert [seconds for seconds, _, _ in history] == [0, 90, 210]
    assert webhook.last_error.startswith("DeliveryError: The webhook did not answer")
    sweeper = next(job for job in runner.jobs if job.name == "reship-sweep-notifications")
    assert sweeper.failures == 0
    assert sweeper.runs >= 28


@pytest.mark.django_db
def test_every_job_of_the_schedule_runs_in_process_at_its_interval(settings, clock, caplog):
    runner = PeriodicRunner(app=celery_app, beat_schedule=settings.CELERY_BEAT_SCHEDULE, clock=clock)

    with caplog.at_level(logging.INFO, logger="reship.core.periodic"):
        runner.run(stop=threading.Event(), ticks=1, sleep=clock.sleep)  # nothing is due at the start, as in beat
        assert all(job.runs == 0 for job in runner.jobs)
        clock.sleep(3600)
        runner.run(stop=threading.Event(), ticks=1, sleep=clock.sleep)

    ran = {job.name: (job.runs, job.failures) for job in runner.jobs}
    assert ran == dict.fromkeys(settings.CELERY_BEAT_SCHEDULE, (1, 0))
    assert {
        "reship-sweep-notifications",
        "reship-check-deadlines",
        "orders-sweep-import-jobs",
        "reship-send-due-surveys",
        "reship-poll-tracking-provider",
        "reship-purge-idempotency-records",
        "reship-issue-due-statements",
    } <= set(ran)
    lines = [record.getMessage() for record in caplog.records if record.name == "reship.core.periodic"]
    assert len(lines) == len(ran)
    assert lines[0].startswith("Periodic job reship-sweep-notifications (reship.sweep_notifications) done: 0 in ")


@pytest.mark.django_db
def test_a_job_that_raises_is_logged_and_the_others_still_run(clock, monkeypatch, caplog):
    def broken_sweep(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(notification_tasks, "notifications_sweep", broken_sweep)
    schedule = {
        "sweep": {"task": "reship.sweep_notifications", "schedule": 10.0},
        "purge": {"task": "reship.purge_idempotency_records", "schedule": 10.0},
    }
    runner = PeriodicRunner(app=celery_app, beat_schedule=schedule, clock=clock)

    with caplog.at_level(logging.INFO, logger="reship.core.periodic"):
        runner.run(stop=threading.Event(), ticks=5, sleep=clock.sleep)

    assert [(job.name, job.runs, job.failures) for job in runner.jobs] == [("sweep", 2, 2), ("purge", 2, 0)]
    assert "Periodic job sweep (reship.sweep_notifications) failed: RuntimeError: database went away" in caplog.text


@pytest.mark.django_db
def test_a_crontab_entry_runs_at_its_time(clock, monkeypatch):
    from celery.schedules import crontab

    ran = []
    monkeypatch.setattr(notification_tasks, "notifications_sweep", lambda **kwargs: ran.append(clock.now) or 0)
    clock.now = clock.now.replace(minute=58, second=0)
    runner = PeriodicRunner(
        app=celery_app,
        beat_schedule={"hourly": {"task": "reship.sweep_notifications", "schedule": crontab(minute=0)}},
        clock=clock,
    )

    runner.run(stop=threading.Event(), ticks=100, sleep=clock.sleep)

    assert len(ran) == 1
    assert (ran[0].minute, ran[0].second) == (0, 0)


def test_a_schedule_naming_an_unknown_task_is_refused_at_start(clock):
    with pytest.raises(LookupError, match="reship.no_such_task"):
        PeriodicRunner(
            app=celery_app, beat_schedule={"x": {"task": "reship.no_such_task", "schedule": 5.0}}, clock=clock
        )


def test_the_command_refuses_to_run_beside_a_broker():
    conf = celery_app.conf
    before = conf.task_always_eager
    conf.task_always_eager = False
    try:
        with pytest.raises(CommandError, match="celery -A reship beat"):
            call_command("run_periodic", ticks=1)
    finally:
        conf.task_always_eager = before


def test_the_command_stops_cleanly_on_sigterm(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")
    }
    env["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")  # nothing falls due before the stop: never opened
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_periodic"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = ""
        while not first.startswith("Periodic jobs running"):
            first = process.stdout.readline()
            assert first, "run_periodic ended before it started its loop"
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=15)
    finally:
        process.kill()
    assert re.match(r"Periodic jobs running in-process \(\d+\): reship-sweep-notifications, ", first)
    assert process.returncode == 0
    assert "Periodic jobs stopped." in rest
