"""The error handlers of the root URLconf: under /api/ the API's JSON error body, elsewhere a page.

DRF's views answer their own errors (``reship.api.errors``); these answer what happens outside
them, which Django would otherwise answer with an HTML page even under /api/: a body too large for
Django's own limit (413), an unhandled exception (500) and a database out of reach (503, with
``Retry-After``: a killed connection fails this request only, the next one gets a fresh one).
"""

from __future__ import annotations

import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from reship.api.errors import (
    RETRY_AFTER_SECONDS,
    json_error,
    server_error_body,
    too_large_body,
    unavailable_body,
)
from reship.config.middleware import NullCharacterInInput
from reship.core.errors import error_body

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        if _is_api(request):
            return json_error(too_large_body(), 413)
        return HttpResponse(_("The request body is too large."), status=413, content_type="text/plain; charset=utf-8")
    if isinstance(exception, NullCharacterInInput):
        message = _("Text may not contain the null character (\\x00).")
        if _is_api(request):
            return json_error(error_body("invalid", message, {exception.field: [message]}), 400)
        return HttpResponse(render_to_string("400.html", {"message": message}, request), status=400)
    if _is_api(request):
        return json_error(error_body("bad_request", _("The request could not be read.")), 400)
    return HttpResponse(
        render_to_string("400.html", {"message": _("The request could not be read.")}, request), status=400
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this while handling the exception, so ``sys.exception()`` is what was raised."""
    if isinstance(sys.exception(), OperationalError | InterfaceError):
        return service_unavailable(request)
    if _is_api(request):
        return json_error(server_error_body(), 500)
    return defaults.server_error(request)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return json_error(unavailable_body(), 503)
    # A plain template without context processors: nothing on this page may need the database.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
