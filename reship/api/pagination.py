"""Cursor pagination on (created_at, id), both indexed: stable under inserts, no COUNT(*).

A cursor or ``page_size`` the server did not make is a 400 naming the parameter, in the API's
error body: a cursor that decodes but carries nonsense used to reach the database as a filter
value (a 500), and a garbage ``page_size`` was silently replaced by the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model, QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from reship.core.bounds import id_in_range

_Model = TypeVar("_Model", bound=Model)
_Row = TypeVar("_Row")


def _position_valid(model: type[Model] | None, attribute: str, position: object) -> bool:
    """Could ``position`` be the ordering column's value of a row? (What the server writes there.)"""
    if model is None:
        return False
    try:
        field = model._meta.get_field(attribute)
        if not isinstance(field, Field):
            return False  # a relation's reverse side: no column to compare with
        value = field.to_python(position)
    except (FieldDoesNotExist, DjangoValidationError, ValueError, TypeError, OverflowError):
        return False
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return False  # the server writes aware moments only
        try:
            value.astimezone(UTC)
        except OverflowError:
            return False
        return True
    if isinstance(value, int) and not isinstance(value, bool):
        return id_in_range(value)
    return value is not None


class ReshipCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering: Any = ("-created_at", "-id")
    model: type[Model] | None = None  # the paginated rows' model, for checking a cursor's position

    def paginate_queryset(
        self, queryset: QuerySet[_Model, _Row] | Sequence[_Row], request: Request, view: APIView | None = None
    ) -> list[_Row] | None:
        self.model = queryset.model if isinstance(queryset, QuerySet) else None
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        if not (given.isascii() and given.isdigit() and len(given) <= 3 and 1 <= int(given) <= self.max_page_size):
            raise ValidationError(
                {self.page_size_query_param: [_("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}]}
            )
        return int(given)

    def decode_cursor(self, request: Request) -> Cursor | None:
        invalid = ValidationError(
            {self.cursor_query_param: [_("Not a cursor of this list: use the next or previous link as given.")]}
        )
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise invalid from None
        if cursor is None or cursor.position is None:
            return cursor
        ordering = self.ordering if isinstance(self.ordering, list | tuple) else (self.ordering,)
        if not _position_valid(self.model, ordering[0].lstrip("-"), cursor.position):
            raise invalid
        return cursor

    def get_schema_operation_parameters(self, view: APIView) -> list[Any]:
        """The cursor as an opaque string and ``page_size`` with the range the server accepts."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters
