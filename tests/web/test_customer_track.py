"""The customer's tracking page (/t/<token>/): the request's progress under the shop's name, with the
platform order number, in the customer's language; open until 30 days after the request ended."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import signing as django_signing
from django.utils import timezone

from reship import workflow
from reship.core import signing
from reship.models import ReshipRequest
from tests.factories import ShipmentFactory
from tests.workflow_states import line, make_parties, send_survey

pytestmark = pytest.mark.django_db

SUBMITTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
APPROVED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SHIPPED = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
COMPENSATED = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 11, 5, 14, 30, tzinfo=UTC)

STEP = re.compile(r'<li class="track-step track-(\w+)"[^>]*>\s*<span class="track-step-label">([^<]+)</span>')


@pytest.fixture
def parties():
    parties = make_parties()
    parties.order.seller.display_name = "Lily's Tea House"
    parties.order.seller.save(update_fields=["display_name"])
    parties.order.customer_time_zone = "Asia/Shanghai"
    parties.order.save(update_fields=["customer_time_zone"])
    return parties


def _steps(response):
    return [(label.strip(), state) for state, label in STEP.findall(response.content.decode())]


def _request(parties, resolutions, at=SUBMITTED):
    lines = {ol.product.sku_code: ol for ol in parties.order.lines.select_related("product")}
    request = workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        description="Crushed.",
        lines=[workflow.LineRequest(lines[f"SKU-{sku}"].pk, 1, resolution) for sku, resolution in resolutions],
        now=at,
    )
    workflow.reship_approve(
        request_id=request.pk,
        actor=parties.partner,
        quote_goods="30.00",
        quote_shipping="12.00",
        cost_bearer="partner",
        now=at + timedelta(hours=1),
    )
    return request


def _ship(parties, request, sku, number, at=SHIPPED):
    return workflow.reship_ship(
        request_id=request.pk,
        actor=parties.partner,
        items=[workflow.ShipItem(line(request, sku).pk)],
        carrier="SF",
        tracking_number=number,
        now=at,
    )


def _compensate(parties, request, sku, at=COMPENSATED):
    workflow.reship_compensate(
        request_id=request.pk,
        actor=parties.partner,
        line_ids=[line(request, sku).pk],
        method="voucher",
        amount="25",
        now=at,
    )


def _close(parties, request, at):
    workflow.reship_confirm_info_update(request_id=request.pk, actor=parties.seller, now=at)
    request = ReshipRequest.objects.get(pk=request.pk)
    if request.status == "customer_contact":
        workflow.reship_contact_customer(request_id=request.pk, actor=parties.seller, channel="email", now=at)
    workflow.reship_close(
        request_id=request.pk, actor=parties.seller, rating_speed=4, rating_quality=5, rating_cooperation=4, now=at
    )


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- progress, step by step -------------------------------------------------------------------------


def test_an_open_request_shows_what_is_done_and_what_comes_in_the_customers_language(client, parties):
    request = _request(parties, [("A", "resend"), ("C", "compensation")])
    _ship(parties, request, "A", "SF100000000501")
    url = signing.track_path(request)

    response = client.get(url)  # the order's language: Chinese

    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert _steps(response) == [
        ("已收到申请", "done"),
        ("已通过", "done"),
        ("已发货", "done"),
        ("待签收", "current"),
        ("待补偿", "upcoming"),
        ("待完结", "upcoming"),
    ]
    body = response.content.decode()
    assert "Lily&#x27;s Tea House" in body
    assert parties.order.platform_order_number in body
    assert "顺丰速运 · SF100000000501" in body
    assert 'href="https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF100000000501"' in body
    # Times in the customer's zone (Shanghai, UTC+8).
    assert '<time datetime="2026-11-02T17:00:00+08:00">2026-11-02 17:00</time>' in body  # received
    assert "2026-11-03 16:00" in body  # shipped

    _english(client)  # the language switch's cookie wins over the order's language
    response = client.get(url)

    assert response["Content-Language"] == "en"
    assert _steps(response) == [
        ("Request received", "done"),
        ("Approved", "done"),
        ("Shipped", "done"),
        ("Delivery", "current"),
        ("Compensation", "upcoming"),
        ("Closing", "upcoming"),
    ]
    body = response.content.decode()
    assert "SF Express · SF100000000501" in body
    assert re.search(r"<li>1 × Product \d+ · Replacement</li>", body)
    assert "Compensation" in body


def test_delivered_and_compensated_with_the_amount_and_method(client, parties):
    parties.order.customer_language = "en"
    parties.order.save(update_fields=["customer_language"])
    request = _request(parties, [("A", "resend"), ("C", "compensation")])
    parcel = _ship(parties, request, "A", "SF100000000502")
    _compensate(parties, request, "C")
    workflow.reship_mark_delivered(shipment_id=parcel.pk, actor=parties.partner, delivered_at=DELIVERED, now=DELIVERED)

    response = client.get(signing.track_path(request))

    assert _steps(response) == [
        ("Request received", "done"),
        ("Approved", "done"),
        ("Shipped", "done"),
        ("Delivered", "done"),
        ("Compensated", "done"),
        ("Closing", "current"),
    ]
    body = response.content.decode()
    assert "Delivered 2026-11-05 22:30" in body
    assert ": 25.00 CNY (Voucher)" in body


def test_a_closed_request_shows_every_step_done(client, parties):
    start = timezone.now() - timedelta(days=3)
    request = _request(parties, [("A", "resend")], at=start)
    parcel = _ship(parties, request, "A", "SF100000000503", at=start + timedelta(hours=2))
    delivered = start + timedelta(days=1)
    workflow.reship_mark_delivered(shipment_id=parcel.pk, actor=parties.partner, delivered_at=delivered, now=delivered)
    _close(parties, request, start + timedelta(days=2))
    _english(client)

    response = client.get(signing.track_path(request))

    assert _steps(response) == [
        ("Request received", "done"),
        ("Approved", "done"),
        ("Shipped", "done"),
        ("Delivered", "done"),
        ("Closed", "done"),
    ]
    assert "Your request is complete" in response.content.decode()


def test_a_customers_report_waits_for_the_shop_then_a_decline_shows_the_shops_reason(client, parties):
    order_line = parties.order.lines.get(product__sku_code="SKU-A")
    request = workflow.reship_report(
        order_id=parties.order.pk,
        seller_id=parties.order.seller_id,
        lines=[workflow.LineRequest(order_line.pk, 1, "resend")],
        reason="damaged",
        description="The lid is cracked.",
    )
    url = signing.track_path(request)

    response = client.get(url)

    assert _steps(response) == [
        ("已收到申请", "done"),
        ("待审核", "current"),
        ("待发货", "upcoming"),
        ("待签收", "upcoming"),
        ("待完结", "upcoming"),
    ]
    assert "我们正在核实您的反馈" in response.content.decode()

    workflow.reship_decline_report(
        request_id=request.pk, actor=parties.seller, reason="The photos show a different product."
    )
    _english(client)
    response = client.get(url)

    assert _steps(response) == [("Request received", "done")]
    body = response.content.decode()
    assert "The shop declined your report" in body
    assert "reason:</strong> The photos show a different product." in body


def test_rejected_and_cancelled_are_explained_without_the_partners_note(client, parties):
    _english(client)
    lines = {ol.product.sku_code: ol for ol in parties.order.lines.select_related("product")}
    rejected = workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="lost_in_transit",
        lines=[workflow.LineRequest(lines["SKU-A"].pk, 1, "resend")],
    )
    workflow.reship_reject(request_id=rejected.pk, actor=parties.partner, reason="Delivered per the carrier.")
    cancelled = workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="lost_in_transit",
        lines=[workflow.LineRequest(lines["SKU-B1"].pk, 1, "resend")],
    )
    workflow.reship_cancel(request_id=cancelled.pk, actor=parties.seller, reason="The customer found it.")

    body = client.get(signing.track_path(rejected)).content.decode()
    assert "This request could not be accepted" in body
    assert "Lily&#x27;s Tea House will contact you to find another solution." in body
    assert "Delivered per the carrier." not in body

    response = client.get(signing.track_path(cancelled))
    assert _steps(response) == [("Request received", "done")]
    body = response.content.decode()
    assert "This request was withdrawn" in body
    assert "The customer found it." not in body


def test_the_page_never_says_reship_or_the_rs_number(client, parties):
    request = _request(parties, [("A", "resend")])
    for language in ("zh-hans", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        body = client.get(signing.track_path(request)).content.decode()
        assert request.number not in body
        assert "Reship" not in body


# --- the survey ---------------------------------------------------------------------------------------


def test_the_survey_is_offered_when_due_and_thanked_once_answered(client, parties):
    _english(client)
    request = _request(parties, [("A", "resend")])
    _ship(parties, request, "A", "SF100000000504")
    url = signing.track_path(request)
    assert "How did we do?" not in client.get(url).content.decode()

    request = send_survey(request, now=datetime(2026, 11, 10, 8, 0, tzinfo=UTC))
    body = client.get(url).content.decode()

    assert "How did we do?" in body
    assert f'href="{signing.survey_path(request)}"' in body
    assert "Rate your experience" in body

    workflow.survey_answer(request_id=request.pk, rating=5)
    body = client.get(url).content.decode()
    assert "Rate your experience" not in body
    assert "Thank you for answering our survey." in body


# --- validity --------------------------------------------------------------------------------------


def _closed_days_ago(parties, days):
    closed = timezone.now() - timedelta(days=days)
    request = _request(parties, [("C", "compensation")], at=closed - timedelta(days=2))
    _compensate(parties, request, "C", at=closed - timedelta(days=1))
    _close(parties, request, closed)
    return request


def test_the_link_opens_until_30_days_after_close(client, parties):
    _english(client)
    assert client.get(signing.track_path(_closed_days_ago(parties, 29))).status_code == 200

    response = client.get(signing.track_path(_closed_days_ago(parties, 31)))

    assert response.status_code == 410
    body = response.content.decode()
    assert "This link has expired" in body
    assert "This page was open until 30 days after the request ended. Contact the shop if you need help." in body
    assert '<span class="shop-name">Lily&#x27;s Tea House</span>' in body


def test_a_cancelled_request_expires_30_days_after_it_was_cancelled(client, parties):
    _english(client)
    lines = {ol.product.sku_code: ol for ol in parties.order.lines.select_related("product")}
    requests = []
    for sku, days in (("SKU-A", 31), ("SKU-B1", 29)):
        request = workflow.reship_submit(
            actor=parties.seller,
            order_id=parties.order.pk,
            reason="lost_in_transit",
            lines=[workflow.LineRequest(lines[sku].pk, 1, "resend")],
            now=timezone.now() - timedelta(days=days, hours=1),
        )
        workflow.reship_cancel(
            request_id=request.pk, actor=parties.seller, reason="Found.", now=timezone.now() - timedelta(days=days)
        )
        requests.append(request)

    assert client.get(signing.track_path(requests[0])).status_code == 410
    assert client.get(signing.track_path(requests[1])).status_code == 200


def test_a_tampered_link_is_400_and_an_unknown_request_404(client, parties):
    _english(client)
    request = _request(parties, [("A", "resend")])
    token = signing.track_token(request)

    response = client.get(f"/t/{token[:-2]}xy/")
    assert response.status_code == 400
    assert "This link cannot be used" in response.content.decode()
    # A survey token is signed for another purpose.
    assert client.get(f"/t/{signing.survey_token(request)}/").status_code == 400

    unknown = django_signing.dumps({"track": 987654321}, salt=signing.TRACK_SALT, compress=True)
    assert client.get(f"/t/{unknown}/").status_code == 404


# --- queries ---------------------------------------------------------------------------------------


def test_the_page_reads_a_constant_number_of_queries(client, parties, django_assert_num_queries):
    small = _request(parties, [("A", "resend")])
    big = _request(parties, [("B1", "resend"), ("B2", "resend"), ("C", "compensation")])
    _ship(parties, big, "B1", "SF100000000505")
    _ship(parties, big, "B2", "SF100000000506", at=SHIPPED + timedelta(hours=1))
    _compensate(parties, big, "C")
    ShipmentFactory(order=parties.order)  # the original parcel is not the request's

    with django_assert_num_queries(4):
        assert client.get(signing.track_path(small)).status_code == 200
    with django_assert_num_queries(4):
        response = client.get(signing.track_path(big))
    assert response.status_code == 200
    assert response.content.decode().count("SF10000000050") == 4  # two parcels: the number and its link each


def test_the_survey_and_its_thanks_carry_the_shops_name_and_the_order_number(client, parties):
    _english(client)
    request = _request(parties, [("A", "resend")])
    _ship(parties, request, "A", "SF100000000507")
    request = send_survey(request, now=datetime(2026, 11, 10, 8, 0, tzinfo=UTC))
    url = signing.survey_path(request)

    body = client.get(url).content.decode()

    order = parties.order.platform_order_number
    assert f"Your order {order} had a problem, and Lily&#x27;s Tea House put it right." in body
    assert '<span class="shop-name">Lily&#x27;s Tea House</span>' in body
    assert request.number not in body
    assert "Reship" not in body

    body = client.post(url, {"rating": "5"}).content.decode()

    assert "Your rating helps Lily&#x27;s Tea House do better next time." in body
    assert request.number not in body
    assert "Reship" not in body
