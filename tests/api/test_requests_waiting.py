"""``GET /api/v1/requests/?waiting_for=me|other``: the same sides as the landing pages, in the schema,
and a bad value answered 400 in the caller's language. States: tests/waiting_states.py."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.api.test_requests import client_for
from tests.waiting_states import a_day
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db

LIST = "/api/v1/requests/"


@pytest.fixture
def parties():
    return make_parties()


def _ids(user, **params) -> set[int]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(LIST, params)
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_waiting_for_me_and_other_for_each_side(parties):
    day = a_day(parties)

    assert _ids(parties.seller, waiting_for="me") == {day.needs_info.pk, day.approved.pk, day.reported.pk}
    assert _ids(parties.seller, waiting_for="other") == {day.submitted.pk, day.approved.pk, day.disputed.pk}
    assert _ids(parties.partner, waiting_for="me") == {
        day.submitted.pk,
        day.approved.pk,
        day.disputed.pk,
        day.others.pk,
    }
    assert _ids(parties.partner, waiting_for="other") == {day.needs_info.pk, day.approved.pk}
    assert _ids(parties.other_seller, waiting_for="me") == set()


def test_a_bad_value_is_a_400_in_the_callers_language(parties):
    response = client_for(parties.seller).get(LIST, {"waiting_for": "everyone"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    [message] = response.json()["field_errors"]["waiting_for"]
    assert "everyone" in message
    assert "选择" in message  # Django's own words, in Chinese


def test_the_schema_lists_the_filter_and_its_values():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    parameters = schema["paths"]["/api/v1/requests/"]["get"]["parameters"]
    [waiting_for] = [each for each in parameters if each["name"] == "waiting_for"]
    assert waiting_for["schema"]["enum"] == ["me", "other"]
