"""Crafted input is a 400 in the API's error body, never a 500: a cursor the server did not make, a
``page_size`` that is not 1–100, an id filter beyond what the database holds, a JSON body nested a
thousand deep; and a body over the size limit is a 413.

The list endpoints are found in the OpenAPI schema (every GET with a ``cursor`` parameter), not in a
hand list, so a new list is probed as soon as it is published.
"""

from __future__ import annotations

import base64
import time
import tracemalloc

import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from reship.models import WebhookEndpoint
from reship.services.api_keys import api_key_create
from reship.settlement import statements as writer
from tests import workflow_states as states

pytestmark = pytest.mark.django_db

HUGE_ID = "99999999999999999999"
GARBAGE_CURSORS = [
    base64.b64encode(b"p=abc").decode(),  # decodes, but its position is no moment: was a 500
    base64.b64encode(b"p=2026-01-01 00:00:00").decode(),  # a moment without its offset
    base64.b64encode(b"o=-1").decode(),
    "not base64 at all",
]
GARBAGE_PAGE_SIZES = ["abc", "0", "-3", "101", "1e3", HUGE_ID]


@pytest.fixture(scope="module")
def list_operations(django_db_setup, django_db_blocker) -> dict[str, dict]:
    """{path: its GET operation} for every cursor-paginated list in the published schema."""
    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    lists = {}
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get and any(parameter["name"] == "cursor" for parameter in get.get("parameters", [])):
            lists[path] = get
    return lists


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key_create(actor=user, name='probe')[1]}")
    client.raise_request_exception = False
    return client


def fill_path(path: str, ids: dict[str, int]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, f"{path}: a list with a path id this test does not know yet; add it to ids"
    return path


def id_filters(operation: dict) -> list[str]:
    """The query parameters that take a number (ids, all of them), page_size aside."""
    return [
        parameter["name"]
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
        and parameter["name"] != "page_size"
        and parameter.get("schema", {}).get("type") in ("integer", "number")
    ]


def refusal(response, parameter: str) -> str | None:
    """None if the answer is the 400 error body naming ``parameter``; otherwise what it was."""
    if response.status_code == 400 and response["Content-Type"].startswith("application/json"):
        body = response.json()
        if set(body) == {"code", "message", "field_errors"} and parameter in body["field_errors"]:
            return None
    return f"{response.status_code} {response['Content-Type']} {response.content[:150]!r}"


def test_the_schema_publishes_the_thirteen_lists(list_operations):
    assert sorted(list_operations) == [
        "/api/v1/inbox/",
        "/api/v1/keys/",
        "/api/v1/orders/",
        "/api/v1/orders/{order_id}/shipments/",
        "/api/v1/requests/",
        "/api/v1/requests/{request_id}/communications/",
        "/api/v1/requests/{request_id}/evidence/",
        "/api/v1/requests/{request_id}/messages/",
        "/api/v1/requests/{request_id}/shipments/",
        "/api/v1/restock-orders/",
        "/api/v1/statements/",
        "/api/v1/statements/{id}/lines/",
        "/api/v1/webhooks/",
    ]


@pytest.mark.parametrize("side", ["seller", "partner"])
def test_every_list_answers_crafted_paging_and_ids_with_a_400_naming_the_parameter(list_operations, side):
    parties = states.make_parties()
    reship = states.submit(parties)
    client = client_for(getattr(parties, side))
    # An issued statement of the pair (empty: nothing closed last month), which both sides read.
    statement = writer.statement_draft(
        actor=parties.partner, partner_id=parties.order.partner_id, seller_id=parties.order.seller_id
    )
    writer.statement_issue(statement_id=statement.pk, actor=parties.partner)
    ids = {"request_id": reship.pk, "order_id": parties.order.pk, "id": statement.pk}
    failures = []
    probes = 0

    for path, operation in list_operations.items():
        url = fill_path(path, ids)
        assert client.get(url).status_code == 200, url  # the list itself answers this caller
        for cursor in GARBAGE_CURSORS:
            probes += 1
            if problem := refusal(client.get(url, {"cursor": cursor}), "cursor"):
                failures.append(f"{url}?cursor={cursor}: {problem}")
        for page_size in GARBAGE_PAGE_SIZES:
            probes += 1
            if problem := refusal(client.get(url, {"page_size": page_size}), "page_size"):
                failures.append(f"{url}?page_size={page_size}: {problem}")
        for name in id_filters(operation):
            for value in (HUGE_ID, "0", "-1"):
                probes += 1
                if problem := refusal(client.get(url, {name: value}), name):
                    failures.append(f"{url}?{name}={value}: {problem}")

    assert failures == []
    assert probes >= 13 * (len(GARBAGE_CURSORS) + len(GARBAGE_PAGE_SIZES)) + 3 * 4  # the id filters ran too


def test_the_restock_filter_refuses_an_id_no_database_holds_and_still_filters(seller_user):
    client = client_for(seller_user)

    response = client.get("/api/v1/restock-orders/", {"request": HUGE_ID})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "The request has invalid fields.",
        "field_errors": {"request": ["Ensure this value is less than or equal to 9223372036854775807."]},
    }
    assert client.get("/api/v1/restock-orders/", {"request": "12"}).json()["results"] == []


