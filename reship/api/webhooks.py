"""``/api/v1/webhooks/``: an organisation's webhook endpoints — list, create, delete, send a test event.

A seller's or a partner's staff (or their API keys) manage their own organisation's endpoints;
another organisation's endpoint is a 404. The rules and writes are ``reship.services.webhooks``;
these views parse, call it and render. Each endpoint chooses events (names of
``outbox.TEMPLATES``; an empty list means every event its organisation is told of) and gets its
own signing secret, returned once when it is created. Events reach it through the notification
outbox: written with the change, delivered after commit, retried with backoff, swept up if lost,
one row per event and endpoint whose ``id`` (also ``X-Reship-Delivery``) stays the same on every
retry, so the receiver drops repeats by it.

Every delivery is a POST of JSON ``{"id", "type", "created", "data"}`` with the headers
``X-Reship-Event``, ``X-Reship-Delivery``, ``X-Reship-Timestamp`` and ``X-Reship-Signature``
(``sha256=`` and the hex HMAC-SHA256 of ``"<timestamp>.<raw body>"`` under the secret); the
receiver checks it with ``VERIFICATION_SNIPPET`` (also in the README).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship.api.auth import caller
from reship.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from reship.api.idempotency import idempotent
from reship.api.pagination import ReshipCursorPagination
from reship.api.parsers import BoundedJSONParser
from reship.api.schema import path_id
from reship.core.bounds import MAX_ID
from reship.core.errors import InvalidInput
from reship.models import WebhookEndpoint
from reship.notifications import outbox
from reship.services.webhooks import (
    EVENTS_MAX,
    URL_MAX,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_send_test,
    webhook_endpoints_for,
    webhook_organisation,
    webhook_url_clean,
)

VERIFICATION_SNIPPET = '''\
import hashlib
import hmac
import time


def reship_webhook_verified(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """True if a Reship webhook is genuine: ``headers`` as received, ``body`` the raw bytes."""
    timestamp = headers.get("X-Reship-Timestamp", "")
    signature = headers.get("X-Reship-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False  # missing, or too old: a replayed request
    signed = timestamp.encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
'''

DESCRIPTION = f"""Webhook endpoints of the caller's organisation (a seller's or a partner's).

Each delivery is an HTTP POST with a JSON body `{{"id", "type", "created", "data"}}`: `id` is the
event id (the same on every retry — drop repeats by it), `type` the event (e.g. `request_approved`),
`data` the reship request it is about. Headers: `X-Reship-Event`, `X-Reship-Delivery` (= `id`),
`X-Reship-Timestamp` (Unix seconds) and `X-Reship-Signature`: `sha256=` and the hex HMAC-SHA256 of
`"<timestamp>.<raw body>"` under the endpoint's secret. Answer 2xx within the timeout; anything
else is retried with backoff. Verify every request before trusting it:

```python
{VERIFICATION_SNIPPET}```
"""


# --- serializers ------------------------------------------------------------------------------------


class ErrorBodySerializer(serializers.Serializer):
    """The API's one error body (``reship.api.errors``)."""

    code = serializers.CharField()
    message = serializers.CharField()
    field_errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField(), help_text="Event types; empty means all.")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "created_at"]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(help_text="The signing secret; shown this once only.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=URL_MAX, help_text="https:// address on the public internet.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(outbox.TEMPLATES)),
        required=False,
        default=list,
        max_length=EVENTS_MAX,
        help_text="Event types to receive; empty or missing means every event.",
    )

    def validate_url(self, value: str) -> str:
        """The service's rule, reported beside the other fields' errors."""
        try:
            return webhook_url_clean(url=value)
        except InvalidInput as error:
            raise serializers.ValidationError(error.message) from None


class WebhookTestQueuedSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The test event's id (X-Reship-Delivery).")
    type = serializers.CharField()
    status = serializers.CharField(help_text="pending: queued for delivery after this response.")


# --- the schema -------------------------------------------------------------------------------------


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorBodySerializer, description="The error body.") for code in codes}


ID_PARAMETER = OpenApiParameter(
    "webhook_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, OpenApiParameter.PATH
)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe POST: the same key and body replay the first response (header Idempotent-Replayed).",
)


# --- views ------------------------------------------------------------------------------------------


class WebhookEndpointListView(generics.ListAPIView):
    serializer_class = WebhookEndpointSerializer
    pagination_class = ReshipCursorPagination
    parser_classes = [BoundedJSONParser]
    filter_backends: list = []

    def get_queryset(self):
        return webhook_endpoints_for(actor=caller(self.request))

    @extend_schema(
        summary="List webhook endpoints",
        description=DESCRIPTION,
        responses={200: WebhookEndpointSerializer(many=True), **_errors(401, 403, 404, 429)},
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a webhook endpoint",
        description=DESCRIPTION,
        parameters=[IDEMPOTENCY_PARAMETER],
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **_errors(400, 401, 403, 409, 415, 422, 429)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        actor = caller(request)
        webhook_organisation(actor=actor)  # a 403 comes before the body is read
        data = WebhookEndpointCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhook_endpoint_create(
            actor=actor, url=data.validated_data["url"], events=data.validated_data["events"]
        )
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="Delete a webhook endpoint",
        description="Deletes the endpoint; its deliveries not yet sent are given up (marked failed).",
        parameters=[ID_PARAMETER],
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), **_errors(401, 403, 404, 429)},
    )
    def delete(self, request: Request, webhook_id: str) -> Response:
        actor = caller(request)
        webhook_organisation(actor=actor)  # a 403 comes before the id is read
        webhook_endpoint_delete(actor=actor, endpoint_id=path_id(webhook_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointTestView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="Send a test event",
        description=(
            f"Queues a `{outbox.WEBHOOK_TEST}` event for this endpoint, delivered (signed, retried) "
            "through the outbox like every other event."
        ),
        parameters=[ID_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=None,
        responses={202: WebhookTestQueuedSerializer, **_errors(401, 403, 404, 409, 422, 429)},
    )
    @idempotent
    def post(self, request: Request, webhook_id: str) -> Response:
        actor = caller(request)
        webhook_organisation(actor=actor)  # a 403 comes before the id is read
        row = webhook_endpoint_send_test(actor=actor, endpoint_id=path_id(webhook_id))
        return Response(
            {"id": str(row.delivery_key), "type": row.template, "status": row.status},
            status=status.HTTP_202_ACCEPTED,
        )
