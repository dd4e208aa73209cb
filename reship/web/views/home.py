"""Each role's home page ("waiting for you", 等待你处理), and the health check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from reship import lifecycle
from reship.accounts.roles import Role, organisation_for
from reship.selectors import requests as request_selectors
from reship.selectors import waiting

if TYPE_CHECKING:
    from datetime import datetime

    from django_stubs_ext import StrOrPromise

    from reship.models import ReshipRequest
    from reship.web.http import AuthenticatedRequest

# The landing lists this many; the rest are one "see all" link away (the request list's tab).
WAITING_SHOWN = 20


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


@dataclass(frozen=True)
class WaitingRow:
    """A request on the landing: what the side owes on it, and by when."""

    reship: ReshipRequest
    owed: list[StrOrPromise]
    late: bool
    due_in: str  # how long until it is due, or how long it is overdue (``late``)


def _waiting_row(reship: ReshipRequest, side: Role, now: datetime) -> WaitingRow:
    owed = waiting.owed_by(status=reship.status, quote_status=reship.quote_status, side=side)
    due = reship.stage_due_at
    # Late is the step owner's: a quote awaiting the seller on a late fulfilment is late for the partner.
    late = due is not None and due < now and lifecycle.stage_owner(reship.status) == side
    due_in = "" if due is None else (timesince(due, now, depth=1) if due < now else timeuntil(due, now, depth=1))
    return WaitingRow(reship, [kind.label for kind in owed], late, due_in)


def _list_link(**params: str) -> str:
    return f"{reverse('requests:list')}?{urlencode(params)}"


def _landing(request: AuthenticatedRequest, template: str, organisation: object) -> HttpResponse:
    """The landing of either side: its counts (each a link to the filtered list), then the requests
    themselves, overdue first; the stage counts below. A fixed number of queries."""
    now = timezone.now()
    counts = waiting.waiting_counts_for_user(user=request.user, now=now)
    listed = list(waiting.waiting_list_for_user(user=request.user)[: WAITING_SHOWN + 1])
    by_stage = request_selectors.request_stage_counts_for_user(user=request.user)
    hidden = set(lifecycle.BEFORE_PARTNER_STATUSES) if counts.side == Role.PARTNER else set()
    stages = [each for each in lifecycle.FILTER_STAGES if not (each.statuses and set(each.statuses) <= hidden)]
    context = {
        "organisation": organisation,
        "side": counts.side,
        "counts": counts,
        "kind_links": [
            (
                each,
                _list_link(waiting_for=waiting.ME, step=each.kind.key),
                _list_link(waiting_for=waiting.ME, step=each.kind.key, late="1"),
            )
            for each in counts.kinds
        ],
        "all_link": _list_link(waiting_for=waiting.ME),
        "late_link": _list_link(waiting_for=waiting.ME, late="1"),
        "other_link": _list_link(waiting_for=waiting.OTHER),
        "other_late_link": _list_link(waiting_for=waiting.OTHER, late="1"),
        "rows": [_waiting_row(reship, counts.side, now) for reship in listed[:WAITING_SHOWN]],
        "more": len(listed) > WAITING_SHOWN,
        "stage_counts": [(each.key, each.label, by_stage[each.key]) for each in stages],
    }
    return render(request, template, context)


@login_required
def seller_home(request: AuthenticatedRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    if organisation.seller is None:
        raise Http404
    return _landing(request, "home/seller.html", organisation.seller)


@login_required
def partner_home(request: AuthenticatedRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    if organisation.partner is None:
        raise Http404
    return _landing(request, "home/partner.html", organisation.partner)
