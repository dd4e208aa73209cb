"""An import whose worker was killed ends FAILED with a message, never RUNNING for ever (issue 14,
faults): killed at the hard time limit, dead (OOM, SIGKILL, a lost machine) or cut off from the
database mid-run. Celery does not deliver such a task again (it acknowledges a task killed at the
hard limit, and a run that raised), so the job is ended by the worker's own failure hook, by the
sweeper, or as soon as its uploader looks at it."""

from __future__ import annotations

from datetime import timedelta

import psycopg2
import pytest
from celery.exceptions import TimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders.choices import ImportKind, ImportStatus
from orders.imports import jobs, run
from orders.imports.tasks import order_import_run, sweep_import_jobs
from orders.models import ImportJob, Order
from reship.services.tasks import run_tracking_import
from tests.factories import PartnerMembershipFactory

HEADER = "订单编号,下单时间,收货人,手机,收货地址,商品编码,数量,单价,代发方"

ORDER_LOST = (
    "The import stopped half-way (its worker stopped). The orders written so far are whole; import the file again "
    "to finish."
)
ORDER_OUT_OF_TIME = (
    "The import took longer than 30 minutes and was stopped. The orders written so far are whole; split the file "
    "into smaller ones and import them."
)
TRACKING_LOST_ZH = "导入中途停止。已发货的明细保持已发货：其余明细请在“待发货”中查看并重新上传。"


def queued_job(shop, *, orders: int = 5) -> ImportJob:
    rows = [
        f"TB{number},2026-11-20 14:03,张三,13800138000,上海市浦东新区,SKU-A,1,9.9,顺丰代发" for number in range(orders)
    ]
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    job = jobs.order_import_upload(actor=shop.user, file=SimpleUploadedFile("orders.csv", data), platform="taobao")
    jobs.order_import_configure(
        actor=shop.user, job_id=job.pk, mapping=job.mapping, platform="taobao", partner_id=shop.partner.pk
    )
    jobs.order_import_start(actor=shop.user, job_id=job.pk)
    job.refresh_from_db()
    return job


def running(job: ImportJob, *, progress_minutes_ago: float) -> ImportJob:
    at = timezone.now() - timedelta(minutes=progress_minutes_ago)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, started_at=at, progress_at=at)
    job.refresh_from_db()
    return job


def tracking_job(*, language: str) -> ImportJob:
    partner_user = PartnerMembershipFactory(user__language=language).user
    at = timezone.now() - timedelta(minutes=11)
    return ImportJob.objects.create(
        kind=ImportKind.TRACKING,
        partner=partner_user.partner_membership.partner,
        created_by=partner_user,
        original_filename="tracking.csv",
        language=language,
        status=ImportStatus.RUNNING,
        started_at=at,
        progress_at=at,
    )


@pytest.mark.django_db
def test_an_import_killed_at_the_hard_time_limit_ends_failed_with_the_out_of_time_message(shop, settings):
    settings.RESHIP_IMPORT_INLINE_ROWS = 0
    job = running(queued_job(shop), progress_minutes_ago=0)
    tracking = tracking_job(language="en")

    # What Celery's worker does when the hard limit kills the pool child: the task's on_failure,
    # in the main process, with TimeLimitExceeded; then it acknowledges the task (never run again).
    for task, job_id in ((order_import_run, job.pk), (run_tracking_import, tracking.pk)):
        try:
            raise TimeLimitExceeded(31 * 60)
        except TimeLimitExceeded as exc:
            task.on_failure(exc, "task-id", (job_id,), {}, None)

    job.refresh_from_db()
    tracking.refresh_from_db()
    assert (job.status, job.error) == (ImportStatus.FAILED, ORDER_OUT_OF_TIME)
    assert job.finished_at is not None
    assert tracking.status == ImportStatus.FAILED
    assert tracking.error == (
        "The import took longer than 30 minutes and was stopped. The lines shipped so far stay shipped: see “To "
        "ship” for the others and upload them again."
    )


