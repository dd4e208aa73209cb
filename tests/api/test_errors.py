"""Every answer under /api/ is the JSON error body ``{"code", "message", "field_errors"}``, whatever
went wrong and wherever: in a view, in authentication, outside DRF (an unknown path), an unhandled
exception (500) or a lost database connection (503 with Retry-After). Pages keep their HTML pages,
and a lost connection there is a bilingual 503 page. ``field_errors`` names nested fields one way.

Run with DEBUG off and a client that does not re-raise, as a deployed server answers.
"""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from rest_framework.test import APIClient

from reship.api.me import MeView
from reship.config.handlers import bad_request
from reship.services.api_keys import api_key_create
from tests import workflow_states as states

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "field_errors"}


@pytest.fixture(autouse=True)
def _deployed(settings):
    settings.DEBUG = False
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key_create(actor=user, name='erp')[1]}")
    return client


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = json.loads(response.content)
    assert set(body) == ERROR_KEYS
    return body


def broken(error: Exception):
    def raise_it(*args, **kwargs):
        raise error

    return raise_it


# --- what DRF's views raise -------------------------------------------------------------------------


def test_an_unhandled_exception_in_a_view_is_a_json_500(seller_user, monkeypatch):
    monkeypatch.setattr(MeView, "get", broken(ZeroDivisionError("a bug")))

    response = client_for(seller_user).get("/api/v1/me/")

    assert response.status_code == 500
    assert error_of(response) == {
        "code": "server_error",
        "message": "The server could not finish the request; the error was logged.",
        "field_errors": {},
    }


@pytest.mark.parametrize(
    "error",
    [OperationalError("server closed the connection unexpectedly"), InterfaceError("connection already closed")],
)
def test_a_lost_database_connection_in_a_view_is_a_json_503_to_retry(seller_user, monkeypatch, error):
    monkeypatch.setattr(MeView, "get", broken(error))

    response = client_for(seller_user).get("/api/v1/me/")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert error_of(response) == {
        "code": "service_unavailable",
        "message": "The service is briefly unavailable; retry in a few seconds.",
        "field_errors": {},
    }


def test_a_lost_database_connection_while_checking_the_key_is_a_json_503(seller_user, monkeypatch):
    client = client_for(seller_user)
    monkeypatch.setattr("reship.api.auth.api_key_authenticate", broken(OperationalError("terminating connection")))

    response = client.get("/api/v1/requests/")

    assert response.status_code == 503
    assert error_of(response)["code"] == "service_unavailable"


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        (
            lambda client: APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION="Api-Key rsk_wrong"),
            401,
            "authentication_failed",
        ),
        (lambda client: client.delete("/api/v1/me/"), 405, "method_not_allowed"),
        (lambda client: client.get("/api/v1/me/", HTTP_ACCEPT="text/html"), 406, "not_acceptable"),
        (
            lambda client: client.post("/api/v1/webhooks/", "x=1", content_type="text/plain"),
            415,
            "unsupported_media_type",
        ),
        (lambda client: client.get("/api/v1/requests/99999999999999999999/"), 404, "not_found"),
    ],
)
def test_each_refusal_is_the_error_body(seller_user, call, status, code):
    response = call(client_for(seller_user))

    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_a_browser_asking_for_html_gets_json_not_the_browsable_api(seller_user):
    response = client_for(seller_user).get("/api/v1/me/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


# --- what happens outside DRF's views -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/no-such-list/", "/api/nothing/", "/api/v1/requests/1/no-such-action/"])
def test_an_unknown_path_under_api_is_a_json_404(path):
    response = APIClient(raise_request_exception=False).get(path)

    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "Not found.", "field_errors": {}}


def _page_raising(error: Exception):
    """The site's URLs plus one page that raises ``error`` (/healthz, which these used, touches nothing now)."""
    from django.urls import include, path

    from reship.config import urls as site_urls

    def page(request):
        raise error

    class Urls:
        urlpatterns = [path("broken-page/", page), path("", include(site_urls.urlpatterns))]
        handler404 = site_urls.handler404
        handler400 = site_urls.handler400
        handler500 = site_urls.handler500

    return Urls


def test_a_lost_database_connection_on_a_page_is_a_503_page_in_both_languages(client, settings):
    settings.ROOT_URLCONF = _page_raising(OperationalError("server closed the connection unexpectedly"))
    client.raise_request_exception = False

    response = client.get("/broken-page/")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Briefly unavailable" in page
    assert "暂时无法访问" in page


def test_an_unhandled_exception_on_a_page_is_still_the_500_page(client, settings):
    settings.ROOT_URLCONF = _page_raising(ZeroDivisionError("a bug"))
    client.raise_request_exception = False

    response = client.get("/broken-page/")

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_a_body_too_big_for_django_outside_a_view_is_a_413_not_the_400_page(rf):
    """Django answers RequestDataTooBig raised outside a view (by a middleware reading the body) with
    the 400 handler; under /api/ that is the error body with 413."""
    api = bad_request(rf.post("/api/v1/requests/"), RequestDataTooBig("too big"))
    page = bad_request(rf.post("/orders/import/"), RequestDataTooBig("too big"))

    assert api.status_code == 413
    assert error_of(api) == {
        "code": "request_too_large",
        "message": "The request body is too large.",
        "field_errors": {},
    }
    assert page.status_code == 413
    assert page["Content-Type"].startswith("text/plain")


# --- one field_errors path format -------------------------------------------------------------------


def test_nested_field_errors_use_one_dotted_format_from_drf_and_from_the_workflow():
    parties = states.make_parties()
    states.submit(parties)  # claims 1 of SKU-A's 2
    client = client_for(parties.seller)
    order_line = parties.order.lines.get(product__sku_code="SKU-A")

    def submit(quantity) -> dict:
        lines = [{"order_line": order_line.pk, "quantity": quantity, "resolution": "resend"}]
        body = {"order": parties.order.pk, "reason": "damaged", "description": "Broken.", "lines": lines}
        return error_of(client.post("/api/v1/requests/", body, format="json"))

    by_drf = submit("two")  # refused by the serializer
    by_workflow = submit(2)  # refused by the workflow: only 1 left to claim

    assert list(by_drf["field_errors"]) == ["lines.0.quantity"]
    assert by_workflow["field_errors"] == {"lines.0.quantity": ["At most 1."]}


@pytest.mark.parametrize(("error", "status"), [(OperationalError("connection lost"), 503), (KeyError("a bug"), 500)])
def test_a_failure_in_a_middleware_under_api_is_still_the_error_body(seller_user, monkeypatch, error, status):
    """Raised before any DRF view runs (here while the signed-in user's time zone is activated):
    Django's own handler answers, and under /api/ it answers the error body too."""
    seller_user.time_zone = "Europe/Berlin"
    seller_user.save(update_fields=["time_zone"])
    client = APIClient(raise_request_exception=False)
    client.force_login(seller_user)
    monkeypatch.setattr("reship.config.middleware.time_zone_load", broken(error))

    response = client.get("/api/v1/me/")

    assert response.status_code == status
    assert error_of(response)["code"] == {503: "service_unavailable", 500: "server_error"}[status]
