"""Celery entry points of the order import: thin, load by id, call a function, safe to run twice."""

from typing import Any

from billiard.einfo import ExceptionInfo
from celery import Task, shared_task, signature
from celery.exceptions import TimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from orders.choices import ImportKind
from orders.imports.lifecycle import import_job_killed, import_jobs_fail_lost, import_jobs_requeue_lost
from orders.imports.run import import_run


class ImportJobTask(Task):
    """A task whose first argument is an import job's id, with the limits every import runs under:
    the soft one ends the job failed with a message (the run's own handler), the hard one kills a
    child that ignored it, a minute later. Killed so, the run could not end its job: Celery then
    calls ``on_failure`` in the worker's main process, which ends it FAILED with the out-of-time
    message (the task is not delivered again)."""

    acks_late = True
    reject_on_worker_lost = True
    soft_time_limit = settings.RESHIP_IMPORT_TIME_LIMIT_SECONDS
    time_limit = settings.RESHIP_IMPORT_TIME_LIMIT_SECONDS + 60

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: ExceptionInfo) -> None:
        if isinstance(exc, TimeLimitExceeded) and args:
            import_job_killed(int(args[0]))
        super().on_failure(exc, task_id, args, kwargs, einfo)


@shared_task(name="orders.import_run", base=ImportJobTask)
def order_import_run(job_id: int) -> str:
    """Run a confirmed order import. A job already done (or failed) is left alone; a job still
    running under a live worker too; one whose worker died is started over (``_claim`` says how)."""
    job = import_run(job_id=job_id)
    return job.status if job is not None else "skipped"


@shared_task(name="orders.sweep_import_jobs")
def sweep_import_jobs() -> int:
    """Beat: end FAILED the order and tracking imports that lost their worker (``import_jobs_fail_lost``)
    and queue again those whose message no worker took (``import_jobs_requeue_lost``)."""
    now = timezone.now()
    # The tracking import's task lives above this layer (reship.services.tasks): sent by its name.
    tasks: dict[str, Any] = {
        ImportKind.ORDERS: order_import_run,
        ImportKind.TRACKING: signature("reship.run_tracking_import"),
    }
    return import_jobs_fail_lost(now=now) + import_jobs_requeue_lost(now=now, tasks=tasks)
