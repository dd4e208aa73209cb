"""Admin for organisations' API keys: shown read-only (never the secret, which is not stored; the
hash is left out too), and revoked with an action.

Keys are created by the organisation's staff on their "API keys" page (``api_key_create``), which
shows the secret once; the admin only stops a key. ``api_key_revoke`` is scoped to the actor's
organisation, so the platform admin's revoke is its own service, ``api_keys_revoke_as_admin``
(``reship.services.api_keys``): it sets ``revoked_at`` on keys not yet revoked (a second revoke
keeps the first time); the action here logs the change.
"""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import model_ngettext
from django.contrib.auth import get_permission_codename
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reship.models import ApiKey
from reship.services.api_keys import api_keys_revoke_as_admin

FIELDS = (
    "name",
    "prefix",
    "seller",
    "partner",
    "service_user",
    "created_by",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
)


@admin.action(permissions=["revoke"], description=_("Revoke the selected API keys"))
def revoke_api_keys(modeladmin, request, queryset) -> None:
    revoked_ids = api_keys_revoke_as_admin(key_ids=list(queryset.values_list("pk", flat=True)))
    if revoked_ids:
        with translation.override(None):
            label = str(ApiKey._meta.get_field("revoked_at").verbose_name)
        LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=ApiKey.objects.filter(pk__in=revoked_ids),
            action_flag=CHANGE,
            change_message=[{"changed": {"fields": [label]}}],
        )
    count = len(revoked_ids)
    modeladmin.message_user(
        request,
        gettext("Revoked %(count)d %(items)s.") % {"count": count, "items": model_ngettext(modeladmin.opts, count)},
        messages.SUCCESS if count else messages.WARNING,
    )


class RevokedFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("Not revoked")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "seller", "partner", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = [RevokedFilter]
    search_fields = ["name", "prefix", "seller__name", "partner__name"]
    list_select_related = ["seller", "partner"]
    ordering = ["-created_at", "-id"]
    actions = [revoke_api_keys]
    fields = FIELDS
    readonly_fields = FIELDS

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request) -> bool:
        # Revoking is the one change the admin makes to a key: those who may change keys may revoke.
        return request.user.has_perm(f"{self.opts.app_label}.{get_permission_codename('change', self.opts)}")
