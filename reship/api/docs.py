"""The schema (``/api/schema/``) and its docs page (``/api/docs/``), drf-spectacular's views with
the API's error answers. Apart from ``reship.api.schema``: drf-spectacular's views read the schema
class that module defines, so importing them there is a cycle."""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer


def _errors_as_json(request: Any) -> None:
    """Have DRF render an error answer in the API's JSON error body, whatever the view renders
    otherwise: the schema's refusals were YAML (``?format=xml`` a 404, ``Accept: text/html`` a 406,
    a POST a 405) and the docs page's the site's HTML 404 page or a bare "405 Method Not Allowed",
    where everything under /api/ answers its errors as JSON."""
    request.accepted_renderer = JSONRenderer()
    request.accepted_media_type = JSONRenderer.media_type


class SchemaView(SpectacularAPIView):
    def handle_exception(self, exc: Exception) -> Any:
        response = super().handle_exception(exc)
        _errors_as_json(self.request)
        return response


class SchemaDocsView(SpectacularSwaggerSplitView):
    def handle_exception(self, exc: Exception) -> Any:
        response = super().handle_exception(exc)
        _errors_as_json(self.request)
        return response
