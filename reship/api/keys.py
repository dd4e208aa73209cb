"""``keys/``: the caller's organisation's API keys: list, create (the secret is shown once), revoke.

The list never shows a secret, only its public prefix. Creating a key is for a person of the
organisation (signed in to the browser's session); a key cannot create other keys
(``api_key_create`` refuses it with a 403). Another organisation's key is a 404.

A create replayed by its ``Idempotency-Key`` answers 201 with ``"key": null`` and a ``notice``
saying why: the secret is shown once, and the replay record (stored in the database) never holds
it (``reship.api.idempotency``, ``withhold``).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship.api.auth import caller
from reship.api.idempotency import idempotent
from reship.api.mixins import PathIdsMixin
from reship.api.pagination import ReshipCursorPagination
from reship.api.schema import (
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_NOTE,
    READ_ERRORS,
    WRITE_ERRORS,
    error_responses,
    path_parameter,
)
from reship.api.serializers import JsonInputSerializer
from reship.models import ApiKey
from reship.services.api_keys import api_key_create, api_key_revoke, api_keys_for

KEY_EXAMPLE = {
    "id": 3,
    "name": "ERP",
    "prefix": "Xy3kQ9aB",
    "created_at": "2026-03-02T09:30:00+08:00",
    "created_by": "Li Wei",
    "last_used_at": "2026-03-05T14:02:11+08:00",
    "expires_at": None,
    "revoked_at": None,
    "is_active": True,
}


class ApiKeySerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "created_at",
            "created_by",
            "last_used_at",
            "expires_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields

    def get_created_by(self, key: ApiKey) -> str | None:
        if key.created_by is None:
            return None
        return key.created_by.get_full_name() or key.created_by.username

    def get_is_active(self, key: ApiKey) -> bool:
        """Neither revoked nor expired: the key signs in."""
        return key.is_usable()


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(
        allow_null=True, help_text="The secret, shown this once (null in a replayed answer). Store it now."
    )
    notice = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="null in the first answer; in a replayed one, why key is null (it is shown once, never stored).",
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key", "notice"]


class ApiKeyCreateSerializer(JsonInputSerializer):
    name = serializers.CharField(max_length=100, help_text="What uses the key, e.g. ERP.")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Optional; in the future.")


class ApiKeyListCreateView(generics.GenericAPIView):
    serializer_class = ApiKeySerializer
    pagination_class = ReshipCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return ApiKey.objects.none()
        return api_keys_for(actor=caller(self.request)).select_related("created_by")

    @extend_schema(
        tags=["keys"],
        summary="The organisation's API keys (never their secrets)",
        responses={200: ApiKeySerializer(many=True), **error_responses(*READ_ERRORS)},
        examples=[OpenApiExample("A key", value=KEY_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        tags=["keys"],
        summary="Create a key; its secret is in this answer only",
        parameters=[IDEMPOTENCY_KEY],
        description="For the organisation's staff signed in to the browser; an API key cannot create keys. "
        + IDEMPOTENCY_NOTE,
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer, **error_responses(*WRITE_ERRORS)},
        examples=[
            OpenApiExample(
                "Create", value={"name": "ERP", "expires_at": "2027-01-01T00:00:00+08:00"}, request_only=True
            ),
            OpenApiExample(
                "Created",
                value={**KEY_EXAMPLE, "last_used_at": None, "key": "rsk_Xy3kQ9aB…", "notice": None},
                response_only=True,
                status_codes=["201"],
            ),
        ],
    )
    @idempotent(withhold="key")
    def post(self, request: Request) -> Response:
        data = ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        key, secret = api_key_create(
            actor=caller(request), name=data.validated_data["name"], expires_at=data.validated_data.get("expires_at")
        )
        return Response({**ApiKeySerializer(key).data, "key": secret, "notice": None}, status=status.HTTP_201_CREATED)


class ApiKeyRevokeView(PathIdsMixin, APIView):
    @extend_schema(
        tags=["keys"],
        summary="Revoke a key (at once; revoking twice keeps the first time)",
        parameters=[path_parameter("key_id", "The key's id."), IDEMPOTENCY_KEY],
        description=IDEMPOTENCY_NOTE,
        request=None,
        responses={200: ApiKeySerializer, **error_responses(*WRITE_ERRORS)},
        examples=[
            OpenApiExample(
                "Revoked",
                value={**KEY_EXAMPLE, "revoked_at": "2026-03-06T10:00:00+08:00", "is_active": False},
                response_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request: Request, **kwargs) -> Response:
        key_id = self.kwargs["key_id"]  # parsed by PathIdsMixin
        key = api_key_revoke(actor=caller(request), key_id=key_id)
        return Response(ApiKeySerializer(key).data)
