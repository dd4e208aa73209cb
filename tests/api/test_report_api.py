"""A customer's report over the API: its fields, the seller's three steps, the source filter, and
the partner who never sees a report (404, not in its list) until the seller confirms it."""

import pytest

from reship.choices import RequestStatus
from tests.api.test_requests import LIST, action, client_for, detail
from tests.workflow_states import make_parties, report, request_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


def test_the_representation_says_who_filed_it(parties):
    reported = report(parties)
    seller = client_for(parties.seller)

    body = seller.get(detail(reported.pk)).json()

    assert body["status"] == "reported"
    assert body["source"] == "customer"
    assert body["reported_at"] is not None
    assert body["auto_confirmed"] is False
    assert body["submitted_at"] is None
    assert body["allowed_actions"] == ["confirm-report", "edit-report", "decline-report", "change-ship-to"]


def test_the_partner_gets_404_and_its_list_leaves_reports_out(parties):
    reported = report(parties)
    partner = client_for(parties.partner)

    assert partner.get(detail(reported.pk)).status_code == 404
    assert partner.get(LIST).json()["results"] == []
    assert partner.post(action(reported.pk, "confirm-report"), {}, format="json").status_code == 404


def test_another_shop_gets_404(parties):
    reported = report(parties)
    assert client_for(parties.other_seller).get(detail(reported.pk)).status_code == 404


def test_confirm_makes_it_the_partners(parties):
    reported = report(parties)

    response = client_for(parties.seller).post(
        action(reported.pk, "confirm-report"), {}, format="json", HTTP_IDEMPOTENCY_KEY="confirm-1"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert client_for(parties.partner).get(detail(reported.pk)).json()["source"] == "customer"


def test_edit_keeps_what_is_left_out(parties):
    reported = report(parties)
    order_line = parties.order.lines.get(product__sku_code="SKU-A")

    response = client_for(parties.seller).post(
        action(reported.pk, "edit-report"),
        {"lines": [{"order_line": order_line.pk, "quantity": 2, "resolution": "compensation"}]},
        format="json",
    )

    body = response.json()
    assert response.status_code == 200, body
    assert body["reason"] == "damaged"
    assert body["description"] == "The box was crushed."
    assert [(each["quantity"], each["resolution"]) for each in body["lines"]] == [(2, "compensation")]


def test_decline_needs_a_reason_then_ends_it(parties):
    reported = report(parties)
    seller = client_for(parties.seller)

    refused = seller.post(action(reported.pk, "decline-report"), {"reason": ""}, format="json")
    assert refused.status_code == 400
    assert refused.json()["field_errors"].keys() == {"reason"}

    declined = seller.post(action(reported.pk, "decline-report"), {"reason": "Signed for."}, format="json")
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["decision_note"]) == ("declined", "Signed for.")


def test_the_source_filter(parties):
    reported = report(parties)
    filed = request_in(RequestStatus.SUBMITTED, parties)  # the seller's own, same order
    seller = client_for(parties.seller)

    customers = seller.get(LIST, {"source": "customer"}).json()["results"]
    sellers = seller.get(LIST, {"source": "seller"}).json()["results"]

    assert [each["number"] for each in customers] == [reported.number]
    assert [each["number"] for each in sellers] == [filed.number]
    assert seller.get(LIST, {"source": "robot"}).status_code == 400
