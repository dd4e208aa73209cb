"""The request id (``X-Request-ID``) and the one log line per request (``reship.config.request_log``),
read as JSON lines under the production format; the formats each profile writes."""

import json
import logging
import re
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reship.config.request_log import RequestLogMiddleware
from reship.core.request_context import request_id_get
from reship.services.api_keys import api_key_create
from tests.config.test_settings import PRODUCTION, REPO_ROOT, environment, production_variables
from tests.log_support import logs_captured

pytestmark = pytest.mark.django_db

NEW_ID = re.compile(r"[0-9a-f]{32}")
MIDDLEWARE = "reship.config.request_log.RequestLogMiddleware"


@pytest.fixture
def json_logs():
    with logs_captured("json") as captured:
        yield captured


def request_line(json_logs) -> dict:
    [line] = json_logs.of("reship.request")
    return line


# --- The line ---------------------------------------------------------------------------------


def test_a_page_writes_one_line_with_the_request_the_view_the_user_and_the_organisation(client, seller_user, json_logs):
    client.force_login(seller_user)

    response = client.get("/orders/?q=Zhang+San+13800138000", HTTP_X_REQUEST_ID="shop-erp.42_a")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "shop-erp.42_a"
    line = request_line(json_logs)
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] > 0
    assert line["time"].endswith("+00:00")
    seller_id = seller_user.seller_membership.seller_id
    assert {key: value for key, value in line.items() if key not in ("time", "duration_ms")} == {
        "level": "INFO",
        "logger": "reship.request",
        "message": f"GET /orders/ 200 {line['duration_ms']:.1f} ms view=orders:list user={seller_user.pk} "
        f"seller={seller_id} partner=-",
        "request_id": "shop-erp.42_a",
        "method": "GET",
        "path": "/orders/",  # never the query string: it can hold a customer's name or phone
        "view": "orders:list",
        "status": 200,
        "user_id": seller_user.pk,
        "seller_id": seller_id,
        "partner_id": None,
    }
    assert "Zhang" not in json_logs.text()


def test_an_api_call_names_the_keys_organisation(partner_user, json_logs):
    _key, raw = api_key_create(actor=partner_user, name="erp")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    response = api.get("/api/v1/requests/", HTTP_X_REQUEST_ID="erp-run-7")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "erp-run-7"
    line = request_line(json_logs)
    service_user = partner_user.partner_membership.partner.memberships.exclude(user=partner_user).get().user
    assert (line["view"], line["status"], line["request_id"]) == ("api:request-list", 200, "erp-run-7")
    assert (line["user_id"], line["seller_id"], line["partner_id"]) == (
        service_user.pk,
        None,
        partner_user.partner_membership.partner_id,
    )


def test_a_page_not_found_is_one_warning_for_a_visitor(client, json_logs):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="r-404")

    assert response.status_code == 404
    line = request_line(json_logs)
    assert (line["level"], line["path"], line["view"], line["status"], line["user_id"], line["seller_id"]) == (
        "WARNING",
        "/no-such-page/",
        None,
        404,
        None,
        None,
    )
    # Not also Django's "Not Found: /no-such-page/", which it would write after the request, without its id.
    assert [each["logger"] for each in json_logs.lines()] == ["reship.request"]


def test_every_record_written_during_the_request_carries_its_id(json_logs):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/login/", {"username": "li"}, HTTP_X_REQUEST_ID="r-csrf")

    assert response.status_code == 403
    # Django's CSRF refusal, written by another logger inside the request; and never the request object.
    [refusal] = json_logs.of("django.security.csrf")
    assert (refusal["level"], refusal["request_id"], refusal["status_code"]) == ("WARNING", "r-csrf", 403)
    assert refusal["message"].startswith("Forbidden (CSRF cookie not set.): /login/")
    assert "request" not in refusal
    assert (request_line(json_logs)["status"], request_line(json_logs)["request_id"]) == (403, "r-csrf")


def test_a_signed_links_token_is_not_written_to_the_log(client, json_logs):
    client.get("/t/eyJyIjoxfQ.secret-signature/", HTTP_X_REQUEST_ID="customer-1")

    line = request_line(json_logs)
    assert (line["path"], line["view"]) == ("/t/<token>/", "customer-track")
    assert "secret-signature" not in json_logs.text()


def test_the_probes_are_answered_without_a_line_or_an_id(client, json_logs):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "X-Request-ID" not in response
    assert json_logs.of("reship.request") == []


