"""Packing slips (发货单) and pick lists (拣货单) printed from the to-ship list.

State is built through ``reship.workflow`` (``tests.workflow_states``); expected values are written
by hand: a request's ship-to is the factory's 张三, 13800138000, 上海市 浦东新区 世纪大道 100 号.
"""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reship import workflow
from reship.choices import EventKind, RequestStatus, RevealChannel
from reship.models import ReshipEvent, ReshipLine, RestockOrder, ShipToReveal
from tests.factories import OrderFactory, OrderLineFactory
from tests.workflow_states import approve, line, make_parties, request_in

pytestmark = pytest.mark.django_db

SLIPS = reverse("partner:print-slips")
PICK_LIST = reverse("partner:print-pick-list")


@pytest.fixture
def parties():
    return make_parties()


@pytest.fixture
def partner_client(client, parties):
    client.force_login(parties.partner)
    return client


def _ready_two_lines(parties):
    """A fulfilling request with A (resend) and B1 (restocked) ready to ship."""
    reship = request_in(RequestStatus.FULFILLING, parties)
    restock = RestockOrder.objects.get(line=line(reship, "B1"))
    workflow.reship_confirm_restock(restock_order_id=restock.pk, actor=parties.partner, ship_date=timezone.localdate())
    return reship


def _nothing_recorded():
    assert not ReshipEvent.objects.filter(kind=EventKind.SLIP_PRINTED).exists()
    assert not ReshipLine.objects.filter(slip_printed_at__isnull=False).exists()
    assert not ShipToReveal.objects.filter(via=RevealChannel.SLIP).exists()


def test_a4_slips_show_the_parcel_and_record_the_print(partner_client, parties):
    reship = _ready_two_lines(parties)
    a, b1 = line(reship, "A"), line(reship, "B1")

    response = partner_client.post(SLIPS, {"line": [a.pk, b1.pk], "size": "a4"})

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="slip"') == 1  # one parcel: one slip for both lines
    assert "css/print-a4.css" in body
    assert reship.number in body
    assert parties.order.platform_order_number in body
    assert parties.seller.seller_membership.seller.name in body
    assert parties.partner.partner_membership.partner.name in body
    for text in ("张三", "13800138000", "上海市 上海市 浦东新区", "世纪大道 100 号 200120", "SKU-A", "SKU-B1"):
        assert text in body
    assert "<svg" in body
    assert f'aria-label="{reship.number}"' in body  # the barcode names what it encodes
    assert "SKU-B2" not in body  # not ticked (and not ready)

    a.refresh_from_db()
    b1.refresh_from_db()
    assert a.slip_printed_at is not None
    assert a.slip_printed_at == b1.slip_printed_at
    event = ReshipEvent.objects.get(request=reship, kind=EventKind.SLIP_PRINTED)
    assert event.actor == parties.partner
    assert event.data == {"kind": "slip", "size": "a4", "line_ids": [a.pk, b1.pk]}
    assert ShipToReveal.objects.filter(request=reship, via=RevealChannel.SLIP, user=parties.partner).count() == 1


