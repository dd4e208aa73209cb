"""The request's own ship-to on the request page and the API: the seller's 改地址 card and endpoint,
the masked partner's note, the reveal log the seller reads, and the page's query count.

Expected values are written by hand (the factory's ship-to: 张三, 13800138000, 世纪大道 100 号)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reship import workflow
from reship.choices import EventKind, RequestStatus, RevealChannel
from reship.models import ReshipEvent, ReshipRequest, ShipToReveal
from reship.services.api_keys import api_key_create
from tests.workflow_states import line, make_parties, request_in

pytestmark = pytest.mark.django_db

S = RequestStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
FORM_FIELDS = ("name", "phone", "country", "province", "city", "district", "street", "postcode", "note")
MOVED = {
    "name": "张三",
    "phone": "138 0013 8000",
    "country": "CN",
    "province": "上海市",
    "city": "上海市",
    "district": "徐汇区",
    "street": "漕溪北路 88 号 3 栋 1502 室",
    "postcode": "200030",
    "note": "The customer moved.",
}


@pytest.fixture
def parties():
    return make_parties()


def _page(client, user, request):
    client.force_login(user)
    return client.get(reverse("requests:detail", args=[request.pk]))


def _post_change(client, request, data):
    fields = {f"change_ship_to-{name}": value for name, value in data.items()}
    return client.post(reverse("requests:action", args=[request.pk, "change_ship_to"]), fields)


def _ship_a(parties, request):
    workflow.reship_ship(
        request_id=request.pk,
        actor=parties.partner,
        items=[workflow.ShipItem(line(request, "A").pk)],
        carrier="SF",
        tracking_number="SF123456789012",
        now=datetime(2026, 3, 12, 9, 30, tzinfo=SHANGHAI),
    )


def _api(user) -> APIClient:
    client = APIClient()
    _key, raw = api_key_create(actor=user, name="erp")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


# --- the page: the seller's card -------------------------------------------------------------------


def test_the_seller_changes_the_ship_to_from_the_prefilled_card(client, parties):
    request = request_in(S.APPROVED, parties)
    page = _page(client, parties.seller, request)
    form = next(form for form in page.context["action_forms"] if form.action == "change_ship_to")
    assert form.initial["street"] == "世纪大道 100 号"
    assert form.initial["phone"] == "13800138000"

    response = _post_change(client, request, MOVED)

    assert response.status_code == 302
    after = client.get(response["Location"]).content.decode()
    assert "The ship-to was changed." in after
    block = after.split('id="ship-to-heading"')[1].split("</section>")[0]
    assert "漕溪北路 88 号 3 栋 1502 室 200030" in block
    assert "138 0013 8000" in block  # shown as typed
    timeline = after.split('id="timeline-heading"')[1]
    assert "Ship-to changed" in timeline
    assert "Street address:" in timeline
    assert "世纪大**** →" in timeline
    assert "漕溪北路****" in timeline
    assert "The customer moved." in timeline


def test_a_bad_phone_is_shown_next_to_its_field_with_what_was_typed_kept(client, parties):
    request = request_in(S.APPROVED, parties)
    client.force_login(parties.seller)

    response = _post_change(client, request, {**MOVED, "phone": "12345"})

    assert response.status_code == 400
    form = next(form for form in response.context["action_forms"] if form.action == "change_ship_to")
    assert form.errors["phone"] == [
        "Check the ship-to: “12345” is not a phone number in CN; write a foreign number with its +country code."
    ]
    assert 'value="漕溪北路 88 号 3 栋 1502 室"' in response.content.decode()
    assert ReshipRequest.objects.get(pk=request.pk).ship_street == "世纪大道 100 号"


def test_an_empty_required_field_is_refused_by_the_form(client, parties):
    request = request_in(S.SUBMITTED, parties)
    client.force_login(parties.seller)

    response = _post_change(client, request, {**MOVED, "street": ""})

    assert response.status_code == 400
    form = next(form for form in response.context["action_forms"] if form.action == "change_ship_to")
    assert "street" in form.errors
    assert not ReshipEvent.objects.filter(kind=EventKind.SHIP_TO_CHANGED).exists()


def test_once_a_parcel_left_the_card_gives_way_to_the_reason_and_a_stale_post_is_a_409(client, parties):
    request = request_in(S.FULFILLING, parties)
    _ship_a(parties, request)

    page = _page(client, parties.seller, request)
    assert "change_ship_to" not in {form.action for form in page.context["action_forms"]}
    assert (
        "A parcel of this request has left: the ship-to can no longer change; ask the carrier to redirect it."
        in page.content.decode()
    )

    response = _post_change(client, request, MOVED)

    assert response.status_code == 409
    assert "The replacement left on 2026-03-12 with SF Express SF123456789012" in response.content.decode()
    assert ReshipRequest.objects.get(pk=request.pk).ship_street == "世纪大道 100 号"


def test_the_partner_gets_no_card_and_a_post_is_refused(client, parties):
    request = request_in(S.APPROVED, parties)

    page = _page(client, parties.partner, request)
    response = _post_change(client, request, MOVED)

    assert "change_ship_to" not in {form.action for form in page.context["action_forms"]}
    assert response.status_code == 403
    assert ReshipRequest.objects.get(pk=request.pk).ship_street == "世纪大道 100 号"


# --- the page: the ship-to block, the note and the reveal log --------------------------------------


def test_the_masked_partner_reads_why(client, parties):
    request = request_in(S.SUBMITTED, parties)

    body = _page(client, parties.partner, request).content.decode()

    assert "Masked to protect the customer's data; shown in full while you have lines to ship." in body
    assert "张*" in body
    assert "Seen in full by the partner" not in body


def test_the_seller_reads_who_saw_the_ship_to_in_full_when_and_where(client, parties):
    request = request_in(S.APPROVED, parties)
    parties.partner.first_name, parties.partner.last_name = "Li", "Packer"
    parties.partner.save()
    _page(client, parties.partner, request)
    _page(client, parties.partner, request)
    _api(parties.partner).get(f"/api/v1/requests/{request.pk}/")
    last = ShipToReveal.objects.select_related("user").latest("revealed_at", "pk")  # the API key's user

    body = _page(client, parties.seller, request).content.decode()

    block = body.split('id="ship-to-heading"')[1].split("</section>")[0]
    assert "3 times in all." in block
    when = f"{timezone.localtime(last.revealed_at):%Y-%m-%d %H:%M}"
    assert f"Last: {last.user.get_full_name() or last.user.username}, {when}, on the API." in block
    assert f'href="/requests/{request.pk}/ship-to-views/"' in block
    assert ShipToReveal.objects.filter(request=request).count() == 3  # the seller's own reads are not logged

    log = _page_at(client, parties.seller, f"/requests/{request.pk}/ship-to-views/").content.decode()
    assert log.count("Li Packer") == 2
    assert log.count("<td>Request page</td>") == 2
    assert log.count("<td>API</td>") == 1


def test_the_seller_pages_through_many_reveals_and_no_one_else_reads_them(client, parties):
    request = request_in(S.APPROVED, parties)
    ShipToReveal.objects.bulk_create(
        ShipToReveal(request=request, user=parties.partner, via=RevealChannel.LIST) for _ in range(53)
    )
    url = f"/requests/{request.pk}/ship-to-views/"

    block = _page(client, parties.seller, request).content.decode().split('id="ship-to-heading"')[1]
    assert "53 times in all." in block.split("</section>")[0]
    first = _page_at(client, parties.seller, url).content.decode()
    second = _page_at(client, parties.seller, url + "?page=2").content.decode()
    assert first.count("<td>To-ship list</td>") == 50
    assert second.count("<td>To-ship list</td>") == 3
    assert "Page 2 of 2" in second
    assert _page_at(client, parties.partner, url).status_code == 404
    assert _page_at(client, parties.other_seller, url).status_code == 404


def _page_at(client, user, url):
    client.force_login(user)
    return client.get(url)


def _page_queries(client, user, request) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("requests:detail", args=[request.pk])).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["seller", "partner"])
def test_the_page_costs_the_same_queries_for_one_reveal_or_thirty(client, parties, who):
    request = request_in(S.APPROVED, parties)
    user = getattr(parties, who)
    _page(client, parties.partner, request)
    once = _page_queries(client, user, request)

    ShipToReveal.objects.bulk_create(
        ShipToReveal(request=request, user=parties.partner, via=RevealChannel.PAGE) for _ in range(30)
    )

    assert _page_queries(client, user, request) == once


# --- the API ---------------------------------------------------------------------------------------


def _change_url(request) -> str:
    return f"/api/v1/requests/{request.pk}/change-ship-to/"


def test_the_api_changes_only_the_fields_sent(parties):
    request = request_in(S.APPROVED, parties)
    seller = _api(parties.seller)

    response = seller.post(
        _change_url(request),
        {"street": "漕溪北路 88 号", "postcode": "200030", "note": "Moved."},
        format="json",
        HTTP_IDEMPOTENCY_KEY="move-1",
    )

    assert response.status_code == 200, response.json()
    ship_to = response.json()["ship_to"]
    assert (ship_to["name"], ship_to["phone"], ship_to["street"], ship_to["postcode"], ship_to["masked"]) == (
        "张三",
        "13800138000",
        "漕溪北路 88 号",
        "200030",
        False,
    )
    event = response.json()["events"][-1]
    assert (event["kind"], event["message"], event["data"]["fields"]) == (
        "ship_to_changed",
        "Moved.",
        ["street", "postcode"],
    )
    again = seller.post(
        _change_url(request),
        {"street": "漕溪北路 88 号", "postcode": "200030", "note": "Moved."},
        format="json",
        HTTP_IDEMPOTENCY_KEY="move-1",
    )
    assert again.status_code == 200  # the same answer replayed, no second change
    assert ReshipEvent.objects.filter(request=request, kind=EventKind.SHIP_TO_CHANGED).count() == 1


def test_the_api_refuses_a_bad_phone_with_a_422_by_field(parties):
    request = request_in(S.APPROVED, parties)

    response = _api(parties.seller).post(_change_url(request), {"phone": "12345"}, format="json")

    assert response.status_code == 422
    assert response.json()["field_errors"] == {
        "phone": ["“12345” is not a phone number in CN; write a foreign number with its +country code."]
    }


def test_the_api_refuses_the_same_ship_to_with_a_422(parties):
    request = request_in(S.APPROVED, parties)

    response = _api(parties.seller).post(_change_url(request), {"street": "世纪大道 100 号"}, format="json")

    assert response.status_code == 422
    assert response.json()["message"] == "This is already the ship-to: nothing was changed."


def test_the_api_refuses_after_the_parcel_left_with_a_409_and_the_reason(parties):
    request = request_in(S.FULFILLING, parties)
    _ship_a(parties, request)

    response = _api(parties.seller).post(_change_url(request), {"street": "漕溪北路 88 号"}, format="json")

    assert response.status_code == 409
    assert response.json()["message"] == (
        "The replacement left on 2026-03-12 with SF Express SF123456789012; the ship-to can no longer change. "
        "Ask the carrier to redirect the parcel."
    )


@pytest.mark.parametrize(("who", "status_code"), [("partner", 403), ("other_seller", 404), ("other_partner", 404)])
def test_the_api_lets_only_the_seller_change_it(parties, who, status_code):
    request = request_in(S.APPROVED, parties)

    response = _api(getattr(parties, who)).post(_change_url(request), {"street": "漕溪北路 88 号"}, format="json")

    assert response.status_code == status_code
    assert ReshipRequest.objects.get(pk=request.pk).ship_street == "世纪大道 100 号"


def test_a_ship_to_field_of_the_wrong_type_is_a_400(parties):
    request = request_in(S.APPROVED, parties)

    response = _api(parties.seller).post(_change_url(request), {"street": ["a", "b"]}, format="json")

    assert response.status_code == 400
    assert "street" in response.json()["field_errors"]
