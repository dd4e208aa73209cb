"""Admin for reship requests and what hangs off them: lines, restock orders, the thread, evidence,
contacts, the event log, survey answers and the request numbering. Only the seller's own words are
editable; everything else is the workflow's."""

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders.models import Shipment
from reship.admin.base import AppDatesAdmin, ReadOnlyInline, ViewOnlyAdmin, excerpt, field_names, foreign_keys
from reship.admin.request_actions import WORKFLOW_ACTIONS
from reship.admin.waiting import ESCALATED, escalated_filter
from reship.choices import NotificationStatus
from reship.models import (
    CommunicationRecord,
    Evidence,
    RequestMessage,
    RequestNumberSequence,
    ReshipEvent,
    ReshipLine,
    ReshipRequest,
    RestockOrder,
    SurveyResponse,
)
from reship.selectors.requests import request_overdue
from reship.workflow.numbering import live_last_value

# Corrections an admin may make by hand: the seller's own words. Everything else is the workflow's.
REQUEST_EDITABLE_FIELDS = ("reason", "description")


class OverdueFilter(admin.SimpleListFilter):
    """Timeliness (时效性): open requests whose current stage is past its due time."""

    title = _("timeliness")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("On time")), (ESCALATED, _("Past its escalation time"))]

    def queryset(self, request, queryset):
        if self.value() == ESCALATED:  # the admin index's panel links here
            return queryset.filter(escalated_filter(timezone.now()))
        overdue = request_overdue(timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class ReshipLineInline(ReadOnlyInline):
    """Lines change only through the workflow, which keeps claimed quantities within the order."""

    model = ReshipLine
    fields = field_names(ReshipLine, exclude=("request",))
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line__product")


class RestockOrderInline(ReadOnlyInline):
    """Restock orders (补货) are written when the partner orders and the source confirms."""

    model = RestockOrder
    fields = readonly_fields = ("sku", *field_names(RestockOrder, exclude=("request", "line")))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("line__order_line__product")

    @admin.display(description=_("SKU"))
    def sku(self, restock: RestockOrder) -> str:
        return restock.line.order_line.product.sku_code


class RequestMessageInline(ReadOnlyInline):
    """The thread between seller and partner, as they wrote it."""

    model = RequestMessage
    fields = field_names(RequestMessage, exclude=("request",))
    readonly_fields = fields


class EvidenceInline(admin.TabularInline):
    """Evidence is uploaded on the request page, which records its type and size; here it is shown."""

    model = Evidence
    extra = 0
    fields = field_names(Evidence, exclude=("request",))
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*foreign_keys(Evidence))


class CommunicationRecordInline(admin.TabularInline):
    model = CommunicationRecord
    extra = 0
    fields = ["occurred_at", "counterpart", "channel", "direction", "summary", "recorded_by", "created_at"]
    readonly_fields = ["recorded_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*foreign_keys(CommunicationRecord))


class ReshipEventInline(ReadOnlyInline):
    """The audit log, as it was written."""

    model = ReshipEvent
    fields = field_names(ReshipEvent, exclude=("request",))
    readonly_fields = fields


def request_search_ids(term: str) -> list[int]:
    """The requests the admin's search box finds, in one query: a UNION of small lookups, each on
    its own table's index, rather than an OR across joined tables (which PostgreSQL answers by
    reading every request). The request number or the platform order number (exact), a tracking
    number of the request's parcels (exact, ``shipment_tracking``), the customer's phone or name
    (its start), the seller's name (a part of it, on the small seller table)."""
    requests = ReshipRequest.objects.order_by()
    found = (
        requests.filter(number=term)
        .values_list("pk", flat=True)
        .union(
            requests.filter(order__platform_order_number=term).values_list("pk", flat=True),
            Shipment.objects.filter(tracking_number=term, reship_request__isnull=False)
            .order_by()
            .values_list("reship_request_id", flat=True),
            requests.filter(order__customer_phone__startswith=term).values_list("pk", flat=True),
            requests.filter(order__customer_name__startswith=term).values_list("pk", flat=True),
            requests.filter(seller__name__icontains=term).values_list("pk", flat=True),
        )
    )
    return [pk for pk in found if pk is not None]


@admin.register(ReshipRequest)
class ReshipRequestAdmin(AppDatesAdmin):
    list_display = ["number", "seller", "partner", "status", "reason", "stage_due_at", "created_at"]
    list_filter = ["status", OverdueFilter, "reason", "seller", "partner", "cost_bearer"]
    # Declared so the search box shows; the search itself is ``request_search_ids``.
    search_fields = ["number"]
    search_help_text = _(
        "Request or order number, tracking number, customer phone or name (its start), or part of the seller's name."
    )
    actions = WORKFLOW_ACTIONS
    list_select_related = ["seller", "partner"]
    date_hierarchy = "created_at"
    fields = [*field_names(ReshipRequest), "notifications_summary"]
    readonly_fields = [*field_names(ReshipRequest, exclude=REQUEST_EDITABLE_FIELDS), "notifications_summary"]
    # Events last: the audit log closes the page.
    inlines = [
        ReshipLineInline,
        RestockOrderInline,
        RequestMessageInline,
        EvidenceInline,
        CommunicationRecordInline,
        ReshipEventInline,
    ]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(pk__in=request_search_ids(term)), False

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
        of_request: dict[str, int | str] = {"request__id__exact": reship_request.pk}
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
    fields = field_names(ReshipEvent)
    readonly_fields = fields


@admin.register(RestockOrder)
class RestockOrderAdmin(ViewOnlyAdmin):
    """View only: the partner orders a restock and the source confirms it through the workflow."""

    list_display = ["request", "supplier", "quantity", "status", "ship_date", "created_at", "confirmed_at"]
    list_filter = ["status", ("supplier", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["request__number", "supplier__name"]
    list_select_related = ["request", "supplier"]
    date_hierarchy = "created_at"
    fields = field_names(RestockOrder)
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
    fields = field_names(RequestMessage)
    readonly_fields = fields

    @admin.display(description=_("message"))
    def excerpt(self, message: RequestMessage) -> str:
        return excerpt(message.body)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ViewOnlyAdmin):
    """View only: the customer's own answer (客户满意度), given once through the signed link."""

    list_display = ["answered_at", "request", "rating", "excerpt"]
    list_filter = ["rating"]
    search_fields = ["request__number", "comment"]
    list_select_related = ["request"]
    date_hierarchy = "answered_at"
    ordering = ["-answered_at", "-id"]
    fields = field_names(SurveyResponse)
    readonly_fields = fields

    @admin.display(description=_("comment"))
    def excerpt(self, response: SurveyResponse) -> str:
        return excerpt(response.comment)


@admin.register(RequestNumberSequence)
class RequestNumberSequenceAdmin(ViewOnlyAdmin):
    """View only: changing a counter by hand could hand out a number twice. On PostgreSQL the numbers
    come from a sequence per year (``reship.workflow.numbering``), which starts above the row's
    figure; the row no longer moves there, so the live figure is shown beside it."""

    list_display = ["year", "last_value", "last_handed_out"]
    ordering = ["-year"]
    fields = ("year", "last_value", "last_handed_out")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(live=live_last_value())

    @admin.display(description=_("last number handed out (live)"))
    def last_handed_out(self, sequence: RequestNumberSequence) -> str:
        value = getattr(sequence, "live", None)
        if value is None:
            return str(_("none yet: the year's sequence starts above the counted number on its first request"))
        if value == sequence.last_value:
            return str(value)
        return _("%(value)d (from the PostgreSQL sequence; the counted number above is where it started)") % {
            "value": value
        }
