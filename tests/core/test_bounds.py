"""Typed input far outside any real range is refused with a message, never a server error."""

import pytest
from django.urls import reverse

from tests.workflow_states import make_parties, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("orders:list", {"placed_to": "9999-12-31"}),
        ("orders:list", {"placed_from": "0001-01-01"}),
        ("requests:list", {"submitted_to": "9999-12-31T23:59:59-12:00"}),
        ("requests:list", {"submitted_from": "0001-01-01T00:00:00+14:00"}),
        ("requests:list", {"partner": "99999999999999999999999"}),
        ("dashboard:index", {"period": "custom", "start": "0001-01-01", "end": "0001-01-02"}),
        ("dashboard:export-csv", {"submitted_to": "9999-12-31T23:59:59-12:00"}),
        ("api:evaluation", {"period": "custom", "start": "9999-12-30", "end": "9999-12-31"}),
        ("api:evaluation", {"partner": "99999999999999999999"}),
    ],
)
def test_out_of_range_filters_answer_without_a_server_error(client, parties, url, params):
    client.force_login(parties.seller)

    response = client.get(reverse(url), params)

    assert response.status_code in (200, 400)


def test_a_huge_id_in_a_bulk_approval_is_refused(client, parties):
    submit(parties)
    client.force_login(parties.partner)

    response = client.post(reverse("partner:bulk-approve"), {"requests": "99999999999999999999"})

    assert response.status_code in (200, 302, 400)


def test_a_contact_logged_in_year_one_is_refused(client, parties):
    reship = submit(parties)
    client.force_login(parties.seller)

    response = client.post(
        reverse("requests:communication", args=[reship.pk]),
        {
            "communication-counterpart": "customer",
            "communication-channel": "phone",
            "communication-direction": "outbound",
            "communication-summary": "Called.",
            "communication-occurred_at": "0001-01-01T00:00",
        },
    )

    assert response.status_code == 400
    assert not reship.communications.filter(automatic=False).exists()


def test_an_unknown_api_path_answers_the_api_error_body(client, parties):
    client.force_login(parties.seller)

    response = client.get("/api/v1/restock-orders/null%2Cnull/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "field_errors": {}}


def test_an_api_time_filter_with_an_impossible_offset_is_a_400(client, parties):
    client.force_login(parties.seller)

    response = client.get("/api/v1/requests/", {"created_before": "2026-03-11T18:04:57+19:31"})

    assert response.status_code == 400
    assert "created_before" in response.json()["field_errors"]
