"""Each role's home page, and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from reship import selectors
from reship.accounts.roles import Role, organisation_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the home page of their role."""
    organisation = organisation_for(request.user)
    if organisation.role == Role.SELLER:
        return redirect("seller-home")
    if organisation.role == Role.PARTNER:
        return redirect("partner-home")
    if organisation.role == Role.ADMIN:
        return redirect("admin:index")
    return render(request, "home/no_organisation.html", status=403)


@login_required
def seller_home(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    if organisation.seller is None:
        raise Http404
    context = {
        "organisation": organisation.seller,
        "stage_counts": selectors.request_stage_counts(seller=organisation.seller),
        "recent_requests": selectors.request_list_for_seller(seller=organisation.seller)[:10],
    }
    return render(request, "home/seller.html", context)


@login_required
def partner_home(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    if organisation.partner is None:
        raise Http404
    context = {
        "organisation": organisation.partner,
        "stage_counts": selectors.request_stage_counts(partner=organisation.partner),
        "review_queue": selectors.request_review_queue_for_partner(partner=organisation.partner)[:10],
    }
    return render(request, "home/partner.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the compose healthcheck: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
