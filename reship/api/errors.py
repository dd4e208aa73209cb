"""One error body for every API error: ``{"code", "message", "field_errors"}``, in the caller's language.

400 a request the schema refuses (a missing field, a value of the wrong type or out of bounds, a bad
cursor or page_size), 401/403 authentication and permission, 404 missing or another organisation's,
405 a method the endpoint lacks, 406 an ``Accept`` it cannot answer, 409 a transition the current
state forbids (or a concurrent change, or an idempotent request still running), 413 a body too large,
415 a content type it does not read, 422 a well-formed request a rule refuses (an unknown SKU, more
than is left to claim, a file that is not a photo) or an idempotency key reused with another body,
429 throttled, 503 the database out of reach (retry after ``Retry-After``), 500 anything else.

This handler answers what DRF's views raise; ``reship.config.handlers`` answers the same bodies
for what happens outside them (an unknown path under /api/, a 500, a body too large for Django).

``field_errors`` names nested fields one way, as a dotted path: ``lines.0.quantity`` is the first
line's quantity (DRF's nesting, and the workflow's own errors, which name them the same way).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from reship.core.errors import WorkflowError, error_body

logger = logging.getLogger(__name__)

# How long a client waits before retrying after a 503 (the database out of reach) or a 409 (the
# same Idempotency-Key still running), in seconds.
RETRY_AFTER_SECONDS = 2


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with a different request."


class IdempotentRequestInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotent_request_in_progress"
    default_detail = "A request with this Idempotency-Key is still being processed; retry shortly."


def too_large_body() -> dict[str, Any]:
    return error_body("request_too_large", _("The request body is too large."))


def unavailable_body() -> dict[str, Any]:
    return error_body("service_unavailable", _("The service is briefly unavailable; retry in a few seconds."))


def server_error_body() -> dict[str, Any]:
    return error_body("server_error", _("The server could not finish the request; the error was logged."))


def json_error(body: dict[str, Any], status_code: int) -> JsonResponse:
    """An error body outside DRF's views (``reship.config.handlers``), as DRF would render it."""
    response = JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})
    if status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as ``{"field": ["message", ...]}`` (``lines.0.quantity`` style)."""
    errors: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                errors.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(each, dict | list) for each in detail):
            errors.setdefault(prefix or "non_field_errors", []).extend(str(each) for each in detail)
        else:
            for index, each in enumerate(detail):
                for field, messages in _flatten(each, f"{prefix}.{index}" if prefix else str(index)).items():
                    errors.setdefault(field, []).extend(messages)
    else:
        errors.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return errors


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, OperationalError | InterfaceError):
        # A lost or killed database connection: it fails this request only (CONN_HEALTH_CHECKS
        # gives the next one a fresh connection), and the client may simply retry.
        logger.warning("Database unavailable for %s: %s", getattr(context.get("request"), "path", "?"), exc)
        return Response(
            unavailable_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, WorkflowError):
        return Response(error_body(exc.code, exc.message, exc.field_errors), status=exc.http_status)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(error_body("not_found", _("Not found.")), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", _("The request has invalid fields."), _flatten(exc.detail))
        return response
    detail = getattr(exc, "detail", "")
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    response.data = error_body(code if isinstance(code, str) else "error", str(detail))
    if isinstance(exc, IdempotentRequestInProgress):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
