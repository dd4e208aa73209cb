"""Admin for reship requests, their audit log, restock orders, thread messages, survey answers,
partners' auto-approval rules and the notification outbox.

The admin shows everything but changes little: a request's state, its parties, its lines, its
quote and its timing belong to ``reship.workflow``, which checks rights, keeps the quantities
right and writes the audit event. So the request admin names the few fields an admin may correct
and shows every other field read-only — including fields added later, until someone decides
otherwise. Lines, restock orders, thread messages and the event log are read-only inlines; what
the workflow writes (events, restock orders, messages, survey answers, notifications) is
read-only everywhere. Failed notifications are the exception that proves the rule: an admin may
retry them, through ``notification_retry``, never by editing the row.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import model_ngettext
from django.contrib.auth import get_permission_codename
from django.db.models import Count, Model, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from reship.choices import NotificationStatus, Reason
from reship.core.admin_actions import ACTIVATION_ACTIONS
from reship.lifecycle import FINAL_STATUSES
from reship.models import (
    AutoApprovalRule,
    CommunicationRecord,
    Evidence,
    Notification,
    RequestMessage,
    RequestNumberSequence,
    ReshipEvent,
    ReshipLine,
    ReshipRequest,
    RestockOrder,
    SurveyResponse,
)
from reship.notifications.outbox import TEMPLATES
from reship.notifications.tasks import notification_retry

admin.site.site_header = _("Reship administration")
admin.site.site_title = _("Reship admin")
admin.site.index_title = _("Platform administration")


# Corrections an admin may make by hand: the seller's own words. Everything else is the workflow's.
REQUEST_EDITABLE_FIELDS = ("reason", "description")


def _field_names(model: type[Model], *, exclude: tuple[str, ...] = ()) -> list[str]:
    """The model's own fields in declaration order, without the primary key."""
    return [field.name for field in model._meta.concrete_fields if not field.primary_key and field.name not in exclude]


def _foreign_keys(model: type[Model]) -> list[str]:
    return [field.name for field in model._meta.concrete_fields if field.many_to_one]


def _excerpt(text: str) -> str:
    return Truncator(text).chars(80)


class OverdueFilter(admin.SimpleListFilter):
    """Timeliness (时效性): open requests whose current stage is past its due time."""

    title = _("timeliness")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request, queryset):
        overdue = Q(stage_due_at__lt=timezone.now()) & ~Q(status__in=FINAL_STATUSES)
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class ViewOnlyAdmin(admin.ModelAdmin):
    """Rows the workflow (or the delivery task) writes: shown, never added, changed or deleted
    here, for superusers too."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown as they are: no add, change or delete, for superusers too."""

    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*_foreign_keys(self.model))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReshipLineInline(ReadOnlyInline):
    """Lines change only through the workflow, which keeps claimed quantities within the order."""

    model = ReshipLine
    fields = _field_names(ReshipLine, exclude=("request",))
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line__product")


class RestockOrderInline(ReadOnlyInline):
    """Restock orders (补货) are written when the partner orders and the source confirms."""

    model = RestockOrder
    fields = ["sku", *_field_names(RestockOrder, exclude=("request", "line"))]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("line__order_line__product")

    @admin.display(description=_("SKU"))
    def sku(self, restock: RestockOrder) -> str:
        return restock.line.order_line.product.sku_code


class RequestMessageInline(ReadOnlyInline):
    """The thread between seller and partner, as they wrote it."""

    model = RequestMessage
    fields = _field_names(RequestMessage, exclude=("request",))
    readonly_fields = fields


class EvidenceInline(admin.TabularInline):
    """Evidence is uploaded on the request page, which records its type and size; here it is shown."""

    model = Evidence
    extra = 0
    fields = _field_names(Evidence, exclude=("request",))
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*_foreign_keys(Evidence))


