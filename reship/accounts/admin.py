"""Admin for users: Django's user admin, plus the language and time zone each user reads in."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from reship.accounts.models import User
from reship.accounts.roles import organisation_for


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
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
