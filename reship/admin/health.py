"""The platform's health for its admins, at ``/admin/health/`` (linked from the admin's index): the
notification outbox (pending and the oldest, failed in the last day by channel and by webhook
endpoint, the latest failed rows), webhook endpoints that keep failing, imports stuck, and overdue
requests by partner.

Failed rows are sent again from here — one, a selection, or all of an endpoint's — through the
same ``retry_and_report`` as the outbox admin's action (``notifications_retry``: the delivery's own
retry), by a POST with its CSRF token, then back here with a message saying how many were queued.

Each figure is one SQL query (counts and groups aggregated there), so the page costs the same
number of queries however many rows there are. Who sees it: ``permissions.can_watch_platform_health``
(the admin's login first, as every admin page; others get a 404)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orders.selectors import import_jobs_stuck
from reship import permissions
from reship.admin.notifications import retry_and_report, template_label
from reship.choices import NotificationChannel, NotificationStatus
from reship.notifications.endpoint_health import failing_after
from reship.notifications.health import FAILED_WINDOW, failed_webhook_ids, outbox_health
from reship.selectors.requests import requests_overdue_by_partner

IMPORTS_SHOWN = 20


def _parse_ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def _retry(request: HttpRequest) -> None:
    """One row (the button pressed: ``one``), the rows ticked (``selected``: ``notification``), or
    all of an endpoint's failed in the last day (``endpoint``: an endpoint id, or ``legacy``: a
    partner's legacy address)."""
    now = timezone.now()
    data = request.POST
    if data.get("one", "").isdigit():
        ids = [int(data["one"])]
    elif "selected" in data:
        ids = _parse_ids(data.getlist("notification"))
    elif data.get("endpoint", "").isdigit():
        ids = failed_webhook_ids(now=now, endpoint_id=int(data["endpoint"]))
    elif data.get("legacy"):
        ids = failed_webhook_ids(now=now, legacy_url=data["legacy"])
    else:
        ids = []
    retry_and_report(request, ids, selected=len(ids))


def _changelist(model: str, **query: Any) -> str:
    return f"{reverse(f'admin:{model}_changelist')}?{urlencode(query)}"


def health_context(request: HttpRequest) -> dict[str, Any]:
    """The page's figures and links: eight queries with the session's two."""
    now = timezone.now()
    outbox = outbox_health(now=now)
    channels = dict(NotificationChannel.choices)
    since = (now - FAILED_WINDOW).isoformat()
    failed_query = {"status__exact": NotificationStatus.FAILED.value, "created_at__gte": since}
    stuck_after = timedelta(minutes=settings.RESHIP_IMPORT_STUCK_MINUTES)
    stuck_count, stuck = import_jobs_stuck(now=now, after=stuck_after, limit=IMPORTS_SHOWN)
    overdue = list(requests_overdue_by_partner(now=now))
    return {
        **admin.site.each_context(request),
        "title": _("Platform health"),
        "now": now,
        "may_retry": permissions.can_retry_notifications(request.user),
        "outbox": outbox,
        "oldest_pending_age": now - outbox.oldest_pending_at if outbox.oldest_pending_at else None,
        "pending_url": _changelist("reship_notification", status__exact=NotificationStatus.PENDING.value),
        "failed_url": _changelist("reship_notification", **failed_query),
        "failed_by_channel": [
            {
                **row,
                "label": channels.get(row["channel"], row["channel"]),
                "url": _changelist("reship_notification", **failed_query, channel__exact=row["channel"]),
            }
            for row in outbox.failed_by_channel
        ],
        "failed_rows": [
            {"row": row, "template": template_label(row.template), "channel": channels.get(row.channel, row.channel)}
            for row in outbox.failed_rows
        ],
        "failing_after": failing_after(),
        "stuck_imports": stuck,
        "stuck_count": stuck_count,
        "stuck_minutes": settings.RESHIP_IMPORT_STUCK_MINUTES,
        "overdue_by_partner": [
            {
                **row,
                "url": _changelist("reship_reshiprequest", overdue="yes", partner__id__exact=row["partner_id"]),
            }
            for row in overdue
        ],
        "overdue_total": sum(row["overdue"] for row in overdue),
    }


@require_http_methods(["GET", "POST"])
def health_view(request: HttpRequest) -> HttpResponse:
    if not permissions.can_watch_platform_health(request.user):
        raise Http404
    if request.method == "POST":
        if not permissions.can_retry_notifications(request.user):
            raise Http404
        _retry(request)
        return HttpResponseRedirect(reverse("admin-health"))
    return TemplateResponse(request, "admin/health.html", health_context(request))


# Routed by reship.config.urls as /admin/health/ ("admin-health"), inside the admin's own login.
health_page = admin.site.admin_view(health_view)
