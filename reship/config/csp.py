"""The Content-Security-Policy header (django-csp), and where a browser sends what it blocked.

django-csp writes ``report-to <group>`` into the policy; Chromium only sends reports to a group that
the response names in ``Reporting-Endpoints`` (the Reporting API), so it is added wherever the
policy is. Other browsers read ``report-uri``.
"""

from __future__ import annotations

from csp.constants import HEADER, NONCE, SELF
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


# The API docs pages are third-party UIs served by the app (drf-spectacular's sidecar). What each
# needs beyond the site's policy is added on that page only; their inline style and start script
# are moved out in templates/drf_spectacular/ and reship/config/urls.py (Swagger's split view).
# Swagger UI draws its icons as data: images.
api_docs_policy = csp_update({"img-src": [SELF, "data:"]})
# ReDoc draws icons as data: images, searches in a blob: worker, shows its maker's logo from its
# CDN (the one image from another site; it cannot be turned off), and writes its styles into
# <style> elements: those it writes as it renders carry the nonce the page passes it; the two it
# writes as its script loads, before it can read the nonce, are allowed by their hashes (an empty
# one and its scrollbar rules, in drf-spectacular-sidecar's pinned bundle; a bundle that changes
# them fails tests/browser/test_csp_crawl.py).
api_redoc_policy = csp_update(
    {
        "style-src": [
            SELF,
            NONCE,
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
            "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
        ],
        "img-src": [SELF, "data:", "https://cdn.redoc.ly"],
        "worker-src": [SELF, "blob:"],
    }
)
