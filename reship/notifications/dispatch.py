"""Handing outbox rows to Celery, after commit; never raises into the caller."""

import logging

logger = logging.getLogger(__name__)


def enqueue_delivery(notification_ids: list[int]) -> None:
    """Queue one delivery task per row (ids only). A broker that is down costs nothing: the rows
    stay pending and the sweeper queues them later, so this logs and returns instead of raising."""
    from reship.tasks import deliver_notification

    for index, notification_id in enumerate(notification_ids):
        try:
            deliver_notification.apply_async((notification_id,), retry=False)
        except Exception:
            # Each further try would wait out the broker timeout again, inside a web request.
            logger.warning(
                "Could not queue notification %s (and %d after it); the sweeper will send them",
                notification_id,
                len(notification_ids) - index - 1,
                exc_info=True,
            )
            return
