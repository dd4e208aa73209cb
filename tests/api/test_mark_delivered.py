"""``POST /api/v1/requests/{id}/mark-delivered/`` and the parcel's and survey's fields in the request."""

import pytest
from rest_framework.test import APIClient

from reship.choices import EventKind
from reship.models import ReshipEvent
from reship.services.api_keys import api_key_create
from tests.workflow.test_delivery import _request, _ship
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    _key, raw = api_key_create(actor=user, name="erp")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def parties():
    return make_parties()


@pytest.fixture
def shipped(parties):
    request = _request(parties, [("A", "resend")])
    return request, _ship(parties, request, "A", "SF100000000501")


def _post(client, request, body, **headers):
    return client.post(f"/api/v1/requests/{request.pk}/mark-delivered/", body, format="json", **headers)


@pytest.mark.parametrize("who", ["seller", "partner"])
def test_either_side_marks_the_parcel_delivered_and_reads_it_back(parties, shipped, who):
    request, parcel = shipped

    response = _post(
        _client(getattr(parties, who)),
        request,
        {"shipment": parcel.pk, "delivered_at": "2026-11-05T22:30:00+08:00"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    shipment = body["lines"][0]["shipment"]
    assert (shipment["id"], shipment["tracking_status"]) == (parcel.pk, "delivered")
    assert shipment["delivered_at"].startswith("2026-11-05T22:30:00")
    assert body["events"][-1]["kind"] == "delivered"
    if who == "seller":
        assert body["survey"]["due_at"].startswith("2026-11-07T22:30:00")
        assert body["survey"]["sent_at"] is None
    else:
        assert body["survey"] is None


def test_twice_is_a_409_and_one_event(parties, shipped):
    request, parcel = shipped
    client = _client(parties.partner)
    assert (
        _post(client, request, {"shipment": parcel.pk, "delivered_at": "2026-11-05T22:30:00+08:00"}).status_code == 200
    )

    response = _post(client, request, {"shipment": parcel.pk})

    assert response.status_code == 409
    assert "already delivered on 2026-11-05 22:30" in response.json()["message"]
    assert ReshipEvent.objects.filter(request=request, kind=EventKind.DELIVERED).count() == 1


def test_the_same_idempotency_key_replays_the_answer_without_a_second_event(parties, shipped):
    request, parcel = shipped
    client = _client(parties.seller)

    first = _post(client, request, {"shipment": parcel.pk}, HTTP_IDEMPOTENCY_KEY="deliver-1")
    again = _post(client, request, {"shipment": parcel.pk}, HTTP_IDEMPOTENCY_KEY="deliver-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert ReshipEvent.objects.filter(request=request, kind=EventKind.DELIVERED).count() == 1


def test_bad_times_and_foreign_parcels_are_refused(parties, shipped):
    request, parcel = shipped
    client = _client(parties.seller)

    before = _post(client, request, {"shipment": parcel.pk, "delivered_at": "2026-11-03T15:59:00+08:00"})
    assert before.status_code == 422
    assert before.json()["field_errors"] == {"delivered_at": ["Before the parcel was shipped."]}

    other = _request(parties, [("B1", "resend")])
    other_parcel = _ship(parties, other, "B1", "SF100000000502")
    foreign = _post(client, request, {"shipment": other_parcel.pk})
    assert foreign.status_code == 422
    assert foreign.json()["field_errors"] == {"shipment": ["Not a parcel of this request."]}

    assert _post(_client(parties.other_partner), request, {"shipment": parcel.pk}).status_code == 404
    parcel.refresh_from_db()
    assert parcel.delivered_at is None
