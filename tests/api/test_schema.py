"""The published OpenAPI schema says exactly what the API does: one security scheme and one error body,
descriptions written for API users, ids, money, text and lists bounded as the server bounds them,
request bodies only in the media types the server reads, the links between operations; and where the
schema states a rule, the server keeps it (a JSON value of another type, money in another spelling).
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator

from reship.core.bounds import MAX_ID
from reship.models import CommunicationRecord
from tests import workflow_states as states
from tests.api.test_keys import api_client_for
from tests.api.test_orders import LIST as ORDERS
from tests.api.test_orders import new_order_body


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def component(schema: dict, reference: dict) -> dict:
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[1]]


def test_the_api_key_scheme_is_defined_once_and_each_operation_names_it_once(schema):
    assert schema["components"]["securitySchemes"]["ApiKeyAuth"]["name"] == "Authorization"
    for name, operation in operations(schema):
        assert [list(each) for each in operation["security"]] == [["ApiKeyAuth"], ["cookieAuth"]], name


def test_no_operation_shows_the_code_s_docstrings(schema):
    for name, operation in operations(schema):
        description = re.sub(r"```.*?```", "", operation.get("description", ""), flags=re.DOTALL)  # code samples
        assert "``" not in description, name  # reST markup: a docstring
        assert "Read-only: parse the filters" not in description, name
        assert "matched loosely" not in description, name
        assert operation.get("summary"), name


def test_every_error_is_the_one_error_body_and_every_operation_documents_the_server_s_own(schema):
    assert "ErrorBody" not in schema["components"]["schemas"]
    for name, operation in operations(schema):
        responses = operation["responses"]
        assert {"401", "429", "500", "503"} <= set(responses), name
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), name
        for status, response in responses.items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, (
                    name,
                    status,
                )
    field_errors = schema["components"]["schemas"]["Error"]["properties"]["field_errors"]["description"]
    assert '"lines.0.quantity"' in field_errors


def test_every_id_in_a_path_or_a_filter_is_an_integer_from_1(schema):
    ids = {"id", "request_id", "order_id", "key_id", "notification_id", "webhook_id", "partner", "seller"}
    ids |= {"supplier", "request"}
    checked = 0
    for name, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ids:
                assert parameter["schema"]["type"] == "integer", (name, parameter)
                assert (parameter["schema"]["minimum"], parameter["schema"]["maximum"]) == (1, MAX_ID), name
                checked += 1
    assert checked > 40


def test_bodies_are_json_and_multipart_only_where_files_are_sent(schema):
    multipart = {
        name: list(operation["requestBody"]["content"])
        for name, operation in operations(schema)
        if "requestBody" in operation and list(operation["requestBody"]["content"]) != ["application/json"]
    }

    assert multipart == {
        "POST /api/v1/requests/{request_id}/evidence/": ["multipart/form-data"],
        "POST /api/v1/requests/{request_id}/messages/": ["multipart/form-data", "application/json"],
    }


def test_inputs_are_bounded_as_the_server_bounds_them(schema):
    schemas = schema["components"]["schemas"]
    approve = schemas["ApproveInputRequest"]["properties"]
    string, number = approve["quote_goods"]["oneOf"]
    assert string["pattern"] == r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"
    assert (number["minimum"], number["maximum"], number["multipleOf"]) == (0, 9999999999.99, 0.01)
    assert schemas["CompensateInputRequest"]["properties"]["amount"]["oneOf"][1]["exclusiveMinimum"] is True
    assert schemas["RequestInfoInputRequest"]["properties"]["question"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": 5000,
        "pattern": r"\S",
    }
    lines = schemas["RequestCreateRequest"]["properties"]["lines"]
    assert (lines["minItems"], lines["maxItems"]) == (1, 1000)
    url = schemas["WebhookEndpointCreateRequest"]["properties"]["url"]
    assert url["format"] == "uri"
    assert url["pattern"].startswith("^https://")


def test_an_evidence_upload_answers_the_array_of_photos_it_added(schema):
    upload = schema["paths"]["/api/v1/requests/{request_id}/evidence/"]["post"]["responses"]["201"]

    body = upload["content"]["application/json"]["schema"]

    assert body["type"] == "array"
    assert body["items"] == {"$ref": "#/components/schemas/Evidence"}


def test_a_new_request_links_to_reading_it_and_to_every_action(schema):
    links = schema["paths"]["/api/v1/requests/"]["post"]["responses"]["201"]["links"]

    assert links["requests_retrieve"]["parameters"] == {"id": "$response.body#/id"}
    assert {"requests_approve", "requests_ship", "v1_requests_messages_create"} <= set(links)
    created = schema["paths"]["/api/v1/webhooks/"]["post"]["responses"]["201"]["links"]
    assert created["v1_webhooks_destroy"]["parameters"] == {"webhook_id": "$response.body#/id"}


def test_page_size_is_documented_with_its_bounds(schema):
    page_size = next(
        parameter
        for parameter in schema["paths"]["/api/v1/requests/"]["get"]["parameters"]
        if parameter["name"] == "page_size"
    )

    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 100)


# --- where the schema states a rule, the server keeps it -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1e3", "+5", " 5", "5.", "007", True])
def test_money_in_another_spelling_than_the_schema_s_is_a_400(amount):
    parties = states.make_parties()
    client, _key, _raw = api_client_for(parties.seller)

    response = client.post(ORDERS, new_order_body(parties, amount=amount), format="json")

    assert response.status_code == 400
    assert list(response.json()["field_errors"]) == ["amount"]


@pytest.mark.django_db
def test_money_as_a_json_number_with_two_decimals_is_taken(settings):
    parties = states.make_parties()
    client, _key, _raw = api_client_for(parties.seller)

    response = client.post(ORDERS, new_order_body(parties, amount=129.5), format="json")

    assert response.status_code == 201
    assert response.json()["amount"] == "129.50"


@pytest.mark.django_db
@pytest.mark.parametrize("summary", [0, 1.5, True, ["Called"]])
def test_a_json_value_of_another_type_than_the_schema_s_is_a_400(summary):
    parties = states.make_parties()
    reship = states.submit(parties)
    client, _key, _raw = api_client_for(parties.seller)

    response = client.post(
        f"/api/v1/requests/{reship.pk}/communications/",
        {"counterpart": "customer", "channel": "phone", "summary": summary},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["field_errors"]) == ["summary"]
    assert not CommunicationRecord.objects.filter(automatic=False).exists()


@pytest.mark.django_db
def test_a_quote_of_the_largest_amounts_is_answered_with_its_total():
    """Each amount is below 1e10, their sum is not: serialising the total was a 500 (found by Schemathesis)."""
    parties = states.make_parties()
    reship = states.submit(parties)
    client, _key, _raw = api_client_for(parties.partner)

    response = client.post(
        f"/api/v1/requests/{reship.pk}/approve/",
        {"quote_goods": "9999999999.99", "quote_shipping": 9999999999.98, "cost_bearer": "carrier"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["quote"]["total"] == "19999999999.97"
