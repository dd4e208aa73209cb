"""Cursor pagination on (created_at, id), both indexed: stable under inserts, no COUNT(*)."""

from rest_framework.pagination import CursorPagination


class ReshipCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")
