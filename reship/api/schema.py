"""What the endpoints share in their OpenAPI description, and the parsing of ids in their paths.

* the one error body (``ErrorSerializer``, the body of ``reship.api.errors``) and
  ``error_responses``: that body documented per status, with an example of it;
* the parameters every module repeats: ``ID``, ``REQUEST_ID``, ``path_parameter`` and the
  ``Idempotency-Key`` header (``IDEMPOTENCY_KEY``, ``IDEMPOTENCY_NOTE``);
* ``path_id``: an id from a URL, anything else the API's JSON 404;
* the ``ApiKeyAuth`` security scheme of ``reship.api.auth.ApiKeyAuthentication`` (its one definition);
* ``ReshipAutoSchema``: what the generator reads from a view — the description an endpoint is given,
  never its docstring (written for the code's readers), and request bodies in JSON, with
  ``multipart/form-data`` only where the view takes files;
* ``schema_postprocess``: the links between operations (an id a response carries, the operations
  that take it), which clients and Schemathesis' stateful phase follow.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.views import APIView

from reship.core.bounds import MAX_ID, id_from_text

# --- the one error body -----------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every answer that is not a success, whatever its status, has this body."""

    code = serializers.CharField(help_text=_("Stable machine-readable code, e.g. invalid, not_found."))
    message = serializers.CharField(help_text=_("What went wrong, in the caller's language."))
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_(
            "Messages per input field. A nested field is named by its path, dot-separated, list "
            'positions counted from 0: "lines.0.quantity" is the quantity of the first line. '
            '"non_field_errors" holds what concerns no single field. Empty when no field is at fault.'
        ),
    )


ERROR_DESCRIPTIONS = {
    400: "The request breaks this schema (a missing field, a value of another type or out of its bounds): "
    "field_errors names the fields.",
    401: "No or an unknown, revoked or expired API key.",
    403: "The caller's side may not do this (the other party's step).",
    404: "Not found, or another organisation's.",
    409: "The current state forbids it, a conflict, or the same Idempotency-Key is still being processed.",
    413: "The request body is larger than the server accepts.",
    415: "The request body is not in a media type this operation accepts (see its request body).",
    422: "Well-formed, but refused by a rule the schema cannot state (an unknown SKU, a line of another order, "
    "more than is left, a file that is not a photo), field_errors naming the fields; or the Idempotency-Key "
    "was used with a different request body.",
    429: "Too many requests; retry after the Retry-After header's seconds.",
    500: "An unexpected error on the server; nothing was changed that the answer does not say.",
    503: "The service is briefly unavailable (e.g. its database); retry later.",
}
ERROR_EXAMPLES: dict[int, tuple[str, str, dict[str, list[str]]]] = {
    400: ("invalid", "The request has invalid fields.", {"body": ["Required."]}),
    401: ("not_authenticated", "The API key is unknown, revoked or expired.", {}),
    403: ("permission_denied", "Only the seller and the dropship partner of this request write here.", {}),
    404: ("not_found", "Not found.", {}),
    409: ("idempotent_request_in_progress", "A request with this Idempotency-Key is still being processed.", {}),
    413: ("request_too_large", "The request body is larger than 2560 KB.", {}),
    415: ("unsupported_media_type", 'Unsupported media type "text/plain" in request.', {}),
    422: ("idempotency_key_reused", "This Idempotency-Key was used with a different request.", {}),
    429: ("throttled", "Request was throttled. Expected available in 42 seconds.", {}),
    500: ("server_error", "Something went wrong on our side.", {}),
    503: ("service_unavailable", "The service is briefly unavailable; retry shortly.", {}),
}
READ_ERRORS = (401, 404, 429)
WRITE_ERRORS = (400, 401, 403, 404, 409, 422, 429)
# Documented on every operation by ``schema_postprocess`` (they can answer any call): the server's own
# failures; 400 where there is a query parameter or a body to be invalid; 413 and 415 where a body is read.
EVERY_OPERATION_ERRORS = (401, 429, 500, 503)
BODY_ERRORS = (400, 413, 415)


def error_example(status: int) -> dict[str, Any]:
    code, message, field_errors = ERROR_EXAMPLES[status]
    return {"code": code, "message": message, "field_errors": field_errors}


