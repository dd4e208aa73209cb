"""Placeholder: the URL names exist so links can be built; the helper who owns this module replaces it."""

from django.http import Http404, HttpRequest, HttpResponse


def placeholder(request: HttpRequest, **kwargs: str) -> HttpResponse:
    raise Http404
