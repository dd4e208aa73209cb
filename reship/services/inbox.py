"""The in-app inbox: a user's delivered ``inbox`` notifications, newest first, and the unread count.

An inbox row is written pending with the change it announces and becomes visible once delivery
marks it sent (at once in the embedded setup, within seconds with a worker). Entries are rendered
in the reader's language (``User.language``) on every read, from the row's template and payload:
nothing is stored or cached, so a user who switches language reads their whole inbox in the new one.
The page, the API and the unread badge all read and write through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification
from reship.notifications import rendering

if TYPE_CHECKING:
    from reship.accounts.models import User

EXCERPT_LENGTH = 200


def inbox_list_for_user(*, user: User) -> QuerySet[Notification]:
    """The user's delivered inbox rows, newest first (the ``notification_inbox`` index)."""
    return (
        Notification.objects.filter(
            recipient_user=user, channel=NotificationChannel.INBOX, status=NotificationStatus.SENT
        )
        .select_related("request__order")
        .order_by("-created_at", "-id")
    )


def inbox_unread_count(*, user: User) -> int:
    """The badge: one count on the partial index ``notification_unread``. Rows not delivered yet are
    left out, so the badge never counts an entry the inbox page does not show."""
    return Notification.objects.filter(
        recipient_user=user,
        channel=NotificationChannel.INBOX,
        read_at__isnull=True,
        status=NotificationStatus.SENT,
    ).count()


def inbox_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's entries read (once: a second call keeps the first time). Another
    user's row, or one that does not exist, is the same ``Http404``."""
    notification = inbox_list_for_user(user=user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def inbox_mark_all_read(*, user: User) -> int:
    """Mark every unread delivered entry read; returns how many. Pending rows stay unread, so an
    entry that arrives a moment later still shows up as new."""
    return Notification.objects.filter(
        recipient_user=user,
        channel=NotificationChannel.INBOX,
        read_at__isnull=True,
        status=NotificationStatus.SENT,
    ).update(read_at=timezone.now())


def inbox_poll_seconds() -> int:
    """How often an open page asks for its badge (``RESHIP_INBOX_POLL_SECONDS``, 30 by default)."""
    return max(1, settings.RESHIP_INBOX_POLL_SECONDS)


# --- what an entry shows ---------------------------------------------------------------------
@dataclass(frozen=True)
class InboxEntry:
    notification: Notification
    subject: str
    excerpt: str
    url: str

    @property
    def is_unread(self) -> bool:
        return self.notification.read_at is None


def inbox_excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """The message without its greeting, signature and footer, on one line. Every message extends
    ``notifications/base.txt``: a greeting paragraph first, a signature paragraph last, and the
    footer after a "--" line."""
    body = text.split("\n--\n", 1)[0]
    paragraphs = [paragraph for paragraph in body.strip().split("\n\n") if paragraph.strip()]
    if len(paragraphs) >= 3:
        paragraphs = paragraphs[1:-1]
    return rendering.short_text(" ".join(" ".join(paragraphs).split()), limit)


def inbox_entry(notification: Notification, *, user: User) -> InboxEntry:
    """Render one row for its reader, in the reader's language (not the one it was written in).
    Pure template work: the row must come with its request and order already loaded."""
    notification.recipient_user = user
    notification.language = user.language
    subject, text, _html = rendering.render(notification)
    if notification.request_id:
        url = f"/requests/{notification.request_id}/"
    elif notification.statement_id:
        url = f"/statements/{notification.statement_id}/"
    else:
        url = ""
    return InboxEntry(notification=notification, subject=subject, excerpt=inbox_excerpt(text), url=url)


# --- views -----------------------------------------------------------------------------------