def test_at_log_level_warning_only_the_failed_requests_are_written(client, json_logs):
    logger = logging.getLogger("reship.request")
    before = logger.level
    logger.setLevel(logging.WARNING)  # as LOG_LEVEL=WARNING sets the root's
    try:
        client.get("/login/", HTTP_X_REQUEST_ID="ok-1")
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="missing-1")
    finally:
        logger.setLevel(before)

    assert [(line["request_id"], line["status"]) for line in json_logs.of("reship.request")] == [("missing-1", 404)]


def test_a_request_whose_error_page_fails_too_is_logged_as_a_500(rf, json_logs):
    def broken(request):
        raise RuntimeError("The 500 page's own template is missing.")

    request = rf.get("/orders/", HTTP_X_REQUEST_ID="r-500")
    with pytest.raises(RuntimeError):
        RequestLogMiddleware(broken)(request)

    line = request_line(json_logs)
    assert (line["level"], line["status"], line["path"], line["request_id"]) == ("ERROR", 500, "/orders/", "r-500")
    assert request_id_get() == ""


# --- The id -----------------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["A.b_c-9", "7" * 64, "0f8fad5b-d9cb-469f-a165-70867728950e"])
def test_a_sane_id_is_echoed(client, given, json_logs):
    assert client.get("/login/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    assert request_line(json_logs)["request_id"] == given


@pytest.mark.parametrize(
    "given",
    ["7" * 65, "two words", "<script>", "id;drop", "ünïcode", "line\nbreak", ""],
    ids=["65 characters", "space", "markup", "semicolon", "not ascii", "newline", "empty"],
)
def test_an_insane_id_is_replaced_by_a_new_one(client, given, json_logs):
    answered = client.get("/login/", HTTP_X_REQUEST_ID=given)["X-Request-ID"]

    assert NEW_ID.fullmatch(answered), answered
    assert request_line(json_logs)["request_id"] == answered


def test_without_an_id_each_request_gets_its_own(client, json_logs):
    first = client.get("/login/")["X-Request-ID"]
    second = client.get("/login/")["X-Request-ID"]

    assert NEW_ID.fullmatch(first)
    assert NEW_ID.fullmatch(second)
    assert first != second
    assert [line["request_id"] for line in json_logs.of("reship.request")] == [first, second]


# --- No query of its own ----------------------------------------------------------------------


def queries_of(client, url: str, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("url", ["/orders/", "/seller/"])
def test_the_line_adds_no_query_to_a_page(client, seller_user, settings, url, json_logs):
    client.force_login(seller_user)
    queries_of(client, url)  # warm: what a page reads once per process is not counted
    with_line = queries_of(client, url)
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]
    without_line = queries_of(client, url)

    assert len(with_line) == len(without_line)
    # ...although the line names the organisation: it came with the session's user.
    assert json_logs.of("reship.request")[-1]["seller_id"] == seller_user.seller_membership.seller_id


def test_the_line_adds_no_query_to_an_api_call(partner_user, settings, json_logs):
    _key, raw = api_key_create(actor=partner_user, name="erp")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    queries_of(api, "/api/v1/requests/")
    with_line = queries_of(api, "/api/v1/requests/")
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]
    without_line = queries_of(api, "/api/v1/requests/")

    assert len(with_line) == len(without_line)
    assert json_logs.of("reship.request")[-1]["partner_id"] == partner_user.partner_membership.partner_id


# --- Each profile's format --------------------------------------------------------------------

LOG_ONE_LINE = (
    "import django, logging; django.setup(); "
    "from reship.core.request_context import request_id_bound\n"
    "with request_id_bound('req-1'): logging.getLogger('reship.probe').warning('补单 %s', 7)"
)


def log_one_line(settings_module: str, **variables: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", LOG_ONE_LINE],
        cwd=REPO_ROOT,
        env=environment(settings_module, **variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_production_writes_json_lines():
    line = json.loads(log_one_line(PRODUCTION, **production_variables()))

    assert line.pop("time").endswith("+00:00")
    assert line == {"level": "WARNING", "logger": "reship.probe", "message": "补单 7", "request_id": "req-1"}


def test_production_writes_plain_lines_when_asked():
    line = log_one_line(PRODUCTION, **production_variables(LOG_FORMAT="text"))

    assert line.endswith(" WARNING reship.probe [req-1] 补单 7"), line


def test_development_writes_plain_lines():
    assert log_one_line("reship.config.settings.base").endswith(" WARNING reship.probe [req-1] 补单 7")


def test_an_unknown_format_is_refused_naming_the_variable():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO_ROOT,
        env=environment(LOG_FORMAT="xml"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].endswith("LOG_FORMAT='xml' is not one of json, text.")
