"""Admin actions shared by every model with an ``is_active`` flag (sources, partners, sellers, SKUs)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import model_ngettext
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def _set_active(
    modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any], *, is_active: bool
) -> int:
    """Flip only the rows that change, and leave one admin history entry per changed row."""
    model = modeladmin.model
    to_change = list(queryset.exclude(is_active=is_active).order_by())
    values: dict[str, object] = {"is_active": is_active}
    # QuerySet.update() skips auto_now, so the timestamp is set here for the models that keep one.
    if any(field.name == "updated_at" for field in model._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    count: int = model._default_manager.filter(pk__in=[row.pk for row in to_change]).update(**values)
    if to_change:
        user = request.user
        assert user.is_authenticated  # the admin site lets only signed-in staff in
        # Stored untranslated, as the admin does, and shown in each reader's language.
        with translation.override(None):
            field_label = str(model._meta.get_field("is_active").verbose_name)
        LogEntry.objects.log_actions(
            user_id=user.pk,
            queryset=to_change,
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": [field_label]}}],
        )
    return count


@admin.action(permissions=["change"], description=gettext_lazy("Activate selected %(verbose_name_plural)s"))
def activate_selected(modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]) -> None:
    count = _set_active(modeladmin, request, queryset, is_active=True)
    modeladmin.message_user(
        request,
        _("Activated %(count)d %(items)s.") % {"count": count, "items": model_ngettext(modeladmin.opts, count)},
        messages.SUCCESS,
    )


@admin.action(permissions=["change"], description=gettext_lazy("Deactivate selected %(verbose_name_plural)s"))
def deactivate_selected(modeladmin: admin.ModelAdmin[Any], request: HttpRequest, queryset: QuerySet[Any]) -> None:
    count = _set_active(modeladmin, request, queryset, is_active=False)
    modeladmin.message_user(
        request,
        _("Deactivated %(count)d %(items)s.") % {"count": count, "items": model_ngettext(modeladmin.opts, count)},
        messages.SUCCESS,
    )


ACTIVATION_ACTIONS = [activate_selected, deactivate_selected]
