"""The request list, one for both sides (and platform admins reading): "waiting for" tabs (you / the
other side) and stage tabs with counts, a search, a dashboard figure's filter, and exports of the
same rows."""

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
from reship.selectors import waiting
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
    """What the list's parameters ask for: a stage, a search, a dashboard figure's filter, and whom
    the requests wait for (``me`` / ``other``; with it, one kind of step and only the late ones)."""

    stage: str
    search: str
    figure_params: dict[str, str]
    figure_error: str
    narrowed: Q
    whom: str = ""
    step: str = ""
    late: bool = False
    waiting: Q | None = None


@dataclass(frozen=True)
class ListRow:
    """A request in the list: the stage it is at (its status too where the stage has several), whom
    it waits for in the reader's words, and whose lateness it is when late."""

    reship: ReshipRequest
    stage_label: StrOrPromise
    show_status: bool
    waiting_for: StrOrPromise
    late_for: StrOrPromise


def _side_words(side: Role, reader: Role) -> StrOrPromise:
    if side == reader:
        return _("You")
    return _("The partner") if side == Role.PARTNER else _("The seller")


def _late_words(side: Role, reader: Role) -> StrOrPromise:
    if side == reader:
        return _("Late on your side")
    return _("Late on the partner's side") if side == Role.PARTNER else _("Late on the seller's side")


def _row(reship: ReshipRequest, reader: Role, stages: dict[str, lifecycle.Stage]) -> ListRow:
    stage = stages.get(lifecycle.STAGE_OF_STATUS.get(reship.status, ""))
    sides = lifecycle.waiting_for(reship.status, reship.quote_status)
    # The reader's own side first: "You · the partner".
    ordered = sorted(sides, key=lambda side: (side != reader, side))
    owner = lifecycle.stage_owner(reship.status)
    return ListRow(
        reship=reship,
        stage_label=stage.label if stage else "",
        # The status only where it adds something: a stage of several statuses, under another name.
        show_status=stage is None or (len(stage.statuses) > 1 and str(stage.label) != reship.get_status_display()),
        waiting_for=" · ".join(str(_side_words(side, reader)) for side in ordered),
        late_for=_late_words(owner, reader) if getattr(reship, "overdue_since", None) and owner != Role.NONE else "",
    )


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
    whom = request.GET.get("waiting_for", "")
    whom = whom if whom in (waiting.ME, waiting.OTHER) and waiting.side_of_user(request.user) != Role.NONE else ""
    step = request.GET.get("step", "") if whom else ""
    step = step if step in waiting.WAIT_KIND_BY_KEY else ""
    late = bool(whom) and request.GET.get("late") == "1"
    return ListFilters(
        stage=stage if stage in lifecycle.STAGE_BY_KEY else "",
        search=request.GET.get("q", "").strip()[: selectors.SEARCH_MAX_LENGTH],
        figure_params=figure_params,
        figure_error=figure_error,
        narrowed=narrowed,
        whom=whom,
        step=step,
        late=late,
        waiting=waiting.waiting_filter(user=request.user, whom=whom, now=timezone.now(), step=step, late=late)
        if whom
        else None,
    )


def _listed(request: AuthenticatedRequest, filters: ListFilters) -> QuerySet[ReshipRequest]:
    narrowed = filters.narrowed & filters.waiting if filters.waiting is not None else filters.narrowed
    return selectors.request_search_for_user(
        user=request.user, now=timezone.now(), stage=filters.stage, search=filters.search, narrowed=narrowed
    )


def _waiting_tabs(request: AuthenticatedRequest, chosen: ListFilters, counts: dict[str, int]) -> list[dict]:
    """All / waiting for you / waiting for the other side, each with its count (whatever the stage);
    none for a platform admin, whom nothing waits for."""
    side = waiting.side_of_user(request.user)
    if side == Role.NONE:
        return []
    other = _("Waiting for the partner") if side == Role.SELLER else _("Waiting for the seller")
    kept = {**chosen.figure_params, **({"q": chosen.search} if chosen.search else {})}
    return [
        {
            "key": key,
            "label": label,
            "count": counts[f"tab_{key or 'all'}"],
            "query": urlencode({**kept, **({"waiting_for": key} if key else {})}),
        }
        for key, label in (("", _("All")), (waiting.ME, _("Waiting for you")), (waiting.OTHER, other))
    ]


@login_required
@require_GET
def request_list(request: AuthenticatedRequest) -> HttpResponse:
    side = organisation_member(request)
    chosen = _list_filters(request)
    stage, search, figure_params, narrowed = chosen.stage, chosen.search, chosen.figure_params, chosen.narrowed
    page = Paginator(_listed(request, chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    tab_filters = (
        {
            "all": Q(pk__isnull=False),
            waiting.ME: waiting.waiting_filter(user=request.user, whom=waiting.ME, now=now),
            waiting.OTHER: waiting.waiting_filter(user=request.user, whom=waiting.OTHER, now=now),
        }
        if side in (Role.SELLER, Role.PARTNER)
        else {}
    )
    counts = selectors.request_stage_counts_for_user(
        user=request.user, search=search, narrowed=narrowed, within=chosen.waiting, tabs=tab_filters
    )
    stage_by_key = {each.key: each for each in lifecycle.STAGES + lifecycle.OFF_TRACK_STAGES}
    rows = [_row(reship, side, stage_by_key) for reship in page.object_list]
    # The stage tabs keep the chosen "waiting for" tab, its step and lateness.
    waiting_params = {
        name: value
        for name, value in (("waiting_for", chosen.whom), ("step", chosen.step), ("late", "1" if chosen.late else ""))
        if value
    }
    # The partner never sees customers' reports before the seller confirms them: no such tabs for it.
    hidden = set(lifecycle.BEFORE_PARTNER_STATUSES) if side == Role.PARTNER else set()
    stages = [each for each in lifecycle.FILTER_STAGES if not (each.statuses and set(each.statuses) <= hidden)]
    filters = [
        {
            "key": key,
            "label": label,
            "count": counts[key or "all"],
            "query": urlencode(
                {
                    **figure_params,
                    **waiting_params,
                    **{name: value for name, value in (("stage", key), ("q", search)) if value},
                }
            ),
        }
        for key, label in [("", _("All")), *((each.key, each.label) for each in stages)]
    ]
    context = {
        "side": side,
        "page": page,
        "rows": rows,
        "filters": filters,
        "waiting_tabs": _waiting_tabs(request, chosen, counts),
        "waiting_for": chosen.whom,
        "waiting_step": waiting.WAIT_KIND_BY_KEY.get(chosen.step),
        "waiting_late": chosen.late,
        "waiting_params": waiting_params,
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
