"""Pages for people without an account, reached through signed links (being written)."""

from django.http import HttpResponse


def restock_confirm(request, token: str) -> HttpResponse:
    raise NotImplementedError


def survey(request, token: str) -> HttpResponse:
    raise NotImplementedError
