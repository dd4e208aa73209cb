"""What the endpoints share in their OpenAPI description, and the parsing of ids in their paths.

* the one error body (``ErrorSerializer``, the body of ``reship.api.errors``) and
  ``error_responses``: that body documented per status, with an example of it;
* the parameters every module repeats: ``ID``, ``REQUEST_ID``, ``path_parameter`` and the
  ``Idempotency-Key`` header (``IDEMPOTENCY_KEY``, ``IDEMPOTENCY_NOTE``);
* ``path_id``: an id from a URL, anything else the API's JSON 404;
* the ``ApiKeyAuth`` security scheme of ``reship.api.auth.ApiKeyAuthentication``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from reship.core.bounds import MAX_ID, id_in_range

# --- the one error body -----------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API (``reship.api.errors``)."""

    code = serializers.CharField(help_text=_("Stable machine-readable code, e.g. invalid, not_found."))
    message = serializers.CharField(help_text=_("What went wrong, in the caller's language."))
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_('Messages per input field, nested fields as "lines.0.quantity".'),
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid input: field_errors names the fields.",
    401: "No or an unknown, revoked or expired API key.",
    403: "The caller's side may not do this (the other party's step).",
    404: "Not found, or another organisation's.",
    409: "The current state forbids it, a conflict, or the same Idempotency-Key is still being processed.",
    422: "The Idempotency-Key was used with a different request body.",
    429: "Too many requests for this API key; retry after the Retry-After header's seconds.",
}
ERROR_EXAMPLES: dict[int, tuple[str, str, dict[str, list[str]]]] = {
    400: ("invalid", "The request has invalid fields.", {"body": ["Required."]}),
    401: ("not_authenticated", "The API key is unknown, revoked or expired.", {}),
    403: ("permission_denied", "Only the seller and the dropship partner of this request write here.", {}),
    404: ("not_found", "Not found.", {}),
    409: ("idempotent_request_in_progress", "A request with this Idempotency-Key is still being processed.", {}),
    422: ("idempotency_key_reused", "This Idempotency-Key was used with a different request.", {}),
    429: ("throttled", "Request was throttled. Expected available in 42 seconds.", {}),
}
READ_ERRORS = (401, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 422, 429)


def error_responses(*statuses: int, examples: bool = True) -> dict[int, OpenApiResponse]:
    """The error body documented for each status, with an example of it (``ERROR_EXAMPLES``).

    ``examples=False`` documents the description alone: the orders, requests and evaluation
    endpoints were published that way, and their operations show their own error examples."""
    responses = {}
    for status in statuses:
        code, message, field_errors = ERROR_EXAMPLES[status]
        responses[status] = OpenApiResponse(
            ErrorSerializer,
            description=ERROR_DESCRIPTIONS[status],
            examples=[
                OpenApiExample(
                    code,
                    value={"code": code, "message": message, "field_errors": field_errors},
                    status_codes=[status],
                    response_only=True,
                )
            ]
            if examples
            else None,
        )
    return responses


# --- parameters -------------------------------------------------------------------------------------


IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description="Retry-safe POST: the same key and body replay the first answer (header Idempotent-Replayed: "
    "true); the same key with another body is a 422. Kept 24 hours, per organisation.",
)
IDEMPOTENCY_NOTE = (
    "Send an `Idempotency-Key` header: a retry with the same key and body replays the first answer "
    "(with `Idempotent-Replayed: true`); the same key with another body is a 422."
)

ID = OpenApiParameter(name="id", type=int, location=OpenApiParameter.PATH, description="The object's id.")


def path_parameter(name: str, description: str) -> OpenApiParameter:
    """A path id, documented with the range ``path_id`` accepts."""
    return OpenApiParameter(
        name, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, OpenApiParameter.PATH, description=description
    )


REQUEST_ID = path_parameter("request_id", "The reship request's id.")


def path_id(value: str) -> int:
    """The id in a URL. Anything else (not a number, beyond what the database holds) is a 404 with
    the API's error body, like any missing object, never the site's HTML page or an overflow."""
    if value.isascii() and value.isdigit() and id_in_range(int(value)):
        return int(value)
    raise NotFound()


# --- the schema's name for API-key authentication -----------------------------------------------------


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents ``reship.api.auth.ApiKeyAuthentication`` as the ``ApiKeyAuth`` scheme of the settings
    (kept here, imported with every endpoint, so the schema builds without warnings)."""

    target_class = "reship.api.auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Authorization: Api-Key rsk_…",
        }
