"""A source's statement through its signed link (PENDING: the print helper builds it)."""

from django.http import HttpRequest, HttpResponse


def source_statement(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("pending")