class CommunicationRecordInline(admin.TabularInline):
    model = CommunicationRecord
    extra = 0
    fields = ["occurred_at", "counterpart", "channel", "direction", "summary", "recorded_by", "created_at"]
    readonly_fields = ["recorded_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*_foreign_keys(CommunicationRecord))


class ReshipEventInline(ReadOnlyInline):
    """The audit log, as it was written."""

    model = ReshipEvent
    fields = _field_names(ReshipEvent, exclude=("request",))
    readonly_fields = fields


@admin.register(ReshipRequest)
class ReshipRequestAdmin(admin.ModelAdmin):
    list_display = ["number", "seller", "partner", "status", "reason", "stage_due_at", "created_at"]
    list_filter = ["status", OverdueFilter, "reason", "partner", "cost_bearer"]
    search_fields = ["number", "order__platform_order_number"]
    list_select_related = ["seller", "partner"]
    date_hierarchy = "created_at"
    fields = [*_field_names(ReshipRequest), "notifications_summary"]
    readonly_fields = [*_field_names(ReshipRequest, exclude=REQUEST_EDITABLE_FIELDS), "notifications_summary"]
    # Events last: the audit log closes the page.
    inlines = [
        ReshipLineInline,
        RestockOrderInline,
        RequestMessageInline,
        EvidenceInline,
        CommunicationRecordInline,
        ReshipEventInline,
    ]

    def has_add_permission(self, request) -> bool:
        # Submitting a request is a workflow transition (number, due time, first event, notifications).
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a request would cascade into its audit log, which is never deleted.
        return False

    @admin.display(description=_("notifications"))
    def notifications_summary(self, reship_request: ReshipRequest) -> str:
        """A link to the request's rows in the notification list (a request gathers dozens, with
        payloads: too many for an inline), and to its failed ones, with counts in one query."""
        if reship_request.pk is None:
            return ""
        counts = reship_request.notifications.aggregate(
            total=Count("pk"), failed=Count("pk", filter=Q(status=NotificationStatus.FAILED))
        )
        changelist = reverse(f"{self.admin_site.name}:reship_notification_changelist")
        of_request = {"request__id__exact": reship_request.pk}
        link = format_html(
            '<a href="{}?{}">{}</a>',
            changelist,
            urlencode(of_request),
            ngettext("%(count)d notification", "%(count)d notifications", counts["total"]) % {"count": counts["total"]},
        )
        if not counts["failed"]:
            return link
        return format_html(
            '{} (<a href="{}?{}">{}</a>)',
            link,
            changelist,
            urlencode({**of_request, "status__exact": NotificationStatus.FAILED.value}),
            ngettext("%(count)d failed", "%(count)d failed", counts["failed"]) % {"count": counts["failed"]},
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not CommunicationRecord:
            super().save_formset(request, form, formset, change)
            return
        for record in formset.save(commit=False):
            if record._state.adding:
                record.recorded_by = request.user
            record.save()
        for record in formset.deleted_objects:
            record.delete()


@admin.register(ReshipEvent)
class ReshipEventAdmin(ViewOnlyAdmin):
    """View only, for superusers too: the log is append-only (``ReshipEvent.save`` enforces it as well)."""

    list_display = ["created_at", "request", "kind", "from_status", "to_status", "actor"]
    list_filter = ["kind", "to_status"]
    search_fields = ["request__number", "message"]
    list_select_related = ["request", "actor"]
    date_hierarchy = "created_at"
    fields = _field_names(ReshipEvent)
    readonly_fields = fields


@admin.register(RestockOrder)
class RestockOrderAdmin(ViewOnlyAdmin):
    """View only: the partner orders a restock and the source confirms it through the workflow."""

    list_display = ["request", "supplier", "quantity", "status", "ship_date", "created_at", "confirmed_at"]
    list_filter = ["status", ("supplier", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["request__number", "supplier__name"]
    list_select_related = ["request", "supplier"]
    date_hierarchy = "created_at"
    fields = _field_names(RestockOrder)
    readonly_fields = fields

    def get_queryset(self, request):
        # The change page prints the order (request number, source name) and its line (request number).
        return super().get_queryset(request).select_related("request", "supplier", "line__request")


@admin.register(RequestMessage)
class RequestMessageAdmin(ViewOnlyAdmin):
    """View only: the thread is what seller and partner wrote to each other."""

    list_display = ["created_at", "request", "author_role", "author", "excerpt"]
    list_filter = ["author_role"]
    search_fields = ["request__number", "body"]
    list_select_related = ["request", "author"]
    date_hierarchy = "created_at"
    fields = _field_names(RequestMessage)
    readonly_fields = fields

    @admin.display(description=_("message"))
    def excerpt(self, message: RequestMessage) -> str:
        return _excerpt(message.body)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ViewOnlyAdmin):
    """View only: the customer's own answer (客户满意度), given once through the signed link."""

    list_display = ["answered_at", "request", "rating", "excerpt"]
    list_filter = ["rating"]
    search_fields = ["request__number", "comment"]
    list_select_related = ["request"]
    date_hierarchy = "answered_at"
    ordering = ["-answered_at", "-id"]
    fields = _field_names(SurveyResponse)
    readonly_fields = fields

    @admin.display(description=_("comment"))
    def excerpt(self, response: SurveyResponse) -> str:
        return _excerpt(response.comment)


@admin.register(RequestNumberSequence)
class RequestNumberSequenceAdmin(ViewOnlyAdmin):
    """View only: changing a counter by hand could hand out a number twice."""

    list_display = ["year", "last_value"]
    ordering = ["-year"]
    fields = ["year", "last_value"]
    readonly_fields = fields


# --- auto-approval rules ---------------------------------------------------------------------------


class AutoApprovalRuleForm(forms.ModelForm):
    """Reasons as boxes to tick, not raw JSON; stored as the list of reason codes the workflow reads."""

    reasons = forms.MultipleChoiceField(
        label=capfirst(AutoApprovalRule._meta.get_field("reasons").verbose_name),
        help_text=AutoApprovalRule._meta.get_field("reasons").help_text,
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = AutoApprovalRule
        fields = [
            "partner",
            "name",
            "is_active",
            "reasons",
            "max_line_value",
            "sellers",
            "cost_bearer",
            "quote_shipping",
            "promised_days",
        ]

    def clean_reasons(self) -> list[str]:
        # The field has refused any code outside Reason already; keep the choices' order, once each.
        chosen = set(self.cleaned_data["reasons"])
        return [code for code in Reason.values if code in chosen]


@admin.register(AutoApprovalRule)
class AutoApprovalRuleAdmin(admin.ModelAdmin):
    """A partner's rules for approving a request at once; the platform staff keep them for partners."""

    form = AutoApprovalRuleForm
    list_display = [
        "name",
        "partner",
        "is_active",
        "reason_labels",
        "max_line_value",
        "cost_bearer",
        "quote_shipping",
        "promised_days",
    ]
    list_filter = ["is_active", "cost_bearer", ("partner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "partner__name"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner", "sellers"]
    actions = ACTIVATION_ACTIONS
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["partner", "name", "is_active"]}),
        (_("Applies to"), {"fields": ["reasons", "max_line_value", "sellers"]}),
        (_("Approval terms"), {"fields": ["cost_bearer", "quote_shipping", "promised_days", "created_at"]}),
    ]

    @admin.display(description=_("reasons"))
    def reason_labels(self, rule: AutoApprovalRule) -> str:
        labels = [str(Reason(code).label) for code in rule.reasons if code in Reason.values]
        return ", ".join(labels) if labels else gettext("Any reason")


# --- the notification outbox ---------------------------------------------------------------------


class TemplateFilter(admin.SimpleListFilter):
    """The templates the outbox knows, without a DISTINCT scan of the outbox table."""

    title = _("template")
    parameter_name = "template"

    def lookups(self, request, model_admin):
        return [(template, template) for template in sorted(TEMPLATES)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(template=self.value())
        return queryset


# What notification_retry resets, for the admin history.
RETRY_CHANGED_FIELDS = ("status", "attempts", "next_attempt_at")


@admin.action(permissions=["retry"], description=_("Retry the selected failed notifications"))
def retry_failed_notifications(modeladmin, request, queryset) -> None:
    """Give each selected failed row a fresh set of attempts; rows not failed are left alone."""
    selected = queryset.count()
    failed_ids = list(queryset.filter(status=NotificationStatus.FAILED).order_by("pk").values_list("pk", flat=True))
    # One call per row: notification_retry re-checks the status under its own transaction and
    # queues the row's delivery after commit.
    queued_ids = [pk for pk in failed_ids if notification_retry(notification_id=pk)]
    if queued_ids:
        with translation.override(None):
            labels = [str(Notification._meta.get_field(name).verbose_name) for name in RETRY_CHANGED_FIELDS]
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=Notification.objects.filter(pk__in=queued_ids),
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": labels}}],
        )
    queued, skipped = len(queued_ids), selected - len(queued_ids)
    modeladmin.message_user(
        request,
        gettext("Queued %(count)d %(items)s for delivery again.")
        % {"count": queued, "items": model_ngettext(modeladmin.opts, queued)},
        messages.SUCCESS if queued else messages.WARNING,
    )
    if skipped:
        modeladmin.message_user(
            request,
            gettext("Skipped %(count)d %(items)s that had not failed.")
            % {"count": skipped, "items": model_ngettext(modeladmin.opts, skipped)},
            messages.WARNING,
        )


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdmin):
    """The outbox, read-only: the workflow writes rows and the delivery task updates them. Rows that
    gave up (status "failed", with their last error) are found with the status filter and sent
    again with the retry action."""

    list_display = [
        "created_at",
        "channel",
        "template",
        "recipient",
        "request",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", TemplateFilter]
    search_fields = ["request__number", "recipient_address", "recipient_user__username"]
    list_select_related = ["request", "recipient_user"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    actions = [retry_failed_notifications]
    # Every field, the payload shown as indented JSON.
    fields = [("payload_pretty" if name == "payload" else name) for name in _field_names(Notification)]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("request", "recipient_user")

    def has_retry_permission(self, request) -> bool:
        # Retrying is the one change the admin makes to the outbox: those who may change rows may retry.
        return request.user.has_perm(f"{self.opts.app_label}.{get_permission_codename('change', self.opts)}")

    @admin.display(description=_("recipient"))
    def recipient(self, notification: Notification) -> str:
        return notification.recipient_address or str(notification.recipient_user or "")

    @admin.display(description=_("payload"))
    def payload_pretty(self, notification: Notification) -> str:
        text = json.dumps(notification.payload, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre style="white-space: pre-wrap; margin: 0">{}</pre>', text)


from reship.admin import api_keys as admin_api  # noqa: E402, F401 - registers the API keys' admin
