"""The request list, one for both sides (and platform admins reading): stage tabs with counts, a
search, a dashboard figure's filter, and exports of the same rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reship import lifecycle
from reship.accounts.roles import Role, organisation_for
from reship.core import exports
from reship.evaluation import LINK_PARAMETERS, evaluation_link_filter
from reship.models import ReshipRequest
from reship.selectors import requests as selectors
from reship.web import request_exports
from reship.web.http import AuthenticatedRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 50


def organisation_member(request: AuthenticatedRequest) -> Role:
    """Seller or partner staff, and platform admins reading; anyone else finds no such page."""
    organisation = organisation_for(request.user)
    if organisation.role not in (Role.SELLER, Role.PARTNER, Role.ADMIN):
        raise Http404
    return organisation.role


# --- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    """What the list's parameters ask for: a stage, a search, a dashboard figure's filter."""

    stage: str
    search: str
    figure_params: dict[str, str]
    figure_error: str
    narrowed: Q


@dataclass(frozen=True)
class ListRow:
    """A request in the list, with the label of the stage it is at."""

    reship: ReshipRequest
    stage_label: StrOrPromise


def _list_filters(request: AuthenticatedRequest) -> ListFilters:
    """The list's filters from the query string; unknown or unreadable ones are not applied."""
    stage = request.GET.get("stage", "")
    # A dashboard figure links here with its own filters (see reship.evaluation.links).
    figure_params = {name: request.GET[name] for name in LINK_PARAMETERS if request.GET.get(name)}
    figure_error = ""
    try:
        narrowed = evaluation_link_filter(figure_params, now=timezone.now())
    except ValueError as error:
        narrowed, figure_params, figure_error = Q(), {}, str(error)
    return ListFilters(
        stage=stage if stage in lifecycle.STAGE_BY_KEY else "",
        search=request.GET.get("q", "").strip()[: selectors.SEARCH_MAX_LENGTH],
        figure_params=figure_params,
        figure_error=figure_error,
        narrowed=narrowed,
    )


def _listed(request: AuthenticatedRequest, filters: ListFilters) -> QuerySet[ReshipRequest]:
    return selectors.request_search_for_user(
        user=request.user, now=timezone.now(), stage=filters.stage, search=filters.search, narrowed=filters.narrowed
    )


@login_required
@require_GET
def request_list(request: AuthenticatedRequest) -> HttpResponse:
    side = organisation_member(request)
    chosen = _list_filters(request)
    stage, search, figure_params, narrowed = chosen.stage, chosen.search, chosen.figure_params, chosen.narrowed
    page = Paginator(_listed(request, chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.request_stage_counts_for_user(user=request.user, search=search, narrowed=narrowed)
    labels = {each.key: each.label for each in lifecycle.STAGES + lifecycle.OFF_TRACK_STAGES}
    rows = [
        ListRow(reship, labels.get(lifecycle.STAGE_OF_STATUS.get(reship.status, ""), "")) for reship in page.object_list
    ]
    # The partner never sees customers' reports before the seller confirms them: no such tabs for it.
    hidden = set(lifecycle.BEFORE_PARTNER_STATUSES) if side == Role.PARTNER else set()
    stages = [each for each in lifecycle.FILTER_STAGES if not (each.statuses and set(each.statuses) <= hidden)]
    filters = [
        {
            "key": key,
            "label": label,
            "count": counts[key or "all"],
            "query": urlencode(
                {**figure_params, **{name: value for name, value in (("stage", key), ("q", search)) if value}}
            ),
        }
        for key, label in [("", _("All")), *((each.key, each.label) for each in stages)]
    ]
    context = {
        "side": side,
        "page": page,
        "rows": rows,
        "filters": filters,
        "stage": stage,
        "search": search,
        "figure_params": figure_params,
        "figure_error": chosen.figure_error,
    }
    return render(request, "requests/list.html", context)


@login_required
@require_GET
def export(request: AuthenticatedRequest, file_format: str) -> HttpResponseBase:
    """The requests the list shows for the same parameters (all pages)."""
    organisation_member(request)
    chosen = _list_filters(request)
    return exports.response(
        file_format=file_format,
        table=request_exports.requests_table_for(request.user),
        queryset=_listed(request, chosen),
        filename=exports.export_filename(prefix=request_exports.FILENAME_PREFIX, parts=[chosen.stage]),
    )
