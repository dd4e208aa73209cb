"""``inbox/``: the caller's delivered inbox notifications, the unread count, and marking them read.

The same rows and rules as the browser's inbox (``reship.services.inbox``): only delivered rows, each
rendered in the reader's language on every read. An API key reads its organisation's service
user's inbox. Another user's notification is a 404.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship.api.auth import caller
from reship.api.idempotency import idempotent
from reship.api.mixins import PathIdsMixin
from reship.api.pagination import ReshipCursorPagination
from reship.api.schema import IDEMPOTENCY_KEY, IDEMPOTENCY_NOTE, READ_ERRORS, error_responses, path_parameter
from reship.models import Notification
from reship.services.inbox import (
    InboxEntry,
    inbox_entry,
    inbox_list_for_user,
    inbox_mark_all_read,
    inbox_mark_read,
    inbox_unread_count,
)


class InboxEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="notification.pk")
    template = serializers.CharField(source="notification.template", help_text="Which message, e.g. request_approved.")
    subject = serializers.CharField()
    excerpt = serializers.CharField()
    request_id = serializers.IntegerField(source="notification.request_id", allow_null=True)
    url = serializers.CharField(allow_blank=True, help_text="The request's page in the browser, if any.")
    created_at = serializers.DateTimeField(source="notification.created_at")
    read_at = serializers.DateTimeField(source="notification.read_at", allow_null=True)
    is_unread = serializers.BooleanField()
    awaits = serializers.CharField(
        source="notification.awaits",
        allow_blank=True,
        help_text="For an entry that asks for an action: the side and step it waits for, as "
        "'<side>:<step>' (e.g. 'partner:review', 'seller:quote'); empty for news.",
    )
    done_at = serializers.DateTimeField(
        source="notification.done_at",
        allow_null=True,
        help_text="When the action it asked for was done (by anyone of the organisation, or the request moved on).",
    )


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many entries were unread.")


ENTRY_EXAMPLE = {
    "id": 120,
    "template": "request_approved",
    "subject": "Reship request RS-2026-00005 approved",
    "excerpt": "Zhang Min approved your reship request RS-2026-00005.",
    "request_id": 5,
    "url": "/requests/5/",
    "created_at": "2026-03-02T09:30:00+08:00",
    "read_at": None,
    "is_unread": True,
    "awaits": "seller:quote",
    "done_at": None,
}


class InboxListView(generics.GenericAPIView):
    serializer_class = InboxEntrySerializer
    pagination_class = ReshipCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return Notification.objects.none()
        return inbox_list_for_user(user=caller(self.request))

    @extend_schema(
        tags=["inbox"],
        summary="The caller's inbox, newest first",
        responses={200: InboxEntrySerializer(many=True), **error_responses(*READ_ERRORS)},
        examples=[OpenApiExample("An entry", value=ENTRY_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        user = caller(request)
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # a pagination_class is set: always a page
        entries = [inbox_entry(notification, user=user) for notification in page]
        return self.get_paginated_response(InboxEntrySerializer(entries, many=True).data)


class InboxUnreadCountView(APIView):
    @extend_schema(
        tags=["inbox"],
        summary="How many inbox entries are unread",
        responses={200: UnreadCountSerializer, **error_responses(401, 429)},
        examples=[OpenApiExample("Three unread", value={"unread": 3}, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        return Response({"unread": inbox_unread_count(user=caller(request))})


class InboxReadView(PathIdsMixin, APIView):
    @extend_schema(
        tags=["inbox"],
        summary="Mark one entry read (a second time keeps the first time)",
        parameters=[path_parameter("notification_id", "The entry's id."), IDEMPOTENCY_KEY],
        description=IDEMPOTENCY_NOTE,
        request=None,
        responses={200: InboxEntrySerializer, **error_responses(*READ_ERRORS, 409, 422)},
        examples=[
            OpenApiExample(
                "Read",
                value={**ENTRY_EXAMPLE, "read_at": "2026-03-02T10:00:00+08:00", "is_unread": False},
                response_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request: Request, **kwargs) -> Response:
        notification_id = self.kwargs["notification_id"]  # parsed by PathIdsMixin
        user = caller(request)
        notification = inbox_mark_read(user=user, notification_id=notification_id)
        entry: InboxEntry = inbox_entry(notification, user=user)
        return Response(InboxEntrySerializer(entry).data)


class InboxReadAllView(APIView):
    @extend_schema(
        tags=["inbox"],
        summary="Mark every delivered entry read",
        parameters=[IDEMPOTENCY_KEY],
        description=IDEMPOTENCY_NOTE,
        request=None,
        responses={200: MarkedSerializer, **error_responses(401, 409, 422, 429)},
        examples=[OpenApiExample("Marked", value={"marked": 3}, response_only=True)],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        return Response({"marked": inbox_mark_all_read(user=caller(request))})
