"""One error body for every API error: ``{"code", "message", "field_errors"}``, in the caller's language.

400 invalid input, 401/403 authentication and permission, 404 missing or another organisation's,
409 a transition the current state forbids (or a concurrent change, or an idempotent request still
running), 422 an idempotency key reused with another body, 429 throttled.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from reship.core.errors import WorkflowError, error_body


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with a different request."


class IdempotentRequestInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotent_request_in_progress"
    default_detail = "A request with this Idempotency-Key is still being processed; retry shortly."


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
    return response
