"""The schema and its docs page answer their errors like the rest of /api/: the JSON error body,
not YAML (the schema's own rendering) nor the site's HTML page or a bare text line."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
@pytest.mark.parametrize(
    ("method", "query", "accept", "status", "code"),
    [
        ("get", "?format=xml", "*/*", 404, "not_found"),
        ("get", "", "text/plain", 406, "not_acceptable"),
        ("post", "", "*/*", 405, "method_not_allowed"),
    ],
)
def test_a_refusal_of_the_schema_or_its_docs_is_the_json_error_body(settings, url, method, query, accept, status, code):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = getattr(client, method)(url + query, HTTP_ACCEPT=accept)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"code", "message", "field_errors"}


def test_the_schema_and_its_docs_still_answer(settings):
    settings.DEBUG = False
    client = Client()

    assert client.get("/api/schema/").content.startswith(b"openapi: 3.0.3")
    assert client.get("/api/schema/?format=json").json()["info"]["title"] == "Reship API"
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