@pytest.mark.django_db
def test_the_sweeper_ends_failed_each_import_whose_worker_died_in_its_uploaders_language(shop, settings):
    settings.RESHIP_IMPORT_INLINE_ROWS = 0
    lost = running(queued_job(shop), progress_minutes_ago=11)
    alive = running(queued_job(shop), progress_minutes_ago=1)
    tracking = tracking_job(language="zh-hans")

    assert sweep_import_jobs() == 2

    for job in (lost, alive, tracking):
        job.refresh_from_db()
    assert (lost.status, lost.error) == (ImportStatus.FAILED, ORDER_LOST)
    assert lost.finished_at is not None
    assert (alive.status, alive.error) == (ImportStatus.RUNNING, "")
    assert (tracking.status, tracking.error) == (ImportStatus.FAILED, TRACKING_LOST_ZH)
    assert sweep_import_jobs() == 0


@pytest.mark.django_db
def test_the_progress_page_of_an_import_whose_worker_died_says_it_stopped(client, shop, settings):
    settings.RESHIP_IMPORT_INLINE_ROWS = 0
    job = running(queued_job(shop), progress_minutes_ago=11)
    client.force_login(shop.user)

    response = client.get(reverse("orders:import-progress", args=[job.pk]))

    assert response.status_code == 200
    assert "The import stopped half-way (its worker stopped)." in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def kill_own_connection() -> None:
    """What an operator's pg_terminate_backend, a failover or a dropped socket does to this process."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    settings_dict = connection.settings_dict
    other = psycopg2.connect(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"],
        dbname=settings_dict["NAME"],
    )
    other.autocommit = True
    try:
        with other.cursor() as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("where", "orders_whole"), [("write_batch", 1000), ("import_job_progress", 2000)])
def test_a_run_whose_database_connection_is_killed_ends_failed_not_running(
    shop, settings, monkeypatch, where, orders_whole
):
    """Killed inside the second batch's transaction, or between batches as the progress is written."""
    settings.RESHIP_IMPORT_INLINE_ROWS = 0
    monkeypatch.setattr(jobs, "import_job_queue", lambda task, job_id: None)  # run below, not on commit
    job = queued_job(shop, orders=2500)
    real = getattr(run, where)
    calls = []

    def killing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            kill_own_connection()
        return real(*args, **kwargs)

    monkeypatch.setattr(run, where, killing)

    assert order_import_run(job.pk) == ImportStatus.FAILED

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.error == (
        "The import stopped on an unexpected error. The orders written so far are whole; import the file again to "
        "finish."
    )
    assert job.finished_at is not None
    assert Order.objects.count() == orders_whole  # whole batches only


@pytest.mark.django_db
def test_an_import_whose_queued_message_was_lost_is_queued_again_by_the_sweeper(shop, settings, monkeypatch):
    """Redis restarted without its data (or the message was dropped): the job stays QUEUED and no
    worker will ever take it. Ten minutes after it was handed over, the sweeper hands it over again."""
    settings.RESHIP_IMPORT_INLINE_ROWS = 0
    sent = []
    monkeypatch.setattr(jobs, "import_job_queue", lambda task, job_id: None)  # the message that was lost
    lost = queued_job(shop)
    waiting = queued_job(shop)
    monkeypatch.setattr(order_import_run, "apply_async", lambda args, **options: sent.append(args))
    now = timezone.now()
    ImportJob.objects.filter(pk=lost.pk).update(progress_at=now - timedelta(minutes=11))
    ImportJob.objects.filter(pk=waiting.pk).update(progress_at=now - timedelta(minutes=2))

    assert sweep_import_jobs() == 1

    assert sent == [(lost.pk,)]
    lost.refresh_from_db()
    assert lost.status == ImportStatus.QUEUED
    assert lost.progress_at > now  # handed over again just now: not again before ten more minutes
    assert sweep_import_jobs() == 0
    order_import_run(lost.pk)  # the worker that takes the message
    lost.refresh_from_db()
    assert (lost.status, lost.created_count) == (ImportStatus.DONE, 5)


@pytest.mark.django_db
def test_the_result_page_of_a_tracking_import_whose_worker_died_says_it_stopped(client):
    job = tracking_job(language="en")
    client.force_login(job.created_by)

    response = client.get(reverse("partner:tracking-import-result", args=[job.pk]))

    assert response.status_code == 200
    assert "The import stopped half-way. The lines shipped so far stay shipped" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
