"""Celery entry points: thin, load by id, call a function, safe to run twice."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="reship.deliver_notification", acks_late=True, reject_on_worker_lost=True)
def deliver_notification(notification_id: int) -> str:
    from reship.notifications.delivery import notification_deliver

    return notification_deliver(notification_id=notification_id)


@shared_task(name="reship.sweep_notifications")
def sweep_notifications() -> int:
    """Beat: re-queue rows still pending (the broker was down, or a retry fell due)."""
    from reship.notifications.delivery import notifications_sweep

    return notifications_sweep(now=timezone.now())


@shared_task(name="reship.check_deadlines")
def check_deadlines() -> dict[str, int]:
    """Beat: remind and escalate the stages that fell due."""
    from reship.timeliness import deadlines_check

    return deadlines_check(now=timezone.now())


@shared_task(name="reship.run_tracking_import", acks_late=True, reject_on_worker_lost=True)
def run_tracking_import(job_id: int) -> str:
    """A partner's sheet of tracking numbers too big to run inside the upload's request."""
    from reship.tracking_import import tracking_import_run

    job = tracking_import_run(job_id=job_id)
    return job.status if job is not None else "skipped"
