"""Celery entry points: thin, load by id, call a function, safe to run twice."""

from celery import shared_task


@shared_task(name="reship.deliver_notification", acks_late=True, reject_on_worker_lost=True)
def deliver_notification(notification_id: int) -> str:
    from reship.notifications.delivery import notification_deliver

    return notification_deliver(notification_id=notification_id)
