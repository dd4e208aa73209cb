"""What several endpoint modules' views share: ids parsed from the path, the list of one request's
own rows, downloads that answer errors in JSON, and the request lookups these use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship import permissions
from reship.accounts.models import User
from reship.api.auth import caller
from reship.api.schema import path_id
from reship.models import ReshipRequest


def visible_request_ids(user: User) -> QuerySet[ReshipRequest, Mapping[str, Any]]:
    """The tenancy filter as a subquery, for querysets of a request's rows."""
    return ReshipRequest.objects.filter(permissions.visible_requests_filter(user)).values("pk")


def visible_request_or_404(user: User, request_id: int) -> ReshipRequest:
    request = ReshipRequest.objects.filter(permissions.visible_requests_filter(user), pk=request_id).first()
    if request is None:
        raise NotFound()
    return request


class PathIdsMixin(APIView):
    """Ids in these URLs are matched loosely (``reship/api/urls.py``) and parsed here, once the caller
    is authenticated: anything but a database id is the API's JSON 404, never the site's HTML page
    or an integer overflow. Handlers and querysets read the parsed ids from ``self.kwargs``."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.kwargs = {name: path_id(value) for name, value in self.kwargs.items()}


class RequestRowsMixin(PathIdsMixin, generics.GenericAPIView):
    """The list of one request's own rows (its evidence, thread messages, contact log): set
    ``row_model`` and ``row_related``; ``list_rows`` answers the API's 404 for a request the caller
    does not see, and otherwise one page of its rows."""

    row_model: type[Model]
    row_related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet[Model]:
        rows = self.row_model._default_manager  # ``objects``, as named for any model
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return rows.none()
        return rows.filter(
            request_id=self.kwargs["request_id"], request__in=visible_request_ids(caller(self.request))
        ).select_related(*self.row_related)

    def list_rows(self, request: Request) -> Response:
        reship = visible_request_or_404(caller(request), self.kwargs["request_id"])  # parsed by PathIdsMixin
        page = self.paginate_queryset(self.get_queryset())
        serializer = self.get_serializer(page, many=True, context={**self.get_serializer_context(), "reship": reship})
        return self.get_paginated_response(serializer.data)


class FileDownloadMixin(APIView):
    """Errors of a download are still the JSON error body, whatever the caller's ``Accept`` asks
    for: content negotiation falls back to JSON instead of answering 406."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple[BaseRenderer, str]:
        return super().perform_content_negotiation(request, force=True)
