"""How an import job's progress and failure are written, for order imports and tracking imports
alike: one UPDATE each, so the page polling the job sees them at once and no worker's copy of the
row overwrites another's. Starting and finishing differ by kind (``orders.imports.run``,
``reship.services.tracking_import``); what "lost its worker" means does not.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from orders.choices import ImportStatus
from orders.models import ImportJob

logger = logging.getLogger(__name__)

# A running job whose progress has not moved for this long lost its worker (Celery delivered the
# task again after the worker died): a live run writes progress every batch, within seconds.
STALE_AFTER = timedelta(minutes=10)


def import_job_lost(job: ImportJob, *, now: datetime) -> bool:
    return job.status == ImportStatus.RUNNING and (job.progress_at is None or now - job.progress_at >= STALE_AFTER)


def import_job_progress(job_id: int, **counts: int) -> None:
    """The counts so far (``rows_done``, ``rows_refused``, … as the kind keeps them)."""
    ImportJob.objects.filter(pk=job_id).update(**counts, progress_at=timezone.now())


def import_job_fail(job_id: int, *, message: str, only_from: str | None = None) -> bool:
    """End the job FAILED with a message for the user; with ``only_from``, only if it is still in
    that status (another worker may have moved it meanwhile). True when this call ended it."""
    now = timezone.now()
    jobs = ImportJob.objects.filter(pk=job_id)
    if only_from is not None:
        jobs = jobs.filter(status=only_from)
    return bool(jobs.update(status=ImportStatus.FAILED, error=message, finished_at=now, progress_at=now))


def import_job_queue(task: Any, job_id: int) -> None:
    """Hand a queued job to a worker (run after commit). A broker that does not answer fails the
    job with a message (nothing was imported) instead of raising into the page that committed it —
    a 500 while Redis is down — or leaving the job queued for ever."""
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
