"""The pages reached through signed links, without an account: the source confirms a restock order,
the customer answers the survey. Each link is single use, single purpose and expires."""

import time
from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.core import signing as django_signing
from django.test import Client, override_settings
from django.utils import timezone

from reship import workflow
from reship.choices import EventKind, LineStatus, RequestStatus, RestockStatus
from reship.core import signing
from reship.models import ReshipEvent, RestockOrder, SurveyResponse
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    ProductFactory,
    SellerMembershipFactory,
)
from tests.workflow_states import outcome_messages_off, send_survey

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- reading pages as a person would: controls found by their label ----------------------------


class _Controls(HTMLParser):
    """Every form control by id, and every label's text by the id it is for."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str | None]] = {}
        self.labels: dict[str, str] = {}
        self._label_for: list[str | None] = []
        self._label_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("input", "select", "textarea") and attributes.get("id"):
            self.controls[attributes["id"]] = {"tag": tag, **attributes}
        if tag == "label":
            self._label_for.append(attributes.get("for"))
            self._label_text.append("")

    def handle_data(self, data):
        if self._label_for:
            self._label_text[-1] += data

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for:
            target, text = self._label_for.pop(), self._label_text.pop()
            if target:
                self.labels[target] = " ".join(text.split())


def control_labelled(response, label: str) -> dict:
    """The control whose <label for=…> reads ``label``; fails if there is none."""
    parser = _Controls()
    parser.feed(response.content.decode())
    for control_id, text in parser.labels.items():
        if text == label and control_id in parser.controls:
            return parser.controls[control_id]
    raise AssertionError(f"no control labelled {label!r}; labels: {sorted(parser.labels.values())}")


@pytest.fixture
def client():
    """An anonymous visitor whose browser asks for English."""
    return Client(headers={"accept-language": "en"})


# --- state, built through the workflow ---------------------------------------------------------


@pytest.fixture
def parties(db):
    seller_user = SellerMembershipFactory(seller__name="Lotus Home").user
    outcome_messages_off(seller_user.seller_membership.seller)  # the seller calls the customer
    partner_user = PartnerMembershipFactory(partner__name="Swift Dropship").user
    order = OrderFactory(
        seller=seller_user.seller_membership.seller,
        partner=partner_user.partner_membership.partner,
        platform_order_number="TB880001",
    )
    product = ProductFactory(seller=order.seller, sku_code="MUG-350-BLUE", name="Blue mug 350 ml")
    line = OrderLineFactory(order=order, product=product, quantity=3)
    return seller_user, partner_user, order, line


def _submitted_and_approved(parties, resolution: str):
    seller_user, partner_user, order, line = parties
    request = workflow.reship_submit(
        actor=seller_user,
        order_id=order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(line.pk, 2, resolution)],
    )
    workflow.reship_approve(
        request_id=request.pk, actor=partner_user, quote_goods="40.00", quote_shipping="8.00", cost_bearer="supplier"
    )
    return request


@pytest.fixture
def restock(parties) -> RestockOrder:
    _seller_user, partner_user, _order, _line = parties
    request = _submitted_and_approved(parties, "restock_resend")
    [restock] = workflow.reship_start_restock(
        request_id=request.pk,
        actor=partner_user,
        line_ids=[request.lines.get().pk],
        note="Pack each mug in bubble wrap.",
    )
    return restock


@pytest.fixture
def closed_request(parties):
    seller_user, partner_user, _order, _line = parties
    request = _submitted_and_approved(parties, "resend")
    workflow.reship_ship(
        request_id=request.pk,
        actor=partner_user,
        items=[workflow.ShipItem(line_id=request.lines.get().pk)],
        carrier="SF Express",
        tracking_number="SF700000000001",
    )
    workflow.reship_confirm_info_update(request_id=request.pk, actor=seller_user)
    workflow.reship_contact_customer(
        request_id=request.pk, actor=seller_user, channel="phone", message="Called: a new mug is on its way."
    )
    workflow.reship_close(
        request_id=request.pk, actor=seller_user, rating_speed=5, rating_quality=4, rating_cooperation=5
    )
    return send_survey(request)


def _restock_url(restock: RestockOrder) -> str:
    return signing.restock_confirm_path(restock)


def _survey_url(request) -> str:
    return signing.survey_path(request)


def _signed_days_ago(monkeypatch, days: float, make_url):
    """A link as it was signed ``days`` ago (the signature carries its creation time)."""
    real_time = time.time
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: real_time() - days * 24 * 3600)
        return make_url()


def _tampered(url: str) -> str:
    """The link with one character of its signature changed, as a bad copy-paste might."""
    prefix, token, _empty = url.rsplit("/", 2)
    last = "A" if token[-1] != "A" else "B"
    return f"{prefix}/{token[:-1]}{last}/"


def _in_days(days: int):
    return timezone.localdate() + timedelta(days=days)


# --- the source confirms a restock order -------------------------------------------------------


def test_the_source_sees_the_restock_order_without_logging_in(client, restock):
    response = client.get(_restock_url(restock))

    assert response.status_code == 200
    body = response.content.decode()
    assert restock.request.number in body
    assert "MUG-350-BLUE" in body
    assert "Blue mug 350 ml" in body
    assert "<td>2</td>" in body
    assert "Swift Dropship" in body
    assert "Pack each mug in bubble wrap." in body
    ship_date = control_labelled(response, "Ship date")
    assert ship_date["type"] == "date"
    assert "required" in ship_date
    note = control_labelled(response, "Note (optional)")
    assert note["tag"] == "textarea"
    assert "required" not in note


def test_confirming_records_the_ship_date_restocks_the_line_and_logs_the_source(client, restock):
    url = _restock_url(restock)
    ship_on = _in_days(3)

    response = client.post(url, {"ship_date": ship_on.isoformat(), "note": "Two cartons."})

    assert response.status_code == 200
    assert "the restock is confirmed" in response.content.decode()
    restock.refresh_from_db()
    assert restock.status == RestockStatus.CONFIRMED
    assert restock.ship_date == ship_on
    assert restock.confirmed_by is None
    assert restock.line.status == LineStatus.RESTOCKED
    event = ReshipEvent.objects.get(request=restock.request, kind=EventKind.RESTOCK_CONFIRMED)
    assert event.actor is None
    assert event.message == "Two cartons."
    assert event.data == {"restock_order": restock.pk, "ship_date": ship_on.isoformat(), "by_source": True}


def test_reusing_the_restock_link_is_refused_and_changes_nothing(client, restock):
    url = _restock_url(restock)
    first_date = _in_days(3)
    client.post(url, {"ship_date": first_date.isoformat()})
    events_before = ReshipEvent.objects.filter(request=restock.request).count()

    response = client.post(url, {"ship_date": _in_days(9).isoformat(), "note": "Changed my mind."})

    assert response.status_code == 409
    body = response.content.decode()
    assert "already confirmed on" in body
    assert first_date.isoformat() in body
    restock.refresh_from_db()
    assert restock.ship_date == first_date
    assert ReshipEvent.objects.filter(request=restock.request).count() == events_before


def test_opening_a_confirmed_link_says_when_it_was_confirmed(client, restock, parties):
    _seller_user, partner_user, _order, _line = parties
    confirmed_at = datetime(2026, 3, 5, 10, 30, tzinfo=SHANGHAI)
    workflow.reship_confirm_restock(
        restock_order_id=restock.pk,
        actor=partner_user,
        ship_date=datetime(2026, 3, 9, tzinfo=SHANGHAI).date(),
        now=confirmed_at,
    )

    response = client.get(_restock_url(restock))

    assert response.status_code == 409
    body = response.content.decode()
    assert "It was already confirmed on 2026-03-05, with the ship date 2026-03-09. Nothing was changed." in body
    assert '<form method="post">' not in body


def test_a_cancelled_restock_order_cannot_be_confirmed(client, restock, parties):
    _seller_user, partner_user, _order, _line = parties
    workflow.reship_compensate(
        request_id=restock.request_id,
        actor=partner_user,
        line_ids=[restock.line_id],
        method="refund",
        amount="40.00",
    )

    response = client.post(_restock_url(restock), {"ship_date": _in_days(1).isoformat()})

    assert response.status_code == 409
    assert "This restock order was cancelled" in response.content.decode()
    restock.refresh_from_db()
    assert restock.status == RestockStatus.CANCELLED
    assert restock.ship_date is None


def test_a_missing_ship_date_is_asked_for_again(client, restock):
    response = client.post(_restock_url(restock), {"ship_date": "", "note": "Soon."})

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert control_labelled(response, "Note (optional)")["tag"] == "textarea"
    restock.refresh_from_db()
    assert restock.status == RestockStatus.ORDERED
    assert not ReshipEvent.objects.filter(kind=EventKind.RESTOCK_CONFIRMED).exists()


def test_the_workflows_objection_is_shown_next_to_the_form(client, restock):
    response = client.post(_restock_url(restock), {"ship_date": "2001-01-01"})

    assert response.status_code == 400
    body = response.content.decode()
    assert "The ship date must be within the last 30 days or the coming year." in body
    assert 'id="id_ship_date_error"' in body
    restock.refresh_from_db()
    assert restock.status == RestockStatus.ORDERED
    assert restock.ship_date is None


def test_a_tampered_restock_link_is_refused(client, restock):
    response = client.get(_tampered(_restock_url(restock)))

    assert response.status_code == 400
    assert "This link is not valid. Check that it was copied whole." in response.content.decode()


def test_a_survey_link_cannot_confirm_a_restock(client, restock):
    wrong_purpose = django_signing.dumps({"restock": restock.pk}, salt=signing.SURVEY_SALT, compress=True)

    response = client.post(f"/restock/{wrong_purpose}/", {"ship_date": _in_days(1).isoformat()})

    assert response.status_code == 400
    restock.refresh_from_db()
    assert restock.status == RestockStatus.ORDERED


@override_settings(RESHIP_RESTOCK_LINK_DAYS=14)
def test_an_expired_restock_link_is_gone(client, restock, monkeypatch):
    url = _signed_days_ago(monkeypatch, 15, lambda: _restock_url(restock))

    response = client.post(url, {"ship_date": _in_days(1).isoformat()})

    assert response.status_code == 410
    assert "This link has expired. Ask the sender for a new one." in response.content.decode()
    restock.refresh_from_db()
    assert restock.status == RestockStatus.ORDERED


@override_settings(RESHIP_RESTOCK_LINK_DAYS=14)
def test_a_restock_link_works_until_it_expires(client, restock, monkeypatch):
    url = _signed_days_ago(monkeypatch, 13, lambda: _restock_url(restock))

    assert client.get(url).status_code == 200


def test_a_link_to_a_restock_order_that_is_gone_is_not_found(client):
    token = django_signing.dumps({"restock": 987654, "request": 1}, salt=signing.RESTOCK_SALT, compress=True)

    response = client.get(f"/restock/{token}/")

    assert response.status_code == 404
    assert "This restock order does not exist any more." in response.content.decode()


def test_csrf_protection_stays_on_for_the_public_form(restock):
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    url = _restock_url(restock)
    page = browser.get(url)
    assert "csrfmiddlewaretoken" in page.content.decode()

    response = browser.post(url, {"ship_date": _in_days(1).isoformat()})

    assert response.status_code == 403
    restock.refresh_from_db()
    assert restock.status == RestockStatus.ORDERED


# --- language --------------------------------------------------------------------------------


def test_the_page_speaks_the_browsers_language_and_offers_the_switcher(restock):
    url = _restock_url(restock)

    chinese = Client(headers={"accept-language": "zh-CN,zh;q=0.9"}).get(url)
    english = Client(headers={"accept-language": "en-GB,en;q=0.8"}).get(url)

    assert 'lang="zh-hans"' in chinese.content.decode()
    assert 'lang="en"' in english.content.decode()
    assert control_labelled(chinese, "Language · 语言")["tag"] == "select"


def test_switching_language_comes_back_to_the_same_link(restock):
    browser = Client(headers={"accept-language": "zh-CN"})
    url = _restock_url(restock)

    response = browser.post("/i18n/setlang/", {"language": "en", "next": url}, follow=True)

    assert response.redirect_chain[-1][0] == url
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


# --- the customer answers the survey -----------------------------------------------------------


def test_the_customer_sees_a_rating_from_one_to_five(client, closed_request):
    response = client.get(_survey_url(closed_request))

    assert response.status_code == 200
    assert "TB880001" in response.content.decode()
    labels = ["1 – very dissatisfied", "2 – dissatisfied", "3 – neutral", "4 – satisfied", "5 – very satisfied"]
    for value, label in enumerate(labels, start=1):
        radio = control_labelled(response, label)
        assert radio["type"] == "radio"
        assert radio["value"] == str(value)
    assert control_labelled(response, "Comment (optional)")["tag"] == "textarea"


def test_an_answer_is_saved_once(client, closed_request):
    response = client.post(_survey_url(closed_request), {"rating": "5", "comment": "Fast and friendly."})

    assert response.status_code == 200
    assert "Thank you for your answer" in response.content.decode()
    answer = SurveyResponse.objects.get(request=closed_request)
    assert (answer.rating, answer.comment) == (5, "Fast and friendly.")
    event = ReshipEvent.objects.get(request=closed_request, kind=EventKind.NOTE)
    assert event.actor is None
    assert event.data == {"survey_rating": 5}


def test_a_second_answer_is_refused_and_the_first_kept(client, closed_request):
    url = _survey_url(closed_request)
    client.post(url, {"rating": "5", "comment": "Fast and friendly."})
    events_before = ReshipEvent.objects.filter(request=closed_request).count()

    response = client.post(url, {"rating": "1", "comment": "Changed my mind."})

    assert response.status_code == 409
    assert "This survey has been answered already" in response.content.decode()
    answer = SurveyResponse.objects.get(request=closed_request)
    assert (answer.rating, answer.comment) == (5, "Fast and friendly.")
    assert ReshipEvent.objects.filter(request=closed_request).count() == events_before
    assert client.get(url).status_code == 409


@pytest.mark.parametrize(
    ("rating", "message"),
    [
        ("0", "Ratings go from 1 to 5."),
        ("6", "Ratings go from 1 to 5."),
        ("abc", "Ratings go from 1 to 5."),
        ("", "Choose a rating from 1 to 5."),
    ],
)
def test_a_rating_outside_one_to_five_is_refused_with_a_message(client, closed_request, rating, message):
    response = client.post(_survey_url(closed_request), {"rating": rating, "comment": "Hmm."})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_there_is_no_survey_before_it_was_sent(client, restock):
    url = _survey_url(restock.request)

    assert client.get(url).status_code == 404
    response = client.post(url, {"rating": "4"})
    assert response.status_code == 404
    assert "This survey does not exist." in response.content.decode()
    assert not SurveyResponse.objects.exists()
    assert restock.request.status == RequestStatus.FULFILLING


def test_a_tampered_survey_link_is_refused(client, closed_request):
    response = client.post(_tampered(_survey_url(closed_request)), {"rating": "5"})

    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_a_restock_link_cannot_answer_a_survey(client, closed_request):
    wrong_purpose = django_signing.dumps({"survey": closed_request.pk}, salt=signing.RESTOCK_SALT, compress=True)

    response = client.post(f"/survey/{wrong_purpose}/", {"rating": "5"})

    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


@override_settings(RESHIP_SURVEY_LINK_DAYS=30)
def test_an_expired_survey_link_is_gone(client, closed_request, monkeypatch):
    url = _signed_days_ago(monkeypatch, 31, lambda: _survey_url(closed_request))

    response = client.post(url, {"rating": "5"})

    assert response.status_code == 410
    assert "This link has expired. Ask the sender for a new one." in response.content.decode()
    assert not SurveyResponse.objects.exists()
