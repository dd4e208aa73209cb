"""Pages for people without an account, reached through signed links: the source confirms a restock
order, the customer answers the survey.

No login: the signed token is the credential, and the state it changes makes it single use. GET
reads what the link is for; POST parses a form and calls one workflow function, which re-checks
everything under lock. The pages speak the visitor's language (``LocaleMiddleware``) and keep CSRF.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from reship import workflow
from reship.choices import RestockStatus
from reship.core import signing
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.customers import branding, links
from reship.models import ReshipRequest, RestockOrder, SurveyResponse
from reship.web.forms.public import RestockConfirmForm, SurveyForm

# --- pages that explain why there is nothing to do ---------------------------------------------


def problem_page(request: HttpRequest, *, heading: str, message: str, status: int) -> HttpResponse:
    return render(request, "public/problem.html", {"heading": heading, "message": message}, status=status)


def link_problem_page(request: HttpRequest, error: signing.LinkError) -> HttpResponse:
    """410 for an expired link (the holder should ask for a new one), 400 for any other bad token."""
    if isinstance(error, signing.LinkExpired):
        return problem_page(request, heading=_("This link has expired"), message=str(error), status=410)
    return problem_page(request, heading=_("This link cannot be used"), message=str(error), status=400)


def not_found_page(request: HttpRequest, message: str) -> HttpResponse:
    return problem_page(request, heading=_("Nothing to do here"), message=message, status=404)


# --- the source confirms a restock order (补货) --------------------------------------------------


def _restock_for_page(restock_id: int) -> RestockOrder | None:
    return (
        RestockOrder.objects.select_related("request__partner", "line__order_line__product", "supplier")
        .filter(pk=restock_id)
        .first()
    )


def _restock_not_open(request: HttpRequest, restock: RestockOrder, fallback: str = "") -> HttpResponse:
    """409: the order was confirmed already (by this link or by the partner) or was cancelled."""
    if restock.status == RestockStatus.CONFIRMED:
        return render(request, "public/restock_already_confirmed.html", {"restock": restock}, status=409)
    if restock.status == RestockStatus.CANCELLED:
        message = _("This restock order was cancelled; there is nothing to confirm. Nothing was changed.")
    else:
        message = fallback
    return problem_page(request, heading=_("This restock order cannot be confirmed"), message=message, status=409)


@never_cache
@require_http_methods(["GET", "POST"])
def restock_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        restock_id = signing.restock_token_read(token)
    except signing.LinkError as error:
        return link_problem_page(request, error)
    restock = _restock_for_page(restock_id)
    if restock is None:
        return not_found_page(request, _("This restock order does not exist any more."))
    if request.method == "GET":
        if restock.status != RestockStatus.ORDERED:
            return _restock_not_open(request, restock)
        return render(request, "public/restock_confirm.html", {"restock": restock, "form": RestockConfirmForm()})

    form = RestockConfirmForm(request.POST)
    if form.is_valid():
        try:
            confirmed = workflow.reship_confirm_restock(
                restock_order_id=restock.pk,
                actor=None,
                ship_date=form.cleaned_data["ship_date"],
                note=form.cleaned_data["note"],
            )
        except RequestNotFound:
            return not_found_page(request, _("This restock order does not exist any more."))
        except InvalidTransition as error:
            restock.refresh_from_db(fields=["status", "ship_date", "confirmed_at"])
            return _restock_not_open(request, restock, fallback=error.message)
        except InvalidInput as error:
            form.add_workflow_error(error)
        else:
            return render(request, "public/restock_thanks.html", {"restock": confirmed})
    return render(request, "public/restock_confirm.html", {"restock": restock, "form": form}, status=400)


# --- the customer's pages: the shop's name, the order's language ---------------------------------


def customer_page_language(request: HttpRequest, order_language: str) -> str:
    """The visitor's explicit choice (the language switch's cookie), else the language the shop
    writes to this customer in (the order's)."""
    codes = dict(settings.LANGUAGES)
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in codes:
        return chosen
    return order_language if order_language in codes else settings.LANGUAGE_CODE


def customer_page_context(reship: ReshipRequest) -> dict[str, Any]:
    """What every customer page shows on top: the shop's name and logo, the order number the
    customer knows (never "Reship", never an RS number)."""
    return {
        "shop_name": branding.shop_name(reship.seller),
        "logo_url": branding.logo_path(reship.seller),
        "order_number": reship.order.platform_order_number,
    }


# --- the customer answers the survey (客户满意度) ------------------------------------------------


def _survey_request_for_page(request_id: int) -> ReshipRequest | None:
    """The survey exists once it was sent (after the goods arrived), whatever the request's status
    since; until then the link leads nowhere."""
    return (
        ReshipRequest.objects.select_related("order", "seller")
        .filter(pk=request_id, survey_sent_at__isnull=False)
        .first()
    )


def _survey_answered(request: HttpRequest, message: str = "") -> HttpResponse:
    return problem_page(
        request,
        heading=_("This survey has been answered already"),
        message=message or _("Only one answer is kept for each survey, and yours is in. Thank you!"),
        status=409,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        request_id = signing.survey_token_read(token)
    except signing.LinkError as error:
        return link_problem_page(request, error)
    reship = _survey_request_for_page(request_id)
    if reship is None:
        return not_found_page(request, _("This survey does not exist."))
    page = customer_page_context(reship)
    if request.method == "GET":
        if SurveyResponse.objects.filter(request=reship).exists():
            return _survey_answered(request)
        return render(request, "public/survey.html", {**page, "reship": reship, "form": SurveyForm()})

    form = SurveyForm(request.POST)
    if form.is_valid():
        try:
            workflow.survey_answer(
                request_id=reship.pk, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
        except RequestNotFound as error:
            return not_found_page(request, error.message)
        except InvalidTransition as error:
            return _survey_answered(request, error.message)
        except InvalidInput as error:
            form.add_workflow_error(error)
        else:
            follow = signing.track_path(reship) if links.follow_link_open(reship, timezone.now()) else ""
            return render(request, "public/survey_thanks.html", {**page, "reship": reship, "track_url": follow})
    return render(request, "public/survey.html", {**page, "reship": reship, "form": form}, status=400)
