"""The request pages, for both sides: the list, the detail page with only the forms allowed now,
every action through its form, and the errors mapped to 400 / 403 / 404 / 409.

State is built through the workflow (tests/workflow_states.py); expected values are written by hand.
"""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reship import workflow
from reship.choices import LineStatus, QuoteStatus, RequestStatus
from reship.models import (
    CommunicationRecord,
    Evidence,
    RequestMessage,
    ReshipEvent,
    ReshipRequest,
    RestockOrder,
)
from reship.services import thread
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    SellerMembershipFactory,
    ShipmentFactory,
)
from tests.workflow_states import approve, line, make_parties, outcome_messages_off, request_in, submit

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def parties():
    return make_parties()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _as(client, user):
    client.force_login(user)
    return client


def _page(client, reship):
    return client.get(reverse("requests:detail", args=[reship.pk]))


def _post(client, reship, action, data=None):
    """Post an action form the way the page does: its fields carry the action as prefix."""
    fields = {f"{action}-{name}": value for name, value in (data or {}).items()}
    return client.post(reverse("requests:action", args=[reship.pk, action]), fields)


def _actions_shown(response) -> set[str]:
    return set(re.findall(r'action="/requests/\d+/action/([a-z_]+)/"', response.content.decode()))


def _fresh(reship) -> ReshipRequest:
    return ReshipRequest.objects.get(pk=reship.pk)


def _another_order(parties):
    """A second order of the same seller and partner, with the same SKUs as the first."""
    order = OrderFactory(seller=parties.order.seller, partner=parties.order.partner)
    for order_line in parties.order.lines.all():
        OrderLineFactory(order=order, product=order_line.product, quantity=2, unit_price=order_line.unit_price)
    return replace(parties, order=order)


def _submit_one(seller_user, order, *, now=None):
    """A one-line request; ``now`` back-dates it, and with it its review due time (24 hours)."""
    order_line = order.lines.first() or OrderLineFactory(order=order)
    return workflow.reship_submit(
        actor=seller_user,
        order_id=order.pk,
        reason="lost_in_transit",
        lines=[workflow.LineRequest(order_line.pk, 1, "resend")],
        now=now,
    )


def _numbers_in_order(response) -> list[str]:
    return re.findall(r">(RS-\d{4}-\d{6})</a>", response.content.decode())


# --- the list -----------------------------------------------------------------------------------


def test_the_list_counts_requests_per_stage_for_each_side(client, parties):
    request_in(RequestStatus.SUBMITTED, parties)
    request_in(RequestStatus.SUBMITTED, _another_order(parties))
    request_in(RequestStatus.NEEDS_INFO, _another_order(parties))
    request_in(RequestStatus.APPROVED, _another_order(parties))
    request_in(RequestStatus.REJECTED, _another_order(parties))
    request_in(RequestStatus.CANCELLED, _another_order(parties))
    request_in(RequestStatus.CLOSED, _another_order(parties))
    # Another seller's request on an order the same partner fulfils: the partner sees it, the seller not.
    other_order = OrderFactory(seller=parties.other_seller.seller_membership.seller, partner=parties.order.partner)
    _submit_one(parties.other_seller, other_order)

    seller_counts = {f["key"]: f["count"] for f in _as(client, parties.seller).get("/requests/").context["filters"]}
    partner_counts = {f["key"]: f["count"] for f in _as(client, parties.partner).get("/requests/").context["filters"]}

    assert seller_counts == {
        "": 7,
        "reported": 0,
        "review": 3,
        "fulfilment": 1,
        "info_update": 0,
        "customer_contact": 0,
        "closed": 1,
        "rejected": 1,
        "cancelled": 1,
        "declined": 0,
    }
    assert "reported" not in partner_counts  # a customer's report is never the partner's
    assert "declined" not in partner_counts
    assert partner_counts[""] == 8
    assert partner_counts["review"] == 4


def test_the_stage_filter_shows_only_that_stage(client, parties):
    submitted = request_in(RequestStatus.SUBMITTED, parties)
    approved = request_in(RequestStatus.APPROVED, _another_order(parties))
    rejected = request_in(RequestStatus.REJECTED, _another_order(parties))

    response = _as(client, parties.seller).get("/requests/?stage=fulfilment")

    assert _numbers_in_order(response) == [approved.number]
    assert response.context["stage"] == "fulfilment"
    assert 'aria-current="page" data-stage="fulfilment"' in response.content.decode()
    assert _numbers_in_order(client.get("/requests/?stage=rejected")) == [rejected.number]
    assert _numbers_in_order(client.get("/requests/?stage=review")) == [submitted.number]


