"""改地址: the seller changes the request's own ship-to (``workflow.reship_change_ship_to``). The
allowed path, the partner told only once it is packing, the event keeping masked values only, every
refusal changing nothing. Expected values are written by hand."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from reship import workflow
from reship.choices import EventKind, RequestStatus
from reship.core.errors import ActionNotPermitted, InvalidInput, InvalidTransition, RequestNotFound
from reship.models import Notification, ReshipEvent, ReshipRequest, WebhookEndpoint
from tests.workflow_states import line, make_parties, request_in

pytestmark = pytest.mark.django_db

S = RequestStatus
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The order's ship-to in tests/factories.py, copied onto each request when it is submitted.
ORIGINAL = {
    "name": "张三",
    "phone": "13800138000",
    "country": "CN",
    "province": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "street": "世纪大道 100 号",
    "postcode": "200120",
}
MOVED = {**ORIGINAL, "district": "徐汇区", "street": "漕溪北路 88 号 3 栋 1502 室", "postcode": "200030"}


@pytest.fixture
def parties():
    return make_parties()


def _change(parties, request, ship_to, **kwargs):
    return workflow.reship_change_ship_to(request_id=request.pk, actor=parties.seller, ship_to=ship_to, **kwargs)


def _ship_to_of(request) -> dict:
    fresh = ReshipRequest.objects.get(pk=request.pk)
    return {
        "name": fresh.ship_name,
        "phone": fresh.ship_phone,
        "phone_e164": fresh.ship_phone_e164,
        "country": fresh.ship_country,
        "province": fresh.ship_province,
        "city": fresh.ship_city,
        "district": fresh.ship_district,
        "street": fresh.ship_street,
        "postcode": fresh.ship_postcode,
    }


ORIGINAL_STORED = {**ORIGINAL, "phone_e164": "+8613800138000"}


# --- the allowed path ------------------------------------------------------------------------------


def test_the_seller_moves_the_replacement_and_the_timeline_keeps_what_changed_masked(parties):
    request = request_in(S.SUBMITTED, parties)

    _change(parties, request, MOVED, note="The customer moved last week.")

    assert _ship_to_of(request) == {
        **ORIGINAL_STORED,
        "district": "徐汇区",
        "street": "漕溪北路 88 号 3 栋 1502 室",
        "postcode": "200030",
    }
    event = ReshipEvent.objects.get(request=request, kind=EventKind.SHIP_TO_CHANGED)
    assert event.actor == parties.seller
    assert event.message == "The customer moved last week."
    assert event.from_status == event.to_status == S.SUBMITTED
    assert event.data == {
        "fields": ["district", "street", "postcode"],
        "before": {"district": "浦东新区", "street": "世纪大****", "postcode": "200***"},
        "after": {"district": "徐汇区", "street": "漕溪北路****", "postcode": "200***"},
    }
    # The order keeps its own ship-to: the original parcel went there.
    parties.order.refresh_from_db()
    assert parties.order.ship_street == "世纪大道 100 号"


def test_the_event_never_holds_the_full_name_phone_or_street(parties):
    request = request_in(S.APPROVED, parties)

    _change(parties, request, {**MOVED, "name": "李小龙", "phone": "139 0013 9000"})

    stored = json.dumps(ReshipEvent.objects.get(kind=EventKind.SHIP_TO_CHANGED).data, ensure_ascii=False)
    for secret in (
        "李小龙",
        "13900139000",
        "139 0013 9000",
        "漕溪北路 88 号",
        "3 栋 1502 室",
        "张三",
        "世纪大道 100 号",
    ):
        assert secret not in stored
    assert "李*龙" in stored
    assert "139****9000" in stored


def test_a_phone_in_any_format_is_kept_as_typed_with_its_e164_form(parties):
    request = request_in(S.SUBMITTED, parties)

    _change(parties, request, {**ORIGINAL, "phone": "+86 139-0013-9000"})

    stored = _ship_to_of(request)
    assert stored["phone"] == "+86 139-0013-9000"
    assert stored["phone_e164"] == "+8613900139000"


def test_a_field_left_out_keeps_its_value_and_an_empty_one_clears_it(parties):
    request = request_in(S.SUBMITTED, parties)

    _change(parties, request, {"phone": "13900139000", "district": ""})

    assert _ship_to_of(request) == {
        **ORIGINAL_STORED,
        "phone": "13900139000",
        "phone_e164": "+8613900139000",
        "district": "",
    }


def test_an_overseas_address_fits(parties):
    request = request_in(S.SUBMITTED, parties)

    _change(
        parties,
        request,
        {
            "name": "Jane Doe",
            "phone": "+1 415 555 2671",
            "country": "us",
            "province": "CA",
            "city": "San Francisco",
            "district": "",
            "street": "500 Market St Apt 4",
            "postcode": "94105",
        },
    )

    stored = _ship_to_of(request)
    assert (stored["country"], stored["phone_e164"], stored["postcode"]) == ("US", "+14155552671", "94105")


# --- who is told -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.SUBMITTED, S.NEEDS_INFO])
def test_before_approval_the_partner_is_not_messaged(parties, status, django_capture_on_commit_callbacks):
    request = request_in(status, parties)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=False):
        _change(parties, request, MOVED)

    assert not Notification.objects.filter(template="ship_to_changed").exists()


@pytest.mark.parametrize("status", [S.APPROVED, S.FULFILLING])
def test_a_packing_partner_is_told_to_ship_to_the_new_address(parties, status, django_capture_on_commit_callbacks):
    request = request_in(status, parties)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _change(parties, request, MOVED, note="Moved.")

    rows = Notification.objects.filter(template="ship_to_changed")
    assert {row.payload["audience"] for row in rows} == {"partner"}
    assert {row.recipient_user for row in rows} == {parties.partner}
    assert rows.first().payload["fields"] == ["district", "street", "postcode"]
    assert len(callbacks) == 1  # delivered after commit


def test_the_partners_message_names_the_fields_not_the_address(parties, settings):
    parties.partner.email = "packer@example.com"
    parties.partner.save()
    request = request_in(S.APPROVED, parties)
    _change(parties, request, MOVED)

    from reship.notifications.rendering import render

    row = Notification.objects.get(template="ship_to_changed", channel="email")
    subject, text, html = render(row)
    assert subject == f"{parties.order.seller.name} changed the ship-to of reship request {request.number}"
    assert "Changed: District, Street address, Postcode" in text
    assert f"/requests/{request.pk}/" in text
    for body in (text, html):
        assert "漕溪北路" not in body
        assert "200030" not in body


def test_the_partners_webhook_carries_the_ship_to_masked_and_the_sellers_in_full(parties):
    request = request_in(S.APPROVED, parties)
    partner = parties.partner.partner_membership.partner
    seller = parties.seller.seller_membership.seller
    WebhookEndpoint.objects.create(partner=partner, url="https://partner.example/hook", secret="s" * 32)
    WebhookEndpoint.objects.create(seller=seller, url="https://seller.example/hook", secret="t" * 32)

    _change(parties, request, {**MOVED, "name": "李小龙"})

    to_partner = Notification.objects.get(template="ship_to_changed", channel="webhook")
    assert to_partner.payload["data"]["ship_to"] == {
        "name": "李*龙",
        "phone": "138****8000",
        "phone_e164": "",
        "country": "CN",
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "street": "漕溪北路****",
        "postcode": "200***",
        "masked": True,
    }
    # The seller's systems are told of approvals: their copy of the request reads its own customer in full.
    workflow.reship_start_restock(request_id=request.pk, actor=parties.partner, line_ids=[line(request, "B1").pk])
    for seller_row in Notification.objects.filter(channel="webhook", recipient_address="https://seller.example/hook"):
        assert seller_row.payload["data"]["ship_to"]["street"] == "漕溪北路 88 号 3 栋 1502 室"
        assert seller_row.payload["data"]["ship_to"]["masked"] is False


# --- refusals: each changes nothing ----------------------------------------------------------------


def _nothing_changed(request, events_before: int) -> None:
    assert _ship_to_of(request) == ORIGINAL_STORED
    assert ReshipEvent.objects.filter(request=request).count() == events_before
    assert not Notification.objects.filter(template="ship_to_changed").exists()


def test_once_a_parcel_has_left_the_ship_to_cannot_change(parties):
    request = request_in(S.FULFILLING, parties)
    workflow.reship_ship(
        request_id=request.pk,
        actor=parties.partner,
        items=[workflow.ShipItem(line(request, "A").pk)],
        carrier="SF",
        tracking_number="SF123456789012",
        now=datetime(2026, 3, 12, 9, 30, tzinfo=SHANGHAI),
    )
    assert ReshipRequest.objects.get(pk=request.pk).status == S.FULFILLING  # B1, B2 still to send
    events = ReshipEvent.objects.filter(request=request).count()

    with pytest.raises(InvalidTransition) as refused:
        _change(parties, request, MOVED)

    assert refused.value.http_status == 409
    assert refused.value.message == (
        "The replacement left on 2026-03-12 with SF Express SF123456789012; the ship-to can no longer change. "
        "Ask the carrier to redirect the parcel."
    )
    _nothing_changed(request, events)


def test_the_same_ship_to_again_is_refused_without_an_event(parties):
    request = request_in(S.APPROVED, parties)
    events = ReshipEvent.objects.filter(request=request).count()

    with pytest.raises(InvalidInput, match="This is already the ship-to: nothing was changed."):
        _change(parties, request, {**ORIGINAL, "street": "  世纪大道   100 号 "})  # spaces do not count

    _nothing_changed(request, events)


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({**MOVED, "name": ""}, "name", "Recipient is required."),
        ({**MOVED, "street": "   "}, "street", "Street address is required."),
        ({**MOVED, "street": "路" * 256}, "street", "Street address is too long (at most 255 characters)."),
        ({**MOVED, "phone": "12345"}, "phone", "“12345” is not a phone number in CN"),
        ({**MOVED, "postcode": "2000"}, "postcode", "A postcode in China has 6 digits."),
        ({**MOVED, "country": "Atlantis"}, "country", "“Atlantis” is not a country"),
        ({**MOVED, "floor": "3"}, "floor", "Not a ship-to field."),
    ],
)
def test_bad_input_is_refused_by_field_and_changes_nothing(parties, given, field, message):
    request = request_in(S.APPROVED, parties)
    events = ReshipEvent.objects.filter(request=request).count()

    with pytest.raises(InvalidInput) as refused:
        _change(parties, request, given)

    assert refused.value.http_status == 422
    assert message in " ".join(refused.value.field_errors[field]) + refused.value.message
    _nothing_changed(request, events)


def test_the_partner_may_not_change_it(parties):
    request = request_in(S.APPROVED, parties)
    events = ReshipEvent.objects.filter(request=request).count()

    with pytest.raises(ActionNotPermitted):
        workflow.reship_change_ship_to(request_id=request.pk, actor=parties.partner, ship_to=MOVED)

    _nothing_changed(request, events)


@pytest.mark.parametrize("outsider", ["other_seller", "other_partner"])
def test_another_organisation_finds_no_such_request(parties, outsider):
    request = request_in(S.SUBMITTED, parties)

    with pytest.raises(RequestNotFound):
        workflow.reship_change_ship_to(request_id=request.pk, actor=getattr(parties, outsider), ship_to=MOVED)

    _nothing_changed(request, 1)


@pytest.mark.parametrize("status", [S.REJECTED, S.CANCELLED, S.INFO_UPDATE, S.CUSTOMER_CONTACT, S.CLOSED])
def test_after_fulfilment_or_once_ended_it_cannot_change(parties, status):
    request = request_in(status, parties)
    events = ReshipEvent.objects.filter(request=request).count()

    with pytest.raises(InvalidTransition):
        _change(parties, request, MOVED)

    _nothing_changed(request, events)
