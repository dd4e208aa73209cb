"""What waits for the platform admin, on the admin's index (/admin/): requests past their escalation
time (open, ``stage_escalate_at`` passed), the most overdue first, and the notifications that failed
in the last day, by template. Each figure links to the change list filtered the same way. Three
queries whatever the numbers (the count, the first rows, the failures grouped by template)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from reship import lifecycle
from reship.choices import NotificationStatus
from reship.models import Notification, ReshipRequest

SHOWN = 10  # the first escalated requests listed; the count links to all of them
ESCALATED = "escalated"  # the OverdueFilter's value for "past its escalation time"
FAILED_WINDOW = timedelta(days=1)


def escalated_filter(now: datetime) -> Q:
    return Q(status__in=lifecycle.OPEN_STATUSES, stage_escalate_at__lte=now)


def admin_waiting(now: datetime) -> dict[str, Any]:
    """The panel's figures and links."""
    from reship.admin.notifications import template_label

    escalated = ReshipRequest.objects.filter(escalated_filter(now))
    since = now - FAILED_WINDOW
    failed = Notification.objects.filter(status=NotificationStatus.FAILED, created_at__gte=since)
    requests_url = reverse("admin:reship_reshiprequest_changelist")
    notifications_url = reverse("admin:reship_notification_changelist")
    failed_query = {"status__exact": NotificationStatus.FAILED.value, "created_at__gte": since.isoformat()}
    by_template = failed.values("template").annotate(count=Count("pk")).order_by("-count", "template")
    return {
        "escalated_count": escalated.count(),
        "escalated": list(escalated.select_related("seller", "partner").order_by("stage_escalate_at", "pk")[:SHOWN]),
        "escalated_url": f"{requests_url}?{urlencode({'overdue': ESCALATED})}",
        "failed_count": sum(row["count"] for row in by_template),
        "failed_url": f"{notifications_url}?{urlencode(failed_query)}",
        "failed_by_template": [
            {
                "label": template_label(row["template"]),
                "count": row["count"],
                "url": f"{notifications_url}?{urlencode({**failed_query, 'template': row['template']})}",
            }
            for row in by_template
        ],
    }


_index = admin.site.index


def index(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
    """The admin site's index, with the panel (``templates/admin/index.html``)."""
    return _index(request, {**(extra_context or {}), "waiting": admin_waiting(timezone.now())})


admin.site.index = index  # type: ignore[method-assign]
