"""The inbox page and the unread badge; what they show is ``reship.services.inbox``'s.

The in-app inbox: a user's delivered ``inbox`` notifications, newest first, and the unread badge.

An inbox row is written pending with the change it announces and becomes visible once delivery
marks it sent (at once in the embedded setup, within seconds with a worker). Entries are rendered
in the reader's language (``User.language``) on every view, from the row's template and payload:
nothing is stored or cached, so a user who switches language reads their whole inbox in the new one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reship.services.inbox import (
    InboxEntry,
    inbox_entry,
    inbox_list_for_user,
    inbox_mark_all_read,
    inbox_mark_read,
    inbox_poll_seconds,
    inbox_unread_count,
)
from reship.web.http import AuthenticatedRequest

if TYPE_CHECKING:
    from reship.accounts.models import User

PAGE_SIZE = 50
TO_DO = "to-do"
# htmx answers this status by stopping the poll: a signed-out tab stops asking for its badge.
HTMX_STOP_POLLING = 286


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


@login_required
@require_GET
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    """Every entry, or with ``?show=to-do`` only those that ask for an action not done yet."""
    to_do = request.GET.get("show") == TO_DO
    rows = inbox_list_for_user(user=request.user, to_do=to_do)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [inbox_entry(notification, user=request.user) for notification in page.object_list]
    return render(request, "inbox/inbox.html", {"page": page, "entries": entries, "to_do": to_do, "to_do_value": TO_DO})


@require_GET
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The badge fragment the navigation polls. A signed-out tab gets an empty answer that stops
    the polling instead of the login page swapped into the navigation."""
    user = request.user
    if not user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    return _badge_response(request, user=user)


def _badge_response(request: HttpRequest, *, user: User, entry: InboxEntry | None = None) -> HttpResponse:
    context = {
        "inbox_unread_count": inbox_unread_count(user=user),
        "inbox_poll_seconds": inbox_poll_seconds(),
        "entry": entry,
    }
    return render(request, "inbox/_badge_response.html", context)


@login_required
@require_POST
def inbox_read(request: AuthenticatedRequest, notification_id: int) -> HttpResponse:
    """Mark one entry read. htmx swaps the entry in place and updates the badges; without
    JavaScript the form posts and the inbox page is shown again at the same page."""
    notification = inbox_mark_read(user=request.user, notification_id=notification_id)
    if request.headers.get("HX-Request") == "true":
        return _badge_response(request, user=request.user, entry=inbox_entry(notification, user=request.user))
    return _back_to_inbox(request)


@login_required
@require_POST
def inbox_read_all(request: AuthenticatedRequest) -> HttpResponse:
    marked = inbox_mark_all_read(user=request.user)
    if marked:
        messages.success(request, _("All notifications are marked as read."))
    return _back_to_inbox(request)


def _back_to_inbox(request: HttpRequest) -> HttpResponse:
    url = reverse("account:inbox")
    page = _page_number(request.POST.get("page"))
    return redirect(f"{url}?page={page}" if page > 1 else url)
