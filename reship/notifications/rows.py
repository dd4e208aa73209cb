"""How a message to an organisation's staff becomes outbox rows: an inbox row per user, written
delivered, and an email for those who take emails. Below ``outbox`` (which re-exports it) so that the
delivery's own modules (``endpoint_health``) can write staff rows without importing the tasks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification

if TYPE_CHECKING:
    from reship.accounts.models import User


def staff_rows(base: dict[str, Any], users: Iterable[User], *, inbox: bool = True) -> list[Notification]:
    """Each user's inbox row, and an email when they have an address and want emails (``inbox=False``:
    platform admins, who have no inbox here and always get the email). The inbox row is the message:
    it is written delivered (sent, first attempt), so it shows once the change commits, with no task."""
    rows: list[Notification] = []
    now = timezone.now()
    for user in users:
        if inbox:
            rows.append(
                Notification(
                    **base,
                    channel=NotificationChannel.INBOX,
                    recipient_user=user,
                    language=user.language,
                    status=NotificationStatus.SENT,
                    attempts=1,
                    created_at=now,
                    sent_at=now,
                )
            )
        if user.email and (user.email_notifications or not inbox):
            rows.append(
                Notification(
                    **base,
                    channel=NotificationChannel.EMAIL,
                    recipient_user=user,
                    recipient_address=user.email,
                    language=user.language,
                )
            )
    return rows