def test_overdue_requests_come_first_the_longest_overdue_on_top(client, parties):
    now = timezone.now()
    orders = [OrderFactory(seller=parties.order.seller, partner=parties.order.partner) for _ in range(4)]
    due_yesterday = _submit_one(parties.seller, orders[0], now=now - timedelta(days=2))  # due 1 day ago
    due_4_days_ago = _submit_one(parties.seller, orders[1], now=now - timedelta(days=5))  # due 4 days ago
    older_on_time = _submit_one(parties.seller, orders[2], now=now - timedelta(hours=3))
    newest_on_time = _submit_one(parties.seller, orders[3], now=now - timedelta(hours=1))

    response = _as(client, parties.partner).get("/requests/")

    assert _numbers_in_order(response) == [
        due_4_days_ago.number,
        due_yesterday.number,
        newest_on_time.number,
        older_on_time.number,
    ]
    assert response.content.decode().count('<tr class="overdue">') == 2


def test_search_finds_a_request_by_its_number_order_number_or_tracking_number(client, parties):
    shipped = request_in(RequestStatus.INFO_UPDATE, parties)  # resent with tracking SF<pk as 12 digits>
    second = _another_order(parties)
    ShipmentFactory(order=second.order, carrier="YTO", tracking_number="YT7788990011001")  # the original parcel
    by_original_parcel = request_in(RequestStatus.SUBMITTED, second)
    unrelated = request_in(RequestStatus.SUBMITTED, _another_order(parties))
    client = _as(client, parties.seller)

    assert _numbers_in_order(client.get("/requests/", {"q": unrelated.number})) == [unrelated.number]
    assert _numbers_in_order(client.get("/requests/", {"q": second.order.platform_order_number})) == [
        by_original_parcel.number
    ]
    assert _numbers_in_order(client.get("/requests/", {"q": "yt7788990011001"})) == [by_original_parcel.number]
    assert _numbers_in_order(client.get("/requests/", {"q": f"SF{shipped.pk:012d}"})) == [shipped.number]
    assert _numbers_in_order(client.get("/requests/", {"q": "no-such-thing"})) == []


def test_the_list_shows_fifty_a_page(client, parties):
    orders = [OrderFactory(seller=parties.order.seller, partner=parties.order.partner) for _ in range(51)]
    first = _submit_one(parties.seller, orders[0])
    for order in orders[1:]:
        _submit_one(parties.seller, order)
    client = _as(client, parties.seller)

    first_page = client.get("/requests/")
    second_page = client.get("/requests/", {"page": 2})

    assert len(_numbers_in_order(first_page)) == 50
    assert _numbers_in_order(second_page) == [first.number]  # the oldest, last
    assert "Page 2 of 2" in second_page.content.decode()


def _list_queries(client, user) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/requests/")
    assert response.status_code == 200
    return len(queries), len(_numbers_in_order(response))


def test_the_list_costs_the_same_queries_for_one_request_or_fifty(client, parties):
    client = _as(client, parties.partner)
    orders = [OrderFactory(seller=parties.order.seller, partner=parties.order.partner) for _ in range(50)]
    _submit_one(parties.seller, orders[0])
    queries_for_one, rows = _list_queries(client, parties.partner)
    assert rows == 1

    for order in orders[1:]:
        _submit_one(parties.seller, order)
    queries_for_fifty, rows = _list_queries(client, parties.partner)

    assert rows == 50
    assert queries_for_fifty == queries_for_one


# --- the detail page ----------------------------------------------------------------------------


