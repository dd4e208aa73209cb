"""The Content-Security-Policy every answer carries (pages, API, admin, error pages, the API docs'
own additions), and the endpoint browsers report violations to (reship.web.views.csp)."""

import json
import logging
import re

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.workflow_states import make_parties, submit

# The site's policy, directive by directive, as a browser reads it (the header's order is not kept).
POLICY = {
    "default-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "report-uri": ["/csp-report/"],
    "report-to": ["csp-endpoint"],
}


def _policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def _assert_site_policy(response) -> None:
    assert _policy(response) == POLICY
    assert response.headers["Reporting-Endpoints"] == 'csp-endpoint="/csp-report/"'


@pytest.mark.django_db
def test_a_page_carries_the_policy(client, seller_user):
    client.force_login(seller_user)

    response = client.get("/seller/")

    assert response.status_code == 200
    _assert_site_policy(response)


@pytest.mark.django_db
def test_the_sign_in_page_and_the_404_page_carry_the_policy(client):
    _assert_site_policy(client.get("/login/"))
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    _assert_site_policy(missing)


@pytest.mark.django_db
def test_the_api_carries_the_policy(client, seller_user):
    client.force_login(seller_user)

    response = client.get("/api/v1/requests/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    _assert_site_policy(response)
    _assert_site_policy(Client().get("/api/v1/requests/", HTTP_ACCEPT="application/json"))  # a 401 too


@pytest.mark.django_db
def test_the_admin_carries_the_policy(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    _assert_site_policy(client.get("/admin/"))
    changelist = client.get("/admin/reship/reshiprequest/")
    assert changelist.status_code == 200
    _assert_site_policy(changelist)


@pytest.mark.django_db
def test_the_api_docs_page_adds_only_what_its_interface_needs(client):
    swagger = client.get("/api/docs/")

    assert _policy(swagger) == {**POLICY, "img-src": ["'self'", "data:"]}
    # ReDoc is gone (its bundle loads a logo from a CDN); its old address lands on Swagger UI.
    redoc = client.get("/api/redoc/")
    assert (redoc.status_code, redoc["Location"]) == (301, "/api/docs/")
    # Swagger UI's start script is a file of its own, not inline.
    assert "<script>" not in swagger.content.decode()
    assert client.get("/api/docs/?script=").headers["Content-Type"].startswith("application/javascript")


@pytest.mark.django_db
def test_pages_hold_no_inline_style_or_event_handler(client, seller_user):
    client.force_login(seller_user)

    html = client.get("/seller/").content.decode()

    assert 'id="language-switcher"' in html
    assert re.findall(r"\son[a-z]+=|\sstyle=|<style", html) == []


def _htmx_config(html: str) -> dict:
    [content] = re.findall(r'<meta name="htmx-config" content=\'([^\']*)\'>', html)
    return json.loads(content)


@pytest.mark.django_db
def test_htmx_adds_no_inline_style_and_evaluates_no_code_on_any_page(client):
    """htmx's indicator <style> and its eval are off on every page, the request page's own setting
    (a refused message still swaps its errors in) kept beside them in the one config htmx reads."""
    parties = make_parties()
    client.force_login(parties.seller)

    plain = _htmx_config(client.get("/requests/").content.decode())
    request_page = _htmx_config(client.get(f"/requests/{submit(parties).pk}/").content.decode())

    site = {"includeIndicatorStyles": False, "allowEval": False, "allowScriptTags": False}
    assert plain == site
    assert request_page == {
        **site,
        "responseHandling": [
            {"code": "204", "swap": False},
            {"code": "[23]..", "swap": True},
            {"code": "400", "swap": True, "error": False},
            {"code": "[45]..", "swap": False, "error": True},
        ],
    }


# --- The report endpoint -------------------------------------------------------------------------

REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "https://reship.example/requests/12/",
        "referrer": "",
        "violated-directive": "style-src-elem",
        "effective-directive": "style-src-elem",
        "original-policy": "default-src 'self'",
        "blocked-uri": "inline",
        "source-file": "https://reship.example/requests/12/",
        "line-number": 40,
        "status-code": 200,
    }
}
REPORT_TO_BODY = [
    {
        "type": "csp-violation",
        "age": 10,
        "url": "https://reship.example/orders/",
        "user_agent": "Chrome",
        "body": {
            "documentURL": "https://reship.example/orders/",
            "effectiveDirective": "img-src",
            "blockedURL": "https://tracker.example/pixel.gif",
            "sourceFile": "https://reship.example/static/js/reship.js",
            "lineNumber": 7,
            "disposition": "enforce",
        },
    },
    {"type": "deprecation", "age": 3, "url": "https://reship.example/orders/", "body": {"id": "x"}},
]


