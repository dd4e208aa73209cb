"""An order import killed by Celery's hard time limit ends FAILED with its message (issue 14,
faults), with a real prefork worker, its own redis-server and PostgreSQL: the pool kills the child
mid-run and acknowledges the task, so nothing but the worker's failure hook can end the job —
before, it stayed RUNNING for ever."""

from __future__ import annotations

import time

import psycopg2
import pytest
from django.db import connection

from orders.choices import ImportStatus
from orders.imports import jobs
from orders.imports.tasks import order_import_run
from orders.models import ImportJob, Order
from reship.config.celery import app as celery_app
from tests.celery_support import celery_publishing_to, wait_until, worker_environment, worker_start
from tests.faults.test_delivery_faults import own_redis  # noqa: F401 - the fixture
from tests.live_support import database_url
from tests.orders.conftest import shop  # noqa: F401 - the fixture, used by name
from tests.orders.test_import_job_lost import ORDER_OUT_OF_TIME, queued_job

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_an_import_killed_by_the_hard_time_limit_ends_failed_with_its_message(
    own_redis,  # noqa: F811
    shop,  # noqa: F811
    settings,
    tmp_path,
    monkeypatch,
):
    settings.RESHIP_IMPORT_INLINE_ROWS = 0
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(jobs, "import_job_queue", lambda task, job_id: None)  # published below, to the worker
    job = queued_job(shop)
    env = worker_environment(
        database_url=database_url(connection.settings_dict), broker_url=own_redis.url, sink=tmp_path / "sink.jsonl"
    )
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    worker = worker_start(queue="imports", env=env, log_dir=tmp_path, pool="prefork", concurrency=1)
    # A run that never ends (a stuck query, a C extension ignoring the soft limit's signal): the
    # orders table is locked, so the worker's first batch waits on it until the hard limit kills it.
    settings_dict = connection.settings_dict
    locker = psycopg2.connect(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
    )
    try:
        with locker.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Order._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with celery_publishing_to(celery_app, broker_url=own_redis.url, queue="imports"):
            # This call's limits: 1 s and 3 s instead of 30 and 31 minutes. The soft limit's signal
            # waits for the lock like the run does; the pool kills the child at the hard one.
            order_import_run.apply_async((job.pk,), soft_time_limit=1, time_limit=3)
        assert wait_until(
            lambda: ImportJob.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).exists(), timeout=30
        ), worker.log()[-3000:]
        ended = wait_until(lambda: ImportJob.objects.filter(pk=job.pk, status=ImportStatus.FAILED).exists(), timeout=30)
        elapsed = time.monotonic() - started
    finally:
        locker.rollback()
        locker.close()
        worker.stop()

    job.refresh_from_db()
    assert ended, f"still {job.status} after 30 s:\n{worker.log()[-3000:]}"
    assert "Hard time limit (3" in worker.log()
    assert job.error == ORDER_OUT_OF_TIME
    assert job.finished_at is not None
    assert elapsed < 20
    assert Order.objects.count() == 0
