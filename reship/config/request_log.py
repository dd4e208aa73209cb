"""The request id of each HTTP request, and one log line for it once it is answered.

``RequestLogMiddleware`` comes right after ``reship.config.health.OpsEndpointsMiddleware``: the
probes and scrapes that middleware answers (``/healthz``, ``/readyz``, ``/metrics``, every few
seconds from each orchestrator and Prometheus) are neither logged nor given an id — they would be
most of the lines and say nothing about anyone's work; their failures show in the orchestrator and
in ``/readyz``'s body. Everything else is, the HTTPS redirects and static files included.

The id is the caller's ``X-Request-ID`` when that is sane (``reship.core.request_context``), else a
new one; the response carries it back in ``X-Request-ID``. While the request runs it is the current
id: every log record gets it, every Celery task published gets it in a header, every notification
row written keeps it (a webhook sends it as ``X-Request-ID``).

The line (logger ``reship.request``; INFO, a 4xx WARNING, a 5xx ERROR, as Django's own) holds the
request id, method, path, view (the URL's name, else its route), status, duration in ms (until the
response is handed to the server: a streamed file's bytes are not in it), the user's id and their
organisation's (``seller_id`` / ``partner_id``). Django's own line for a 4xx or 5xx is left out.
Not the query string, which can hold a customer's name or phone (search boxes, the shop's lookup);
and in the path, a signed link's token (a customer's tracking page, the survey, the source's
restock and statement pages, a password reset) is replaced by ``<token>``: whoever reads the logs
must not be able to open them. The user is read only if the request already loaded it, and the
organisation only from the memberships loaded with it (``roles.organisation_ids_loaded``): the
session's user and an API key's user are loaded with them, so the line costs no query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import perf_counter
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty

from reship.accounts.roles import organisation_ids_loaded
from reship.core.request_context import HEADER, request_id_accept, request_id_reset, request_id_set

logger = logging.getLogger("reship.request")

# URL parameters that are credentials (signed links), hidden in the logged path.
SECRET_URL_PARAMETERS = frozenset({"token", "uidb64"})
MAX_PATH_LENGTH = 500


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_accept(request.headers.get(HEADER))
        token = request_id_set(request_id)
        started = perf_counter()
        try:
            try:
                response = self.get_response(request)
            except Exception:
                # Django turns a view's exception into the 500 page; this is that page failing too (a
                # template or static file missing): the server answers 500, and the line says so.
                _log(request, 500, (perf_counter() - started) * 1000, request_id)
                raise
            response[HEADER] = request_id
            _log(request, response.status_code, (perf_counter() - started) * 1000, request_id)
            # Django's handler would log a 4xx or 5xx once more after the middleware ("Not Found: /x"),
            # outside the request's id: this line says it, at the same level. A 500's traceback is
            # logged earlier, inside, and keeps its id.
            response.__dict__["_has_been_logged"] = True  # django.utils.log.log_response reads it
            return response
        finally:
            request_id_reset(token)


def _log(request: HttpRequest, status: int, duration_ms: float, request_id: str) -> None:
    # Django's levels for its own response lines: 5xx an error, 4xx a warning.
    level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
    if not logger.isEnabledFor(level):  # LOG_LEVEL=WARNING (the benchmark's): nothing to gather
        return
    match = request.resolver_match
    view = (match.view_name or match.route) if match is not None else None
    path = _logged_path(request)
    user_id, seller_id, partner_id = _who(request)
    fields: dict[str, Any] = {
        "request_id": request_id,
        "method": request.method,
        "path": path,
        "view": view,
        "status": status,
        "duration_ms": round(duration_ms, 1),
        "user_id": user_id,
        "seller_id": seller_id,
        "partner_id": partner_id,
    }
    printable = path if path.isprintable() else path.encode("unicode_escape").decode("ascii")
    logger.log(
        level,
        "%s %s %s %.1f ms view=%s user=%s seller=%s partner=%s",
        request.method,
        printable,
        status,
        duration_ms,
        view or "-",
        user_id or "-",
        seller_id or "-",
        partner_id or "-",
        extra=fields,
    )


def _logged_path(request: HttpRequest) -> str:
    path = request.path
    match = request.resolver_match
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_PARAMETERS and isinstance(value, str) and value:
                path = path.replace(value, f"<{name}>")
    return path if len(path) <= MAX_PATH_LENGTH else path[:MAX_PATH_LENGTH] + "…"


def _who(request: HttpRequest) -> tuple[int | None, int | None, int | None]:
    """The user's id and organisation's, if the request already knows them: nothing is loaded here."""
    # A DRF view puts the user its authentication found here; AuthenticationMiddleware puts a lazy
    # one, read by every page (the user's time zone), loaded only if something asked for it.
    user = request.__dict__.get("user")
    if isinstance(user, LazyObject):
        user = user._wrapped
        if user is empty:
            return (None, None, None)
    if user is None or not user.is_authenticated:
        return (None, None, None)
    organisation = organisation_ids_loaded(user)
    seller_id, partner_id = organisation if organisation is not None else (None, None)
    return (user.pk, seller_id, partner_id)
