"""The seller's shop settings pages (店铺设置): when the customer's survey goes out; the shop's branding
(display name, logo); which customer messages go out automatically and where; the shop's wording of
each message with a live preview; the after-sale page (its link, QR code and rules) and the printable
insert card (售后卡). Every member of the seller reads them; its managers change them
(``reship.services.shop_settings``); anyone else gets a 404 (``seller_required``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from orders.models import Seller
from reship import permissions
from reship.choices import CustomerChannels, CustomerEvent
from reship.core.errors import ActionNotPermitted, InvalidInput
from reship.customers import branding
from reship.customers import messages as wording
from reship.customers.policy import shop_choices
from reship.models import CustomerMessageTemplate
from reship.services import shop_settings as service
from reship.web.decorators import form_add_workflow_error, seller_required
from reship.web.forms.shop_settings import (
    CHANNEL_HELP,
    BrandingForm,
    MessageChoicesForm,
    MessageTemplateForm,
    ReportRulesForm,
    ShopSettingsForm,
)
from reship.web.http import SellerRequest
from reship.web.views.shop_public import report_link

LANGUAGE_NAMES = {"zh-hans": "中文", "en": "English"}


def _initial(seller: Seller) -> dict[str, dict[str, Any]]:
    return {
        "survey": {"survey_delay_days": seller.survey_delay_days, "survey_fallback_days": seller.survey_fallback_days},
        "branding": {"display_name": seller.display_name},
        "messages": shop_choices(seller.pk),
        "rules": {
            "return_window_days": seller.return_window_days,
            "auto_confirm_lost_days": seller.auto_confirm_lost_days or "",
            "auto_confirm_max_value": seller.auto_confirm_max_value
            if seller.auto_confirm_max_value is not None
            else "",
        },
    }


FORMS: dict[str, type[forms.Form]] = {
    "survey": ShopSettingsForm,
    "branding": BrandingForm,
    "messages": MessageChoicesForm,
    "rules": ReportRulesForm,
}


def _save(section: str, request: SellerRequest, data: dict[str, Any]) -> None:
    actor, seller_id = request.user, request.seller.pk
    writers: dict[str, Callable[[], object]] = {
        "survey": lambda: service.shop_survey_delays_update(actor=actor, seller_id=seller_id, **data),
        "branding": lambda: service.shop_branding_update(actor=actor, seller_id=seller_id, **data),
        "messages": lambda: service.shop_messages_update(actor=actor, seller_id=seller_id, choices=data),
        "rules": lambda: service.shop_report_rules_update(actor=actor, seller_id=seller_id, **data),
    }
    writers[section]()


def _saved_message(section: str) -> str:
    return {
        "survey": _("Shop settings saved. Surveys already scheduled keep their date."),
        "branding": _("Branding saved."),
        "messages": _("Customer message choices saved."),
        "rules": _("After-sale page rules saved."),
    }[section]


@never_cache
@require_http_methods(["GET", "POST"])
@seller_required
def shop_settings(request: SellerRequest) -> HttpResponse:
    seller = request.seller
    can_manage = permissions.can_manage_shop_settings(request.user, seller.pk)
    initial = _initial(seller)
    bound = {section: form_class(initial=initial[section]) for section, form_class in FORMS.items()}
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Only a manager of your shop may change its settings."))
        section = request.POST.get("section", "survey")
        if section not in FORMS:
            raise Http404
        form = FORMS[section](request.POST, request.FILES)
        bound[section] = form
        if form.is_valid():
            try:
                _save(section, request, form.cleaned_data)
            except ActionNotPermitted as error:
                raise PermissionDenied(error.message) from None
            except InvalidInput as error:
                form_add_workflow_error(form, error)
            else:
                messages.success(request, _saved_message(section))
                return redirect(reverse("account:shop-settings") + f"#{section}")
        status = 400
    seller.refresh_from_db()
    choices = shop_choices(seller.pk)
    context = {
        "seller": seller,
        "form": bound["survey"],
        "branding_form": bound["branding"],
        "messages_form": bound["messages"],
        "rules_form": bound["rules"],
        "message_rows": [
            {
                "event": event,
                "label": label,
                "field": bound["messages"][event],
                "chosen": CustomerChannels(choices[event]).label,
                "help": CHANNEL_HELP[CustomerChannels(choices[event])],
            }
            for event, label in CustomerEvent.choices
        ],
        "logo_url": branding.logo_path(seller),
        "report_link": report_link(seller),
        "can_manage": can_manage,
    }
    return render(request, "account/shop_settings.html", context, status=status)


# --- the shop's wording of one message ----------------------------------------------------------
def _event_or_404(event: str) -> str:
    if event not in CustomerEvent.values:
        raise Http404
    return event


def _preview(event: str, language: str, data: dict[str, str]) -> dict[str, Any]:
    """The message filled with sample values, and each text's problem (the others still shown)."""
    samples = wording.SAMPLE_VALUES[language]
    filled: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field in ("subject", "body", "sms"):
        text = (data.get(field) or "").replace("\r\n", "\n")
        try:
            wording.template_check(text, event, field=field)
        except InvalidInput as error:
            errors[field] = [error.message]
            filled[field] = ""
        else:
            filled[field] = wording.fill(text, samples)
    filled["sms_length"] = len(filled["sms"])
    filled["errors"] = errors
    return filled


