"""``GET /api/v1/me/``: who the caller is: the user, their role, their organisation, language and time zone.

An API key answers as its organisation's service user, so a system can check which organisation a
key belongs to before it does anything else.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship.accounts.roles import Role, organisation_for
from reship.api.schema import error_responses
from reship.models import ApiKey


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
