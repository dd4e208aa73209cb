"""The ship-to's one rule on every surface that shows it (issue 15, PIPL): a partner sees the customer's
recipient, phone and street in full only while a line of the request is its to ship — masked before
approval and after shipping, with each full view logged for the seller — and another partner finds
nothing. The seller always reads its own customers in full, and is never logged.

Surfaces: the request page, the API's request detail and list, the requests list's CSV and XLSX
exports, the partner's to-ship list, to-ship sheet and packing slips; and the order's own ship-to (the
original parcel's) in the order API, full to the partner while the order awaits shipment. The order
page is the seller's only: a partner finds no such page.

Expected values are written by hand: the factory's ship-to is 张三, 13800138000, 上海市 上海市 浦东新区,
世纪大道 100 号, 200120; masked it is 张*, 138****8000, 世纪大****, 200***.
"""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from reship.choices import RequestStatus, RevealChannel
from reship.models import ShipToReveal
from reship.services.api_keys import api_key_create
from tests.workflow_states import line, make_parties, request_in

pytestmark = pytest.mark.django_db

S = RequestStatus
FULL = ("张三", "13800138000", "世纪大道 100 号", "200120")
MASKED = ("张*", "138****8000", "世纪大****", "200***")
REGION = ("上海市", "浦东新区")  # the packer's overview stays readable

# The states of the request a partner reads, and what it should get there.
BEFORE_APPROVAL, FULFILLING, AFTER_SHIPPING, OTHER_PARTNER = "before approval", "fulfilling", "after shipping", "other"
STATES = {
    BEFORE_APPROVAL: (S.SUBMITTED, "masked"),
    FULFILLING: (S.FULFILLING, "full"),  # B1 restocking, A and B2 still to send
    AFTER_SHIPPING: (S.INFO_UPDATE, "masked"),  # A, B1, B2 shipped, C compensated
    OTHER_PARTNER: (S.FULFILLING, "absent"),
}


@pytest.fixture
def parties():
    return make_parties()


def _reader(parties, state):
    return parties.other_partner if state == OTHER_PARTNER else parties.partner


def _api(user) -> tuple[APIClient, object]:
    """A client of the user's organisation's system, and the key's own user (whom a reveal names)."""
    client = APIClient()
    key, raw = api_key_create(actor=user, name="erp")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client, key.service_user


def _reveals(request, via) -> int:
    return ShipToReveal.objects.filter(request=request, via=via).count()


def _assert_shown(text: str, expected: str) -> None:
    """``text`` (a page, a sheet, a JSON body) shows the ship-to as expected, never more."""
    if expected == "full":
        for value in FULL + REGION:
            assert value in text
    elif expected == "masked":
        for value in FULL:
            assert value not in text
        for value in MASKED + REGION:
            assert value in text
    else:
        for value in FULL + MASKED:
            assert value not in text


def _assert_logged(request, via, expected: str, user) -> None:
    if expected == "full":
        assert list(ShipToReveal.objects.filter(request=request).values_list("user", "via")) == [(user.pk, via)]
    else:
        assert not ShipToReveal.objects.filter(request=request).exists()


# --- the request page ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(STATES))
def test_request_page(client, parties, state):
    status, expected = STATES[state]
    request = request_in(status, parties)
    reader = _reader(parties, state)
    client.force_login(reader)

    response = client.get(reverse("requests:detail", args=[request.pk]))

    if expected == "absent":
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        block = response.content.decode().split('id="ship-to-heading"')[1].split("</section>")[0]
        _assert_shown(block, expected)
        # Nowhere else on the page either (the customer's name in the facts is masked with it).
        if expected == "masked":
            for value in FULL:
                assert value not in response.content.decode()
    _assert_logged(request, RevealChannel.PAGE, expected, reader)


# --- the API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(STATES))
def test_api_request_detail(parties, state):
    status, expected = STATES[state]
    request = request_in(status, parties)
    reader = _reader(parties, state)

    api, key_user = _api(reader)
    response = api.get(f"/api/v1/requests/{request.pk}/")

    if expected == "absent":
        assert response.status_code == 404
        assert "张" not in response.content.decode()
    else:
        assert response.status_code == 200
        ship_to = response.json()["ship_to"]
        if expected == "full":
            assert ship_to == {
                "name": "张三",
                "phone": "13800138000",
                "phone_e164": "+8613800138000",
                "country": "CN",
                "province": "上海市",
                "city": "上海市",
                "district": "浦东新区",
                "street": "世纪大道 100 号",
                "postcode": "200120",
                "masked": False,
            }
        else:
            assert ship_to == {
                "name": "张*",
                "phone": "138****8000",
                "phone_e164": "",
                "country": "CN",
                "province": "上海市",
                "city": "上海市",
                "district": "浦东新区",
                "street": "世纪大****",
                "postcode": "200***",
                "masked": True,
            }
    _assert_logged(request, RevealChannel.API, expected, key_user)


@pytest.mark.parametrize("state", list(STATES))
def test_api_request_list(parties, state):
    status, expected = STATES[state]
    request = request_in(status, parties)
    reader = _reader(parties, state)

    api, key_user = _api(reader)
    response = api.get("/api/v1/requests/")

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    if expected == "absent":
        assert request.pk not in rows
    else:
        ship_to = rows[request.pk]["ship_to"]
        assert (ship_to["name"], ship_to["phone"], ship_to["street"], ship_to["masked"]) == (
            ("张三", "13800138000", "世纪大道 100 号", False)
            if expected == "full"
            else ("张*", "138****8000", "世纪大****", True)
        )
    _assert_logged(request, RevealChannel.API, expected, key_user)


