"""The evaluation dashboards (评估指标): one page for a seller's staff, a partner's staff and the
platform's admins, each scoped to what that side may see, and the export of the requests behind it.

The figures come from ``reship.evaluation.evaluation_figures`` (a fixed number of queries); this
module parses the filter form, turns the figures into headline cards, charts (``reship.core.charts``)
and scorecard tables, and gives every figure the URL of the request list showing the requests
behind it. Admins narrow to one seller by viewing with that seller's scope; the ``seller``
parameter then rides along on every link and export (the evaluation links know no seller).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reship.accounts.roles import Role, organisation_for
from reship.core import exports
from reship.core.bounds import id_from_text
from reship.evaluation import (
    DEFAULT_PERIOD_DAYS,
    Link,
    Scope,
    evaluation_figures_cached,
    evaluation_link_filter,
    evaluation_scope_for,
    requests_url,
)
from reship.models import ReshipRequest
from reship.web.http import AuthenticatedRequest
from reship.web.request_exports import FILENAME_PREFIX, REQUESTS

if TYPE_CHECKING:
    pass

from reship.web import dashboard as sections
from reship.web.forms.dashboard import DashboardFilterForm

COMMENTS_SHOWN = 5


# --- the views ----------------------------------------------------------------------------------


def _scope(request: AuthenticatedRequest) -> Scope:
    """The viewer's scope; anyone with no side (nor admin rights) finds no such page."""
    scope = evaluation_scope_for(request.user)
    if scope.sees_nothing:
        raise Http404
    return scope


def _link_url_maker(extra: Link) -> sections.Url:
    """Link → the request list's URL; ``extra`` (an admin's chosen seller) rides along."""

    def url(link: Link) -> str:
        return requests_url({**link, **extra})

    return url


@login_required
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    scope = _scope(request)
    now = timezone.now()
    data = request.GET.copy()
    data.setdefault("period", str(DEFAULT_PERIOD_DAYS))
    form = DashboardFilterForm(data, scope=scope, today=timezone.localdate(now))
    context = {"form": form, "organisation": _organisation_name(request)}
    if not form.is_valid():
        return render(request, "dashboard/dashboard.html", context, status=400)
    evaluation_filter = form.evaluation_filter(user=request.user, now=now)
    figures = evaluation_figures_cached(filter=evaluation_filter, now=now)
    seller = form.cleaned_data.get("seller")
    if seller is not None:
        context["organisation"] = seller.name
    extra = {"seller": str(seller.pk)} if seller is not None else {}
    url = _link_url_maker(extra)
    export = {**figures.link, **extra}
    last_day = timezone.localdate(evaluation_filter.end) - timedelta(days=1)
    context.update(
        figures=figures,
        first_day=timezone.localdate(evaluation_filter.start),
        last_day=last_day,
        all_requests_url=url(figures.link),
        export_csv_url=reverse("dashboard:export-csv") + "?" + urlencode(export),
        export_xlsx_url=reverse("dashboard:export-xlsx") + "?" + urlencode(export),
        overview=sections.overview(figures, url),
        trend=sections.trend_section(figures, url),
        sections=[
            sections.satisfaction_section(figures, url),
            sections.cost_section(figures, url),
            sections.timeliness_section(figures, url),
            sections.brand_section(figures, url),
            sections.self_service_section(figures, url),
        ],
        partner_charts=sections.partnership_charts(figures, url) if figures.partners else [],
        partner_rows=sections.partner_rows(figures, url),
        partner_columns=sections.PARTNER_COLUMNS,
        supplier_rows=sections.supplier_rows(figures, url),
        supplier_columns=sections.SUPPLIER_COLUMNS,
        balance_lines=sections.balance_lines(figures, extra),
        balance_totals=sections.balance_totals(figures),
        balance_columns=sections.BALANCE_COLUMNS,
        balance_party=_balance_party(evaluation_filter.scope),
        comments=[
            (comment, _comment_url(scope, comment.request_id))
            for comment in figures.satisfaction.latest_comments[:COMMENTS_SHOWN]
        ],
    )
    return render(request, "dashboard/dashboard.html", context)


def _balance_party(scope: Scope) -> str:
    """Whom the outstanding balances' rows name: the partners, or a partner's sellers and sources."""
    if scope.role == Role.PARTNER:
        return _("Seller or source")
    return _("Dropship partner")


def _comment_url(scope: Scope, request_id: int) -> str:
    """Staff open the request page; admins have none, so the request in the Django admin."""
    if scope.role == Role.ADMIN:
        return reverse("admin:reship_reshiprequest_change", args=[request_id])
    return reverse("requests:detail", args=[request_id])


def _organisation_name(request: AuthenticatedRequest) -> str:
    organisation = organisation_for(request.user)
    shown = organisation.seller or organisation.partner
    return shown.name if shown is not None else _("All sellers and partners")


def _export(request: AuthenticatedRequest) -> tuple[QuerySet[ReshipRequest] | None, str]:
    """The requests a link's parameters pick, within what the viewer may see; ``None`` on a bad value."""
    scope = _scope(request)
    try:
        condition = evaluation_link_filter(request.GET, now=timezone.now())
    except ValueError:
        return None, ""
    queryset = ReshipRequest.objects.filter(scope.requests_filter()).filter(condition)
    seller = request.GET.get("seller", "")
    if seller and scope.role == Role.ADMIN:
        seller_id = id_from_text(seller)
        if seller_id is None:
            return None, ""
        queryset = queryset.filter(seller_id=seller_id)
    days = [
        _local_day(request.GET.get("submitted_from", "")),
        _local_day(request.GET.get("submitted_to", ""), end=True),
    ]
    return queryset, exports.export_filename(prefix=FILENAME_PREFIX, parts=days)


def _local_day(value: str, *, end: bool = False) -> str:
    """The local date of a link's bound for the file name; an end bound is exclusive, so its day
    is the one before (``…T00:00`` of the 8th ends the 7th)."""
    moment = parse_datetime(value) if value else None
    if moment is None or timezone.is_naive(moment):
        return ""
    return (timezone.localtime(moment) - timedelta(microseconds=1 if end else 0)).date().isoformat()


@login_required
@require_GET
def export_csv(request: AuthenticatedRequest) -> HttpResponseBase:
    queryset, filename = _export(request)
    if queryset is None:
        return HttpResponseBadRequest(_("The export link is not valid."))
    return exports.csv_response(table=REQUESTS, queryset=queryset, filename=filename)


@login_required
@require_GET
def export_xlsx(request: AuthenticatedRequest) -> HttpResponseBase:
    queryset, filename = _export(request)
    if queryset is None:
        return HttpResponseBadRequest(_("The export link is not valid."))
    return exports.xlsx_response(table=REQUESTS, queryset=queryset, filename=filename)
