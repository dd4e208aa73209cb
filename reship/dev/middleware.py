"""Development and benchmark middleware; wired by settings only when its flag is on."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse


class QueryCountHeaderMiddleware:
    """The benchmark's query count (``RESHIP_BENCH_QUERY_HEADER``): every response says, in
    ``X-Reship-Queries``, how many SQL statements its request ran. Counted by a wrapper around the
    connection's execute, so it costs one function call per query and works with DEBUG off."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counted(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Reship-Queries"] = str(count)
        return response
