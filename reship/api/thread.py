"""``requests/{id}/messages/`` and ``requests/{id}/communications/``: the thread between seller and
partner, and the log of contacts made outside Reship.

Reads are the request's two sides' (and platform admins'); writes go through
``reship.services.thread.message_post`` and ``communication_record_add``, which only the two sides may call.
A message takes an optional photo or PDF ``attachment`` (``multipart/form-data``; JSON works for a
message without one), downloaded from ``…/messages/{id}/attachment/``. Another organisation's
request is a 404 for every method, whatever the body.
"""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from reship import privacy
from reship.api.auth import caller
from reship.api.idempotency import idempotent
from reship.api.mixins import FileDownloadMixin, PathIdsMixin, RequestRowsMixin, visible_request_or_404
from reship.api.pagination import ReshipCursorPagination
from reship.api.parsers import BoundedFormParser, BoundedJSONParser
from reship.api.schema import (
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_NOTE,
    READ_ERRORS,
    REQUEST_ID,
    WRITE_ERRORS,
    error_responses,
    path_parameter,
)
from reship.api.serializers import JsonInputSerializer, ServiceCheckedTextField
from reship.choices import AuthorRole, Counterpart, Direction
from reship.core.files import ATTACHMENT_TYPES, file_response_by_name
from reship.models import CommunicationRecord, RequestMessage
from reship.selectors import requests as selectors
from reship.services import thread
from suppliers.choices import Channel


def _name(user) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


# --- messages -----------------------------------------------------------------------------------


class ThreadMessageSerializer(serializers.ModelSerializer):
    request_id = serializers.IntegerField(read_only=True)
    author_id = serializers.IntegerField(read_only=True, allow_null=True)
    author_name = serializers.SerializerMethodField()
    author_role = serializers.ChoiceField(choices=AuthorRole.choices, read_only=True)
    attachment_url = serializers.SerializerMethodField()

    class Meta:
        model = RequestMessage
        fields = ["id", "request_id", "author_id", "author_name", "author_role", "body", "attachment_url", "created_at"]
        read_only_fields = fields

    def get_author_name(self, message: RequestMessage) -> str | None:
        return _name(message.author)

    def get_attachment_url(self, message: RequestMessage) -> str | None:
        if not message.attachment:
            return None
        return reverse("api:request-message-attachment", kwargs={"request_id": message.request_id, "pk": message.pk})


class ThreadMessageJsonSerializer(JsonInputSerializer):
    """A message without an attachment, as JSON."""

    body = ServiceCheckedTextField(help_text="Required: something besides spaces, at most 5000 characters.")


class ThreadMessagePostSerializer(ThreadMessageJsonSerializer):
    """A message, with an attachment when sent as ``multipart/form-data`` (a file cannot travel in JSON)."""

    attachment = serializers.FileField(
        required=False, allow_empty_file=True, help_text="Optional: a photo (JPEG, PNG, GIF, WebP) or a PDF."
    )


MESSAGE_EXAMPLE = {
    "id": 31,
    "request_id": 5,
    "author_id": 8,
    "author_name": "Zhang Min",
    "author_role": "partner",
    "body": "The replacement leaves tomorrow.",
    "attachment_url": None,
    "created_at": "2026-03-02T09:30:00+08:00",
}


