"""Handing outbox rows to Celery, after commit; never raises into the caller."""

import logging

logger = logging.getLogger(__name__)


def enqueue_delivery(notification_ids: list[int]) -> None:
    from reship.tasks import deliver_notification

    for notification_id in notification_ids:
        try:
            deliver_notification.apply_async((notification_id,), retry=False)
        except Exception:  # the broker is down: the sweeper re-sends rows still pending
            logger.warning("Could not queue notification %s; the sweeper will retry it", notification_id, exc_info=True)