# --- the requests list's exports -------------------------------------------------------------------


def _csv_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _xlsx_text(response) -> str:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return "\n".join(
        ",".join("" if cell is None else str(cell) for cell in row) for row in sheet.iter_rows(values_only=True)
    )


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("state", list(STATES))
def test_request_export(client, parties, state, file_format):
    status, expected = STATES[state]
    request = request_in(status, parties)
    reader = _reader(parties, state)
    client.force_login(reader)

    response = client.get(reverse(f"requests:export-{file_format}"))

    assert response.status_code == 200
    text = _csv_text(response) if file_format == "csv" else _xlsx_text(response)
    assert (request.number in text) == (expected != "absent")
    _assert_shown(text, expected)
    _assert_logged(request, RevealChannel.EXPORT, expected, reader)


# --- the partner's to-ship list, sheet and slips: only lines to ship are there at all --------------


@pytest.mark.parametrize("state", list(STATES))
def test_to_ship_list(client, parties, state):
    status, expected = STATES[state]
    request = request_in(status, parties)
    reader = _reader(parties, state)
    client.force_login(reader)

    response = client.get(reverse("partner:to-ship"))

    assert response.status_code == 200
    body = response.content.decode()
    assert (request.number in body) == (expected == "full")
    _assert_shown(body, "full" if expected == "full" else "absent")
    _assert_logged(request, RevealChannel.LIST, expected, reader)


@pytest.mark.parametrize("state", list(STATES))
def test_to_ship_sheet(client, parties, state):
    status, expected = STATES[state]
    request = request_in(status, parties)
    reader = _reader(parties, state)
    client.force_login(reader)

    response = client.get(reverse("partner:tracking-import-sheet-csv"))

    assert response.status_code == 200
    text = _csv_text(response)
    rows = list(csv.reader(io.StringIO(text)))
    assert any(request.number in row for row in rows) == (expected == "full")
    _assert_shown(text, "full" if expected == "full" else "absent")
    _assert_logged(request, RevealChannel.SHEET, expected, reader)


@pytest.mark.parametrize("state", list(STATES))
def test_packing_slip(client, parties, state):
    status, expected = STATES[state]
    request = request_in(status, parties)
    reader = _reader(parties, state)
    client.force_login(reader)

    response = client.post(reverse("partner:print-slips"), {"line": [line(request, "A").pk], "size": "a4"})

    if expected == "absent":
        assert response.status_code == 404
    body = response.content.decode()
    _assert_shown(body, "full" if expected == "full" else "absent")
    _assert_logged(request, RevealChannel.SLIP, expected, reader)


# --- the seller ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.SUBMITTED, S.FULFILLING, S.INFO_UPDATE])
def test_the_seller_reads_its_customer_in_full_everywhere_and_is_not_logged(client, parties, status):
    request = request_in(status, parties)
    client.force_login(parties.seller)
    api, _key_user = _api(parties.seller)

    page = client.get(reverse("requests:detail", args=[request.pk])).content.decode()
    detail = api.get(f"/api/v1/requests/{request.pk}/").json()["ship_to"]
    listed = api.get("/api/v1/requests/").json()["results"][0]["ship_to"]
    exported = _csv_text(client.get(reverse("requests:export-csv")))

    _assert_shown(page.split('id="ship-to-heading"')[1].split("</section>")[0], "full")
    assert detail["masked"] is listed["masked"] is False
    assert (detail["name"], detail["phone"], detail["street"]) == ("张三", "13800138000", "世纪大道 100 号")
    assert listed == detail
    _assert_shown(exported, "full")
    assert not ShipToReveal.objects.exists()


# --- the order's own ship-to (the original parcel's): the order API; the order page is the seller's only


ORDER_STATES = {
    "awaiting shipment": ("pending", "full"),
    "shipped": ("shipped", "masked"),
    OTHER_PARTNER: ("pending", "absent"),
}


@pytest.mark.parametrize("state", list(ORDER_STATES))
def test_order_api_and_page(client, parties, state):
    order_status, expected = ORDER_STATES[state]
    type(parties.order).objects.filter(pk=parties.order.pk).update(status=order_status)
    reader = _reader(parties, state)
    api, _key_user = _api(reader)

    detail = api.get(f"/api/v1/orders/{parties.order.pk}/")
    listed = {row["id"]: row for row in api.get("/api/v1/orders/").json()["results"]}
    client.force_login(reader)
    page = client.get(reverse("orders:detail", args=[parties.order.pk]))

    assert page.status_code == 404  # the order pages are the seller's
    if expected == "absent":
        assert detail.status_code == 404
        assert parties.order.pk not in listed
        return
    assert detail.status_code == 200
    for order in (detail.json(), listed[parties.order.pk]):
        ship_to = order["ship_to"]
        assert (ship_to["name"], ship_to["phone"], ship_to["street"], ship_to["masked"]) == (
            ("张三", "13800138000", "世纪大道 100 号", False)
            if expected == "full"
            else ("张*", "138****8000", "世纪大****", True)
        )
        # The customer's own name, phone and email follow the ship-to: they would give it away.
        assert (order["customer_name"], order["customer_phone"], order["customer_email"]) == (
            ("张三", "+86 138 0013 8000", "buyer@example.com")
            if expected == "full"
            else ("张*", "138****8000", "b****@example.com")
        )