def _language_sections(
    seller: Seller, event: str, *, can_manage: bool, posted: str | None, form: MessageTemplateForm | None
) -> list[dict[str, Any]]:
    own = set(CustomerMessageTemplate.objects.filter(seller=seller, event=event).values_list("language", flat=True))
    sections = []
    for language in wording.LANGUAGES:
        current = wording.wording_for(seller.pk, event, language)
        values = {"subject": current.subject, "body": current.body, "sms": current.sms}
        if posted == language and form is not None:
            this = form
            values = {field: form.data.get(f"{language}-{field}", "") for field in values}
        else:
            this = MessageTemplateForm(prefix=language, initial=values)
        for field in this.fields.values():
            field.widget.attrs["lang"] = language  # the text is in that language, whatever the page's
            if not can_manage:  # staff read the wording and may preview it, not change it
                field.widget.attrs["readonly"] = True
        sections.append(
            {
                "language": language,
                "name": LANGUAGE_NAMES[language],
                "form": this,
                "own": language in own,
                "preview": _preview(event, language, values),
            }
        )
    return sections


@never_cache
@require_http_methods(["GET", "POST"])
@seller_required
def shop_message(request: SellerRequest, event: str) -> HttpResponse:
    seller = request.seller
    event = _event_or_404(event)
    can_manage = permissions.can_manage_shop_settings(request.user, seller.pk)
    posted: str | None = None
    form: MessageTemplateForm | None = None
    status = 200
    if request.method == "POST":
        posted = request.POST.get("language", "")
        if posted not in wording.LANGUAGES:
            raise Http404
        action = request.POST.get("action", "save")
        form = MessageTemplateForm(request.POST, prefix=posted)
        if action in ("save", "reset") and not can_manage:
            raise PermissionDenied(_("Only a manager of your shop may change its settings."))
        try:
            if action == "reset":
                service.shop_template_reset(actor=request.user, seller_id=seller.pk, event=event, language=posted)
                messages.success(request, _("The message is back to the default wording."))
                return redirect("account:shop-message", event=event)
            if action == "save" and form.is_valid():
                service.shop_template_update(
                    actor=request.user, seller_id=seller.pk, event=event, language=posted, **form.cleaned_data
                )
                messages.success(request, _("Message saved. It is used from the next message on."))
                return redirect("account:shop-message", event=event)
        except ActionNotPermitted as error:
            raise PermissionDenied(error.message) from None
        except InvalidInput as error:
            form_add_workflow_error(form, error)
        if action == "save":
            status = 400
    context = {
        "seller": seller,
        "event": event,
        "event_label": CustomerEvent(event).label,
        "placeholders": [("{" + name + "}", wording.PLACEHOLDER_HELP[name]) for name in wording.PLACEHOLDERS[event]],
        "sections": _language_sections(seller, event, can_manage=can_manage, posted=posted, form=form),
        "can_manage": can_manage,
    }
    return render(request, "account/shop_message.html", context, status=status)


@require_POST
@seller_required
def shop_message_preview(request: SellerRequest, event: str) -> JsonResponse:
    """The live preview: the typed texts filled with sample values, as JSON (nothing is saved)."""
    event = _event_or_404(event)
    language = request.POST.get("language", "")
    if language not in wording.LANGUAGES:
        raise Http404
    data = {field: request.POST.get(f"{language}-{field}", "") for field in ("subject", "body", "sms")}
    return JsonResponse(_preview(event, language, data))


@never_cache
@seller_required
def shop_card(request: SellerRequest) -> HttpResponse:
    """The printable insert card (售后卡): the shop's name and logo, the QR code and the short link."""
    seller = request.seller
    context = {
        "seller": seller,
        "shop_name": branding.shop_name(seller),
        "logo_url": branding.logo_path(seller),
        "report_link": report_link(seller),
    }
    return render(request, "account/shop_card.html", context)
