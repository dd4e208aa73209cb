"""Admin for users: Django's user admin, plus the language and time zone each user reads in."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from reship.accounts.models import User
from reship.accounts.roles import organisation_for


def _unusable_password_help() -> str:
    return format_html(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


class TranslatedAdminPasswordChangeForm(AdminPasswordChangeForm):
    """Django 5.2 writes this form's warning in English only; the same text, translated."""

    usable_password_help_text = lazy(_unusable_password_help, str)()


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    change_password_form = TranslatedAdminPasswordChangeForm
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Preferences"), {"fields": ("language", "time_zone", "email_notifications")}),
    )
    list_display = ["username", "email", "first_name", "last_name", "organisation", "language", "is_staff"]
    list_filter = [*DjangoUserAdmin.list_filter, "language"]
    # Also what the membership inlines' user autocomplete searches.
    search_fields = ["username", "first_name", "last_name", "email"]
    list_select_related = ["seller_membership__seller", "partner_membership__partner"]

    @admin.display(description=_("organisation"))
    def organisation(self, user: User) -> str:
        organisation = organisation_for(user)
        return str(organisation.seller or organisation.partner or organisation.role.label)


# Admin texts Django's own Chinese catalogue lacks (as of 5.2); listed here so our catalogue,
# which Django reads first, carries them.
ADMIN_TEXTS_DJANGO_DOES_NOT_TRANSLATE = (
    gettext_noop("Model name"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
)
