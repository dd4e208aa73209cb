"""Statements' pages for the partner and the seller (PENDING: the web helper builds them)."""

from django.http import HttpRequest, HttpResponse


def statement_list(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pending")


def statement_new(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pending")


def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return HttpResponse("pending")


def statement_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return HttpResponse("pending")
