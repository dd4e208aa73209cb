"""Admin for users: Django's user admin, plus the language and time zone each user reads in."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext

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


@admin.register(AccessAttempt)
class SignInAttemptAdmin(AccessAttemptAdmin):
    """Failed sign-ins as django-axes counts them (reship.accounts.sign_in): one row per username,
    address and browser. Deleting rows, or the unlock action, lets that account or address sign in
    again at once."""

    actions = ["unlock"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Unlock sign-in (forget these failed attempts)"), permissions=["delete"])
    def unlock(self, request, queryset) -> None:
        count, _deleted = queryset.delete()
        self.message_user(
            request,
            ngettext(
                "Sign-in unlocked: %(count)d failed attempt forgotten.",
                "Sign-in unlocked: %(count)d failed attempts forgotten.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


# Admin texts Django's own Chinese catalogue lacks (as of 5.2); listed here so our catalogue,
# which Django reads first, carries them.
ADMIN_TEXTS_DJANGO_DOES_NOT_TRANSLATE = (
    gettext_noop("Model name"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
)

# The admin of django-axes (failed sign-ins, where an admin unlocks an account by deleting its
# attempts) ships no Chinese catalogue; its texts, listed here so ours carries them.
AXES_ADMIN_TEXTS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access lock out"),
    gettext_noop("Locked Out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Not set"),
    gettext_noop("Session key hash (sha256)"),
)
