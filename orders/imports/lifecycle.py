"""How an import job's progress and failure are written, for order imports and tracking imports
alike: one UPDATE each, so the page polling the job sees them at once and no worker's copy of the
row overwrites another's. Starting and finishing differ by kind (``orders.imports.run``,
``reship.services.tracking_import``); what "lost its worker" means does not.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.choices import ImportKind, ImportStatus
from orders.models import ImportJob

logger = logging.getLogger(__name__)

# A running job whose progress has not moved for this long lost its worker (Celery delivered the
# task again after the worker died): a live run writes progress every batch, within seconds.
STALE_AFTER = timedelta(minutes=10)


def import_job_lost(job: ImportJob, *, now: datetime) -> bool:
    return job.status == ImportStatus.RUNNING and (job.progress_at is None or now - job.progress_at >= STALE_AFTER)


def import_job_lost_message(kind: str) -> str:
    """What the user reads on a job that lost its worker, in the active language."""
    if kind == ImportKind.TRACKING:
        # Not started over: its shipped rows would come back refused as already shipped.
        return _(
            "The import stopped half-way. The lines shipped so far stay shipped: see “To ship” for the others "
            "and upload them again."
        )
    return _(
        "The import stopped half-way (its worker stopped). The orders written so far are whole; import the file "
        "again to finish."
    )


def import_job_out_of_time_message(kind: str) -> str:
    """What the user reads on a job stopped at the worker's time limit (``RESHIP_IMPORT_TIME_LIMIT_SECONDS``)."""
    minutes = {"minutes": settings.RESHIP_IMPORT_TIME_LIMIT_SECONDS // 60}
    if kind == ImportKind.TRACKING:
        return (
            _(
                "The import took longer than %(minutes)s minutes and was stopped. The lines shipped so far stay "
                "shipped: see “To ship” for the others and upload them again."
            )
            % minutes
        )
    return (
        _(
            "The import took longer than %(minutes)s minutes and was stopped. The orders written so far are "
            "whole; split the file into smaller ones and import them."
        )
        % minutes
    )


def import_job_killed(job_id: int) -> bool:
    """The worker's hard time limit killed the run (Celery calls the task's ``on_failure`` in the
    worker's main process, then acknowledges the task: it is not delivered again). The job ends
    FAILED with the out-of-time message in the uploader's language instead of staying RUNNING."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING).only("pk", "kind", "language").first()
    if job is None:
        return False
    with translation.override(job.language or None):
        message = import_job_out_of_time_message(job.kind)
    return import_job_fail(job.pk, message=message, only_from=ImportStatus.RUNNING)


def import_jobs_fail_lost(*, now: datetime, job_id: int | None = None) -> int:
    """End FAILED, with ``import_job_lost_message`` in the uploader's language, every job that lost its
    worker (or only ``job_id``): a worker killed by the hard time limit, by the OOM killer or with its
    database connection leaves its job RUNNING, and Celery does not deliver the task again. Run by
    the sweeper and when the user looks at the job. How many it ended."""
    jobs = ImportJob.objects.filter(status=ImportStatus.RUNNING)
    if job_id is not None:
        jobs = jobs.filter(pk=job_id)
    ended = 0
    for job in jobs.only("pk", "kind", "status", "progress_at", "language"):
        if not import_job_lost(job, now=now):
            continue
        with translation.override(job.language or None):
            message = import_job_lost_message(job.kind)
        ended += import_job_fail(job.pk, message=message, only_from=ImportStatus.RUNNING, lost_before=now - STALE_AFTER)
    return ended


def import_job_progress(job_id: int, **counts: int) -> None:
    """The counts so far (``rows_done``, ``rows_refused``, … as the kind keeps them)."""
    ImportJob.objects.filter(pk=job_id).update(**counts, progress_at=timezone.now())


def import_job_fail(
    job_id: int, *, message: str, only_from: str | None = None, lost_before: datetime | None = None
) -> bool:
    """End the job FAILED with a message for the user; with ``only_from``, only if it is still in
    that status (another worker may have moved it meanwhile); with ``lost_before``, only if it made
    no progress since. True when this call ended it. A run whose database connection was killed
    gets here with that dead connection: it is replaced once, so the job does not stay RUNNING."""
    now = timezone.now()
    jobs = ImportJob.objects.filter(pk=job_id)
    if only_from is not None:
        jobs = jobs.filter(status=only_from)
    if lost_before is not None:
        jobs = jobs.exclude(progress_at__gt=lost_before)
    values = {"status": ImportStatus.FAILED, "error": message, "finished_at": now, "progress_at": now}
    try:
        return bool(jobs.update(**values))
    except (OperationalError, InterfaceError):
        if connection.in_atomic_block:
            raise
        logger.warning("Import job %s: database connection lost, reconnecting to end it failed", job_id)
        connection.close()
        return bool(jobs.update(**values))


def import_job_queue(task: Any, job_id: int) -> None:
    """Hand a queued job to a worker (run after commit). A broker that does not answer fails the
    job with a message (nothing was imported) instead of raising into the page that committed it —
    a 500 while Redis is down — or leaving the job queued for ever. The time it was handed over is
    kept (``progress_at``): ``import_jobs_requeue_lost`` hands it over again if no worker took it."""
    ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(progress_at=timezone.now())
    try:
        task.apply_async((job_id,), retry=False)
    except Exception:
        logger.warning("Could not queue import job %s", job_id, exc_info=True)
        import_job_fail(
            job_id,
            message=_(
                "The import could not be handed to a worker (the task queue did not answer). Nothing was "
                "imported; upload the file again in a moment."
            ),
            only_from=ImportStatus.QUEUED,
        )


def import_jobs_requeue_lost(*, now: datetime, tasks: Mapping[str, Any]) -> int:
    """Hand again to a worker (``tasks``: the task of each kind) every job still QUEUED
    ``STALE_AFTER`` after it was handed over: its message was lost with the broker's data (a Redis
    restarted without its queue) or dropped, and nothing else would ever start it. Safe if the
    message was only slow: a job runs once, whichever message a worker takes first. How many."""
    lost = ImportJob.objects.filter(status=ImportStatus.QUEUED).filter(
        Q(progress_at__lte=now - STALE_AFTER) | Q(progress_at__isnull=True, created_at__lte=now - STALE_AFTER)
    )
    requeued = 0
    for job_id, kind in lost.values_list("pk", "kind"):
        logger.warning("Import job %s was queued %s ago and no worker took it: queueing it again", job_id, STALE_AFTER)
        import_job_queue(tasks[kind], job_id)
        requeued += 1
    return requeued