def test_on_a_submitted_request_the_partner_reviews_and_the_seller_may_only_cancel(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    partner_page = _page(_as(client, parties.partner), reship)
    seller_page = _page(_as(client, parties.seller), reship)

    assert _actions_shown(partner_page) == {"approve", "reject", "request_info"}
    assert _actions_shown(seller_page) == {"cancel", "change_ship_to"}


@pytest.mark.parametrize(
    ("status", "seller_actions", "partner_actions"),
    [
        (RequestStatus.NEEDS_INFO, {"answer_info", "cancel", "change_ship_to"}, {"reject"}),
        (
            RequestStatus.APPROVED,
            {"cancel", "accept_quote", "dispute_quote", "compensate", "change_ship_to"},
            {"revise_quote", "start_restock", "ship", "compensate"},
        ),
        (
            RequestStatus.FULFILLING,
            {"accept_quote", "dispute_quote", "compensate", "change_ship_to"},
            {"revise_quote", "start_restock", "confirm_restock", "ship", "compensate"},
        ),
        # From info update on, the parcel (not delivered yet) has its "Mark delivered" button for both.
        (
            RequestStatus.INFO_UPDATE,
            {"accept_quote", "dispute_quote", "confirm_info_update", "mark_delivered"},
            {"revise_quote", "mark_delivered"},
        ),
        (
            RequestStatus.CUSTOMER_CONTACT,
            {"accept_quote", "dispute_quote", "contact_customer", "mark_delivered"},
            {"revise_quote", "mark_delivered"},
        ),
        (
            RequestStatus.CONTACTED,
            {"accept_quote", "dispute_quote", "close", "mark_delivered"},
            {"revise_quote", "mark_delivered"},
        ),
        (RequestStatus.CLOSED, {"follow_up", "mark_delivered"}, {"mark_delivered"}),
        (RequestStatus.REJECTED, set(), set()),
        (RequestStatus.CANCELLED, set(), set()),
    ],
)
def test_each_side_sees_the_forms_of_its_own_next_steps_only(client, parties, status, seller_actions, partner_actions):
    reship = request_in(status, parties)

    assert _actions_shown(_page(_as(client, parties.seller), reship)) == seller_actions
    assert _actions_shown(_page(_as(client, parties.partner), reship)) == partner_actions


def test_the_page_shows_lines_quote_shipment_compensation_and_the_stage_bar(client, parties):
    reship = request_in(RequestStatus.INFO_UPDATE, parties)

    body = _page(_as(client, parties.seller), reship).content.decode()

    # The lines: A, B1, B2 shipped in one parcel, C compensated with a 25.00 voucher. Each shipped
    # line and the timeline's SHIPPED event show the number as a link to SF's tracking page.
    number = f"SF{reship.pk:012d}"
    page = f"https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}"
    assert body.count(f'SF Express<br><span class="tracking"><a href="{page}" target="_blank"') >= 3
    assert body.count(f'title="Follow the parcel on the carrier\'s website">{number}</a>') == 3
    assert f'<p class="parcel">SF Express\n        <a class="tracking" href="{page}"' in body
    assert "Checked, no scratches." in body
    assert "25.00 CNY" in body
    assert "Voucher" in body
    # The quote: goods 120, shipping 18, compensation 25, total 163, borne by the partner.
    assert "120.00 CNY" in body
    assert "18.00 CNY" in body
    assert "163.00 CNY" in body
    assert "Dropship partner</dd>" in body
    assert "Awaiting the seller" in body
    # The stage bar: application to fulfilment done, info update now.
    assert re.search(r'class="stage stage--done" data-stage="fulfilment"', body)
    assert re.search(r'class="stage stage--current" data-stage="info_update" aria-current="step"', body)
    assert re.search(r'class="stage stage--upcoming" data-stage="customer_contact"', body)


@pytest.mark.parametrize(
    ("status", "marked"),
    [
        (RequestStatus.SUBMITTED, 'stage--current" data-stage="review"'),
        (RequestStatus.NEEDS_INFO, 'stage--current" data-stage="review"'),
        (RequestStatus.APPROVED, 'stage--current" data-stage="fulfilment"'),
        (RequestStatus.CONTACTED, 'stage--current" data-stage="customer_contact"'),
        (RequestStatus.CLOSED, 'stage--done" data-stage="closed"'),
        (RequestStatus.REJECTED, 'stage--rejected" data-stage="review"'),
    ],
)
def test_the_stage_bar_marks_where_the_request_is(client, parties, status, marked):
    reship = request_in(status, parties)

    assert marked in _page(_as(client, parties.partner), reship).content.decode()


def test_a_request_cancelled_after_approval_shows_cancelled_at_fulfilment(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    workflow.reship_cancel(request_id=reship.pk, actor=parties.seller, reason="Found at the neighbour's.")

    body = _page(_as(client, parties.seller), reship).content.decode()

    assert 'stage--cancelled" data-stage="fulfilment"' in body
    assert 'stage--done" data-stage="review"' in body


def test_the_timeline_shows_actor_kind_statuses_and_local_time(client, parties):
    parties.seller.time_zone = "America/New_York"
    parties.seller.first_name, parties.seller.last_name = "Mei", "Lin"
    parties.seller.save()
    reship = workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        description="Crushed box.",
        lines=[workflow.LineRequest(parties.order.lines.first().pk, 1, "resend")],
        now=datetime(2026, 1, 10, 12, 0, tzinfo=UTC),
    )
    body = _page(_as(client, parties.seller), reship).content.decode()
    timeline = body[body.index('id="timeline-heading"') :]

    assert "2026-01-10 07:00" in timeline  # noon UTC is 07:00 in New York in January
    assert "Mei Lin" in timeline
    assert "Submitted" in timeline
    assert "Crushed box." in timeline
    assert "America/New_York" in timeline


def test_a_system_event_is_shown_as_the_system(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    from reship.workflow.timeliness import deadlines_check

    deadlines_check(now=timezone.now() + timedelta(days=2))

    timeline = _page(_as(client, parties.partner), reship).content.decode().split('id="timeline-heading"')[1]
    assert "System" in timeline
    assert "Overdue" in timeline


def _detail_queries(client, reship) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = _page(client, reship)
    assert response.status_code == 200
    return len(queries)


def test_the_detail_page_costs_the_same_queries_for_two_events_or_twenty(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)  # submitted, approved: two events
    client = _as(client, parties.partner)
    assert ReshipEvent.objects.filter(request=reship).count() == 2
    queries_for_two = _detail_queries(client, reship)

    for round_number in range(18):
        workflow.reship_revise_quote(
            request_id=reship.pk,
            actor=parties.partner,
            quote_goods=str(100 + round_number),
            quote_shipping="18",
            cost_bearer="partner",
            message=f"Round {round_number}",
        )
        thread.communication_record_add(
            request_id=reship.pk, actor=parties.partner, counterpart="seller", channel="phone", summary="Called."
        )
    assert ReshipEvent.objects.filter(request=reship).count() == 20

    assert _detail_queries(client, reship) == queries_for_two


def test_the_partner_sees_evidence_photos_large_and_the_seller_as_thumbnails(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    evidence = Evidence(
        request=reship, original_name="box.png", content_type="image/png", size_bytes=len(PNG), uploaded_by=None
    )
    evidence.file.save("box.png", ContentFile(PNG), save=True)
    url = reverse("requests:evidence", args=[reship.pk, evidence.pk])

    partner_body = _page(_as(client, parties.partner), reship).content.decode()
    seller_body = _page(_as(client, parties.seller), reship).content.decode()

    assert f'<img src="{url}"' in partner_body
    assert 'class="evidence evidence--large"' in partner_body
    assert f'<img src="{url}"' in seller_body
    assert 'class="evidence"' in seller_body


def test_evidence_is_served_to_both_sides_and_nobody_else(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    evidence = Evidence(request=reship, original_name="box.png", content_type="image/png", size_bytes=len(PNG))
    evidence.file.save("box.png", ContentFile(PNG), save=True)
    url = reverse("requests:evidence", args=[reship.pk, evidence.pk])

    for user in (parties.seller, parties.partner):
        response = _as(client, user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == PNG
    for user in (parties.other_seller, parties.other_partner):
        assert _as(client, user).get(url).status_code == 404


def test_evidence_of_another_request_is_not_served_under_ones_own(client, parties):
    mine = request_in(RequestStatus.SUBMITTED, parties)
    theirs_seller = SellerMembershipFactory().user
    theirs = _submit_one(theirs_seller, OrderFactory(seller=theirs_seller.seller_membership.seller))
    evidence = Evidence(request=theirs, original_name="x.png", content_type="image/png", size_bytes=len(PNG))
    evidence.file.save("x.png", ContentFile(PNG), save=True)

    response = _as(client, parties.seller).get(reverse("requests:evidence", args=[mine.pk, evidence.pk]))

    assert response.status_code == 404


# --- every action through its form: submitted to closed -----------------------------------------


def _ok(response, reship):
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("requests:detail", args=[reship.pk])


def test_a_request_walks_from_submitted_to_closed_through_the_pages(client, parties):
    outcome_messages_off(parties.order.seller)  # the seller tells the customer on the contact step's page
    reship = submit(parties)
    seller, partner = client, type(client)()
    seller.force_login(parties.seller)
    partner.force_login(parties.partner)
    today = timezone.localdate()

    _ok(_post(partner, reship, "request_info", {"question": "A photo of the box, please?"}), reship)
    assert _fresh(reship).status == RequestStatus.NEEDS_INFO
    assert "The partner asks: A photo of the box, please?" in _page(seller, reship).content.decode()

    _ok(_post(seller, reship, "answer_info", {"answer": "Attached to the thread."}), reship)
    assert _fresh(reship).status == RequestStatus.SUBMITTED

    promised = today + timedelta(days=3)
    _ok(
        _post(
            partner,
            reship,
            "approve",
            {"quote_goods": "120.00", "quote_shipping": "18", "cost_bearer": "partner", "promised_date": promised},
        ),
        reship,
    )
    approved = _fresh(reship)
    assert (approved.status, approved.quote_goods, approved.quote_shipping) == (
        RequestStatus.APPROVED,
        Decimal("120.00"),
        Decimal("18.00"),
    )
    assert approved.promised_date == promised
    assert (
        "Approved with your quote; the seller is told."
        in partner.get(reverse("requests:detail", args=[reship.pk])).content.decode()
    )

    _ok(_post(seller, reship, "dispute_quote", {"message": "Shipping is 12 with your usual carrier."}), reship)
    assert _fresh(reship).quote_status == QuoteStatus.DISPUTED
    _ok(
        _post(
            partner,
            reship,
            "revise_quote",
            {"quote_goods": "120", "quote_shipping": "12", "cost_bearer": "shared", "message": "Fair."},
        ),
        reship,
    )
    assert (_fresh(reship).quote_shipping, _fresh(reship).quote_status) == (Decimal("12.00"), QuoteStatus.PENDING)
    _ok(_post(seller, reship, "accept_quote"), reship)
    assert _fresh(reship).quote_status == QuoteStatus.ACCEPTED

    _ok(_post(partner, reship, "start_restock", {"line_ids": [line(reship, "B1").pk, line(reship, "B2").pk]}), reship)
    assert _fresh(reship).status == RequestStatus.FULFILLING
    for restock in RestockOrder.objects.filter(request=reship).order_by("pk"):
        _ok(_post(partner, reship, "confirm_restock", {"restock_order": restock.pk, "ship_date": today}), reship)
    assert set(RestockOrder.objects.filter(request=reship).values_list("status", flat=True)) == {"confirmed"}

    substitute = ProductFactory(seller=parties.order.seller, sku_code="SKU-B1-BLUE", name="Mug, blue")
    a, b1, b2 = line(reship, "A"), line(reship, "B1"), line(reship, "B2")
    _ok(
        _post(
            partner,
            reship,
            "ship",
            {
                "items": [a.pk, b1.pk, b2.pk],
                f"substitute_{b1.pk}": substitute.pk,
                "carrier": "SF Express",
                "tracking_number": "SF990011223344",
                "quality_check_note": "Checked, no scratches.",
            },
        ),
        reship,
    )
    assert line(reship, "B1").substitute_product == substitute
    assert line(reship, "A").shipment.tracking_number == "SF990011223344"

    _ok(
        _post(seller, reship, "compensate", {"line_ids": [line(reship, "C").pk], "method": "refund", "amount": "25"}),
        reship,
    )
    assert line(reship, "C").status == LineStatus.COMPENSATED
    assert _fresh(reship).status == RequestStatus.INFO_UPDATE

    _ok(_post(seller, reship, "confirm_info_update", {"platform_updated": "on"}), reship)
    assert _fresh(reship).status == RequestStatus.CUSTOMER_CONTACT

    contact_page = _page(seller, reship)
    contact_form = next(form for form in contact_page.context["action_forms"] if form.action == "contact_customer")
    prefill = contact_form.initial["message"]
    assert "顺丰速运" in prefill  # the customer reads Chinese: the carrier's Chinese name
    assert "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF990011223344" in prefill
    assert "SF990011223344" in prefill
    assert "SF990011223344" in contact_page.content.decode()
    _ok(_post(seller, reship, "contact_customer", {"channel": "email", "message": prefill}), reship)
    assert _fresh(reship).status == RequestStatus.CONTACTED
    assert CommunicationRecord.objects.get(request=reship, counterpart="customer", automatic=False).summary == prefill

    _ok(
        _post(
            seller,
            reship,
            "close",
            {"rating_speed": "4", "rating_quality": "5", "rating_cooperation": "3", "bad_review": "on", "note": "ok"},
        ),
        reship,
    )
    closed = _fresh(reship)
    assert (closed.status, closed.rating_speed, closed.rating_quality, closed.rating_cooperation) == (
        RequestStatus.CLOSED,
        4,
        5,
        3,
    )
    assert (closed.bad_review, closed.platform_dispute) == (True, False)

    response = _post(
        seller,
        reship,
        "follow_up",
        {
            "reason": "damaged",
            "description": "The replacement mug broke too.",
            f"quantity_{a.pk}": "1",
            f"resolution_{a.pk}": "resend",
            f"quantity_{b1.pk}": "0",
            f"resolution_{b1.pk}": "restock_resend",
        },
    )
    follow_up = ReshipRequest.objects.get(follow_up_of=reship)
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:detail", args=[follow_up.pk])
    assert [(ln.order_line_id, ln.quantity) for ln in follow_up.lines.all()] == [(a.order_line_id, 1)]


def test_the_partner_rejects_with_a_reason_and_the_seller_cancels_with_one(client, parties):
    to_reject = request_in(RequestStatus.SUBMITTED, parties)
    to_cancel = request_in(RequestStatus.SUBMITTED, _another_order(parties))

    _ok(_post(_as(client, parties.partner), to_reject, "reject", {"reason": "Delivered per the carrier."}), to_reject)
    _ok(_post(_as(client, parties.seller), to_cancel, "cancel", {"reason": "The customer found it."}), to_cancel)

    assert (_fresh(to_reject).status, _fresh(to_reject).decision_note) == (
        RequestStatus.REJECTED,
        "Delivered per the carrier.",
    )
    assert _fresh(to_cancel).status == RequestStatus.CANCELLED


def test_the_partner_compensates_too(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    _ok(
        _post(
            _as(client, parties.partner),
            reship,
            "compensate",
            {"line_ids": [line(reship, "C").pk], "method": "voucher", "amount": "30.50", "note": "Sorry!"},
        ),
        reship,
    )

    assert line(reship, "C").compensation_amount == Decimal("30.50")


def test_the_contact_prefill_is_in_the_customers_language_not_the_sellers(client, parties):
    parties.order.customer_language = "en"
    parties.order.save()
    reship = request_in(RequestStatus.CUSTOMER_CONTACT, parties)

    page = _as(client, parties.seller).get(
        reverse("requests:detail", args=[reship.pk]), headers={"accept-language": "zh-hans"}
    )
    body = page.content.decode()

    tracking = f"SF{reship.pk:012d}"
    # The shop's English wording of the shipped message, filled, with the carrier's English name.
    assert f"We have sent you a replacement for order {parties.order.platform_order_number}: 1 × " in body
    assert f"Carrier: SF Express\nTracking number: {tracking}\n" in body
    assert f"Follow the parcel: https://www.sf-express.com/chn/sc/waybill/waybill-detail/{tracking}" in body
    assert 'lang="en"' in body


# --- errors: 400, 403, 404, 409 ------------------------------------------------------------------


def test_a_negative_quote_is_refused_next_to_the_field_keeping_what_was_typed(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    events_before = ReshipEvent.objects.filter(request=reship).count()

    response = _post(
        _as(client, parties.partner),
        reship,
        "approve",
        {"quote_goods": "-5", "quote_shipping": "18.50", "cost_bearer": "seller", "note": "Typed note"},
    )
    body = response.content.decode()

    assert response.status_code == 400
    field = body[body.index('id="id_approve-quote_goods"') - 400 : body.index('id="id_approve-quote_goods"') + 400]
    assert "The amount cannot be negative." in body[body.index('for="id_approve-quote_goods"') :][:600]
    assert 'value="-5"' in field
    assert re.search(
        r'name="approve-quote_shipping"[^>]*value="18.50"|value="18.50"[^>]*name="approve-quote_shipping"', body
    )
    assert '<option value="seller" selected>' in body
    assert "Typed note</textarea>" in body
    assert _fresh(reship).status == RequestStatus.SUBMITTED
    assert _fresh(reship).quote_goods is None
    assert ReshipEvent.objects.filter(request=reship).count() == events_before


def test_a_form_error_is_shown_with_status_400_and_nothing_changes(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    response = _post(_as(client, parties.partner), reship, "reject", {"reason": "   "})

    assert response.status_code == 400
    assert "Please correct the errors below." in response.content.decode()
    assert _fresh(reship).status == RequestStatus.SUBMITTED


def test_an_action_already_taken_by_someone_else_is_a_409_naming_the_current_status(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    partner_page = _page(_as(client, parties.partner), reship)
    assert "approve" in _actions_shown(partner_page)
    approve(parties, reship)  # a colleague approved it first

    response = _post(client, reship, "approve", {"quote_goods": "1", "quote_shipping": "1", "cost_bearer": "seller"})
    body = response.content.decode()

    assert response.status_code == 409
    assert "It changed since the page loaded." in body
    assert f"Request {reship.number} is now “Approved”, so “Approve” was not done." in body
    assert _fresh(reship).quote_goods == Decimal("120.00")
    assert "approve" not in _actions_shown(response)


def test_a_refusal_the_workflow_makes_under_lock_is_a_409_too(client, parties):
    reship = request_in(RequestStatus.CONTACTED, parties)
    workflow.reship_dispute_quote(request_id=reship.pk, actor=parties.seller, message="Too much.")

    response = _post(
        _as(client, parties.seller),
        reship,
        "close",
        {"rating_speed": "4", "rating_quality": "4", "rating_cooperation": "4"},
    )

    assert response.status_code == 409
    assert "settle the price in the thread before closing" in response.content.decode()
    assert _fresh(reship).status == RequestStatus.CONTACTED


def test_the_close_form_is_not_offered_while_the_quote_is_disputed(client, parties):
    reship = request_in(RequestStatus.CONTACTED, parties)
    workflow.reship_dispute_quote(request_id=reship.pk, actor=parties.seller, message="Too much.")

    response = _page(_as(client, parties.seller), reship)

    assert "close" not in _actions_shown(response)
    assert "The quote is disputed: settle the price in the thread before closing." in response.content.decode()


def test_the_other_sides_action_is_forbidden(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    response = _post(
        _as(client, parties.seller),
        reship,
        "approve",
        {"quote_goods": "0", "quote_shipping": "0", "cost_bearer": "seller"},
    )

    assert response.status_code == 403
    assert _fresh(reship).status == RequestStatus.SUBMITTED


def test_an_unknown_action_is_not_found(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    assert _post(_as(client, parties.partner), reship, "submit").status_code == 404
    assert _post(client, reship, "launch_rocket").status_code == 404


def test_get_on_an_action_url_changes_nothing(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    response = _as(client, parties.seller).get(reverse("requests:action", args=[reship.pk, "cancel"]))

    assert response.status_code == 405
    assert _fresh(reship).status == RequestStatus.SUBMITTED


def test_actions_need_the_csrf_token(parties):
    from django.test import Client

    reship = request_in(RequestStatus.SUBMITTED, parties)
    client = Client(enforce_csrf_checks=True)
    client.force_login(parties.seller)

    response = _post(client, reship, "cancel", {"reason": "Found it."})

    assert response.status_code == 403
    assert _fresh(reship).status == RequestStatus.SUBMITTED


@pytest.mark.parametrize("outsider", ["other_seller", "other_partner"])
def test_another_organisations_request_is_not_found_anywhere(client, parties, outsider):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    message = thread.message_post(
        request_id=reship.pk,
        actor=parties.seller,
        body="Photo",
        attachment=SimpleUploadedFile("p.png", PNG, content_type="image/png"),
    )
    client = _as(client, getattr(parties, outsider))

    assert client.get(reverse("requests:detail", args=[reship.pk])).status_code == 404
    assert _post(client, reship, "cancel", {"reason": "x"}).status_code == 404
    assert _post(client, reship, "approve", {"quote_goods": "1"}).status_code == 404
    assert client.post(reverse("requests:message", args=[reship.pk]), {"message-body": "hi"}).status_code == 404
    assert (
        client.post(
            reverse("requests:communication", args=[reship.pk]),
            {"communication-counterpart": "customer", "communication-channel": "phone", "communication-summary": "x"},
        ).status_code
        == 404
    )
    assert client.get(reverse("requests:attachment", args=[reship.pk, message.pk])).status_code == 404
    assert _numbers_in_order(client.get("/requests/", {"q": reship.number})) == []
    assert _fresh(reship).status == RequestStatus.SUBMITTED
    assert RequestMessage.objects.filter(request=reship).count() == 1


def test_anonymous_visitors_are_sent_to_log_in(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    login = reverse("login")

    for response in (
        client.get("/requests/"),
        client.get(reverse("requests:detail", args=[reship.pk])),
        _post(client, reship, "cancel", {"reason": "x"}),
        client.post(reverse("requests:message", args=[reship.pk]), {"message-body": "hi"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(login + "?next=")
    assert _fresh(reship).status == RequestStatus.SUBMITTED


def test_a_user_of_no_organisation_finds_no_list(client):
    from tests.factories import UserFactory

    assert _as(client, UserFactory()).get("/requests/").status_code == 404


# --- the thread and the communication log -------------------------------------------------------


def test_a_message_posted_without_javascript_reloads_the_page(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    response = _as(client, parties.partner).post(
        reverse("requests:message", args=[reship.pk]),
        {"message-body": "Can you send the label photo?", "message-attachment": SimpleUploadedFile("l.png", PNG)},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("requests:detail", args=[reship.pk]) + "#thread"
    message = RequestMessage.objects.get(request=reship, body="Can you send the label photo?")
    assert message.author_role == "partner"
    assert message.attachment.name.endswith(".png")
    body = _page(client, reship).content.decode()
    assert "Can you send the label photo?" in body
    assert reverse("requests:attachment", args=[reship.pk, message.pk]) in body


def test_a_message_posted_with_htmx_returns_the_thread_only(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    response = _as(client, parties.seller).post(
        reverse("requests:message", args=[reship.pk]), {"message-body": "Here it is."}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()

    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card thread" id="thread"')
    assert "Here it is." in body
    assert "<html" not in body
    assert RequestMessage.objects.get(request=reship).author_role == "seller"


def test_a_refused_attachment_keeps_the_message_and_says_why(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    client = _as(client, parties.seller)
    exe = SimpleUploadedFile("label.png", b"MZ\x90\x00" + b"\x00" * 64)

    plain = client.post(
        reverse("requests:message", args=[reship.pk]), {"message-body": "See attached", "message-attachment": exe}
    )
    exe.seek(0)
    in_place = client.post(
        reverse("requests:message", args=[reship.pk]),
        {"message-body": "See attached", "message-attachment": exe},
        headers={"HX-Request": "true"},
    )

    for response in (plain, in_place):
        assert response.status_code == 400
        assert "label.png is not one of the accepted files: photos (JPEG, PNG, GIF, WebP) or PDF." in (
            response.content.decode()
        )
        assert "See attached</textarea>" in response.content.decode()
    assert not RequestMessage.objects.filter(request=reship).exists()


def test_an_attachment_is_served_to_both_sides(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    pdf = b"%PDF-1.4\n" + b"0" * 32
    message = thread.message_post(
        request_id=reship.pk, actor=parties.seller, body="Invoice", attachment=SimpleUploadedFile("inv.pdf", pdf)
    )
    url = reverse("requests:attachment", args=[reship.pk, message.pk])

    response = _as(client, parties.partner).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == pdf
    text_only = thread.message_post(request_id=reship.pk, actor=parties.seller, body="No file")
    assert client.get(reverse("requests:attachment", args=[reship.pk, text_only.pk])).status_code == 404


def test_a_contact_is_logged_and_listed(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)
    client = _as(client, parties.seller)

    response = client.post(
        reverse("requests:communication", args=[reship.pk]),
        {
            "communication-counterpart": "partner",
            "communication-channel": "im",
            "communication-direction": "outbound",
            "communication-occurred_at": "2026-01-10T09:30",
            "communication-summary": "Asked on WeChat when they can review.",
        },
    )

    assert response.status_code == 302
    record = CommunicationRecord.objects.get(request=reship, automatic=False)
    # Typed in the user's time zone (Asia/Shanghai by default): 09:30 there is 01:30 UTC.
    assert record.occurred_at == datetime(2026, 1, 10, 1, 30, tzinfo=UTC)
    assert (record.counterpart, record.channel, record.recorded_by) == ("partner", "im", parties.seller)
    assert "Asked on WeChat when they can review." in _page(client, reship).content.decode()


def test_a_contact_with_ones_own_side_is_refused_with_400(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    response = _as(client, parties.seller).post(
        reverse("requests:communication", args=[reship.pk]),
        {
            "communication-counterpart": "seller",
            "communication-channel": "phone",
            "communication-direction": "outbound",
            "communication-summary": "Talked to myself.",
        },
    )

    assert response.status_code == 400
    assert "Talked to myself.</textarea>" in response.content.decode()
    assert not CommunicationRecord.objects.filter(request=reship, automatic=False).exists()


def test_a_dashboard_link_lists_only_the_requests_behind_its_figure(client, parties):
    from reship.choices import RequestStatus as Status
    from tests.workflow_states import request_in as build

    rejected = build(Status.REJECTED, parties)
    approved = build(Status.APPROVED, parties)
    client.force_login(parties.seller)

    body = client.get(reverse("requests:list"), {"status": "rejected"}).content.decode()

    assert rejected.number in body
    assert approved.number not in body
    assert "Showing the requests behind a dashboard figure." in body


def test_a_bad_figure_filter_is_said_and_ignored(client, parties):
    client.force_login(parties.seller)

    response = client.get(reverse("requests:list"), {"status": "stolen"})

    assert response.status_code == 200
    assert "could not be read" in response.content.decode()


def test_a_platform_admin_reads_a_request_but_writes_nothing_on_it(client, parties):
    from reship.models import RequestMessage as Message
    from tests.factories import UserFactory as Users
    from tests.workflow_states import submit as file_one

    reship = file_one(parties)
    client.force_login(Users(is_staff=True, is_superuser=True))

    page = client.get(reverse("requests:detail", args=[reship.pk]))
    posted = client.post(reverse("requests:message", args=[reship.pk]), {"message-body": "Hello"})

    assert page.status_code == 200
    assert "only the seller and the partner act here" in page.content.decode()
    assert 'name="message-body"' not in page.content.decode()
    assert posted.status_code == 403
    assert not Message.objects.filter(request=reship).exists()