def _post(body: bytes | str, content_type: str):
    # A browser sends no CSRF token: the endpoint must not ask for one.
    return Client(enforce_csrf_checks=True).post("/csp-report/", data=body, content_type=content_type)


def _violations_logged(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "reship.csp" and record.levelno >= 30]


@pytest.mark.django_db
def test_a_report_uri_report_is_logged(caplog):
    caplog.set_level(logging.INFO, logger="reship.csp")

    response = _post(json.dumps(REPORT_URI_BODY), "application/csp-report")

    assert response.status_code == 204
    assert _violations_logged(caplog) == [
        "CSP violation on https://reship.example/requests/12/: style-src-elem blocked inline "
        "(https://reship.example/requests/12/ line 40) -"
    ]


@pytest.mark.django_db
def test_a_reporting_api_report_is_logged_without_the_other_kinds(caplog):
    caplog.set_level(logging.INFO, logger="reship.csp")

    response = _post(json.dumps(REPORT_TO_BODY), "application/reports+json")

    assert response.status_code == 204
    assert _violations_logged(caplog) == [
        "CSP violation on https://reship.example/orders/: img-src blocked https://tracker.example/pixel.gif "
        "(https://reship.example/static/js/reship.js line 7) -"
    ]


@pytest.mark.django_db
def test_a_forged_report_cannot_write_a_log_line_of_its_own(caplog):
    caplog.set_level(logging.INFO, logger="reship.csp")
    forged = {"csp-report": {**REPORT_URI_BODY["csp-report"], "blocked-uri": "inline\nERROR admin password changed"}}

    _post(json.dumps(forged), "application/csp-report")

    [message] = _violations_logged(caplog)
    assert "\n" not in message
    assert "blocked inline?ERROR admin password changed" in message


@pytest.mark.django_db
def test_one_body_logs_at_most_twenty_violations(caplog):
    caplog.set_level(logging.INFO, logger="reship.csp")

    response = _post(json.dumps(REPORT_TO_BODY[:1] * 100), "application/reports+json")  # about 35 KB

    assert response.status_code == 204
    assert len(_violations_logged(caplog)) == 20


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\xff\xfe not utf-8", id="not-utf8"),
        pytest.param("{not json", id="not-json"),
        pytest.param("[" * 20_000 + "]" * 20_000, id="nested-20000-deep"),
        pytest.param(json.dumps({"csp-report": "inline"}), id="report-not-an-object"),
        pytest.param(json.dumps([{"type": "csp-violation", "body": [1]}]), id="body-not-an-object"),
        pytest.param(json.dumps([]), id="empty-list"),
        pytest.param(json.dumps(42), id="a-number"),
    ],
)
def test_garbage_is_refused_with_400_and_logs_no_violation(caplog, body):
    caplog.set_level(logging.INFO, logger="reship.csp")

    response = _post(body, "application/csp-report")

    assert response.status_code == 400
    assert _violations_logged(caplog) == []


@pytest.mark.django_db
def test_a_huge_body_is_refused_unread(caplog):
    caplog.set_level(logging.INFO, logger="reship.csp")
    huge = json.dumps([REPORT_TO_BODY[0]] * 2000)  # about 600 KB, past the 64 KiB cap

    response = _post(huge, "application/reports+json")

    assert response.status_code == 413
    assert _violations_logged(caplog) == []


@pytest.mark.django_db
def test_other_content_types_and_methods_are_refused(client):
    assert _post(json.dumps(REPORT_URI_BODY), "text/plain").status_code == 415
    assert _post("a=b", "application/x-www-form-urlencoded").status_code == 415
    assert client.get("/csp-report/").status_code == 405
