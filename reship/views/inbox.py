"""The in-app inbox: a user's delivered ``inbox`` notifications, newest first, and the unread badge.

An inbox row is written pending with the change it announces and becomes visible once delivery
marks it sent (at once in the embedded setup, within seconds with a worker). Entries are rendered
in the reader's language (``User.language``) on every view, from the row's template and payload:
nothing is stored or cached, so a user who switches language reads their whole inbox in the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification
from reship.notifications import rendering

if TYPE_CHECKING:
    from reship.accounts.models import User

PAGE_SIZE = 50
EXCERPT_LENGTH = 200
# htmx answers this status by stopping the poll: a signed-out tab stops asking for its badge.
HTMX_STOP_POLLING = 286


# --- reads and writes ------------------------------------------------------------------------
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
    url = f"/requests/{notification.request_id}/" if notification.request_id else ""
    return InboxEntry(notification=notification, subject=subject, excerpt=inbox_excerpt(text), url=url)


# --- views -----------------------------------------------------------------------------------
def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_list_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [inbox_entry(notification, user=request.user) for notification in page.object_list]
    return render(request, "inbox/inbox.html", {"page": page, "entries": entries})


@require_GET
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The badge fragment the navigation polls. A signed-out tab gets an empty answer that stops
    the polling instead of the login page swapped into the navigation."""
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    return _badge_response(request)


def _badge_response(request: HttpRequest, *, entry: InboxEntry | None = None) -> HttpResponse:
    context = {
        "inbox_unread_count": inbox_unread_count(user=request.user),
        "inbox_poll_seconds": inbox_poll_seconds(),
        "entry": entry,
    }
    return render(request, "inbox/_badge_response.html", context)


@login_required
@require_POST
def inbox_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one entry read. htmx swaps the entry in place and updates the badges; without
    JavaScript the form posts and the inbox page is shown again at the same page."""
    notification = inbox_mark_read(user=request.user, notification_id=notification_id)
    if request.headers.get("HX-Request") == "true":
        return _badge_response(request, entry=inbox_entry(notification, user=request.user))
    return _back_to_inbox(request)


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    marked = inbox_mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("All notifications are marked as read."))
    return _back_to_inbox(request)


def _back_to_inbox(request: HttpRequest) -> HttpResponse:
    url = reverse("account:inbox")
    page = _page_number(request.POST.get("page"))
    return redirect(f"{url}?page={page}" if page > 1 else url)
