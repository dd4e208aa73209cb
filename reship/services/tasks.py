"""Celery entry points of the domain services: thin, load by id, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from orders.imports.tasks import ImportJobTask
from reship.services.idempotency import idempotency_records_purge
from reship.services.pending_uploads import pending_uploads_purge
from reship.services.tracking_import import tracking_import_run
from reship.services.tracking_providers import tracking_poll


# Its time limits and their handling are ImportJobTask's, as for the order import.
@shared_task(name="reship.run_tracking_import", base=ImportJobTask)
def run_tracking_import(job_id: int) -> str:
    """A partner's sheet of tracking numbers too big to run inside the upload's request."""
    job = tracking_import_run(job_id=job_id)
    return job.status if job is not None else "skipped"


@shared_task(name="reship.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Beat, hourly: delete the idempotency records past ``RESHIP_IDEMPOTENCY_HOURS``."""
    return idempotency_records_purge(now=timezone.now())


@shared_task(name="reship.poll_tracking_provider")
def poll_tracking_provider() -> dict[str, int]:
    """Beat: ask the tracking provider (``RESHIP_TRACKING_PROVIDER``; off when empty) where the
    reship parcels are; never raises, a failed round is retried by the next one."""
    return tracking_poll(now=timezone.now())


@shared_task(name="reship.purge_pending_uploads")
def purge_pending_uploads() -> int:
    """Beat, hourly: delete the files kept for a form's correction and never used (a day, by default)."""
    return pending_uploads_purge(now=timezone.now())
