"""``/api/v1/orders/``: who sees which orders, a seller's system recording one (``order_create``),
idempotent retries, cursor pages, the filters and a query count that does not grow with the page."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import Order
from reship.services.api_keys import api_key_create
from tests import workflow_states
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerFactory,
    ProductFactory,
    SellerMembershipFactory,
    ShipmentFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/orders/"


def detail(order_id: int) -> str:
    return f"/api/v1/orders/{order_id}/"


def client_for(user) -> APIClient:
    """A client signed in as the user's organisation's system: by API key, as the ERP would."""
    client = APIClient()
    if user is not None:
        _key, raw = api_key_create(actor=user, name="erp")
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def parties():
    return workflow_states.make_parties()


def new_order_body(parties, **overrides) -> dict:
    body = {
        "platform": "jd",
        "platform_order_number": "JD-2026-0001",
        "customer_name": "李四",
        "customer_phone": "13900139000",
        "customer_email": "li.si@example.com",
        "ship_to": {
            "name": "王小明",
            "phone": "138 1234 1234",
            "province": "北京市",
            "city": "北京市",
            "district": "朝阳区",
            "street": "建国路 1 号 8 栋 502 室",
            "postcode": "100022",
        },
        "partner": parties.order.partner_id,
        "amount": "139.00",
        "placed_at": "2026-03-01T09:30:00+08:00",
        "lines": [
            {"sku_code": "SKU-A", "quantity": 1, "unit_price": "30.00"},
            {"sku_code": "SKU-C", "quantity": 2, "unit_price": "54.50"},
        ],
    }
    return {**body, **overrides}


# --- who sees what ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees_it"), [("seller", True), ("partner", True), ("other_seller", False), ("other_partner", False)]
)
def test_the_list_holds_the_callers_orders_only(parties, who, sees_it):
    OrderFactory()  # somebody else's order, seen by nobody here

    response = client_for(getattr(parties, who)).get(LIST)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == ([parties.order.pk] if sees_it else [])


@pytest.mark.parametrize(
    ("who", "status"), [("seller", 200), ("partner", 200), ("other_seller", 404), ("other_partner", 404)]
)
def test_an_order_is_a_404_for_another_organisation(parties, who, status):
    response = client_for(getattr(parties, who)).get(detail(parties.order.pk))

    assert response.status_code == status
    if status == 404:
        assert response.json() == {"code": "not_found", "message": "Not found.", "field_errors": {}}


@pytest.mark.parametrize("method", ["get_list", "get_detail", "post"])
def test_anonymous_callers_get_401(parties, method):
    client = APIClient()
    if method == "get_list":
        response = client.get(LIST)
    elif method == "get_detail":
        response = client.get(detail(parties.order.pk))
    else:
        response = client.post(LIST, new_order_body(parties), format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Api-Key"


def test_an_unknown_key_is_a_401(parties):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key rsk_not_a_key")

    response = client.get(LIST)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_detail_shows_lines_with_what_is_left_to_claim_parcels_and_requests(parties):
    ShipmentFactory(order=parties.order, carrier="SF Express", tracking_number="SF000000000001")
    request = workflow_states.submit(parties)  # claims 1 of each line's 2

    body = client_for(parties.partner).get(detail(parties.order.pk)).json()

    assert body["platform_order_number"] == parties.order.platform_order_number
    assert body["partner"] == {"id": parties.order.partner_id, "name": parties.order.partner.name}
    assert [(line["sku_code"], line["quantity"], line["remaining_quantity"]) for line in body["lines"]] == [
        ("SKU-A", 2, 1),
        ("SKU-B1", 2, 1),
        ("SKU-B2", 2, 1),
        ("SKU-C", 2, 1),
    ]
    assert [line["unit_price"] for line in body["lines"]] == ["30.00", "40.00", "50.00", "60.00"]
    assert [
        (s["carrier"], s["carrier_name"], s["tracking_number"], s["reship_request"]) for s in body["shipments"]
    ] == [("SF", "SF Express", "SF000000000001", None)]
    assert body["shipments"][0]["tracking_url"].endswith("SF000000000001")
    assert body["reship_requests"] == [
        {
            "id": request.pk,
            "number": request.number,
            "status": "submitted",
            "created_at": body["reship_requests"][0]["created_at"],
        }
    ]


# --- recording an order -------------------------------------------------------------------------------


def test_a_seller_records_an_order_with_its_lines(parties):
    response = client_for(parties.seller).post(LIST, new_order_body(parties), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get(pk=body["id"])
    assert order.seller == parties.seller.seller_membership.seller
    assert (order.platform, order.platform_order_number, order.partner_id) == (
        "jd",
        "JD-2026-0001",
        parties.order.partner_id,
    )
    assert order.amount == Decimal("139.00")
    assert order.placed_at == datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    assert [
        (line["sku_code"], line["quantity"], line["unit_price"], line["remaining_quantity"]) for line in body["lines"]
    ] == [
        ("SKU-A", 1, "30.00", 1),
        ("SKU-C", 2, "54.50", 2),
    ]
    assert body["shipments"] == []
    assert body["reship_requests"] == []
    assert body["ship_to"] == {
        "name": "王小明",
        "phone": "138 1234 1234",
        "phone_e164": "+8613812341234",
        "country": "CN",
        "province": "北京市",
        "city": "北京市",
        "district": "朝阳区",
        "street": "建国路 1 号 8 栋 502 室",
        "postcode": "100022",
        "masked": False,
    }
    assert (order.ship_name, order.ship_phone, order.ship_phone_e164) == ("王小明", "138 1234 1234", "+8613812341234")
    assert (order.customer_name, order.customer_phone) == ("李四", "13900139000")  # the buyer stays


@pytest.mark.parametrize(
    ("phone", "country", "e164"),
    [
        ("138 1234 1234", "CN", "+8613812341234"),
        ("+86-138-1234-1234", "CN", "+8613812341234"),
        ("0086 13812341234", "", "+8613812341234"),
        ("(206) 555-0184", "US", "+12065550184"),
        ("+1 206 555 0184", "United States", "+12065550184"),
    ],
)
def test_a_phone_in_any_format_is_kept_as_typed_and_stored_normalised(parties, phone, country, e164):
    ship_to = {"phone": phone, "country": country, "city": "Seattle", "street": "1 Main St"}
    body = new_order_body(parties, ship_to=ship_to)

    response = client_for(parties.seller).post(LIST, body, format="json")

    assert response.status_code == 201, response.json()
    assert (response.json()["ship_to"]["phone"], response.json()["ship_to"]["phone_e164"]) == (phone, e164)
    assert Order.objects.get(pk=response.json()["id"]).ship_phone_e164 == e164


def test_the_recipient_defaults_to_the_customer(parties):
    body = new_order_body(parties, ship_to={"city": "杭州市", "street": "文三路 90 号"})

    response = client_for(parties.seller).post(LIST, body, format="json")

    assert response.status_code == 201, response.json()
    ship_to = response.json()["ship_to"]
    assert (ship_to["name"], ship_to["phone"], ship_to["phone_e164"], ship_to["country"]) == (
        "李四",
        "13900139000",
        "+8613900139000",
        "CN",
    )


@pytest.mark.parametrize(
    ("ship_to", "field_errors"),
    [
        (
            {"phone": "12345", "city": "上海市", "street": "世纪大道 1 号"},
            {"ship_to.phone": ["“12345” is not a phone number in CN; write a foreign number with its +country code."]},
        ),
        (
            {"city": " ", "street": "", "postcode": "20012"},
            {
                "ship_to.city": ["City is required."],
                "ship_to.street": ["Street address is required."],
                "ship_to.postcode": ["A postcode in China has 6 digits."],
            },
        ),
        (
            {"country": "Atlantis", "city": "上海市", "street": "世纪大道 1 号"},
            {"ship_to.country": ["“Atlantis” is not a country: give its two-letter code, such as CN or US."]},
        ),
    ],
)
def test_a_bad_ship_to_is_a_422_naming_each_field_and_nothing_is_written(parties, ship_to, field_errors):
    response = client_for(parties.seller).post(LIST, new_order_body(parties, ship_to=ship_to), format="json")

    assert response.status_code == 422
    assert response.json()["field_errors"] == field_errors
    assert response.json()["message"].startswith("Check the ship-to: ")
    assert Order.objects.count() == 1


def test_a_ship_to_field_too_long_or_missing_is_a_400_naming_it(parties):
    body = new_order_body(parties, ship_to={"city": "上", "street": "路" * 256})
    response = client_for(parties.seller).post(LIST, body, format="json")
    assert response.status_code == 400
    assert set(response.json()["field_errors"]) == {"ship_to.street"}

    body = new_order_body(parties)
    del body["ship_to"]
    response = client_for(parties.seller).post(LIST, body, format="json")
    assert response.status_code == 400
    assert response.json()["field_errors"] == {"ship_to": ["This field is required."]}
    assert Order.objects.count() == 1


def _ship_to_as_read_by(user, order) -> dict:
    return client_for(user).get(detail(order.pk)).json()["ship_to"]


def test_the_partner_reads_the_ship_to_in_full_while_the_order_awaits_shipment(parties):
    assert parties.order.status == "pending"

    ship_to = _ship_to_as_read_by(parties.partner, parties.order)

    assert (ship_to["name"], ship_to["phone"], ship_to["street"], ship_to["masked"]) == (
        "张三",
        "13800138000",
        "世纪大道 100 号",
        False,
    )


def test_the_partner_reads_a_shipped_orders_ship_to_masked_and_the_seller_in_full(parties):
    Order.objects.filter(pk=parties.order.pk).update(status="shipped")

    masked = _ship_to_as_read_by(parties.partner, parties.order)
    listed = client_for(parties.partner).get(LIST).json()["results"][0]["ship_to"]
    full = _ship_to_as_read_by(parties.seller, parties.order)

    assert masked == {
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
    assert listed == masked
    assert (full["name"], full["phone"], full["phone_e164"], full["masked"]) == (
        "张三",
        "13800138000",
        "+8613800138000",
        False,
    )


def test_a_partner_may_not_record_orders(parties):
    response = client_for(parties.partner).post(LIST, new_order_body(parties), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Order.objects.count() == 1


def test_an_unknown_sku_is_a_422_naming_the_line_and_nothing_is_written(parties):
    ProductFactory(sku_code="SKU-FOREIGN")  # another seller's SKU is not the caller's
    body = new_order_body(
        parties,
        lines=[
            {"sku_code": "SKU-A", "quantity": 1, "unit_price": "1.00"},
            {"sku_code": "SKU-FOREIGN", "quantity": 1, "unit_price": "1.00"},
        ],
    )

    response = client_for(parties.seller).post(LIST, body, format="json")

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "Line 2: SKU “SKU-FOREIGN” is not one of your products.",
        "field_errors": {"lines.1.sku_code": ["Unknown SKU."]},
    }
    assert Order.objects.count() == 1


def test_an_inactive_partner_is_refused(parties):
    inactive = PartnerFactory(is_active=False)

    response = client_for(parties.seller).post(LIST, new_order_body(parties, partner=inactive.pk), format="json")

    assert response.status_code == 422
    assert response.json()["field_errors"] == {"partner": ["Unknown or inactive partner."]}


def test_a_platform_order_number_already_used_is_a_409(parties):
    body = new_order_body(parties, platform_order_number=parties.order.platform_order_number)

    response = client_for(parties.seller).post(LIST, body, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "code": "order_exists",
        "message": f"You already have an order numbered {parties.order.platform_order_number}.",
        "field_errors": {"platform_order_number": ["Already used."]},
    }


def test_another_seller_may_reuse_the_number(parties):
    other = SellerMembershipFactory().user
    ProductFactory(seller=other.seller_membership.seller, sku_code="SKU-A")
    body = new_order_body(
        parties,
        platform_order_number=parties.order.platform_order_number,
        lines=[{"sku_code": "SKU-A", "quantity": 1, "unit_price": "9.90"}],
    )

    response = client_for(other).post(LIST, body, format="json")

    assert response.status_code == 201


def test_bad_input_is_a_400_with_every_field_named(parties):
    body = new_order_body(
        parties, platform="ebay", amount="-1", lines=[{"sku_code": "SKU-A", "quantity": 0, "unit_price": "1.001"}]
    )
    del body["customer_name"]

    response = client_for(parties.seller).post(LIST, body, format="json")

    assert response.status_code == 400
    errors = response.json()["field_errors"]
    assert set(errors) == {"platform", "amount", "customer_name", "lines.0.quantity", "lines.0.unit_price"}
    assert errors["customer_name"] == ["This field is required."]


def test_a_nul_character_in_any_text_is_a_400_naming_the_field_and_nothing_is_written(parties):
    """PostgreSQL cannot store NUL; the schema does not say so on every string, so the Schemathesis run
    sends none (allow-x00 = false) and this is where the refusal is held."""
    body = new_order_body(parties, customer_name="李\x00四")
    body["ship_to"] = {**body["ship_to"], "street": "建国路\x001 号"}
    body["lines"] = [{"sku_code": "SKU-\x00A", "quantity": 1, "unit_price": "30.00"}]

    response = client_for(parties.seller).post(LIST, body, format="json")

    assert response.status_code == 400
    assert set(response.json()["field_errors"]) == {"customer_name", "ship_to.street", "lines.0.sku_code"}
    assert response.json()["field_errors"]["lines.0.sku_code"] == ["Null characters are not allowed."]
    assert not Order.objects.filter(platform_order_number="JD-2026-0001").exists()


def test_an_order_needs_a_line_and_a_placing_time_not_in_the_future(parties):
    future = (timezone.now() + timedelta(days=1)).isoformat()

    no_lines = client_for(parties.seller).post(LIST, new_order_body(parties, lines=[]), format="json")
    in_future = client_for(parties.seller).post(LIST, new_order_body(parties, placed_at=future), format="json")

    assert no_lines.status_code == 400
    assert set(no_lines.json()["field_errors"]) == {"lines"}
    assert in_future.status_code == 422
    assert in_future.json()["field_errors"] == {"placed_at": ["Out of range."]}


# --- idempotency -------------------------------------------------------------------------------------


def test_the_same_key_and_body_replay_the_first_answer(parties):
    client = client_for(parties.seller)

    first = client.post(LIST, new_order_body(parties), format="json", HTTP_IDEMPOTENCY_KEY="order-JD-1")
    again = client.post(LIST, new_order_body(parties), format="json", HTTP_IDEMPOTENCY_KEY="order-JD-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Order.objects.filter(platform_order_number="JD-2026-0001").count() == 1


def test_the_same_key_with_another_body_is_a_422(parties):
    client = client_for(parties.seller)
    client.post(LIST, new_order_body(parties), format="json", HTTP_IDEMPOTENCY_KEY="order-JD-1")

    response = client.post(
        LIST, new_order_body(parties, amount="1.00"), format="json", HTTP_IDEMPOTENCY_KEY="order-JD-1"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Order.objects.filter(platform_order_number="JD-2026-0001").count() == 1


def test_a_refusal_is_replayed_too(parties):
    client = client_for(parties.seller)
    body = new_order_body(parties, platform_order_number=parties.order.platform_order_number)

    first = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="dup")
    again = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="dup")

    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


# --- pages and filters --------------------------------------------------------------------------------


def _orders_of(parties, count: int, **kwargs) -> list[Order]:
    seller, partner = parties.order.seller, parties.order.partner
    return [OrderFactory(seller=seller, partner=partner, **kwargs) for _ in range(count)]


def test_the_next_link_walks_the_pages_newest_placed_first(parties):
    base = timezone.now() - timedelta(days=1)
    made = [
        OrderFactory(
            seller=parties.order.seller, partner=parties.order.partner, placed_at=base - timedelta(hours=hours)
        )
        for hours in range(4)
    ]
    client = client_for(parties.seller)

    first = client.get(LIST, {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    # parties.order was placed five days ago: the oldest.
    assert [row["id"] for row in first["results"]] == [order.pk for order in made[:3]]
    assert [row["id"] for row in second["results"]] == [made[3].pk, parties.order.pk]
    assert second["next"] is None


def test_the_page_size_is_at_most_100_and_more_is_a_400(parties):
    _orders_of(parties, 101)
    client = client_for(parties.seller)

    body = client.get(LIST, {"page_size": 100}).json()
    refused = client.get(LIST, {"page_size": 1000})

    assert len(body["results"]) == 100
    assert body["next"] is not None
    assert refused.status_code == 400
    assert refused.json()["field_errors"] == {"page_size": ["A whole number from 1 to 100."]}


def test_the_filters_narrow_the_list(parties):
    seller, partner = parties.order.seller, parties.order.partner
    other_partner = PartnerFactory()
    day = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
    jd = OrderFactory(
        seller=seller,
        partner=partner,
        platform="jd",
        platform_order_number="JD-77",
        placed_at=day,
        customer_phone="+86 139 0013 9000",
    )
    elsewhere = OrderFactory(
        seller=seller, partner=other_partner, placed_at=day - timedelta(days=3), customer_phone="021-5555"
    )
    ShipmentFactory(order=elsewhere, tracking_number="YT123456789CN")
    client = client_for(parties.seller)

    def ids(**params) -> set[int]:
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(platform="jd") == {jd.pk}
    assert ids(partner=other_partner.pk) == {elsewhere.pk}
    assert ids(placed_after="2026-02-09T00:00:00Z", placed_before="2026-02-11T00:00:00Z") == {jd.pk}
    assert ids(placed_before="2026-02-08T00:00:00Z") == {elsewhere.pk}
    assert ids(order_number="JD-77") == {jd.pk}
    assert ids(phone="13900139000") == {jd.pk}
    assert ids(tracking_number="yt 123456789cn") == {elsewhere.pk}
    assert ids() == {parties.order.pk, jd.pk, elsewhere.pk}


def test_a_bad_filter_value_is_a_400(parties):
    response = client_for(parties.seller).get(LIST, {"platform": "ebay", "partner": str(2**70)})

    assert response.status_code == 400
    assert set(response.json()["field_errors"]) == {"platform", "partner"}


def test_the_list_and_detail_run_a_fixed_number_of_queries(parties):
    client = client_for(parties.seller)
    client.get(LIST)  # the key's first use also stamps last_used_at

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for order in _orders_of(parties, 1):
        ShipmentFactory(order=order)
    few = queries(LIST)
    for order in _orders_of(parties, 18):
        ShipmentFactory(order=order)
        ShipmentFactory(order=order)
    assert queries(LIST) == few

    small = queries(detail(parties.order.pk))
    for _ in range(6):
        OrderLineFactory(order=parties.order)
        ShipmentFactory(order=parties.order)
    workflow_states.submit(parties)
    assert queries(detail(parties.order.pk)) == small


def test_the_partners_list_reads_each_ship_to_full_or_masked_in_a_fixed_number_of_queries(parties):
    client = client_for(parties.partner)
    client.get(LIST)  # the key's first use also stamps last_used_at

    def queries() -> tuple[int, list[bool]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured), [row["ship_to"]["masked"] for row in response.json()["results"]]

    few, masked = queries()
    assert masked == [False]
    _orders_of(parties, 6, status="shipped")
    _orders_of(parties, 6, status="pending")
    many, masked = queries()
    assert many == few
    assert sorted(masked) == [False] * 7 + [True] * 6
