"""The dropship partner's pages: review queue, bulk approval, restock orders and lines to ship.

State is built through ``reship.workflow`` (``tests.workflow_states``); expected values are
written by hand.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reship import workflow
from reship.choices import QuoteStatus, RequestStatus
from reship.models import Notification, ReshipEvent, ReshipRequest, RestockOrder
from reship.web.views.partner import sla_countdown
from reship.workflow import bulk
from reship.workflow.review import apply_approval
from tests.factories import OrderFactory, OrderLineFactory, SellerMembershipFactory
from tests.workflow_states import approve, line, make_parties, request_in

pytestmark = pytest.mark.django_db

TERMS = {"quote_goods": "80.00", "quote_shipping": "12.50", "cost_bearer": "supplier", "promised_date": ""}


def _order(seller_user, partner, *, skus=("X",), quantity=2, **ship_to):
    order = OrderFactory(seller=seller_user.seller_membership.seller, partner=partner, **ship_to)
    for sku in skus:
        OrderLineFactory(order=order, product__sku_code=f"SKU-{order.pk}-{sku}", quantity=quantity)
    return order


def _submit(seller_user, order, *, hours_ago=0.0, reason="damaged", resolutions=("resend",), line_reasons=None):
    """Submit one unit of each of the order's first lines, ``hours_ago`` hours in the past (the
    review SLA is 24 h, so 30 hours ago is 6 hours overdue). 30 seconds of slack, away from the
    due time, keep the countdown's whole minutes stable while the test runs."""
    slack = timedelta(seconds=30) if hours_ago < 24 else -timedelta(seconds=30)
    order_lines = list(order.lines.order_by("pk"))
    line_reasons = line_reasons or [None] * len(resolutions)
    return workflow.reship_submit(
        actor=seller_user,
        order_id=order.pk,
        reason=reason,
        lines=[
            workflow.LineRequest(order_line.pk, 1, resolution, line_reason)
            for order_line, resolution, line_reason in zip(order_lines, resolutions, line_reasons, strict=False)
        ],
        now=timezone.now() - timedelta(hours=hours_ago) + slack,
    )


def _numbers(response) -> list[str]:
    return [row.number for row in response.context["rows"]]


@pytest.fixture
def parties():
    return make_parties()


@pytest.fixture
def partner_client(client, parties):
    client.force_login(parties.partner)
    return client


# --- the review queue -----------------------------------------------------------------------------


def test_the_queue_lists_this_partners_submitted_requests_overdue_first(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, skus=("X", "Y"))
    due_later = _submit(parties.seller, order, hours_ago=4)
    overdue = _submit(parties.seller, order, hours_ago=30)
    needs_info = request_in(RequestStatus.NEEDS_INFO, parties)
    answered = request_in(RequestStatus.NEEDS_INFO, parties)
    workflow.reship_answer_info(request_id=answered.pk, actor=parties.seller, answer="Photo attached.")
    approved = _submit(parties.seller, _order(parties.seller, partner))
    approve(parties, approved)
    elsewhere = _order(parties.seller, parties.other_partner.partner_membership.partner)
    other_partners = _submit(parties.seller, elsewhere, hours_ago=40)

    response = partner_client.get(reverse("partner:queue"))

    assert response.status_code == 200
    # The answered one was submitted again just now: due in 24 h, after the other two.
    assert _numbers(response) == [overdue.number, due_later.number, answered.number]
    body = response.content.decode()
    for hidden in (needs_info, approved, other_partners):
        assert hidden.number not in body


def test_each_row_shows_its_countdown_and_links_to_the_request_page(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, skus=("X", "Y"))
    due_later = _submit(parties.seller, order, hours_ago=4)
    _submit(parties.seller, order, hours_ago=30)

    body = partner_client.get(reverse("partner:queue")).content.decode()

    assert "overdue by 6 h 0 min" in body
    assert "20 h 0 min left" in body
    assert f'href="/requests/{due_later.pk}/"' in body


@pytest.mark.parametrize(
    ("due_in", "expected"),
    [
        (timedelta(hours=2, minutes=30), "2 h 30 min left"),
        (timedelta(days=2, hours=5, minutes=10), "2 d 5 h left"),
        (timedelta(minutes=7), "7 min left"),
        (timedelta(seconds=20), "less than a minute left"),
        (-timedelta(days=1, hours=3), "overdue by 1 d 3 h"),
        (-timedelta(minutes=45), "overdue by 45 min"),
    ],
)
def test_the_countdown_text(due_in, expected):
    now = timezone.now()

    countdown = sla_countdown(now + due_in, now)

    assert countdown.text == expected
    assert countdown.overdue is (due_in < timedelta(0))


