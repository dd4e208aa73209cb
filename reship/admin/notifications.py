"""Admin for the notification outbox: view-only rows, failed ones retried through the outbox's own
service (``notifications_retry``), never by editing the row."""

import json
from collections.abc import Collection
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import model_ngettext
from django.contrib.auth import get_permission_codename
from django.http import HttpRequest
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reship.admin.base import ViewOnlyAdmin, field_names
from reship.models import (
    Notification,
)
from reship.notifications.outbox import TEMPLATES
from reship.notifications.tasks import notifications_retry

# --- the notification outbox ---------------------------------------------------------------------

# What each template is about, for the admin's lists and filter (a code the list does not know shows as is).
TEMPLATE_LABELS: dict[str, Any] = {
    "request_reported": _("A customer reported a problem"),
    "request_submitted": _("Request submitted"),
    "request_received": _("Request received (to the customer)"),
    "info_requested": _("Information requested"),
    "info_answered": _("Information answered"),
    "request_approved": _("Request approved"),
    "request_rejected": _("Request rejected"),
    "request_cancelled": _("Request cancelled"),
    "quote_accepted": _("Quote accepted"),
    "quote_disputed": _("Quote disputed"),
    "quote_revised": _("Quote revised"),
    "restock_ordered": _("Restock ordered from the source"),
    "restock_confirmed": _("Restock confirmed by the source"),
    "lines_shipped": _("Goods shipped"),
    "lines_compensated": _("Compensation recorded"),
    "ship_to_changed": _("Ship-to changed"),
    "parcel_delivered": _("Parcel delivered"),
    "stage_reminder": _("Deadline reminder"),
    "stage_escalated": _("Deadline escalation"),
    "request_reassigned": _("Handed to another partner"),
    "request_escalated": _("Escalated by the platform"),
    "info_updated": _("Order info updated"),
    "customer_contacted": _("Customer contacted"),
    "customer_message": _("Message to the customer"),
    "request_closed": _("Request closed"),
    "survey_invitation": _("Satisfaction survey"),
    "statement.issued": _("Statement issued"),
    "statement.line_disputed": _("Statement line disputed"),
    "statement.adjusted": _("Statement adjusted"),
    "statement.confirmed": _("Statement confirmed"),
    "statement.payment_recorded": _("Statement payment recorded"),
    "statement.settled": _("Statement settled"),
    "webhook_test": _("Webhook test"),
    "webhook_failing": _("Webhook endpoint keeps failing"),
}


def template_label(template: str) -> str:
    return str(TEMPLATE_LABELS.get(template, template))


class TemplateFilter(admin.SimpleListFilter):
    """The templates the outbox knows, without a DISTINCT scan of the outbox table."""

    title = _("template")
    parameter_name = "template"

    def lookups(self, request, model_admin):
        return [(template, template_label(template)) for template in sorted(TEMPLATES | set(TEMPLATE_LABELS))]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(template=self.value())
        return queryset


# What notifications_retry resets, for the admin history.
RETRY_CHANGED_FIELDS = ("status", "attempts", "next_attempt_at")


def retry_and_report(request: HttpRequest, notification_ids: Collection[int], *, selected: int) -> list[int]:
    """Send the failed rows among ``notification_ids`` again (``notifications_retry``: a fresh set of
    attempts, queued after commit), note it in the admin history, and tell the admin how many were
    queued and how many of the ``selected`` were skipped for not having failed. The outbox admin's
    action and the health page both retry through here."""
    queued_ids = notifications_retry(notification_ids=notification_ids)
    user_id = request.user.pk
    if queued_ids and user_id is not None:
        with translation.override(None):
            concrete = {field.name: field for field in Notification._meta.concrete_fields}
            labels = [str(concrete[name].verbose_name) for name in RETRY_CHANGED_FIELDS]
        LogEntry.objects.log_actions(
            user_id=user_id,
            queryset=Notification.objects.filter(pk__in=queued_ids),
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": labels}}],
        )
    queued, skipped = len(queued_ids), selected - len(queued_ids)
    opts = Notification._meta
    messages.add_message(
        request,
        messages.SUCCESS if queued else messages.WARNING,
        gettext("Queued %(count)d %(items)s for delivery again.")
        % {"count": queued, "items": model_ngettext(opts, queued)},
    )
    if skipped > 0:
        messages.add_message(
            request,
            messages.WARNING,
            gettext("Skipped %(count)d %(items)s that had not failed.")
            % {"count": skipped, "items": model_ngettext(opts, skipped)},
        )
    return queued_ids


@admin.action(permissions=["retry"], description=_("Retry the selected failed notifications"))
def retry_failed_notifications(modeladmin, request, queryset) -> None:
    """Give each selected failed row a fresh set of attempts; rows not failed are left alone."""
    selected_ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    retry_and_report(request, selected_ids, selected=len(selected_ids))


_SHOWN_AS = {"payload": "payload_pretty", "template": "template_shown"}


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdmin):
    """The outbox, read-only: the workflow writes rows and the delivery task updates them. Rows that
    gave up (status "failed", with their last error) are found with the status filter and sent
    again with the retry action."""

    list_display = [
        "created_at",
        "channel",
        "template_shown",
        "recipient",
        "request",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", TemplateFilter]
    # ...and by the trace id a log line or a receiver's X-Request-ID header names, exactly.
    search_fields = ["request__number", "recipient_address", "recipient_user__username", "=origin_request_id"]
    list_select_related = ["request", "recipient_user"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    actions = [retry_failed_notifications]
    # Every field, the payload shown as indented JSON and the template by its label.
    fields = readonly_fields = tuple(_SHOWN_AS.get(name, name) for name in field_names(Notification))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("request", "recipient_user")

    def has_retry_permission(self, request) -> bool:
        # Retrying is the one change the admin makes to the outbox: those who may change rows may retry.
        return request.user.has_perm(f"{self.opts.app_label}.{get_permission_codename('change', self.opts)}")

    @admin.display(description=_("template"), ordering="template")
    def template_shown(self, notification: Notification) -> str:
        return template_label(notification.template)

    @admin.display(description=_("recipient"))
    def recipient(self, notification: Notification) -> str:
        return notification.recipient_address or str(notification.recipient_user or "")

    @admin.display(description=_("payload"))
    def payload_pretty(self, notification: Notification) -> str:
        text = json.dumps(notification.payload, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre class="payload">{}</pre>', text)


from reship.admin import api_keys as admin_api  # noqa: E402, F401 - registers the API keys' admin
