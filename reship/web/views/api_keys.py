"""The "API keys" page of a seller's or partner's staff: their organisation's keys, a form for a
new one, and a revoke button per key.

A new key's secret is shown in the answer to the create form only — never put in a message, the
session or the database (only its hash is kept). Another organisation's key is a 404; a user of no
seller or partner finds no such page.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from reship.accounts.roles import organisation_for
from reship.core.bounds import DATE_VALIDATORS
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.services.api_keys import api_key_create, api_key_revoke, api_keys_for
from reship.web.decorators import form_add_workflow_error
from reship.web.http import AuthenticatedRequest


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What will use the key, such as “ERP” or “warehouse system”."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Expires after"),
        required=False,
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Optional: the key works until the end of this day (your time zone)."),
    )

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("The expiry cannot be in the past."), code="past")
        return day

    def expires_at(self) -> datetime | None:
        """The end of the chosen day in the user's time zone: the first moment of the next."""
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _organisation_staff(request: AuthenticatedRequest) -> None:
    organisation = organisation_for(request.user)
    if organisation.seller is None and organisation.partner is None:
        raise Http404


def _page(request: AuthenticatedRequest, *, form: ApiKeyForm | None = None, new_key=None, secret: str = "", status=200):
    context = {
        "form": form or ApiKeyForm(),
        "keys": api_keys_for(actor=request.user).select_related("created_by"),
        "new_key": new_key,
        "secret": secret,
        "now": timezone.now(),
    }
    return render(request, "account/api_keys.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: AuthenticatedRequest) -> HttpResponse:
    _organisation_staff(request)
    if request.method == "GET":
        return _page(request)
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            key, secret = api_key_create(
                actor=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
            )
        except ActionNotPermitted:
            raise Http404 from None
        except InvalidInput as error:
            form_add_workflow_error(form, error)
        else:
            # Shown in this response only: a reload shows the list without it.
            return _page(request, new_key=key, secret=secret)
    return _page(request, form=form, status=400)


@never_cache
@login_required
@require_POST
def api_key_revoke_view(request: AuthenticatedRequest, key_id: int) -> HttpResponse:
    _organisation_staff(request)
    try:
        key = api_key_revoke(actor=request.user, key_id=key_id)
    except RequestNotFound:
        raise Http404 from None
    messages.success(request, _("The key “%(name)s” is revoked: it no longer signs in.") % {"name": key.name})
    return redirect("account:api-keys")
