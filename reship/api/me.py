"""``GET /api/v1/me/``: who the caller is: the user, their role, their organisation, language and time zone.

An API key answers as its organisation's service user, so a system can check which organisation a
key belongs to before it does anything else.

Also home of ``error_responses`` with an example error body per status, which the thread, evidence,
inbox, fulfilment and keys modules use in their ``@extend_schema`` (the body's schema is
``reship.api.serializers.ErrorSerializer``).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship.accounts.roles import Role, organisation_for
from reship.api.serializers import ERROR_DESCRIPTIONS, ErrorSerializer
from reship.models import ApiKey

# --- the one error body, documented with examples ---------------------------------------------------------


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


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error body documented for each status, with an example of it."""
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
            ],
        )
    return responses


IDEMPOTENCY_NOTE = (
    "Send an `Idempotency-Key` header: a retry with the same key and body replays the first answer "
    "(with `Idempotent-Replayed: true`); the same key with another body is a 422."
)


# --- the endpoint -------------------------------------------------------------------------------


class MeUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField(allow_blank=True)


class MeOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=[Role.SELLER.value, Role.PARTNER.value])


class MeSerializer(serializers.Serializer):
    user = MeUserSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    organisation = MeOrganisationSerializer(allow_null=True, help_text="null for platform admins.")
    language = serializers.CharField()
    time_zone = serializers.CharField()
    is_api_key = serializers.BooleanField(help_text="Whether the caller signed in with an API key.")


def me_for(user, *, via_api_key: bool) -> dict:
    organisation = organisation_for(user)
    member_of = organisation.seller or organisation.partner
    return {
        "user": {
            "id": user.pk,
            "username": user.username,
            "name": user.get_full_name() or user.username,
            "email": user.email,
        },
        "role": organisation.role.value,
        "organisation": (
            {"id": member_of.pk, "name": member_of.name, "kind": organisation.role.value}
            if member_of is not None
            else None
        ),
        "language": user.language,
        "time_zone": user.time_zone,
        "is_api_key": via_api_key,
    }


class MeView(APIView):
    @extend_schema(
        tags=["account"],
        summary="The caller and their organisation",
        responses={200: MeSerializer, **error_responses(401, 429)},
        examples=[
            OpenApiExample(
                "A seller's key",
                value={
                    "user": {"id": 41, "username": "api.seller.7", "name": "API Acme Shop", "email": ""},
                    "role": "seller",
                    "organisation": {"id": 7, "name": "Acme Shop", "kind": "seller"},
                    "language": "zh-hans",
                    "time_zone": "Asia/Shanghai",
                    "is_api_key": True,
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(me_for(request.user, via_api_key=isinstance(request.auth, ApiKey))).data)
