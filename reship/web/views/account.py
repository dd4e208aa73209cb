"""The signed-in user's own account: profile (language and time zone), language switch, password
change, and password reset by email.

Password pages are Django's auth views with Reship's templates; their URL names live in the
``account`` namespace, so every success URL is named explicitly. Sign-in is throttled by django-axes
(``reship.accounts.sign_in``), whose lockout page is ``login_locked_out`` here; reset e-mails are
limited by ``reship.accounts.password_reset``.
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core import validators
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from reship.accounts.password_reset import password_reset_allow
from reship.accounts.roles import organisation_for
from reship.accounts.sign_in import sign_in_locked_until
from reship.core.client_ip import client_ip
from reship.core.time_zones import time_zone_load
from reship.web.forms import form_field
from reship.web.http import AuthenticatedRequest

logger = logging.getLogger(__name__)

# Offered in the profile's list; any other IANA name can be typed.
COMMON_TIME_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)


@cache
def _time_zones_by_lower_name() -> dict[str, str]:
    """Typed names are matched without regard to case: "asia/tokyo" means Asia/Tokyo."""
    return {name.lower(): name for name in available_timezones()}


def time_zone_name_clean(value: str) -> str | None:
    """The canonical IANA name for what was typed, or None if it names no time zone."""
    name = value.strip()
    name = _time_zones_by_lower_name().get(name.lower(), name)
    return name if time_zone_load(name) is not None else None


def _language_choices() -> list[tuple[str, str]]:
    """Each language in its own script (简体中文, English), as in the switcher."""
    return [(code, translation.get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class ProfileForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        help_text=gettext_lazy("Pages, emails and your inbox are written in this language."),
    )
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"), help_text=gettext_lazy("Times are shown in this time zone.")
    )
    other_time_zone = forms.CharField(
        label=gettext_lazy("Another time zone"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("Optional: any IANA time zone name, such as Europe/Paris; it replaces the list."),
    )
    email_notifications = forms.BooleanField(
        label=gettext_lazy("Email me notifications as well"),
        required=False,
        help_text=gettext_lazy("Every notification reaches your inbox here; with this on, it is emailed to you too."),
    )

    def __init__(self, *args: Any, current_time_zone: str = "", **kwargs: Any) -> None:
        """``current_time_zone`` joins the list when it is a valid zone outside the common ones."""
        super().__init__(*args, **kwargs)
        form_field(self, "language", forms.ChoiceField).choices = _language_choices()
        zones = list(COMMON_TIME_ZONES)
        if current_time_zone not in zones and time_zone_load(current_time_zone) is not None:
            zones.append(current_time_zone)
        form_field(self, "time_zone", forms.ChoiceField).choices = [(zone, zone.replace("_", " ")) for zone in zones]

    def clean_other_time_zone(self) -> str:
        typed = self.cleaned_data["other_time_zone"].strip()
        if not typed:
            return ""
        name = time_zone_name_clean(typed)
        if name is None:
            raise forms.ValidationError(
                _("“%(name)s” is not a time zone name. Use an IANA name such as Europe/Paris."),
                params={"name": typed},
                code="unknown_time_zone",
            )
        return name

    def chosen_time_zone(self) -> str:
        return self.cleaned_data["other_time_zone"] or self.cleaned_data["time_zone"]


def _remember_language(response: HttpResponse, language: str) -> None:
    """The same cookie Django's ``set_language`` sets, so the next page is in that language."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, current_time_zone=user.time_zone)
        if form.is_valid():
            user.language = form.cleaned_data["language"]
            user.time_zone = form.chosen_time_zone()
            user.email_notifications = form.cleaned_data["email_notifications"]
            user.save(update_fields=["language", "time_zone", "email_notifications"])
            # The message is read on the next page, which is already in the chosen language.
            with translation.override(user.language):
                messages.success(request, _("Your settings were saved."))
            response = redirect("account:profile")
            _remember_language(response, user.language)
            return response
    else:
        form = ProfileForm(
            initial={
                "language": user.language,
                "time_zone": user.time_zone,
                "email_notifications": user.email_notifications,
            },
            current_time_zone=user.time_zone,
        )
    context = {
        "form": form,
        "organisation": organisation_for(user),
        "now": timezone.now(),
        "time_zone_name": timezone.get_current_timezone_name(),
    }
    return render(request, "account/profile.html", context)


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (cookie, safe redirect), and for a signed-in user the choice is
    saved too, so emails and the inbox follow it."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return response


class LanguagePasswordResetForm(PasswordResetForm):
    """The reset email goes out in the account's language, whatever the page was shown in."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        language = getattr(context.get("user"), "language", "") or translation.get_language()
        with translation.override(language):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name=html_email_template_name,
            )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = LanguagePasswordResetForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("account:password-reset-done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        allowed = password_reset_allow(
            ip_address=client_ip(self.request) or None, email=form.cleaned_data["email"], now=timezone.now()
        )
        if not allowed:
            # The same answer as a sent e-mail: the page never tells whether an account exists.
            logger.info("Password reset e-mail not sent: the limit for the address or the account is reached")
            return HttpResponseRedirect(self.get_success_url())
        # Links use the configured address, as every other email does, not the request's Host.
        self.extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
password_reset_done = auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_done.html")
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("account:password-reset-complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html"
)
password_change = auth_views.PasswordChangeView.as_view(
    template_name="registration/password_change_form.html",
    success_url=reverse_lazy("account:password-change-done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html")


class SignInForm(AuthenticationForm):
    """Django's sign-in form with its user name's length enforced: Django sets the field's
    max_length after the field is made, so only the browser held to it, and a name of more than
    255 characters reached django-axes, whose failure record could not store it (a 500 on
    PostgreSQL). Now it is the form's error, like any wrong sign-in, before anyone is looked up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = self.username_field.max_length or 254  # as Django's own form reads it
        self.fields["username"].validators.append(validators.MaxLengthValidator(limit))


class LoginView(auth_views.LoginView):
    """Signing in switches the pages to the language saved on the account (the one its emails use)."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        _remember_language(response, form.get_user().language)
        return response


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' lockout answer (``AXES_LOCKOUT_CALLABLE``): a page, in the reader's language,
    saying until when sign-in is locked, with 429 and Retry-After."""
    now = timezone.now()
    until = sign_in_locked_until(request, credentials) or now + timedelta(minutes=settings.RESHIP_LOGIN_COOLOFF_MINUTES)
    seconds = max(1, math.ceil((until - now).total_seconds()))
    context = {
        "until": until,
        "minutes": math.ceil(seconds / 60),
        "time_zone_name": timezone.get_current_timezone_name(),
    }
    response = render(request, "registration/login_locked.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
