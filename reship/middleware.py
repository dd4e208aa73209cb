"""Show times in the signed-in user's own time zone (``User.time_zone``).

Dates are stored in UTC; Django renders them in the active time zone. This activates the user's
zone for the request and deactivates it afterwards, so a worker thread never carries one user's
zone into the next request. A zone name that no longer loads (a typo saved through the admin, an
older tzdata) falls back to ``settings.TIME_ZONE`` rather than failing the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

logger = logging.getLogger(__name__)


def time_zone_load(name: str) -> ZoneInfo | None:
    """The zone for an IANA name, or None if it is not one (``ZoneInfo`` caches loaded zones)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


class UserTimeZoneMiddleware:
    """Must come after ``AuthenticationMiddleware``, which sets ``request.user``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            zone = time_zone_load(user.time_zone)
            if zone is None:
                logger.debug("User %s has an unknown time zone %r; using the default", user.pk, user.time_zone)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class QueryCountHeaderMiddleware:
    """The benchmark's query count (``RESHIP_BENCH_QUERY_HEADER``): every response says, in
    ``X-Reship-Queries``, how many SQL statements its request ran. Counted by a wrapper around the
    connection's execute, so it costs one function call per query and works with DEBUG off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Reship-Queries"] = str(count)
        return response
