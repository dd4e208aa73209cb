"""Liveness and readiness for the orchestrator (``/healthz``, ``/readyz``), and the gate in front of them.

``/healthz`` says the process answers: no database, no Redis, nothing that a dependency's outage could
turn into a restart loop. ``/readyz`` says this node can serve: the database answers and every
migration is applied, Redis answers (when ``REDIS_URL`` is set), the file storage answers. Its JSON
body names each check and its state (``ok`` / ``failed`` / ``skipped``); the status is 200 or 503.

``OpsEndpointsMiddleware`` comes first in ``MIDDLEWARE`` and answers these two paths and ``/metrics``
itself, before any other middleware: no session, CSRF, locale, sign-in throttle or rate limit, no
host check and no HTTPS redirect (an orchestrator or Prometheus asks a node's own address over
plain HTTP). ``/metrics`` guards itself (``reship.config.metrics``). Nothing here reveals more than
which check failed (the error's class name, no message: it could name a host or a user).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
# A key nobody writes: the storage check asks whether it exists (a stat, or one HEAD on S3).
STORAGE_PROBE_NAME = "readyz-probe"

_cache_lock = threading.Lock()
_cached: dict[str, tuple[float, str]] = {}


def _cached_check(name: str, check: Callable[[], str]) -> str:
    """A check's answer kept for RESHIP_READYZ_CACHE_SECONDS: only an OK is kept, a failure is asked again."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cached.get(name)
    if hit is not None and now - hit[0] < settings.RESHIP_READYZ_CACHE_SECONDS:
        return hit[1]
    state = check()
    if state == OK:
        with _cache_lock:
            _cached[name] = (now, state)
    return state


def clear_cache() -> None:
    with _cache_lock:
        _cached.clear()


def _database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


def _migrations() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return OK if not plan else FAILED


def _redis() -> str:
    if not settings.REDIS_URL:
        return SKIPPED
    import redis  # only where there is a Redis: the embedded default imports nothing for it

    timeout = settings.RESHIP_READYZ_TIMEOUT_SECONDS
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return OK


def _storage() -> str:
    default_storage.exists(STORAGE_PROBE_NAME)
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "migrations": lambda: _cached_check("migrations", _migrations),
    "redis": _redis,
    "storage": lambda: _cached_check("storage", _storage),
}


def run_checks() -> dict[str, str]:
    states: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and states.get("database") != OK:
            states[name] = SKIPPED  # nothing to read them from
            continue
        try:
            states[name] = check()
        except Exception as error:  # any failure of a dependency is "not ready", never a 500
            logger.warning("readyz: %s check failed: %s", name, type(error).__name__)
            states[name] = FAILED
    return states


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else."""
    return JsonResponse({"status": OK})


def readyz(request: HttpRequest) -> JsonResponse:
    states = run_checks()
    ready = FAILED not in states.values()
    return JsonResponse({"status": OK if ready else FAILED, "checks": states}, status=200 if ready else 503)


def _metrics(request: HttpRequest) -> HttpResponse | None:
    from reship.config.metrics import metrics_view  # prometheus_client only once /metrics is asked

    return metrics_view(request)


# Each answers, or None to let the request through the site (a /metrics caller not allowed gets its 404).
OPS_VIEWS: dict[str, Callable[[HttpRequest], HttpResponse | None]] = {
    "/healthz": healthz,
    "/readyz": readyz,
    "/metrics": _metrics,
}


class OpsEndpointsMiddleware:
    """First in MIDDLEWARE: answers /healthz, /readyz and /metrics before every other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = OPS_VIEWS.get(request.path_info)
        if view is None:
            return self.get_response(request)
        response = view(request)
        if response is None:
            return self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response
