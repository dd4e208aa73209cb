"""Errors the workflow raises, each with a message a user can act on and a stable code.

Views and the API map them to responses: ``RequestNotFound`` → 404 (also for another
organisation's request: never a leak), ``ActionNotPermitted`` → 403, ``InvalidTransition`` → 409,
``InvalidInput`` → 422 with field errors. (The API answers 400 when a request breaks its documented
schema — a missing field, a wrong type, a value out of range — and 422 when a well-formed request
is refused by a rule no schema can state: an unknown SKU, a line of another order, more than is left.)
"""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, field_errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The one error body of the API (and of a 404 under /api/): code, message, field errors."""
    return {"code": code, "message": message, "field_errors": field_errors or {}}


class WorkflowError(Exception):
    code = "workflow_error"
    http_status = 400

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class RequestNotFound(WorkflowError):
    code = "not_found"
    http_status = 404


class ActionNotPermitted(WorkflowError):
    code = "permission_denied"
    http_status = 403


class InvalidTransition(WorkflowError):
    code = "invalid_transition"
    http_status = 409


class InvalidInput(WorkflowError):
    code = "invalid"
    http_status = 422


class StatementNotFound(WorkflowError):
    code = "not_found"
    http_status = 404
