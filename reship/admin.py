"""Admin for reship requests and their audit log.

The admin shows everything but changes little: a request's state, its parties, its lines, its
quote and its timing belong to ``reship.workflow``, which checks rights, keeps the quantities
right and writes the audit event. So the request admin names the few fields an admin may correct
and shows every other field read-only — including fields added later, until someone decides
otherwise. Lines and the event log are read-only inlines; the event log is read-only everywhere.
"""

from django.contrib import admin
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reship.choices import FINAL_STATUSES
from reship.models import CommunicationRecord, Evidence, ReshipEvent, ReshipLine, ReshipRequest

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
    fields = _field_names(ReshipRequest)
    readonly_fields = _field_names(ReshipRequest, exclude=REQUEST_EDITABLE_FIELDS)
    inlines = [ReshipLineInline, EvidenceInline, CommunicationRecordInline, ReshipEventInline]

    def has_add_permission(self, request) -> bool:
        # Submitting a request is a workflow transition (number, due time, first event, notifications).
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a request would cascade into its audit log, which is never deleted.
        return False

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
class ReshipEventAdmin(admin.ModelAdmin):
    """View only, for superusers too: the log is append-only (``ReshipEvent.save`` enforces it as well)."""

    list_display = ["created_at", "request", "kind", "from_status", "to_status", "actor"]
    list_filter = ["kind", "to_status"]
    search_fields = ["request__number", "message"]
    list_select_related = ["request", "actor"]
    date_hierarchy = "created_at"
    fields = _field_names(ReshipEvent)
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
