"""Show times in the signed-in user's own time zone (``User.time_zone``).

Dates are stored in UTC; Django renders them in the active time zone. This activates the user's
zone for the request and deactivates it afterwards, so a worker thread never carries one user's
zone into the next request. A zone name that no longer loads (a typo saved through the admin, an
older tzdata) falls back to ``settings.TIME_ZONE`` rather than failing the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from reship.core.time_zones import time_zone_load

logger = logging.getLogger(__name__)


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
