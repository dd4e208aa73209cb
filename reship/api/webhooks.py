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

import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship.api.auth import caller
from reship.api.idempotency import idempotent
from reship.api.pagination import ReshipCursorPagination
from reship.api.parsers import BoundedJSONParser
from reship.api.schema import IDEMPOTENCY_KEY, error_responses, path_id, path_parameter
from reship.api.serializers import JsonInputSerializer
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


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField(), help_text="Event types; empty means all.")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "created_at"]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        allow_null=True, help_text="The signing secret; shown this once only (null in a replayed answer)."
    )
    notice = serializers.CharField(
        allow_null=True,
        help_text="null in the first answer; in a replayed one, why secret is null (shown once, never stored).",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret", "notice"]
        read_only_fields = fields


# An https:// address on a name with a top-level domain (1 to 3 labels of up to 60 characters before it,
# so the host stays within the 253 a name may have), an optional port, path, query and fragment: what
# Django's URLValidator takes, as a pattern the schema can state. The service's rule
# (``webhook_url_clean``) then refuses names of local networks (localhost…): a 422. In development
# (DEBUG: http:// too; RESHIP_WEBHOOK_ALLOW_PRIVATE: any address, local ones included) it is looser.
HOST_PATTERN = r"([A-Za-z0-9]([A-Za-z0-9-]{0,58}[A-Za-z0-9])?\.){1,3}[A-Za-z]{2,63}(:[0-9]{1,5})?([/?#][^\s]*)?$"


def webhook_url_pattern() -> str | None:
    if settings.RESHIP_WEBHOOK_ALLOW_PRIVATE:
        return None
    return ("^https?://" if settings.DEBUG else "^https://") + HOST_PATTERN


class WebhookUrlField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        url = super().to_internal_value(data)
        pattern = webhook_url_pattern()
        if pattern is not None and not re.fullmatch(pattern, url):
            raise serializers.ValidationError(_("Enter a full web address, such as https://example.com/reship/hooks."))
        return url


class WebhookUrlSchema(OpenApiSerializerFieldExtension):
    target_class = WebhookUrlField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "format": "uri", "maxLength": URL_MAX}
        pattern = webhook_url_pattern()
        if pattern is not None:
            schema["pattern"] = pattern
        return schema


class WebhookEndpointCreateSerializer(JsonInputSerializer):
    url = WebhookUrlField(
        max_length=URL_MAX,
        trim_whitespace=False,
        help_text="https:// address on the public internet (not a local or private network's address).",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(outbox.TEMPLATES)),
        required=False,
        default=list,
        max_length=EVENTS_MAX,
        help_text="Event types to receive; empty or missing means every event.",
    )


class WebhookTestQueuedSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The test event's id (X-Reship-Delivery).")
    type = serializers.CharField()
    status = serializers.CharField(help_text="pending: queued for delivery after this response.")


# --- the schema -------------------------------------------------------------------------------------


WEBHOOK_ID = path_parameter("webhook_id", "The webhook endpoint's id.")
ENDPOINT_EXAMPLE = {
    "id": 3,
    "url": "https://erp.example.com/reship/hooks",
    "events": ["request_approved", "request_shipped"],
    "is_active": True,
    "created_at": "2026-03-02T09:30:00+08:00",
}


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
        responses={200: WebhookEndpointSerializer(many=True), **error_responses(401, 403, 404, 429)},
        examples=[OpenApiExample("An endpoint", value=ENDPOINT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a webhook endpoint",
        description=DESCRIPTION,
        parameters=[IDEMPOTENCY_KEY],
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **error_responses(400, 401, 403, 409, 415, 422, 429)},
        examples=[
            OpenApiExample(
                "Create",
                value={"url": ENDPOINT_EXAMPLE["url"], "events": ENDPOINT_EXAMPLE["events"]},
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={**ENDPOINT_EXAMPLE, "secret": "whsec_3q2+7wAbC…", "notice": None},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    @idempotent(withhold="secret")  # a replay, kept 24 h in the database, holds no secret
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
        parameters=[WEBHOOK_ID],
        request=None,
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(401, 403, 404, 429)},
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
        parameters=[WEBHOOK_ID, IDEMPOTENCY_KEY],
        request=None,
        responses={202: WebhookTestQueuedSerializer, **error_responses(401, 403, 404, 409, 422, 429)},
        examples=[
            OpenApiExample(
                "Queued",
                value={"id": "5b0f4d8e-3c1a-4d2e-9a43-1f0e6c2b7a90", "type": "webhook_test", "status": "pending"},
                response_only=True,
                status_codes=["202"],
            )
        ],
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
