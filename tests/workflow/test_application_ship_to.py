"""Filing a request copies the ship-to (``reship.workflow.application``): a new request ships where
its order ships; a follow-up where the failed replacement was sent (the seller may have changed it),
not back to the order's address. Expected values are written by hand."""

import pytest

from orders import ship_to
from orders.models import Order
from reship import workflow
from reship.choices import RequestStatus
from reship.models import ReshipRequest
from tests.workflow_states import line, make_parties, request_in, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


def test_a_new_request_ships_where_its_order_ships(parties):
    Order.objects.filter(pk=parties.order.pk).update(
        ship_name="Ann Lee",
        ship_phone="(206) 555-0184",
        ship_phone_e164="+12065550184",
        ship_country="US",
        ship_province="WA",
        ship_city="Seattle",
        ship_district="",
        ship_street="1 Main St, Apt 4B",
        ship_postcode="98101",
    )

    request = submit(parties)

    stored = ReshipRequest.objects.get(pk=request.pk)
    assert ship_to.values_of(stored) == {
        "name": "Ann Lee",
        "phone": "(206) 555-0184",
        "country": "US",
        "province": "WA",
        "city": "Seattle",
        "district": "",
        "street": "1 Main St, Apt 4B",
        "postcode": "98101",
    }
    assert stored.ship_phone_e164 == "+12065550184"


def test_a_follow_up_ships_where_the_failed_replacement_went(parties):
    closed = request_in(RequestStatus.CLOSED, parties)
    # The replacement had gone to the customer's new address (改地址 before it shipped).
    ReshipRequest.objects.filter(pk=closed.pk).update(
        ship_district="徐汇区", ship_street="漕溪北路 88 号 3 栋 1502 室", ship_postcode="200030"
    )

    follow_up = workflow.reship_follow_up(
        request_id=closed.pk,
        actor=parties.seller,
        reason="lost_in_transit",
        description="Lost again.",
        lines=[workflow.LineRequest(line(closed, "A").order_line_id, 1, "resend")],
    )

    stored = ReshipRequest.objects.get(pk=follow_up.pk)
    assert (stored.ship_district, stored.ship_street, stored.ship_postcode) == (
        "徐汇区",
        "漕溪北路 88 号 3 栋 1502 室",
        "200030",
    )
    assert (stored.ship_name, stored.ship_phone, stored.ship_city) == ("张三", "13800138000", "上海市")
    # The order keeps its own.
    assert Order.objects.get(pk=parties.order.pk).ship_street == "世纪大道 100 号"