def test_the_next_and_previous_links_the_server_gives_still_page(seller_user):
    first = api_key_create(actor=seller_user, name="first")[0]
    second = api_key_create(actor=seller_user, name="second")[0]
    client = client_for(seller_user)  # the third key, newest

    page_one = client.get("/api/v1/keys/", {"page_size": "2"}).json()
    page_two = client.get(page_one["next"]).json()
    back = client.get(page_two["previous"]).json()

    assert [row["name"] for row in page_one["results"]] == ["probe", "second"]
    assert [row["id"] for row in page_two["results"]] == [first.pk]
    assert page_two["next"] is None
    assert [row["id"] for row in back["results"]][1:] == [second.pk]


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_json_body_nested_deeply_is_a_400_in_under_a_second_and_writes_nothing(seller_user, depth):
    client = client_for(seller_user)
    body = '{"url": "https://hooks.example.com/x", "events": ' + "[" * depth + "]" * depth + "}"

    started = time.monotonic()
    response = client.post("/api/v1/webhooks/", body, content_type="application/json")
    elapsed = time.monotonic() - started

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["field_errors"] == {}
    assert elapsed < 1.0
    assert not WebhookEndpoint.objects.exists()


def test_json_nested_past_the_limit_is_refused_and_within_it_is_read(seller_user):
    client = client_for(seller_user)
    events: list = []
    for _ in range(31):
        events = [events]
    deep = {"url": "https://hooks.example.com/x", "events": events}  # 33 levels with the object
    shallow = {"url": "https://hooks.example.com/x", "events": [[]]}

    refused = client.post("/api/v1/webhooks/", deep, format="json")
    read = client.post("/api/v1/webhooks/", shallow, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "code": "parse_error",
        "message": "The JSON body nests deeper than 32 levels.",
        "field_errors": {},
    }
    assert read.status_code == 400  # parsed, then refused by the serializer: a list is no event name
    assert set(read.json()["field_errors"]) == {"events.0"}


@pytest.mark.parametrize("idempotency_key", [None, "big-body"])
def test_a_body_over_the_limit_is_a_413_in_the_error_body(seller_user, settings, idempotency_key):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = client_for(seller_user)
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
    body = '{"url": "https://hooks.example.com/x", "events": [], "pad": "' + "x" * 2048 + '"}'

    response = client.post("/api/v1/webhooks/", body, content_type="application/json", **headers)

    assert response.status_code == 413
    assert response.json() == {
        "code": "request_too_large",
        "message": "The request body is too large.",
        "field_errors": {},
    }
    assert not WebhookEndpoint.objects.exists()


def test_the_refusal_speaks_the_callers_language(seller_user):
    client = client_for(seller_user)

    response = client.get("/api/v1/requests/", {"page_size": "many"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert response.json()["field_errors"] == {"page_size": ["请填写 1 到 100 之间的整数。"]}


CRAFTED = {
    "bad cursor": ("get", "/api/v1/requests/", {"cursor": GARBAGE_CURSORS[0]}),
    "huge id filter": ("get", "/api/v1/restock-orders/", {"request": HUGE_ID}),
    "garbage page_size": ("get", "/api/v1/orders/", {"page_size": "lots"}),
    "JSON nested 100,000 deep": ("post", "/api/v1/webhooks/", "[" * 100_000 + "]" * 100_000),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_input_is_refused_within_a_second_and_50_mb_writing_nothing(seller_user, name):
    client = client_for(seller_user)
    method, url, payload = CRAFTED[name]
    call = (
        (lambda: client.get(url, payload))
        if method == "get"
        else (lambda: client.post(url, payload, content_type="application/json"))
    )
    rows_before = WebhookEndpoint.objects.count()
    client.get(url)  # the process's first request loads the URLconf and the translations: not counted

    tracemalloc.start()
    started = time.monotonic()
    response = call()
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    print(f"\n{name}: {response.status_code} in {seconds * 1000:.0f} ms, peak +{peak / 1024 / 1024:.1f} MB")  # noqa: T201 - the figure, with -s
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "field_errors"}
    assert seconds < 1.0
    assert peak < 50 * 1024 * 1024
    assert WebhookEndpoint.objects.count() == rows_before
