"""Carriers through the API: the list integrations read their codes from, and a parcel shipped
with a carrier named by code or name, its number checked against the carrier's pattern."""

import pytest
from rest_framework.test import APIClient

from orders.models import Carrier, Shipment
from reship.models import ReshipEvent
from tests import workflow_states
from tests.api.test_requests import action, client_for
from tests.workflow_states import line

pytestmark = pytest.mark.django_db

SF_PAGE = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/"


@pytest.fixture
def parties():
    return workflow_states.make_parties()


def test_the_carriers_list_gives_codes_names_patterns_and_tracking_pages(parties):
    Carrier.objects.filter(code="DHL").update(is_active=False)

    response = client_for(parties.partner).get("/api/v1/carriers/")

    assert response.status_code == 200
    body = response.json()
    codes = [carrier["code"] for carrier in body]
    assert codes[:3] == ["SF", "ZTO", "YTO"]
    assert codes[-1] == "OTHER"
    assert "DHL" not in codes  # inactive carriers cannot be chosen
    assert body[0] == {
        "code": "SF",
        "name_zh": "顺丰速运",
        "name_en": "SF Express",
        "aliases": ["顺丰", "顺丰快递", "SF", "SFExpress", "SF-Express"],
        "tracking_pattern": r"SF\d{12,13}",
        "pattern_help_zh": "SF 加 12–13 位数字",
        "pattern_help_en": "SF followed by 12–13 digits",
        "tracking_url": SF_PAGE + "{number}",
    }


def test_the_carriers_list_needs_credentials():
    assert APIClient().get("/api/v1/carriers/").status_code == 401


@pytest.mark.parametrize("named", ["SF", "sf", "顺丰", "SF Express", "顺丰速运"])
def test_a_parcel_is_shipped_with_a_carrier_named_by_code_or_name(parties, named):
    request = workflow_states.request_in("approved", parties)

    response = client_for(parties.partner).post(
        action(request.pk, "ship"),
        {"items": [{"line": line(request, "A").pk}], "carrier": named, "tracking_number": "sf 1234 5678 9012"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    shipment = response.json()["lines"][0]["shipment"]
    assert shipment["carrier"] == {"code": "SF", "name_zh": "顺丰速运", "name_en": "SF Express"}
    assert shipment["tracking_number"] == "SF123456789012"  # as the carrier prints it
    assert shipment["tracking_url"] == SF_PAGE + "SF123456789012"
    assert (shipment["tracking_status"], shipment["delivered_at"]) == ("shipped", None)
    event = ReshipEvent.objects.get(request=request, kind="shipped")
    assert (event.data["carrier_code"], event.data["carrier_name_zh"], event.data["tracking_number"]) == (
        "SF",
        "顺丰速运",
        "SF123456789012",
    )


def test_an_unknown_carrier_is_refused_listing_the_codes(parties):
    request = workflow_states.request_in("approved", parties)

    response = client_for(parties.partner).post(
        action(request.pk, "ship"),
        {"items": [{"line": line(request, "A").pk}], "carrier": "Pigeon Post", "tracking_number": "123456789012"},
        format="json",
    )

    assert response.status_code == 422
    message = response.json()["field_errors"]["carrier"][0]
    assert message.startswith("“Pigeon Post” is not a carrier Reship knows; use one of: SF, ZTO, YTO, STO, YUNDA,")
    assert message.endswith("YANWEN, OTHER.")
    assert not Shipment.objects.filter(reship_request=request).exists()
    assert not ReshipEvent.objects.filter(request=request, kind="shipped").exists()


@pytest.mark.parametrize(
    ("language", "explained"),
    [
        ("en", "SF12345 is not a SF Express tracking number: they are SF followed by 12–13 digits."),
        ("zh-hans", "SF 加 12–13 位数字"),
    ],
)
def test_a_number_that_does_not_fit_the_carrier_is_refused_with_its_pattern_explained(parties, language, explained):
    request = workflow_states.request_in("approved", parties)

    response = client_for(parties.partner).post(
        action(request.pk, "ship"),
        {"items": [{"line": line(request, "A").pk}], "carrier": "SF", "tracking_number": "SF12345"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 422
    message = response.json()["field_errors"]["tracking_number"][0]
    assert explained in message
    if language == "zh-hans":
        assert "顺丰速运" in message
    assert not Shipment.objects.filter(reship_request=request).exists()


def test_other_carrier_needs_its_name_and_keeps_it(parties):
    request = workflow_states.request_in("approved", parties)
    client = client_for(parties.partner)
    body = {"items": [{"line": line(request, "A").pk}], "carrier": "OTHER", "tracking_number": "KY-778899"}

    refused = client.post(action(request.pk, "ship"), body, format="json")
    shipped = client.post(action(request.pk, "ship"), {**body, "carrier_name": "跨越速运"}, format="json")

    assert refused.status_code == 422
    assert refused.json()["field_errors"]["carrier_name"] == ["Name the carrier when it is not in the list."]
    assert shipped.status_code == 200, shipped.json()
    shipment = shipped.json()["lines"][0]["shipment"]
    assert (shipment["carrier"]["code"], shipment["carrier_label"], shipment["tracking_url"]) == (
        "OTHER",
        "跨越速运",
        "",
    )