def error_responses(*statuses: int, examples: bool = True) -> dict[int, OpenApiResponse]:
    """The error body documented for each status, with an example of it (``ERROR_EXAMPLES``).

    ``examples=False`` documents the description alone: the orders, requests and evaluation
    endpoints were published that way, and their operations show their own error examples."""
    responses = {}
    for status in statuses:
        responses[status] = OpenApiResponse(
            ErrorSerializer,
            description=ERROR_DESCRIPTIONS[status],
            examples=[
                OpenApiExample(
                    ERROR_EXAMPLES[status][0], value=error_example(status), status_codes=[status], response_only=True
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
    # What reaches the server: 1 to 255 printable ASCII characters, spaces or tabs around them being
    # dropped by HTTP itself (so the bound on the length is in the pattern, counted without them).
    type={"type": "string", "pattern": "^[ \\t]*[\\x21-\\x7e](?:[\\x20-\\x7e]{0,253}[\\x21-\\x7e])?[ \\t]*$"},
    description="Retry-safe POST: the same key and body replay the first answer (header Idempotent-Replayed: "
    "true); the same key with another body is a 422. Kept 24 hours, per organisation. 1 to 255 printable "
    "ASCII characters; another key is a 400.",
)
IDEMPOTENCY_NOTE = (
    "Send an `Idempotency-Key` header: a retry with the same key and body replays the first answer "
    "(with `Idempotent-Replayed: true`); the same key with another body is a 422."
)


def path_parameter(name: str, description: str) -> OpenApiParameter:
    """A path id, documented with the range ``path_id`` accepts (a ``pk`` in the URL is ``id`` in the
    schema, as drf-spectacular names it)."""
    return OpenApiParameter(
        "id" if name == "pk" else name,
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        OpenApiParameter.PATH,
        description=description,
    )


ID = path_parameter("id", "The object's id.")


REQUEST_ID = path_parameter("request_id", "The reship request's id.")


def path_id(value: str) -> int:
    """The id in a URL. Anything else (not a number, beyond what the database holds) is a 404 with
    the API's error body, like any missing object, never the site's HTML page or an overflow."""
    number = id_from_text(value) if value == value.strip() and not value.startswith("-") else None
    if number is None:
        raise NotFound()
    return number


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


CURSOR_DESCRIPTION = (
    "Opaque: the cursor of another page, as the `next` or `previous` link of a page carries it. "
    "A cursor the server did not make is a 400."
)
PAGE_SIZE_DESCRIPTION = "How many rows a page holds: 1 to 100 (50 if not given); anything else is a 400."


# --- what the generator reads from a view --------------------------------------------------------------


class ReshipAutoSchema(AutoSchema):
    """drf-spectacular's schema of a view, for the API's users."""

    def get_description(self, *args: Any, **kwargs: Any) -> str:
        """Only the description an endpoint is given with ``@extend_schema``: a view's docstring is
        written for whoever reads the code, and its words (module paths, mixins) are not the API's."""
        return ""

    def map_parsers(self) -> list[Any]:
        """JSON, and ``multipart/form-data`` where the view declares its own parsers with a multipart
        one (it takes files). Form-encoded bodies cannot carry the lists and objects the API's bodies
        have, so no operation documents them, though the server reads them."""
        parsers = self.view.get_parsers()
        media_types = [
            parser.media_type
            for parser in parsers
            if isinstance(parser, JSONParser)
            or (isinstance(parser, MultiPartParser) and type(self.view).parser_classes is not APIView.parser_classes)
        ]
        return media_types or ["application/json"]

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        """A list's filters: an empty one (``?reason=``) is no filter, as django-filter reads it (but
        for a repeatable one, ``?status=``, whose every value must be a choice)."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            if parameter.get("schema", {}).get("type") != "array":
                parameter["allowEmptyValue"] = True
        return parameters

    def _get_pagination_parameters(self) -> list[dict[str, Any]]:
        """The cursor is opaque, made by the server: a client follows a page's ``next`` and ``previous``
        links as given."""
        parameters = super()._get_pagination_parameters()
        for parameter in parameters:
            if parameter["name"] == "cursor":
                parameter["description"] = CURSOR_DESCRIPTION
            elif parameter["name"] == "page_size":
                parameter["description"] = PAGE_SIZE_DESCRIPTION
        return parameters


# --- links between operations, and what every operation answers -------------------------------------

REQUEST_OPERATIONS = {
    "requests_retrieve": "id",
    **{
        f"requests_{action}": "id"
        for action in (
            "request_info answer_info approve reject cancel accept_quote dispute_quote revise_quote start_restock "
            "confirm_restock ship compensate confirm_info_update contact_customer close follow_up"
        ).split()
    },
    "v1_requests_messages_list": "request_id",
    "v1_requests_messages_create": "request_id",
    "v1_requests_communications_list": "request_id",
    "v1_requests_communications_create": "request_id",
    "v1_requests_evidence_list": "request_id",
    "v1_requests_evidence_create": "request_id",
    "v1_requests_shipments_list": "request_id",
}
# (operation, status) → {operation it leads to: {its parameter: where the value is in the answer}}
STATEMENT_OPERATIONS = (
    "v1_statements_retrieve",
    "v1_statements_lines_list",
    "v1_statements_issue_create",
    "v1_statements_refresh_create",
    "v1_statements_confirm_create",
    "v1_statements_adjustments_create",
    "v1_statements_payments_create",
)
LINKS: dict[tuple[str, str], dict[str, dict[str, str]]] = {
    ("orders_create", "201"): {
        "orders_retrieve": {"id": "$response.body#/id"},
        "v1_orders_shipments_list": {"order_id": "$response.body#/id"},
    },
    ("orders_list", "200"): {"orders_retrieve": {"id": "$response.body#/results/0/id"}},
    **{
        (source, status): {target: {name: "$response.body#/id"} for target, name in REQUEST_OPERATIONS.items()}
        for source, status in (("requests_create", "201"), ("requests_follow_up", "201"), ("requests_retrieve", "200"))
    },
    ("requests_list", "200"): {"requests_retrieve": {"id": "$response.body#/results/0/id"}},
    ("v1_requests_evidence_create", "201"): {
        "v1_requests_evidence_file_retrieve": {
            "request_id": "$response.body#/0/request_id",
            "id": "$response.body#/0/id",
        }
    },
    ("v1_restock_orders_list", "200"): {"v1_restock_orders_retrieve": {"id": "$response.body#/results/0/id"}},
    ("v1_webhooks_create", "201"): {
        "v1_webhooks_test_create": {"webhook_id": "$response.body#/id"},
        "v1_webhooks_destroy": {"webhook_id": "$response.body#/id"},
    },
    ("v1_webhooks_list", "200"): {"v1_webhooks_test_create": {"webhook_id": "$response.body#/results/0/id"}},
    ("v1_inbox_list", "200"): {"v1_inbox_read_create": {"notification_id": "$response.body#/results/0/id"}},
    ("v1_keys_list", "200"): {"v1_keys_revoke_create": {"key_id": "$response.body#/results/0/id"}},
    # A statement drawn up leads to each of its steps; a listed one to its page.
    **{
        (source, status): {target: {"id": "$response.body#/id"} for target in STATEMENT_OPERATIONS}
        for source, status in (("v1_statements_create", "201"), ("v1_statements_retrieve", "200"))
    },
    ("v1_statements_list", "200"): {"v1_statements_retrieve": {"id": "$response.body#/results/0/id"}},
    ("v1_statements_lines_list", "200"): {
        target: {"id": "$request.path.id", "line_id": "$response.body#/results/0/id"}
        for target in ("v1_statements_lines_dispute_create", "v1_statements_lines_adjust_create")
    },
}


# Operations whose query parameters are read by a serializer, where an empty one (``?start=``) counts as
# not given (list filters say so through ``ReshipAutoSchema._get_filter_parameters``).
EMPTY_MEANS_ABSENT = ("v1_evaluation_retrieve",)


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "examples": {ERROR_EXAMPLES[status][0]: {"value": error_example(status)}},
            }
        },
    }


DATE_RANGES = {
    "date": "A day from 2000-01-01 to 2099-12-31.",
    "date-time": "An RFC 3339 moment with its UTC offset (at most 14 hours), in the years 2000 to 2099.",
}


def _say_date_range(schema: dict[str, Any], described: dict[str, Any]) -> None:
    """The range of days and moments the API takes (``reship.core.bounds``), which the ``date`` and
    ``date-time`` formats cannot state, in the description."""
    sentence = DATE_RANGES.get(schema.get("format", ""))
    if sentence and sentence not in described.get("description", ""):
        described["description"] = " ".join(filter(None, [str(described.get("description", "")), sentence]))


def schema_postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """After drf-spectacular (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``): the ``LINKS``, and the
    errors any operation can answer (``EVERY_OPERATION_ERRORS``, and ``BODY_ERRORS`` where input is
    read), each with the one error body."""
    operations = {
        operation["operationId"]: operation
        for methods in result.get("paths", {}).values()
        for operation in methods.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for (source, status), targets in LINKS.items():
        response = operations.get(source, {}).get("responses", {}).get(status)
        if response is None:
            continue
        links = response.setdefault("links", {})
        for target, parameters in targets.items():
            if target in operations:
                links[target] = {"operationId": target, "parameters": parameters}
    for operation in operations.values():
        for parameter in operation.get("parameters", []):
            _say_date_range(parameter.get("schema", {}), parameter)
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):  # an input
            for field in component.get("properties", {}).values():
                _say_date_range(field, field)
    for operation_id in EMPTY_MEANS_ABSENT:
        for parameter in operations.get(operation_id, {}).get("parameters", []):
            if parameter.get("in") == "query":
                parameter["allowEmptyValue"] = True
    for operation in operations.values():
        responses = operation.setdefault("responses", {})
        statuses = list(EVERY_OPERATION_ERRORS)
        if "requestBody" in operation:
            statuses += BODY_ERRORS
        elif any(parameter.get("in") in ("query", "header") for parameter in operation.get("parameters", [])):
            statuses.append(400)
        for error in statuses:
            responses.setdefault(str(error), _error_response(error))
        operation["responses"] = dict(sorted(responses.items()))
    return result
