"""The Content-Security-Policy header (django-csp), and where a browser sends what it blocked.

django-csp writes ``report-to <group>`` into the policy; Chromium only sends reports to a group that
the response names in ``Reporting-Endpoints`` (the Reporting API), so it is added wherever the
policy is. Other browsers read ``report-uri``.
"""

from __future__ import annotations

from csp.constants import HEADER, SELF
from csp.decorators import csp_update
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        if HEADER in response and "Reporting-Endpoints" not in response:
            response["Reporting-Endpoints"] = f'{settings.CSP_REPORT_GROUP}="{settings.CSP_REPORT_PATH}"'
        return response


# The API docs page is a third-party UI served by the app (drf-spectacular's sidecar). What it
# needs beyond the site's policy is added on that page only; its inline style and start script
# are moved out in templates/drf_spectacular/ and reship/config/urls.py (Swagger's split view).
# Swagger UI draws its icons as data: images.
api_docs_policy = csp_update({"img-src": [SELF, "data:"]})
