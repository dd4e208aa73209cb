"""Show times in the signed-in user's own time zone (``User.time_zone``).

Dates are stored in UTC; Django renders them in the active time zone. This activates the user's
zone for the request and deactivates it afterwards, so a worker thread never carries one user's
zone into the next request. A zone name that no longer loads (a typo saved through the admin, an
older tzdata) falls back to ``settings.TIME_ZONE`` rather than failing the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from reship.api.errors import json_error
from reship.core.errors import error_body
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


class NullCharacterInInput(BadRequest):
    """A query parameter or form field holding the NUL character; ``field`` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class NullCharacterRefusalMiddleware:
    """Refuses, as a 400 naming the field, a request whose query string or form fields hold the NUL
    character (``%00``). PostgreSQL can neither store nor compare text holding it, so a search or a
    filter given one failed with a 500 wherever a view reads a parameter itself; the forms and
    serializers refuse it in what they validate, this refuses it before any view reads anything.

    The API's bodies are left to its parsers and serializers (which refuse it per field): reading
    ``request.POST`` here would parse an upload before DRF's size-limited parsers do. The answer is
    ``reship.config.handlers.bad_request``'s: the JSON error body under /api/, a page elsewhere.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = [request.GET]
        if request.method == "POST" and not request.path.startswith("/api/"):
            fields.append(request.POST)
        for data in fields:
            for name, values in data.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    raise NullCharacterInInput(name.replace("\x00", ""))
        return self.get_response(request)


class MethodNotAllowedPageMiddleware:
    """A page asked with a method it does not take (a POST to a list, a GET to an action) answers
    a page saying so, in the reader's language, with the Allow header kept: Django's
    ``require_GET``/``require_POST`` answer an empty 405 body, a blank page. Under /api/ the API's
    JSON error body answers instead (DRF's own 405)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or request.path.startswith("/api/") or response.content:
            return response
        message = _("This page does not take a %(method)s request.") % {"method": request.method}
        page = HttpResponse(render_to_string("400.html", {"message": message}, request), status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page


class ApiSlashRedirectMiddleware:
    """Under /api/, the redirect ``CommonMiddleware`` gives an address missing its final slash is a
    308 in the API's JSON error body: Django's is an empty HTML 301, and a client that follows a 301
    turns its POST into a GET. Sits just outside ``CommonMiddleware``; other redirects (the old
    /api/redoc/ address) are left as they are. (Under DEBUG, Django raises instead for a POST.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            isinstance(response, HttpResponsePermanentRedirect)
            and request.path.startswith("/api/")
            and response["Location"] == request.get_full_path(force_append_slash=True)
        ):
            location = response["Location"]
            message = _("This address ends with a slash: %(address)s") % {"address": location}
            response = json_error(error_body("trailing_slash", message), 308)
            response["Location"] = location
        return response
