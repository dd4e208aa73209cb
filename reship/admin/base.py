"""What the reship admins share: read-only admins and inlines for what the workflow writes, and
the app's date format (``Y-m-d H:i``, as every page of the app writes it) in the admin's lists."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateField, Model
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import Truncator

DATETIME_SHOWN = "Y-m-d H:i"  # the app's templates: {{ value|date:"Y-m-d H:i" }}, in both languages
DATE_SHOWN = "Y-m-d"


def app_date(value: date | datetime | None) -> str:
    """A date or a moment as the app writes it (local time), whatever the admin's language."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), DATETIME_SHOWN)
    return date_format(value, DATE_SHOWN)


def _dated_column(model: type[Model], name: str) -> str | Callable[[Model], str]:
    """A list column for a date field, written the app's way (sorted by the field still)."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if not isinstance(field, DateField):
        return name

    @admin.display(description=field.verbose_name, ordering=name)
    def column(obj: Model) -> str:
        return app_date(getattr(obj, name))

    column.__name__ = name
    return column


class AppDatesAdmin(admin.ModelAdmin):
    """The list's date and time columns in the app's format, in both languages (Django's would
    write "Dec. 4, 2026, 8:15 a.m." and "2026年12月4日 08:15")."""

    def get_list_display(self, request: Any) -> list[Any]:
        return [
            _dated_column(self.model, name) if isinstance(name, str) else name
            for name in super().get_list_display(request)
        ]


def field_names(model: type[Model], *, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The model's own fields in declaration order, without the primary key."""
    return tuple(
        field.name for field in model._meta.concrete_fields if not field.primary_key and field.name not in exclude
    )


def foreign_keys(model: type[Model]) -> list[str]:
    return [field.name for field in model._meta.concrete_fields if field.many_to_one]


def excerpt(text: str) -> str:
    return Truncator(text).chars(80)


class ViewOnlyAdmin(AppDatesAdmin):
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
        return super().get_queryset(request).select_related(*foreign_keys(self.model))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
