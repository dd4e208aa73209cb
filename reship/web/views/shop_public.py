"""A shop's public pieces, no account needed: its logo (on the customer's pages and messages) and
the QR code of its after-sale page (售后自助), printed on the insert card (售后卡). Both are found by the
shop's after-sale key; an unknown key, or a shop without a logo, is a 404."""

from __future__ import annotations

import io
import mimetypes

import segno
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from orders.models import Seller
from reship.core.files import ATTACHMENT_TYPES, INLINE_TYPES
from reship.customers import branding

LOGO_MAX_AGE = 3600  # a changed logo shows within the hour (the link stays the same)


def report_link(seller: Seller) -> str:
    """The after-sale page's absolute link, as printed on the insert card and in its QR code."""
    return settings.SITE_URL.rstrip("/") + branding.report_path(seller)


def report_qr_svg(seller: Seller, *, scale: int = 4) -> str:
    """The QR code of the after-sale page's link, as an SVG document."""
    out = io.BytesIO()
    segno.make(report_link(seller), error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=False)
    return out.getvalue().decode()


@require_GET
def shop_logo(request: HttpRequest, key: str) -> FileResponse:
    seller = get_object_or_404(Seller.objects.only("logo", "report_key"), report_key=key)
    if not seller.logo:
        raise Http404
    name = (seller.logo.name or "").rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = ATTACHMENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or ""
    if content_type not in INLINE_TYPES:
        raise Http404
    try:
        handle = seller.logo.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={LOGO_MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def shop_report_qr(request: HttpRequest, key: str) -> HttpResponse:
    seller = get_object_or_404(Seller.objects.only("report_key"), report_key=key)
    response = HttpResponse(report_qr_svg(seller), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
