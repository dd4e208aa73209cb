"""A shop's after-sale page (售后自助): a customer with no account finds their order and reports
what went wrong, on a phone, under the shop's own name.

``/c/<key>/`` (the shop's ``report_key``, printed as a QR code on the insert card) asks for the
platform order number and the last 4 digits of the phone on the order. The answer is the same
whether the order does not exist or the digits are wrong, with the same work done (one query, the
same comparisons), and every try counts toward a limit per client address and per order number
(``reship.core.rate_limits``); past it, 429 saying when to try again. A match leads to
``/c/<key>/order/<token>/`` (``signing.report_token``: that shop's order, for two hours), where
``reship_report`` and the customer's photos (``evidence_add_from_customer``) are one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any

from csp.constants import SELF
from csp.decorators import csp_update
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from orders.models import Order, Seller
from reship import lifecycle
from reship.core import signing
from reship.core.client_ip import client_ip
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.core.rate_limits import Limit, rate_limit_try
from reship.customers import branding
from reship.models import ReshipRequest
from reship.selectors.quantities import remaining_quantities
from reship.services.evidence import FIELD as PHOTOS_FIELD
from reship.services.evidence import evidence_add_from_customer
from reship.web.forms.customer_report import CustomerReportForm, OrderLookupForm
from reship.workflow.application import LineRequest
from reship.workflow.report import ReportAlreadyOpen, report_deadline, reship_report

LOOKUP_WINDOW_SECONDS = 3600
# Compared for every lookup, found or not: the customer's phone, the recipient's as typed and normalised.
PHONES_COMPARED = 3


def _shop(seller: Seller | None) -> dict[str, str]:
    if seller is None:
        return {"shop_name": "", "logo_url": ""}
    return {"shop_name": branding.shop_name(seller), "logo_url": branding.logo_path(seller)}


def _page(
    request: HttpRequest, template: str, seller: Seller | None, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {**_shop(seller), "seller": seller, **context}, status=status)


def _problem(
    request: HttpRequest,
    seller: Seller | None,
    *,
    heading: str,
    message: str,
    status: int,
    open_requests: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    """A page that says why there is nothing to do, with the way back to the shop's lookup."""
    context = {
        "heading": heading,
        "message": message,
        "open_requests": open_requests or [],
        "lookup_url": branding.report_path(seller) if seller is not None else "",
    }
    return _page(request, "customers/report_problem.html", seller, context, status=status)


def _shop_or_none(key: str) -> Seller | None:
    return Seller.objects.filter(report_key=key).first()


def _unknown_shop(request: HttpRequest) -> HttpResponse:
    return _problem(
        request,
        None,
        heading=_("Page not found"),
        message=_("Check the link, or scan the QR code on the card in your parcel again."),
        status=404,
    )


def _order_not_found(request: HttpRequest, seller: Seller) -> HttpResponse:
    return _problem(request, seller, heading=_("Order not found"), message=_("Look up your order again."), status=404)


# --- step 1: find the order ---------------------------------------------------------------------


