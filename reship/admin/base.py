"""What the reship admins share: read-only admins and inlines for what the workflow writes."""

from django.contrib import admin
from django.db.models import Model
from django.utils.text import Truncator


def field_names(model: type[Model], *, exclude: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The model's own fields in declaration order, without the primary key."""
    return tuple(
        field.name for field in model._meta.concrete_fields if not field.primary_key and field.name not in exclude
    )


def foreign_keys(model: type[Model]) -> list[str]:
    return [field.name for field in model._meta.concrete_fields if field.many_to_one]


def excerpt(text: str) -> str:
    return Truncator(text).chars(80)


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
        return super().get_queryset(request).select_related(*foreign_keys(self.model))

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
