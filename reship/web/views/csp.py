"""Where browsers report what the Content-Security-Policy blocked (reship.config.csp): each
violation is logged as a warning on the ``reship.csp`` logger, for an operator to see what a page
tried to load or run.

Anyone can post here, so the endpoint trusts nothing: the body is capped before it is read, only
the fields an operator needs are kept, each shortened and stripped of control characters (no forged
log lines), and at most ``MAX_REPORTS`` are logged from one body. Whatever arrives, the answer is a
plain 204, 400, 405, 413 or 415, never an error page.

Two formats arrive: ``report-uri`` posts one ``{"csp-report": {...}}`` as application/csp-report
(Firefox, Safari; some send application/json); ``report-to`` (Chromium's Reporting API) posts a list
of ``{"type": "csp-violation", "body": {...}}`` as application/reports+json.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("reship.csp")

MAX_BYTES = 64 * 1024
MAX_REPORTS = 20
MAX_FIELD_CHARS = 300
CONTENT_TYPES = {"application/csp-report", "application/reports+json", "application/json"}
# The fields logged: (name in the log, its name in a report-uri report, in a report-to report).
FIELDS = (
    ("page", "document-uri", "documentURL"),
    ("directive", "effective-directive", "effectiveDirective"),
    ("blocked", "blocked-uri", "blockedURL"),
    ("source", "source-file", "sourceFile"),
    ("line", "line-number", "lineNumber"),
    ("sample", "script-sample", "sample"),
)


class UnreadableReport(ValueError):
    pass


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    content_type = request.content_type or ""
    if content_type not in CONTENT_TYPES:
        return HttpResponse(status=415)
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return HttpResponse(status=400)
    if declared > MAX_BYTES:
        logger.info("CSP report refused: %d bytes, more than %d", declared, MAX_BYTES)
        return HttpResponse(status=413)
    body = request.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        logger.info("CSP report refused: more than %d bytes", MAX_BYTES)
        return HttpResponse(status=413)
    try:
        violations = _violations(body)
    except UnreadableReport as error:
        logger.info("CSP report unreadable (%s, %d bytes)", error, len(body))
        return HttpResponse(status=400)
    for violation in violations[:MAX_REPORTS]:
        logger.warning(
            "CSP violation on %(page)s: %(directive)s blocked %(blocked)s (%(source)s line %(line)s) %(sample)s",
            violation,
            extra={"csp_violation": violation},
        )
    return HttpResponse(status=204)


def _violations(body: bytes) -> list[dict[str, str]]:
    """The violations a report body holds, each as the FIELDS, cleaned; UnreadableReport otherwise."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise UnreadableReport("not JSON") from error
    if isinstance(document, dict) and isinstance(document.get("csp-report"), dict):
        return [_violation(document["csp-report"], form=1)]
    if isinstance(document, list) and document and all(isinstance(report, dict) for report in document):
        bodies = [report.get("body") for report in document if report.get("type") == "csp-violation"]
        if bodies and all(isinstance(report_body, dict) for report_body in bodies):
            return [_violation(report_body, form=2) for report_body in bodies]
    raise UnreadableReport("no CSP report in it")


def _violation(report: dict[str, Any], *, form: int) -> dict[str, str]:
    violation = {field[0]: _clean(report.get(field[form])) for field in FIELDS}
    if violation["directive"] == "-":  # older browsers name only the directive as written
        violation["directive"] = _clean(report.get("violated-directive"))
    return violation


def _clean(value: object) -> str:
    if value is None or isinstance(value, dict | list):
        return "-"
    text = "".join(character if character.isprintable() else "?" for character in str(value)[:MAX_FIELD_CHARS])
    return text or "-"