def test_a_request_without_a_due_time_has_no_countdown():
    assert sla_countdown(None, timezone.now()) is None


def test_the_queue_filters_by_seller(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    other_seller = SellerMembershipFactory().user
    mine = _submit(parties.seller, _order(parties.seller, partner))
    theirs = _submit(other_seller, _order(other_seller, partner))

    response = partner_client.get(reverse("partner:queue"), {"seller": other_seller.seller_membership.seller.pk})

    assert _numbers(response) == [theirs.number]
    assert mine.number not in response.content.decode()


def test_the_seller_filter_offers_only_sellers_this_partner_works_for(partner_client, parties):
    stranger = SellerMembershipFactory().user.seller_membership.seller
    _order(stranger.memberships.get().user, parties.other_partner.partner_membership.partner)

    response = partner_client.get(reverse("partner:queue"), {"seller": stranger.pk})

    choices = [seller.name for seller in response.context["filter_form"].fields["seller"].queryset]
    assert choices == [parties.seller.seller_membership.seller.name]
    assert "Select a valid choice" in response.content.decode()


def test_the_queue_filters_by_reason_of_the_request_or_of_a_line(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, skus=("X", "Y"))
    damaged = _submit(parties.seller, order, reason="damaged")
    one_line_missing = _submit(
        parties.seller,
        order,
        reason="lost_in_transit",
        resolutions=("resend", "resend"),
        line_reasons=[None, "missing_item"],
    )
    _submit(parties.seller, _order(parties.seller, partner), reason="wrong_item")

    damaged_rows = _numbers(partner_client.get(reverse("partner:queue"), {"reason": "damaged"}))
    missing_rows = _numbers(partner_client.get(reverse("partner:queue"), {"reason": "missing_item"}))

    assert damaged_rows == [damaged.number]
    assert missing_rows == [one_line_missing.number]


def test_the_queue_filters_by_resolution_listing_each_request_once(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, skus=("X", "Y", "Z"))
    two_compensations = _submit(parties.seller, order, resolutions=("compensation", "compensation", "resend"))
    _submit(parties.seller, order, resolutions=("resend",))

    response = partner_client.get(reverse("partner:queue"), {"resolution": "compensation"})

    assert _numbers(response) == [two_compensations.number]
    assert response.context["page"].paginator.count == 1


def test_the_queue_query_count_does_not_grow_with_the_rows(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, skus=("X", "Y"), quantity=100)
    _submit(parties.seller, order, resolutions=("resend", "compensation"))
    partner_client.get(reverse("partner:queue"))  # warm the session and the content types
    with CaptureQueriesContext(connection) as one_row:
        assert len(partner_client.get(reverse("partner:queue")).context["rows"]) == 1
    for _ in range(49):
        _submit(parties.seller, order, resolutions=("resend", "compensation"))

    with CaptureQueriesContext(connection) as fifty_rows:
        assert len(partner_client.get(reverse("partner:queue")).context["rows"]) == 50

    assert len(fifty_rows) == len(one_row)
    # The session, the user, the inbox badge, the seller filter's choices, the count, the rows, their lines.
    assert len(fifty_rows) == 7, [query["sql"][:80] for query in fifty_rows.captured_queries]


def test_the_queue_shows_fifty_a_page(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, quantity=60)
    requests = [_submit(parties.seller, order, hours_ago=50 - index) for index in range(51)]

    second = partner_client.get(reverse("partner:queue"), {"page": 2})

    assert _numbers(second) == [requests[-1].number]
    assert "Page 2 of 2" in second.content.decode()


# --- bulk approval ------------------------------------------------------------------------------


def test_bulk_approval_approves_the_selected_with_the_same_terms_and_reports_a_stale_one(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, skus=("X", "Y"))
    first, second, untouched = (
        _submit(parties.seller, order),
        _submit(parties.seller, order),
        request_in("submitted", parties),
    )
    stale = request_in(RequestStatus.SUBMITTED, parties)
    approve(parties, stale)  # approved by a colleague after the page was loaded
    promised = timezone.localdate() + timedelta(days=4)

    response = partner_client.post(
        reverse("partner:bulk-approve"),
        {**TERMS, "promised_date": promised.isoformat(), "requests": [first.pk, stale.pk, second.pk]},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("partner:queue")
    for approved in (first, second):
        approved.refresh_from_db()
        assert approved.status == RequestStatus.APPROVED
        assert (approved.quote_goods, approved.quote_shipping) == (Decimal("80.00"), Decimal("12.50"))
        assert approved.cost_bearer == "supplier"
        assert approved.promised_date == promised
        assert approved.quote_status == QuoteStatus.PENDING
    stale.refresh_from_db()
    assert (stale.quote_goods, stale.cost_bearer) == (Decimal("120.00"), "partner")  # its own approval stands
    untouched.refresh_from_db()
    assert untouched.status == RequestStatus.SUBMITTED
    body = response.content.decode()
    assert f"Approved 2 requests: {first.number}, {second.number}." in body
    assert (
        f"{stale.number} was not approved: Request {stale.number} is at “Approved”, where “Approve” is not possible."
        in body
    )
    assert _numbers(response) == [untouched.number]


def test_bulk_approval_of_a_hundred_approves_them_in_one_action_and_refuses_the_one_changed_meanwhile(
    partner_client, parties
):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, quantity=101)
    requests = [_submit(parties.seller, order, hours_ago=30 - index / 10) for index in range(101)]
    changed = requests[37]
    # The seller withdrew it after the partner's page was loaded.
    workflow.reship_cancel(request_id=changed.pk, actor=parties.seller, reason="The parcel turned up.")
    ticked = [each.pk for each in reversed(requests)]  # the outcome follows the order ticked, not the ids'

    response = partner_client.post(reverse("partner:bulk-approve"), {**TERMS, "requests": ticked}, follow=True)

    approved = [each for each in reversed(requests) if each.pk != changed.pk]
    assert len(approved) == 100
    rows = ReshipRequest.objects.filter(pk__in=[each.pk for each in approved])
    assert set(rows.values_list("status", "quote_goods", "quote_shipping", "cost_bearer", "quote_status")) == {
        (RequestStatus.APPROVED, Decimal("80.00"), Decimal("12.50"), "supplier", QuoteStatus.PENDING)
    }
    assert ReshipEvent.objects.filter(request__in=rows, kind="approved").count() == 100
    # The seller's one member hears of each approval in the inbox and by email; of the refused one, nothing.
    told = Notification.objects.filter(template="request_approved")
    assert told.count() == 200
    assert set(told.values_list("request_id", flat=True)) == {each.pk for each in approved}
    changed.refresh_from_db()
    assert changed.status == RequestStatus.CANCELLED
    assert (changed.quote_goods, changed.cost_bearer) == (None, "")
    assert not changed.events.filter(kind="approved").exists()
    body = response.content.decode()
    assert f"Approved 100 requests: {', '.join(each.number for each in approved)}." in body
    assert (
        f"{changed.number} was not approved: Request {changed.number} is at “Cancelled”, where “Approve” is not"
        " possible."
    ) in body
    assert _numbers(response) == []


def test_a_failure_while_writing_a_bulk_approval_keeps_nothing_of_it(partner_client, parties, monkeypatch):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, quantity=3)
    requests = [_submit(parties.seller, order) for _ in range(3)]
    written = []

    def apply_then_fail(request, **kwargs):
        if len(written) == 2:
            raise RuntimeError("the database went away")
        written.append(request.pk)
        apply_approval(request, **kwargs)

    monkeypatch.setattr(bulk, "apply_approval", apply_then_fail)

    with pytest.raises(RuntimeError):
        partner_client.post(reverse("partner:bulk-approve"), {**TERMS, "requests": [each.pk for each in requests]})

    assert len(written) == 2  # two were written before the third failed, and rolled back with it
    assert set(ReshipRequest.objects.filter(pk__in=written).values_list("status", flat=True)) == {
        RequestStatus.SUBMITTED
    }
    assert not ReshipEvent.objects.filter(request__in=written, kind="approved").exists()
    assert not Notification.objects.filter(template="request_approved").exists()