def test_label_slips_use_the_label_page_and_record_the_size(partner_client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    response = partner_client.post(SLIPS, {"line": [line(reship, "A").pk], "size": "label"})

    body = response.content.decode()
    assert "css/print-label.css" in body
    assert "css/print-a4.css" not in body
    assert ReshipEvent.objects.get(kind=EventKind.SLIP_PRINTED).data["size"] == "label"


def test_one_slip_per_request_among_the_selected_lines(partner_client, parties):
    first = request_in(RequestStatus.APPROVED, parties)
    second = request_in(RequestStatus.APPROVED, parties)

    response = partner_client.post(SLIPS, {"line": [line(first, "A").pk, line(second, "A").pk], "size": "a4"})

    body = response.content.decode()
    assert body.count('class="slip"') == 2
    assert body.index(first.number) < body.index(second.number)
    assert ReshipEvent.objects.filter(kind=EventKind.SLIP_PRINTED).count() == 2


def test_the_pick_list_groups_the_selection_by_sku_and_marks_no_slip(partner_client, parties):
    first = _ready_two_lines(parties)
    second = request_in(RequestStatus.APPROVED, parties)  # another SKU-A, from the same order

    response = partner_client.post(
        PICK_LIST, {"line": [line(first, "A").pk, line(first, "B1").pk, line(second, "A").pk]}
    )

    assert response.status_code == 200
    rows = [
        (row.product.sku_code, row.quantity, [(use.number, use.quantity) for use in row.uses])
        for row in response.context["rows"]
    ]
    assert rows == [
        ("SKU-A", 2, [(first.number, 1), (second.number, 1)]),
        ("SKU-B1", 1, [(first.number, 1)]),
    ]
    body = response.content.decode()
    assert "2 SKUs, 3 items, for 3 lines of 2 requests." in body
    assert "张三" not in body  # a pick list shows no ship-to
    assert not ReshipLine.objects.filter(slip_printed_at__isnull=False).exists()
    assert sorted(ReshipEvent.objects.filter(kind=EventKind.SLIP_PRINTED).values_list("data__kind", flat=True)) == [
        "pick_list",
        "pick_list",
    ]


def test_ticking_a_whole_request_prints_all_its_lines_ready_to_ship(partner_client, parties):
    reship = _ready_two_lines(parties)

    partner_client.post(SLIPS, {"request": [reship.pk], "size": "a4"})

    printed = set(ReshipLine.objects.filter(slip_printed_at__isnull=False).values_list("pk", flat=True))
    assert printed == {line(reship, "A").pk, line(reship, "B1").pk}


def test_another_partners_line_is_not_found_and_nothing_is_printed(partner_client, parties):
    mine = request_in(RequestStatus.APPROVED, parties)
    theirs = request_in(RequestStatus.APPROVED, make_parties())

    response = partner_client.post(SLIPS, {"line": [line(mine, "A").pk, line(theirs, "A").pk], "size": "a4"})

    assert response.status_code == 404
    _nothing_recorded()


def test_another_partners_whole_request_is_not_found(partner_client, parties):
    theirs = request_in(RequestStatus.APPROVED, make_parties())

    assert partner_client.post(PICK_LIST, {"request": [theirs.pk]}).status_code == 404
    _nothing_recorded()


def test_a_line_no_longer_to_ship_sends_the_packer_back_with_what_became_of_it(partner_client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    a = line(reship, "A")
    workflow.reship_ship(
        request_id=reship.pk,
        actor=parties.partner,
        items=[workflow.ShipItem(a.pk)],
        carrier="SF",
        tracking_number="SF123456789012",
    )

    response = partner_client.post(SLIPS, {"line": [a.pk], "size": "a4"}, follow=True)

    assert response.redirect_chain == [(reverse("partner:to-ship"), 302)]
    assert (
        f"A selected line is no longer to ship: {reship.number} SKU-A (Shipped). Reload the list and select again."
        in [str(message) for message in response.context["messages"]]
    )
    _nothing_recorded()


def test_a_cancelled_request_is_no_longer_to_ship(partner_client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    workflow.reship_cancel(request_id=reship.pk, actor=parties.seller, reason="The customer found it.")

    response = partner_client.post(PICK_LIST, {"line": [line(reship, "A").pk]}, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        f"A selected line is no longer to ship: {reship.number} SKU-A (Cancelled). Reload the list and select again."
    ]
    _nothing_recorded()


def test_a_line_waiting_for_its_restock_cannot_be_printed_yet(partner_client, parties):
    reship = request_in(RequestStatus.FULFILLING, parties)  # B1 is restocking

    response = partner_client.post(SLIPS, {"line": [line(reship, "A").pk, line(reship, "B1").pk], "size": "a4"})

    assert response.status_code == 302
    _nothing_recorded()


def test_printing_nothing_asks_for_a_selection(partner_client, parties):
    request_in(RequestStatus.APPROVED, parties)

    response = partner_client.post(SLIPS, {"size": "a4", "page": "2"}, follow=True)

    assert response.redirect_chain == [(reverse("partner:to-ship") + "?page=2", 302)]
    assert [str(message) for message in response.context["messages"]] == ["Select at least one line to print."]


def test_an_unknown_paper_size_is_refused(partner_client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    response = partner_client.post(SLIPS, {"line": [line(reship, "A").pk], "size": "a3"}, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        "Choose a paper size: A4 or a 100×150 mm label."
    ]
    _nothing_recorded()


@pytest.mark.parametrize("value", ["abc", "0", "1" * 40])
def test_an_unreadable_line_id_is_not_found(partner_client, parties, value):
    assert partner_client.post(SLIPS, {"line": [value], "size": "a4"}).status_code == 404


def test_the_print_pages_are_post_only_and_the_partners_only(client, partner_client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    assert partner_client.get(SLIPS).status_code == 405
    client.force_login(parties.seller)
    assert client.post(SLIPS, {"line": [line(reship, "A").pk], "size": "a4"}).status_code == 404
    _nothing_recorded()


def test_the_timeline_and_the_to_ship_list_show_the_print(partner_client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    a = line(reship, "A")
    at = datetime(2026, 12, 3, 2, 20, tzinfo=UTC)  # 10:20 in Shanghai
    workflow.reship_print_slips(actor=parties.partner, line_ids=[a.pk], kind="slip", size="a4", now=at)

    to_ship = partner_client.get(reverse("partner:to-ship")).content.decode()
    detail = partner_client.get(reverse("requests:detail", args=[reship.pk])).content.decode()

    assert "slip printed 12-03 10:20" in to_ship
    assert "Packing slip printed" in detail
    assert "Packing slip, A4 · 1 line" in detail


def test_the_to_ship_list_offers_the_three_prints_and_a_box_per_line_and_request(partner_client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    body = partner_client.get(reverse("partner:to-ship")).content.decode()

    assert "Print packing slips (A4)" in body
    assert "Print packing slips (100×150 label)" in body
    assert "Print pick list" in body
    assert f'name="line" value="{line(reship, "A").pk}"' in body
    assert f'name="request" value="{reship.pk}"' in body
    assert "<script>" not in body  # the Content-Security-Policy allows no inline script


def _approved_on_a_new_order(parties):
    order = OrderFactory(seller=parties.order.seller, partner=parties.order.partner)
    order_line = OrderLineFactory(order=order, quantity=1)
    reship = workflow.reship_submit(
        actor=parties.seller,
        order_id=order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(order_line.pk, 1, "resend")],
    )
    approve(parties, reship)


def test_the_to_ship_list_costs_the_same_queries_for_one_request_or_five(partner_client, parties):
    _approved_on_a_new_order(parties)
    with CaptureQueriesContext(connection) as one:
        partner_client.get(reverse("partner:to-ship"))
    for _ in range(4):
        _approved_on_a_new_order(parties)

    with CaptureQueriesContext(connection) as five:
        response = partner_client.get(reverse("partner:to-ship"))

    assert len(response.context["groups"]) == 5
    assert len(five) == len(one)