class RequestMessagesView(RequestRowsMixin, generics.GenericAPIView):
    serializer_class = ThreadMessageSerializer
    pagination_class = ReshipCursorPagination
    parser_classes = [MultiPartParser, BoundedFormParser, BoundedJSONParser]
    row_model = RequestMessage
    row_related = ("author",)

    @extend_schema(
        tags=["thread"],
        summary="A request's thread, newest first",
        parameters=[REQUEST_ID],
        responses={200: ThreadMessageSerializer(many=True), **error_responses(*READ_ERRORS)},
        examples=[OpenApiExample("A message", value=MESSAGE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, **kwargs) -> Response:
        return self.list_rows(request)

    @extend_schema(
        tags=["thread"],
        summary="Post to the thread (the seller's or the partner's staff)",
        parameters=[REQUEST_ID, IDEMPOTENCY_KEY],
        description="JSON, or `multipart/form-data` with an `attachment`. " + IDEMPOTENCY_NOTE,
        request={
            "multipart/form-data": ThreadMessagePostSerializer,
            "application/json": ThreadMessageJsonSerializer,
        },
        responses={201: ThreadMessageSerializer, **error_responses(*WRITE_ERRORS)},
        examples=[
            OpenApiExample("Post", value={"body": "The replacement leaves tomorrow."}, request_only=True),
            OpenApiExample("Posted", value=MESSAGE_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    @idempotent
    def post(self, request: Request, **kwargs) -> Response:
        request_id = self.kwargs["request_id"]  # parsed by PathIdsMixin
        actor = caller(request)
        visible_request_or_404(actor, request_id)
        data = ThreadMessagePostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = thread.message_post(
            request_id=request_id,
            actor=actor,
            body=data.validated_data["body"],
            attachment=data.validated_data.get("attachment"),
        )
        return Response(ThreadMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class MessageAttachmentView(PathIdsMixin, FileDownloadMixin, generics.GenericAPIView):
    serializer_class = ThreadMessageSerializer  # for the schema's path parameters; the answer is the file

    @extend_schema(
        tags=["thread"],
        summary="Download a message's attachment",
        parameters=[REQUEST_ID, path_parameter("pk", "The message's id.")],
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description="The attachment.")
            for content_type in sorted(set(ATTACHMENT_TYPES.values()))
        }
        | error_responses(*READ_ERRORS),
    )
    def get(self, request: Request, **kwargs) -> FileResponse:
        request_id = self.kwargs["request_id"]  # parsed by PathIdsMixin
        pk = self.kwargs["pk"]  # parsed by PathIdsMixin
        message = selectors.request_message_for_user(user=caller(request), request_id=request_id, message_id=pk)
        if message is None or not message.attachment:
            raise NotFound()
        return file_response_by_name(message.attachment)


# --- communication records ----------------------------------------------------------------------


class CommunicationRecordSerializer(serializers.ModelSerializer):
    request_id = serializers.IntegerField(read_only=True)
    recorded_by = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    automatic = serializers.BooleanField(read_only=True, help_text="Sent to the customer automatically by the shop.")

    class Meta:
        model = CommunicationRecord
        fields = [
            "id",
            "request_id",
            "counterpart",
            "channel",
            "direction",
            "summary",
            "automatic",
            "recorded_by",
            "occurred_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_recorded_by(self, record: CommunicationRecord) -> str | None:
        return _name(record.recorded_by)

    def get_summary(self, record: CommunicationRecord) -> str:
        """The partner reads that an automatic customer message went out, not its words."""
        reship = self.context.get("reship")
        if reship is None:  # one record just logged by the caller: its own words
            return record.summary
        return privacy.communication_summary(self.context["request"].user, reship, record)


class CommunicationRecordAddSerializer(JsonInputSerializer):
    counterpart = serializers.ChoiceField(choices=Counterpart.choices, help_text="Never your own side.")
    channel = serializers.ChoiceField(choices=Channel.choices)
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.OUTBOUND)
    summary = ServiceCheckedTextField(help_text="Required: something besides spaces, at most 5000 characters.")
    occurred_at = serializers.DateTimeField(required=False, help_text="When it happened; now if left out.")


COMMUNICATION_EXAMPLE = {
    "id": 4,
    "request_id": 5,
    "counterpart": "customer",
    "channel": "phone",
    "direction": "outbound",
    "summary": "Called the buyer: the replacement is fine.",
    "automatic": False,
    "recorded_by": "Li Wei",
    "occurred_at": "2026-03-02T09:10:00+08:00",
    "created_at": "2026-03-02T09:30:00+08:00",
}


class CommunicationPagination(ReshipCursorPagination):
    ordering = ("-occurred_at", "-id")


class RequestCommunicationsView(RequestRowsMixin, generics.GenericAPIView):
    serializer_class = CommunicationRecordSerializer
    pagination_class = CommunicationPagination
    row_model = CommunicationRecord
    row_related = ("recorded_by",)

    @extend_schema(
        tags=["thread"],
        summary="A request's communication log, latest contact first",
        parameters=[REQUEST_ID],
        responses={200: CommunicationRecordSerializer(many=True), **error_responses(*READ_ERRORS)},
        examples=[OpenApiExample("A contact", value=COMMUNICATION_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, **kwargs) -> Response:
        return self.list_rows(request)

    @extend_schema(
        tags=["thread"],
        summary="Log a contact made outside Reship (the seller's or the partner's staff)",
        parameters=[REQUEST_ID, IDEMPOTENCY_KEY],
        description=IDEMPOTENCY_NOTE,
        request=CommunicationRecordAddSerializer,
        responses={201: CommunicationRecordSerializer, **error_responses(*WRITE_ERRORS)},
        examples=[
            OpenApiExample(
                "Log a call",
                value={
                    "counterpart": "customer",
                    "channel": "phone",
                    "direction": "outbound",
                    "summary": "Called the buyer: the replacement is fine.",
                    "occurred_at": "2026-03-02T09:10:00+08:00",
                },
                request_only=True,
            ),
            OpenApiExample("Logged", value=COMMUNICATION_EXAMPLE, response_only=True, status_codes=["201"]),
        ],
    )
    @idempotent
    def post(self, request: Request, **kwargs) -> Response:
        request_id = self.kwargs["request_id"]  # parsed by PathIdsMixin
        actor = caller(request)
        visible_request_or_404(actor, request_id)
        data = CommunicationRecordAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = thread.communication_record_add(
            request_id=request_id,
            actor=actor,
            counterpart=data.validated_data["counterpart"],
            channel=data.validated_data["channel"],
            direction=data.validated_data["direction"],
            summary=data.validated_data["summary"],
            occurred_at=data.validated_data.get("occurred_at"),
        )
        return Response(CommunicationRecordSerializer(record).data, status=status.HTTP_201_CREATED)
