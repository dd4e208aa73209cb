"""The in-app inbox: a user's delivered ``inbox`` notifications, newest first, and the unread count.

An inbox row is written pending with the change it announces and becomes visible once delivery
marks it sent (at once in the embedded setup, within seconds with a worker). Entries are rendered
in the reader's language (``User.language``) on every read, from the row's template and payload:
nothing is stored or cached, so a user who switches language reads their whole inbox in the new one.
The page, the API and the unread badge all read and write through here.
"""

from __future__ import annotations

import re
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
# An address in a message's text (the links of the emails), and how a sentence ending in a colon
# before one ends once the link is gone.
LINK = re.compile(r"\b(?:https?://|www\.)\S+")
LEADS_TO_LINK = {":": ".", "：": "。"}
# A list item's marker ("- Goods: 120.00") means nothing once the lines are run together on one.
LIST_MARKER = re.compile(r"^[-*•]\s+")
# Full-width punctuation carries its own space: none follows it when the lines are joined
# ("原因：商品破损", not "原因： 商品破损").
SPACE_AFTER_FULL_WIDTH = re.compile(r"([：，；。！？、）])\s+")


def inbox_list_for_user(*, user: User, to_do: bool = False) -> QuerySet[Notification]:
    """The user's delivered inbox rows, newest first (the ``notification_inbox`` index); ``to_do``:
    only the entries that ask for an action not done yet (``notifications.awaiting``)."""
    rows = Notification.objects.filter(
        recipient_user=user, channel=NotificationChannel.INBOX, status=NotificationStatus.SENT
    )
    if to_do:
        rows = rows.filter(done_at__isnull=True).exclude(awaits="")
    return rows.select_related("request__order").order_by("-created_at", "-id")


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

    @property
    def is_action(self) -> bool:
        """It asks for an action (done or not); other entries are news."""
        return bool(self.notification.awaits)

    @property
    def is_to_do(self) -> bool:
        return self.is_action and self.notification.done_at is None


def _without_links(paragraph: str) -> str:
    """A paragraph with its addresses taken out: the entry itself links to its request or
    statement, and an address cut mid-way by the excerpt's length is worse than none. A sentence
    that led to a link ("…answer it here:") ends as a sentence instead."""
    kept: list[str] = []
    for line in paragraph.splitlines():
        bare = LIST_MARKER.sub("", LINK.sub("", line).strip())
        if bare:
            kept.append(bare)
        elif kept and kept[-1][-1] in LEADS_TO_LINK:
            kept[-1] = kept[-1][:-1] + LEADS_TO_LINK[kept[-1][-1]]
    return "\n".join(kept)


def inbox_excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """The message without its greeting, signature and footer, and without links, on one line.
    Every message extends ``notifications/base.txt``: a greeting paragraph first, a signature
    paragraph last, and the footer after a "--" line."""
    body = text.split("\n--\n", 1)[0]
    paragraphs = [paragraph for paragraph in body.strip().split("\n\n") if paragraph.strip()]
    if len(paragraphs) >= 3:
        paragraphs = paragraphs[1:-1]
    paragraphs = [bare for bare in (_without_links(paragraph) for paragraph in paragraphs) if bare]
    one_line = SPACE_AFTER_FULL_WIDTH.sub(r"\1", " ".join(" ".join(paragraphs).split()))
    return rendering.short_text(one_line, limit)


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
