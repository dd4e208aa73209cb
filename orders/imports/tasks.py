"""Celery entry points of the order import: thin, load by id, call a function, safe to run twice."""

from celery import shared_task
from django.conf import settings

from orders.imports.run import import_run


# The soft limit ends the job failed with a message (``import_run``); the hard one kills a child
# that ignored it, a minute later.
@shared_task(
    name="orders.import_run",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.RESHIP_IMPORT_TIME_LIMIT_SECONDS,
    time_limit=settings.RESHIP_IMPORT_TIME_LIMIT_SECONDS + 60,
)
def order_import_run(job_id: int) -> str:
    """Run a confirmed order import. A job already done (or failed) is left alone; a job still
    running under a live worker too; one whose worker died is started over (``_claim`` says how)."""
    job = import_run(job_id=job_id)
    return job.status if job is not None else "skipped"
