"""An API address missing its final slash: the answer says where to go in the API's JSON error body,
as a 308 (a client that follows it keeps its method and body), not Django's empty HTML 301."""

import pytest
from django.test import Client

from tests.api.test_crafted_input import client_for
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller():
    return make_parties().seller


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_api_address_without_its_slash_is_a_json_308_to_the_right_one(seller, settings, method):
    settings.DEBUG = False

    response = getattr(client_for(seller), method)("/api/v1/requests?status=submitted")

    assert response.status_code == 308
    assert response["Location"] == "/api/v1/requests/?status=submitted"
    assert response.json() == {
        "code": "trailing_slash",
        "message": "This address ends with a slash: /api/v1/requests/?status=submitted",
        "field_errors": {},
    }


def test_a_page_without_its_slash_still_redirects_as_django_does(seller):
    client = Client()
    client.force_login(seller)

    response = client.get("/requests")

    assert (response.status_code, response["Location"]) == (301, "/requests/")


def test_the_old_redoc_address_still_redirects_to_the_docs(client):
    response = client.get("/api/redoc/")

    assert (response.status_code, response["Location"]) == (301, "/api/docs/")