def _last_digits(phone: str) -> str:
    digits = "".join(character for character in phone if character.isascii() and character.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def _order_matching(seller: Seller, number: str, last4: str) -> Order | None:
    """The shop's order with this number whose phone ends in ``last4``; the same query and the same
    comparisons whether or not the order exists, so the time taken tells nothing."""
    order = (
        Order.objects.filter(seller=seller, platform_order_number=number)
        .only("pk", "customer_phone", "ship_phone", "ship_phone_e164")
        .first()
    )
    phones = [order.customer_phone, order.ship_phone, order.ship_phone_e164] if order is not None else []
    phones += [""] * (PHONES_COMPARED - len(phones))
    matched = False
    for phone in phones:
        ending = _last_digits(phone) or "\0\0\0\0"  # never equal to four digits typed
        matched |= hmac.compare_digest(ending.encode(), last4.encode())
    return order if matched else None


def _lookup_limits(request: HttpRequest, seller: Seller, number: str) -> list[Limit]:
    number_key = hashlib.sha256(number.casefold().encode()).hexdigest()[:32]
    return [
        Limit(
            f"report-lookup-address:{client_ip(request) or 'unknown'}",
            settings.RESHIP_REPORT_LOOKUPS_PER_ADDRESS,
            LOOKUP_WINDOW_SECONDS,
        ),
        Limit(
            f"report-lookup-order:{seller.pk}:{number_key}",
            settings.RESHIP_REPORT_LOOKUPS_PER_ORDER,
            LOOKUP_WINDOW_SECONDS,
        ),
    ]


def _too_many(request: HttpRequest, seller: Seller, seconds: int) -> HttpResponse:
    response = _page(
        request, "customers/report_wait.html", seller, {"minutes": max(1, math.ceil(seconds / 60))}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest, key: str) -> HttpResponse:
    seller = _shop_or_none(key)
    if seller is None:
        return _unknown_shop(request)
    if request.method == "GET":
        return _page(request, "customers/report_lookup.html", seller, {"form": OrderLookupForm()})

    form = OrderLookupForm(request.POST)
    if not form.is_valid():
        return _page(request, "customers/report_lookup.html", seller, {"form": form}, status=400)
    number, last4 = form.cleaned_data["order_number"], form.cleaned_data["phone_last4"]
    wait = rate_limit_try(_lookup_limits(request, seller, number))
    if wait:
        return _too_many(request, seller, wait)
    order = _order_matching(seller, number, last4)
    if order is None:
        form.add_error(
            None,
            _(
                "We could not find an order with these details. Check the order number and the last 4 digits "
                "of the phone number given with the order."
            ),
        )
        return _page(request, "customers/report_lookup.html", seller, {"form": form}, status=400)
    return redirect("customer-report-order", key=seller.report_key, token=signing.report_token(order.pk, seller.pk))


# --- step 2: report on the order ----------------------------------------------------------------


def _open_requests(order: Order) -> list[dict[str, Any]]:
    """The order's requests still being handled, each with its tracking page (no internal number)."""
    rows = ReshipRequest.objects.filter(order=order, status__in=lifecycle.OPEN_STATUSES).order_by("created_at", "pk")
    return [{"reship": reship, "url": signing.track_path(reship)} for reship in rows]


def _track_of(reship: ReshipRequest) -> list[dict[str, Any]]:
    return [{"reship": reship, "url": signing.track_path(reship)}]


# The photo thumbnails are the chosen files shown from the browser's memory (blob: URLs).
_thumbnails_policy = csp_update({"img-src": [SELF, "blob:"]})


@never_cache
@_thumbnails_policy  # type: ignore[arg-type]  # django-csp types views as taking the request only
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, key: str, token: str) -> HttpResponse:
    seller = _shop_or_none(key)
    if seller is None:
        return _unknown_shop(request)
    try:
        order_id = signing.report_token_read(token, seller.pk)
    except signing.LinkError as error:
        expired = isinstance(error, signing.LinkExpired)
        heading = _("This page has expired") if expired else _("This link cannot be used")
        return _problem(request, seller, heading=heading, message=str(error), status=410 if expired else 400)
    order = Order.objects.filter(pk=order_id, seller=seller).prefetch_related("lines__product").first()
    if order is None:
        return _order_not_found(request, seller)

    deadline = report_deadline(order)
    now = timezone.now()
    if now > deadline:
        return _problem(
            request,
            seller,
            heading=_("This order can no longer be reported here"),
            message=_("Problems with this order could be reported until %(date)s. Please contact the shop directly.")
            % {"date": timezone.localtime(deadline).strftime("%Y-%m-%d")},
            status=409,
        )
    remaining = remaining_quantities(order)
    if not any(left > 0 for left in remaining.values()):
        return _problem(
            request,
            seller,
            heading=_("Everything in this order has been reported"),
            message=_("There is nothing left to report for this order."),
            status=409,
            open_requests=_open_requests(order),
        )

    max_photos = settings.RESHIP_REPORT_MAX_PHOTOS
    context: dict[str, Any] = {"order": order, "deadline": deadline, "open_requests": _open_requests(order)}
    if request.method == "GET":
        form = CustomerReportForm(order=order, remaining=remaining, max_photos=max_photos)
        return _page(request, "customers/report_order.html", seller, {**context, "form": form})

    form = CustomerReportForm(request.POST, request.FILES, order=order, remaining=remaining, max_photos=max_photos)
    if form.is_valid():
        resolution = form.cleaned_data["preferred_resolution"]
        try:
            # One transaction: a refused photo takes the report (and its messages) back with it.
            with transaction.atomic():
                reship = reship_report(
                    order_id=order.pk,
                    seller_id=seller.pk,
                    lines=[LineRequest(line_id, quantity, resolution) for line_id, quantity in form.line_quantities()],
                    reason=form.cleaned_data["reason"],
                    description=form.cleaned_data["description"],
                    preferred_resolution=resolution,
                    now=now,
                )
                evidence_add_from_customer(request=reship, files=form.cleaned_data[PHOTOS_FIELD], now=now)
        except ReportAlreadyOpen as error:
            return _problem(
                request,
                seller,
                heading=_("This problem is already being handled"),
                message=_("You reported these items already. Follow that report on its page."),
                status=409,
                open_requests=_track_of(error.open_request),
            )
        except RequestNotFound:
            return _order_not_found(request, seller)
        except InvalidInput as error:
            form.add_workflow_error(error)
        except InvalidTransition as error:
            return _problem(
                request, seller, heading=_("This order cannot be reported now"), message=error.message, status=409
            )
        else:
            return _page(
                request,
                "customers/report_thanks.html",
                seller,
                {"order": order, "track_url": signing.track_path(reship)},
            )
    files_sent = bool(request.FILES.getlist(PHOTOS_FIELD))
    return _page(
        request, "customers/report_order.html", seller, {**context, "form": form, "files_sent": files_sent}, status=400
    )
