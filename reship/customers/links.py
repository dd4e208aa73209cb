"""How long a customer's link to follow a request stays open: the tracking page (``customer-track``)
answers until ``RESHIP_FOLLOW_LINK_DAYS`` after the request ended, then 410 Gone.

A request ends when it is closed (``closed_at``), or when it stops short: declined by the shop,
rejected, cancelled. Those leave no date column of their own, so their end is the time of the event
that moved the request into that status. An open request's link is always open.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings

from reship import lifecycle
from reship.choices import RequestStatus

if TYPE_CHECKING:
    from reship.models import ReshipEvent, ReshipRequest


def request_ended_at(request: ReshipRequest, events: Iterable[ReshipEvent]) -> datetime | None:
    """When the request ended, or ``None`` while it is open. ``events`` are the request's events
    (any order): the last one into the final status dates a declined, rejected or cancelled request."""
    if request.status not in lifecycle.FINAL_STATUSES:
        return None
    if request.status == RequestStatus.CLOSED and request.closed_at is not None:
        return request.closed_at
    into_final = [event.created_at for event in events if event.to_status == request.status]
    if into_final:
        return max(into_final)
    # No event (data older than the event log): the last time the row changed.
    return request.closed_at or request.updated_at


def follow_link_open(request: ReshipRequest, now: datetime, *, events: Iterable[ReshipEvent] | None = None) -> bool:
    """Whether the customer's link to follow ``request`` still opens at ``now``. Pass the request's
    events when they are loaded already; without them the ending event is read (one query)."""
    if request.status not in lifecycle.FINAL_STATUSES:
        return True
    if events is None:
        events = request.events.filter(to_status=request.status).only("created_at", "to_status")
    ended_at = request_ended_at(request, events)
    if ended_at is None:
        return True
    return now < ended_at + timedelta(days=settings.RESHIP_FOLLOW_LINK_DAYS)