def test_bulk_approval_from_htmx_returns_the_queue_partial_with_the_report(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, skus=("X", "Y"))
    first, stays = _submit(parties.seller, order, hours_ago=2), _submit(parties.seller, order, hours_ago=1)

    response = partner_client.post(
        reverse("partner:bulk-approve"), {**TERMS, "requests": [first.pk]}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert [template.name for template in response.templates][0] == "partner/_queue.html"
    body = response.content.decode()
    assert "<html" not in body
    assert f"Approved 1 request: {first.number}." in body
    assert _numbers(response) == [stays.number]


def test_another_partners_request_in_a_bulk_post_is_refused_as_not_found_and_left_alone(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    mine = _submit(parties.seller, _order(parties.seller, partner))
    theirs = _submit(parties.seller, _order(parties.seller, parties.other_partner.partner_membership.partner))

    response = partner_client.post(
        reverse("partner:bulk-approve"), {**TERMS, "requests": [theirs.pk, mine.pk]}, follow=True
    )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == RequestStatus.APPROVED
    assert theirs.status == RequestStatus.SUBMITTED
    assert (theirs.quote_goods, theirs.cost_bearer, theirs.quote_status) == (None, "", QuoteStatus.NONE)
    assert not theirs.events.filter(kind="approved").exists()
    body = response.content.decode()
    assert f"Request #{theirs.pk} was not approved: Reship request not found." in body
    assert theirs.number not in body  # not even its number leaks


def test_bulk_approval_with_bad_terms_approves_nothing_and_keeps_what_was_typed(partner_client, parties):
    partner = parties.partner.partner_membership.partner
    order = _order(parties.seller, partner, skus=("X", "Y"))
    first, second = _submit(parties.seller, order), _submit(parties.seller, order)

    response = partner_client.post(
        reverse("partner:bulk-approve"),
        {
            "quote_goods": "-5",
            "quote_shipping": "12.50",
            "cost_bearer": "",
            "promised_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "requests": [first.pk],
        },
    )

    assert response.status_code == 200
    form = response.context["bulk_form"]
    assert form.errors == {
        "quote_goods": ["Ensure this value is greater than or equal to 0."],
        "cost_bearer": ["Choose who bears the cost."],
        "promised_date": ["The promised date cannot be in the past."],
    }
    body = response.content.decode()
    assert 'value="-5"' in body
    assert 'value="12.50"' in body
    assert f'name="requests" value="{first.pk}" checked' in body
    assert f'name="requests" value="{second.pk}">' in body
    assert set(ReshipRequest.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        RequestStatus.SUBMITTED
    }


def test_bulk_approval_needs_a_selection(partner_client, parties):
    _submit(parties.seller, _order(parties.seller, parties.partner.partner_membership.partner))

    response = partner_client.post(reverse("partner:bulk-approve"), TERMS)

    assert response.context["bulk_form"].errors == {"requests": ["Select at least one request."]}
    assert "Select at least one request." in response.content.decode()


def test_bulk_approval_is_post_only(partner_client):
    assert partner_client.get(reverse("partner:bulk-approve")).status_code == 405


@pytest.mark.parametrize("name", ["partner:queue", "partner:fulfilment", "partner:to-ship", "partner:settings"])
def test_partner_pages_are_a_404_for_a_seller(client, parties, name):
    client.force_login(parties.seller)

    assert client.get(reverse(name)).status_code == 404


def test_a_seller_cannot_bulk_approve(client, parties):
    mine = request_in(RequestStatus.SUBMITTED, parties)
    client.force_login(parties.seller)

    response = client.post(reverse("partner:bulk-approve"), {**TERMS, "requests": [mine.pk]})

    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.status == RequestStatus.SUBMITTED


def test_partner_pages_send_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("partner:queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- fulfilment: restock orders and lines to ship -------------------------------------------------


def test_the_restock_list_shows_orders_awaiting_the_source_first(partner_client, parties):
    fulfilling = request_in(RequestStatus.FULFILLING, parties)  # B1's restock ordered
    workflow.reship_start_restock(request_id=fulfilling.pk, actor=parties.partner, line_ids=[line(fulfilling, "B2").pk])
    b2_restock = RestockOrder.objects.get(line=line(fulfilling, "B2"))
    ship_date = timezone.localdate() + timedelta(days=2)
    workflow.reship_confirm_restock(restock_order_id=b2_restock.pk, actor=None, ship_date=ship_date)
    other = make_parties()
    request_in(RequestStatus.FULFILLING, other)

    response = partner_client.get(reverse("partner:fulfilment"))

    rows = [
        (restock.request.number, restock.line.order_line.product.sku_code, restock.quantity, restock.status)
        for restock in response.context["rows"]
    ]
    assert rows == [
        (fulfilling.number, "SKU-B1", 1, "ordered"),
        (fulfilling.number, "SKU-B2", 1, "confirmed"),
    ]
    body = response.content.decode()
    assert b2_restock.supplier.name in body
    assert ship_date.isoformat() in body
    assert "awaiting the source" in body
    assert f'href="/requests/{fulfilling.pk}/"' in body


def test_the_restock_list_filters_by_status(partner_client, parties):
    fulfilling = request_in(RequestStatus.FULFILLING, parties)

    confirmed = partner_client.get(reverse("partner:fulfilment"), {"status": "confirmed"})
    ordered = partner_client.get(reverse("partner:fulfilment"), {"status": "ordered"})

    assert confirmed.context["rows"] == []
    assert [restock.request_id for restock in ordered.context["rows"]] == [fulfilling.pk]


def test_to_ship_lists_pending_resends_and_restocked_lines_of_approved_and_fulfilling_requests(partner_client, parties):
    fulfilling = request_in(RequestStatus.FULFILLING, parties)  # A pending, B1 restocking, B2 pending, C
    restock = RestockOrder.objects.get(line=line(fulfilling, "B1"))
    workflow.reship_confirm_restock(restock_order_id=restock.pk, actor=parties.partner, ship_date=timezone.localdate())
    second_parties_order = _order(
        parties.seller,
        parties.partner.partner_membership.partner,
        ship_name="李四",
        ship_phone="139 1234 5678",
        ship_province="广东省",
        ship_city="广州市",
        ship_district="天河区",
        ship_street="天河路 1 号",
        ship_postcode="510000",
    )
    approved_earlier = _submit(parties.seller, second_parties_order, hours_ago=10)
    workflow.reship_approve(
        request_id=approved_earlier.pk,
        actor=parties.partner,
        quote_goods="10",
        quote_shipping="5",
        cost_bearer="seller",
        now=timezone.now() - timedelta(hours=10),
    )
    request_in(RequestStatus.SUBMITTED, parties)  # its resend line is not approved yet

    response = partner_client.get(reverse("partner:to-ship"))

    groups = [
        (
            group.reship.number,
            group.ship_to.name,
            group.ship_to.one_line,
            [(each.order_line.product.sku_code, each.quantity) for each in group.lines],
        )
        for group in response.context["groups"]
    ]
    assert groups == [
        (
            approved_earlier.number,
            "李四",
            "广东省 广州市 天河区 天河路 1 号 510000",
            [(f"SKU-{second_parties_order.pk}-X", 1)],
        ),
        (fulfilling.number, "张三", "上海市 上海市 浦东新区 世纪大道 100 号 200120", [("SKU-A", 1), ("SKU-B1", 1)]),
    ]
    body = response.content.decode()
    assert "139 1234 5678" in body  # the full ship-to while the lines are this partner's to ship
    assert f'href="/requests/{fulfilling.pk}/"' in body
    assert "SKU-B2" not in body
    assert "SKU-C" not in body


def test_to_ship_leaves_out_other_partners_and_finished_requests(partner_client, parties):
    request_in(RequestStatus.INFO_UPDATE, parties)  # every line resolved
    request_in(RequestStatus.APPROVED, make_parties())

    response = partner_client.get(reverse("partner:to-ship"))

    assert response.context["groups"] == []
    assert "Nothing to ship right now." in response.content.decode()


def test_field_errors_come_in_the_readers_language(partner_client, parties):
    first = _submit(parties.seller, _order(parties.seller, parties.partner.partner_membership.partner))

    response = partner_client.post(
        reverse("partner:bulk-approve"),
        {**TERMS, "quote_goods": "-5", "requests": [first.pk]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.context["bulk_form"].errors["quote_goods"] == ["确保该值大于或等于0。"]
    assert "确保该值大于或等于0。" in response.content.decode()


def test_a_plain_bulk_approval_returns_to_the_same_filtered_queue(partner_client, parties):
    seller = parties.seller.seller_membership.seller
    first = _submit(parties.seller, _order(parties.seller, parties.partner.partner_membership.partner))

    response = partner_client.post(
        reverse("partner:bulk-approve"), {**TERMS, "requests": [first.pk], "seller": seller.pk, "reason": "damaged"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('partner:queue')}?seller={seller.pk}&reason=damaged"
