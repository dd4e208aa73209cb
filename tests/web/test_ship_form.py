"""The request page's ship form and the carrier table: the carriers to pick from with the shape of
their numbers, and a refused carrier or number shown next to its field with the input kept."""

import re

import pytest

from orders.models import Carrier, Shipment
from reship.choices import RequestStatus
from tests.web.test_requests import _as, _page, _post
from tests.workflow_states import line, make_parties, request_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


def _options(body: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="ship-carrier"[^>]*>(.*?)</select>', body, re.S)
    assert select, "the ship form has a carrier select"
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


@pytest.mark.parametrize(
    ("language", "first", "last"),
    [
        ("en", ("SF", "SF Express · SF followed by 12–13 digits"), ("OTHER", "Other")),
        ("zh-hans", ("SF", "顺丰速运 · SF 加 12–13 位数字"), ("OTHER", "其他")),
    ],
)
def test_the_ship_form_offers_the_active_carriers_in_the_readers_language(client, parties, language, first, last):
    Carrier.objects.filter(code="UPS").update(is_active=False)
    reship = request_in(RequestStatus.APPROVED, parties)

    page = _as(client, parties.partner).get(f"/requests/{reship.pk}/", headers={"accept-language": language})
    body = page.content.decode()

    options = _options(body)
    assert options[0] == ("", "—")
    assert options[1] == first
    assert options[-1] == last
    assert "UPS" not in [value for value, _label in options]
    assert 'name="ship-carrier_name"' in body


def test_a_number_that_does_not_fit_is_shown_next_to_its_field_and_the_input_is_kept(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    partner = _as(client, parties.partner)

    response = _post(
        partner,
        reship,
        "ship",
        {"items": [line(reship, "A").pk], "carrier": "ZTO", "tracking_number": "ZT-12"},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "ZT-12 is not a ZTO Express tracking number: they are 12–15 digits." in body
    assert '<option value="ZTO" selected>' in body
    assert 'value="ZT-12"' in body
    assert not Shipment.objects.filter(reship_request=reship).exists()


def test_an_unknown_carrier_is_refused_listing_the_codes(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    response = _post(
        _as(client, parties.partner),
        reship,
        "ship",
        {"items": [line(reship, "A").pk], "carrier": "PIGEON", "tracking_number": "123456789012"},
    )

    assert response.status_code == 400
    assert "“PIGEON” is not a carrier Reship knows; use one of: SF, ZTO, YTO," in response.content.decode()
    assert not Shipment.objects.filter(reship_request=reship).exists()


def test_a_parcel_shipped_from_the_page_shows_as_a_link_to_the_carriers_page(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    partner = _as(client, parties.partner)

    response = _post(
        partner,
        reship,
        "ship",
        {"items": [line(reship, "A").pk], "carrier": "YTO", "tracking_number": "yt 1234567890123"},
    )

    assert response.status_code == 302
    body = _page(partner, reship).content.decode()
    link = 'href="https://www.yto.net.cn/gw/service/waybillQuery.html?waybillNo=YT1234567890123"'
    assert body.count(link) == 3  # the line's parcel, the parcels' delivery list, the timeline's SHIPPED event
    assert "YTO Express" in body
