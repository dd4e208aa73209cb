"""The seller's request page on a customer's report (售后自助): the badge, the report's stage, and
the three cards (confirm, edit, decline); the partner and other shops do not see it at all."""

import re

import pytest
from django.urls import reverse

from reship.choices import EventKind, RequestStatus
from reship.models import Notification, ReshipRequest
from tests.workflow_states import make_parties, report, request_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


def _page(client, user, reship):
    client.force_login(user)
    return client.get(reverse("requests:detail", args=[reship.pk]))


def _post(client, reship, action, data=None):
    fields = {f"{action}-{name}": value for name, value in (data or {}).items()}
    return client.post(reverse("requests:action", args=[reship.pk, action]), fields)


def _actions_shown(response) -> list[str]:
    return re.findall(r'action="/requests/\d+/action/([a-z_]+)/"', response.content.decode())


def test_the_seller_sees_the_customers_report_and_its_three_cards(client, parties):
    reship = report(parties)

    response = _page(client, parties.seller, reship)

    body = response.content.decode()
    assert response.status_code == 200
    # While it waits for the seller its status says who filed it; the badge is for after (no saying it twice).
    assert 'id="request-status">Reported by the customer</span>' in body
    assert 'id="reported-badge"' not in body
    # The main action first, the destructive one (declining) last.
    assert _actions_shown(response) == ["confirm_report", "edit_report", "change_ship_to", "decline_report"]
    assert 'stage--current" data-stage="reported"' in body
    assert "Confirm and send to the partner" in body
    assert "Reason for declining (the customer reads it)" in body
    # The edit card starts from the report: A 1 × resend, C 1 × compensation.
    assert re.search(r'name="edit_report-quantity_\d+"[^>]*value="1"', body)
    assert "The box was crushed." in body


def test_a_request_the_seller_filed_has_no_reported_stage(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    body = _page(client, parties.seller, reship).content.decode()

    assert 'data-stage="reported"' not in body
    assert 'id="reported-badge"' not in body
    assert 'stage--current" data-stage="review"' in body


def test_confirm_through_the_page_sends_it_to_the_partner(client, parties):
    reship = report(parties)
    client.force_login(parties.seller)

    response = _post(client, reship, "confirm_report")

    assert response.status_code == 302
    reship.refresh_from_db()
    assert reship.status == RequestStatus.SUBMITTED
    assert Notification.objects.filter(request=reship, template="request_submitted").exists()
    page = _page(client, parties.partner, reship)
    assert page.status_code == 200
    assert 'stage--done" data-stage="reported"' in page.content.decode()


def test_decline_without_a_reason_keeps_the_report(client, parties):
    reship = report(parties)
    client.force_login(parties.seller)

    response = _post(client, reship, "decline_report", {"reason": ""})

    assert response.status_code == 400
    assert ReshipRequest.objects.get(pk=reship.pk).status == RequestStatus.REPORTED


def test_decline_through_the_page_shows_the_reason(client, parties):
    reship = report(parties)
    client.force_login(parties.seller)

    _post(client, reship, "decline_report", {"reason": "Signed for on 3 March."})

    body = _page(client, parties.seller, reship).content.decode()
    assert "<strong>Declined:</strong> Signed for on 3 March." in body
    assert 'stage--declined" data-stage="reported"' in body
    assert _actions_shown(_page(client, parties.seller, reship)) == []


def test_edit_through_the_page_changes_the_lines(client, parties):
    reship = report(parties)
    lines = {ol.product.sku_code: ol.pk for ol in parties.order.lines.select_related("product")}
    client.force_login(parties.seller)

    response = _post(
        client,
        reship,
        "edit_report",
        {
            "reason": "missing_item",
            "description": "Only the mug.",
            f"quantity_{lines['SKU-A']}": "2",
            f"resolution_{lines['SKU-A']}": "resend",
            f"quantity_{lines['SKU-B1']}": "0",
            f"quantity_{lines['SKU-B2']}": "",
            f"quantity_{lines['SKU-C']}": "0",
        },
    )

    assert response.status_code == 302
    reship.refresh_from_db()
    assert reship.status == RequestStatus.REPORTED
    assert [(each.order_line.product.sku_code, each.quantity) for each in reship.lines.all()] == [("SKU-A", 2)]
    assert reship.events.order_by("pk").last().kind == EventKind.REPORT_EDITED


def test_the_partner_and_another_shop_get_404(client, parties):
    reship = report(parties)

    assert _page(client, parties.partner, reship).status_code == 404
    assert _page(client, parties.other_seller, reship).status_code == 404
    client.force_login(parties.partner)
    assert _post(client, reship, "confirm_report").status_code == 404


def test_the_list_filters_reports_and_the_partner_never_sees_them(client, parties):
    reship = report(parties)
    seller_filed = request_in(RequestStatus.SUBMITTED, make_parties())

    client.force_login(parties.seller)
    body = client.get(reverse("requests:list"), {"stage": "reported"}).content.decode()
    assert reship.number in body
    client.force_login(parties.partner)
    body = client.get(reverse("requests:list")).content.decode()
    assert reship.number not in body
    assert seller_filed.number not in body  # another partner's, for completeness
