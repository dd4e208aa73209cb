"""Exports of the orders list and the requests list (``orders.exports``, ``reship.web.request_exports``
written by ``reship.core.exports``): the list's filters applied, one row per order line, headers in the
user's language, times in the user's zone, formulas neutralised in the CSV and inert in the XLSX,
tenancy, anonymous visitors sent to log in, and queries that do not grow with the rows."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from orders.choices import Platform
from orders.imports.fields import guess_mapping
from reship import workflow
from reship.models import ShipToReveal
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    SellerMembershipFactory,
    ShipmentFactory,
)
from tests.workflow_states import approve, make_parties

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMULA = '=HYPERLINK("http://evil.example/","Click me")'
ORDER_HEADER = [
    "Order number", "Sales platform", "Placed at", "Customer name", "Customer phone", "Email", "Recipient",
    "Recipient phone", "Country", "Province / state", "City", "District", "Street address", "Postcode",
    "SKU code", "Product", "Quantity", "Unit price", "Order amount", "Currency", "Dropship partner", "Carrier",
    "Tracking number", "Status",
]  # fmt: skip
# The Chinese headers the catalogue already has, by column (the others are translated with the import).
ORDER_HEADER_ZH = {
    0: "订单号", 1: "销售平台", 14: "SKU 编码", 15: "商品", 16: "数量", 17: "单价", 19: "币种",
    20: "代发方", 21: "物流公司", 22: "物流单号", 23: "状态",
}  # fmt: skip
REQUEST_HEADER = [
    "Number", "Order number", "Seller", "Dropship partner", "Reason", "Description", "Status",
    "Submitted", "Reviewed", "Resolved", "Closed", "Goods", "Shipping", "Compensation", "Total cost",
    "Currency", "Cost borne by", "Rating: speed", "Rating: quality", "Rating: cooperation", "Customer rating",
    "Platform dispute", "Bad review",
    "Recipient", "Recipient phone", "Country", "Province / state", "City", "District", "Street address",
    "Postcode", "Ship-to masked",
]  # fmt: skip
SHIP_TO_COLUMNS = slice(23, 32)
ORDER_EXPORTS = ["orders:export-csv", "orders:export-xlsx"]
REQUEST_EXPORTS = ["requests:export-csv", "requests:export-xlsx"]


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def wall(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """The local time as a spreadsheet holds it: Excel has no time zones."""
    return at(month, day, hour, minute).replace(tzinfo=None)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_sheet(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def xlsx_rows(response) -> list[list]:
    return [[cell.value for cell in row] for row in xlsx_sheet(response).iter_rows()]


def rows_of(response, name: str) -> list[list]:
    return csv_rows(response) if name.endswith("csv") else xlsx_rows(response)


# --- orders -------------------------------------------------------------------------------------


@pytest.fixture
def shop():
    """A seller's three orders written by hand, and another seller's order that must never show.

    - TB-001 (Taobao, 3 May, Swift): two lines, its original parcel, and a reship parcel;
    - JD-002 (JD, 6 May, Slow): a customer name and a SKU that are formulas;
    - PDD-003 (Pinduoduo, 20 April, Swift): no lines at all.
    """
    user = SellerMembershipFactory(user__language="en", seller__name="声声小店").user
    seller = user.seller_membership.seller
    swift = PartnerMembershipFactory(user__language="en", partner__name="Swift Dropship")
    slow = PartnerFactory(name="Slow Dropship")

    first = OrderFactory(
        seller=seller,
        partner=swift.partner,
        platform=Platform.TAOBAO,
        platform_order_number="TB-001",
        customer_name="王小明",
        customer_phone="+86 138 0013 8000",
        customer_email="wang@example.com",
        ship_name="王小明",
        ship_phone="+86 138 0013 8000",
        ship_province="上海市",
        ship_city="上海市",
        ship_district="浦东新区",
        ship_street="世纪大道 100 号",
        ship_postcode="200120",
        amount=Decimal("219.00"),
        placed_at=at(5, 3, 12),
    )
    cup = OrderLineFactory(
        order=first, product__sku_code="SKU-A", product__name="Tea cup", quantity=2, unit_price=Decimal("49.50")
    )
    OrderLineFactory(
        order=first, product__sku_code="SKU-B", product__name="Teapot", quantity=1, unit_price=Decimal("120.00")
    )
    ShipmentFactory(order=first, carrier="SF Express", tracking_number="SF1234567890", shipped_at=at(5, 4, 9))
    # A reship's parcel is the request's, not the order's original one: it is not in the order's row.
    reship = workflow.reship_submit(
        actor=user,
        order_id=first.pk,
        reason="damaged",
        description="Broken cup",
        lines=[workflow.LineRequest(cup.pk, 1, "resend")],
    )
    approve(SimpleNamespace(partner=swift.user), reship)
    workflow.reship_ship(
        request_id=reship.pk,
        actor=swift.user,
        items=[workflow.ShipItem(reship.lines.get().pk)],
        carrier="YTO",
        tracking_number="YT1234567890123",
    )

    second = OrderFactory(
        seller=seller,
        partner=slow,
        platform=Platform.JD,
        platform_order_number="JD-002",
        customer_name=FORMULA,
        customer_phone="13900139000",
        customer_email="",
        ship_name="李雷",
        ship_phone="13900139000",
        ship_province="北京市",
        ship_city="北京市",
        ship_district="朝阳区",
        ship_street="建国路 1 号",
        ship_postcode="",
        amount=Decimal("35.00"),
        currency="USD",
        placed_at=at(5, 6, 9, 30),
    )
    OrderLineFactory(
        order=second, product__sku_code="@SUM(1+1)", product__name="Mug", quantity=1, unit_price=Decimal("35.00")
    )

    OrderFactory(
        seller=seller,
        partner=swift.partner,
        platform=Platform.PINDUODUO,
        platform_order_number="PDD-003",
        customer_name="李四",
        customer_phone="",
        customer_email="",
        ship_name="李四",
        ship_phone="13700137000",
        ship_province="广东省",
        ship_city="广州市",
        ship_district="天河区",
        ship_street="天河路 2 号",
        ship_postcode="",
        amount=Decimal("0.00"),
        placed_at=at(4, 20, 23, 15),
    )

    stranger = OrderFactory(platform_order_number="TB-001-THEIRS", placed_at=at(5, 5, 8))
    OrderLineFactory(order=stranger)
    return SimpleNamespace(user=user, seller=seller, swift=swift.partner, slow=slow)


# The rows the CSV holds for the shop's orders, by hand, oldest order first.
PDD_003 = ["PDD-003", "Pinduoduo", "2026-04-20 23:15", "李四", "", "", "李四", "13700137000", "CN", "广东省", "广州市",
           "天河区", "天河路 2 号", "", "", "", "", "", "0.00", "CNY", "Swift Dropship", "", "",
           "Awaiting shipment"]  # fmt: skip
TB_001_SHIP_TO = ["王小明", "'+86 138 0013 8000", "CN", "上海市", "上海市", "浦东新区", "世纪大道 100 号", "200120"]
TB_001_A = ["TB-001", "Taobao", "2026-05-03 12:00", "王小明", "'+86 138 0013 8000", "wang@example.com",
            *TB_001_SHIP_TO, "SKU-A", "Tea cup", "2", "49.50", "219.00", "CNY", "Swift Dropship",
            "SF Express", "SF1234567890", "Awaiting shipment"]  # fmt: skip
TB_001_B = ["TB-001", "Taobao", "2026-05-03 12:00", "王小明", "'+86 138 0013 8000", "wang@example.com",
            *TB_001_SHIP_TO, "SKU-B", "Teapot", "1", "120.00", "219.00", "CNY", "Swift Dropship",
            "SF Express", "SF1234567890", "Awaiting shipment"]  # fmt: skip
JD_002 = ["JD-002", "JD.com", "2026-05-06 09:30", "'" + FORMULA, "13900139000", "", "李雷", "13900139000", "CN",
          "北京市", "北京市", "朝阳区", "建国路 1 号", "", "'@SUM(1+1)", "Mug", "1", "35.00", "35.00", "USD",
          "Slow Dropship", "", "", "Awaiting shipment"]  # fmt: skip


def test_the_orders_csv_has_a_row_per_order_line_oldest_first(client, shop):
    client.force_login(shop.user)

    response = client.get(reverse("orders:export-csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="orders.csv"'
    assert csv_rows(response) == [ORDER_HEADER, PDD_003, TB_001_A, TB_001_B, JD_002]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"platform": "taobao"}, [TB_001_A, TB_001_B]),
        ({"q": "王"}, [TB_001_A, TB_001_B]),
        ({"q": "SF1234567890"}, [TB_001_A, TB_001_B]),
        ({"placed_from": "2026-05-01"}, [TB_001_A, TB_001_B, JD_002]),
        ({"placed_to": "2026-05-03"}, [PDD_003, TB_001_A, TB_001_B]),
        ({"placed_from": "2026-05-04", "placed_to": "2026-05-06"}, [JD_002]),
        ({"q": "", "platform": "", "partner": "", "placed_from": "not a date"}, [PDD_003, TB_001_A, TB_001_B, JD_002]),
    ],
)
def test_the_orders_export_applies_the_lists_filters(client, shop, query, expected):
    client.force_login(shop.user)

    rows = csv_rows(client.get(reverse("orders:export-csv"), query))

    assert rows[1:] == expected


def test_the_partner_filter_and_the_file_name(client, shop):
    client.force_login(shop.user)

    response = client.get(
        reverse("orders:export-csv"), {"partner": shop.slow.pk, "placed_from": "2026-05-01", "placed_to": "2026-05-31"}
    )

    assert response["Content-Disposition"] == 'attachment; filename="orders-2026-05-01-2026-05-31.csv"'
    assert csv_rows(response)[1:] == [JD_002]


def test_the_orders_headers_and_values_follow_the_users_language(client, shop):
    shop.user.language = "zh-hans"
    shop.user.save(update_fields=["language"])
    client.force_login(shop.user)

    rows = csv_rows(client.get(reverse("orders:export-csv"), {"platform": "jd"}, HTTP_ACCEPT_LANGUAGE="zh-hans"))

    assert {column: rows[0][column] for column in ORDER_HEADER_ZH} == ORDER_HEADER_ZH
    assert rows[1][1] == "京东"
    assert rows[1][-1] == "待发货"


@pytest.mark.parametrize(
    "language",
    ["en", "zh-hans"],
)
def test_the_order_import_recognises_every_column_of_the_export(client, shop, language):
    shop.user.language = language
    shop.user.save(update_fields=["language"])
    client.force_login(shop.user)

    header = csv_rows(client.get(reverse("orders:export-csv"), HTTP_ACCEPT_LANGUAGE=language))[0]

    mapping = guess_mapping(header)
    assert {key: header.index(column) for key, column in mapping.items()} == {
        "order_number": 0, "platform": 1, "placed_at": 2, "customer_name": 3, "customer_phone": 4,
        "customer_email": 5, "ship_name": 6, "ship_phone": 7, "ship_country": 8, "ship_province": 9, "ship_city": 10,
        "ship_district": 11, "ship_street": 12, "ship_postcode": 13, "sku_code": 14, "quantity": 16,
        "unit_price": 17, "amount": 18, "partner": 20, "carrier": 21, "tracking_number": 22,
    }  # fmt: skip


def test_times_are_in_the_users_time_zone(client, shop):
    shop.user.time_zone = "Europe/London"
    shop.user.save(update_fields=["time_zone"])
    client.force_login(shop.user)

    csv_row = csv_rows(client.get(reverse("orders:export-csv"), {"platform": "taobao"}))[1]
    xlsx_row = xlsx_rows(client.get(reverse("orders:export-xlsx"), {"platform": "taobao"}))[1]

    assert csv_row[2] == "2026-05-03 05:00"  # 12:00 in Shanghai is 05:00 in London (summer time)
    assert xlsx_row[2] == datetime(2026, 5, 3, 5, 0, tzinfo=ZoneInfo("Europe/London")).replace(tzinfo=None)


def test_the_orders_xlsx_has_the_same_rows_with_numbers_and_inert_formulas(client, shop):
    client.force_login(shop.user)

    response = client.get(reverse("orders:export-xlsx"), {"placed_from": "2026-05-01"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="orders-2026-05-01.xlsx"'
    sheet = xlsx_sheet(response)
    assert sheet.title == "Orders"
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ORDER_HEADER,
        ["TB-001", "Taobao", wall(5, 3, 12), "王小明", "+86 138 0013 8000", "wang@example.com",
         "王小明", "+86 138 0013 8000", "CN", "上海市", "上海市", "浦东新区", "世纪大道 100 号", "200120",
         "SKU-A", "Tea cup", 2, 49.5, 219, "CNY", "Swift Dropship", "SF Express", "SF1234567890", "Awaiting shipment"],
        ["TB-001", "Taobao", wall(5, 3, 12), "王小明", "+86 138 0013 8000", "wang@example.com",
         "王小明", "+86 138 0013 8000", "CN", "上海市", "上海市", "浦东新区", "世纪大道 100 号", "200120",
         "SKU-B", "Teapot", 1, 120, 219, "CNY", "Swift Dropship", "SF Express", "SF1234567890", "Awaiting shipment"],
        ["JD-002", "JD.com", wall(5, 6, 9, 30), FORMULA, "13900139000", None,
         "李雷", "13900139000", "CN", "北京市", "北京市", "朝阳区", "建国路 1 号", None,
         "@SUM(1+1)", "Mug", 1, 35, 35, "USD", "Slow Dropship", None, None, "Awaiting shipment"],
    ]  # fmt: skip
    assert sheet["D4"].data_type == "s"  # the formula is a string, never "f"
    assert sheet["O4"].data_type == "s"
    assert sheet["E2"].data_type == "s"  # "+86 …" is text, not a sum
    assert sheet["H2"].data_type == "s"
    assert sheet["R2"].data_type == "n"  # money stays a number
    assert sheet["R2"].number_format == "#,##0.00"
    assert sheet["C2"].is_date


@pytest.mark.parametrize("name", ORDER_EXPORTS)
def test_another_sellers_orders_never_appear(client, shop, name):
    client.force_login(shop.user)

    rows = rows_of(client.get(reverse(name), {"q": "TB-001"}), name)

    assert {row[0] for row in rows[1:]} == {"TB-001"}


@pytest.mark.parametrize("name", ORDER_EXPORTS)
def test_a_partner_has_no_order_export(client, shop, name):
    client.force_login(PartnerMembershipFactory(partner=shop.swift).user)

    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", ORDER_EXPORTS + REQUEST_EXPORTS)
def test_an_anonymous_visitor_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def _orders(seller, partner, count: int) -> None:
    for _index in range(count):
        order = OrderFactory(seller=seller, partner=partner)
        OrderLineFactory.create_batch(2, order=order)
        ShipmentFactory(order=order)


@pytest.mark.parametrize("name", ORDER_EXPORTS)
def test_the_orders_export_queries_do_not_grow_with_the_rows(client, name):
    user = SellerMembershipFactory().user
    seller, partner = user.seller_membership.seller, PartnerFactory()
    client.force_login(user)
    _orders(seller, partner, 1)
    client.get(reverse(name))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert len(rows_of(client.get(reverse(name)), name)) == 3  # the header and 2 lines
    _orders(seller, partner, 29)

    with CaptureQueriesContext(connection) as many:
        rows = rows_of(client.get(reverse(name)), name)

    assert len(rows) == 61  # the header and 60 lines
    assert len(many) == len(few)


# --- requests -----------------------------------------------------------------------------------


@pytest.fixture
def desk():
    """A seller's requests: one submitted (a formula description), one approved, one with another
    partner; and a request of another seller and partner that neither side here may see."""
    parties = make_parties()
    seller = parties.seller.seller_membership.seller
    partner = parties.partner.partner_membership.partner
    other_partner = parties.other_partner.partner_membership.partner

    def request_on(number: str, partner, description: str, when: datetime):
        order = OrderFactory(seller=seller, partner=partner, platform_order_number=number)
        line = OrderLineFactory(order=order, quantity=1)
        return workflow.reship_submit(
            actor=parties.seller,
            order_id=order.pk,
            reason="damaged",
            description=description,
            lines=[workflow.LineRequest(line.pk, 1, "resend")],
            now=when,
        )

    submitted = request_on("TB-100", partner, FORMULA, at(5, 1, 10))
    approved = request_on("TB-200", partner, "Crushed box", at(5, 2, 10))
    approve(parties, approved)
    elsewhere = request_on("TB-300", other_partner, "Wrong colour", at(5, 3, 10))
    stranger = make_parties()
    request_on_stranger = workflow.reship_submit(
        actor=stranger.seller,
        order_id=stranger.order.pk,
        reason="damaged",
        description="Not yours",
        lines=[workflow.LineRequest(stranger.order.lines.first().pk, 1, "resend")],
    )
    return SimpleNamespace(
        parties=parties,
        submitted=submitted,
        approved=approved,
        elsewhere=elsewhere,
        stranger=request_on_stranger,
    )


@pytest.mark.parametrize("name", REQUEST_EXPORTS)
def test_the_seller_exports_its_requests_and_never_another_sellers(client, desk, name):
    client.force_login(desk.parties.seller)

    rows = rows_of(client.get(reverse(name)), name)

    assert rows[0] == REQUEST_HEADER
    assert [row[0] for row in rows[1:]] == [desk.submitted.number, desk.approved.number, desk.elsewhere.number]


@pytest.mark.parametrize("name", REQUEST_EXPORTS)
def test_the_ship_to_columns_are_full_for_the_seller_and_masked_for_the_partner_outside_its_window(client, desk, name):
    client.force_login(desk.parties.seller)
    seller_rows = rows_of(client.get(reverse(name)), name)
    client.force_login(desk.parties.partner)
    partner_rows = rows_of(client.get(reverse(name)), name)

    full = ["张三", "13800138000", "CN", "上海市", "上海市", "浦东新区", "世纪大道 100 号", "200120", "No"]
    masked = ["张*", "138****8000", "CN", "上海市", "上海市", "浦东新区", "世纪大****", "200***", "Yes"]
    assert [row[SHIP_TO_COLUMNS] for row in seller_rows[1:]] == [full, full, full]
    # submitted: before approval, masked; approved: its line is to ship, in full (and logged)
    assert [row[SHIP_TO_COLUMNS] for row in partner_rows[1:]] == [masked, full]
    assert list(ShipToReveal.objects.values_list("request", "user", "via")) == [
        (desk.approved.pk, desk.parties.partner.pk, "export")
    ]


@pytest.mark.parametrize("name", REQUEST_EXPORTS)
def test_the_partner_exports_only_its_own_requests(client, desk, name):
    client.force_login(desk.parties.partner)

    rows = rows_of(client.get(reverse(name)), name)

    assert [row[0] for row in rows[1:]] == [desk.submitted.number, desk.approved.number]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"stage": "review"}, ["submitted", "elsewhere"]),
        ({"stage": "fulfilment"}, ["approved"]),
        ({"stage": "closed"}, []),
        ({"q": "TB-200"}, ["approved"]),
        ({"q": "TB-3", "stage": "review"}, ["elsewhere"]),
        ({"stage": "nonsense"}, ["submitted", "approved", "elsewhere"]),
        ({"status": "approved"}, ["approved"]),  # a dashboard figure's filter
    ],
)
def test_the_requests_export_applies_the_lists_filters(client, desk, query, expected):
    client.force_login(desk.parties.seller)

    rows = csv_rows(client.get(reverse("requests:export-csv"), query))

    assert [row[0] for row in rows[1:]] == [getattr(desk, key).number for key in expected]


def test_the_requests_csv_row_neutralises_a_formula_and_names_the_file(client, desk):
    client.force_login(desk.parties.partner)

    response = client.get(reverse("requests:export-csv"), {"stage": "review"})

    assert response["Content-Disposition"] == 'attachment; filename="reship-requests-review.csv"'
    row = csv_rows(response)[1]
    assert row[:8] == [
        desk.submitted.number, "TB-100", desk.submitted.seller.name, desk.submitted.partner.name, "Damaged",
        "'" + FORMULA, "Submitted", "2026-05-01 10:00",
    ]  # fmt: skip


def test_the_requests_xlsx_writes_a_formula_as_a_string(client, desk):
    client.force_login(desk.parties.seller)

    sheet = xlsx_sheet(client.get(reverse("requests:export-xlsx"), {"stage": "review"}))

    assert sheet["F2"].value == FORMULA
    assert sheet["F2"].data_type == "s"


def test_the_requests_headers_follow_the_users_language(client, desk):
    desk.parties.seller.language = "zh-hans"
    desk.parties.seller.save(update_fields=["language"])
    client.force_login(desk.parties.seller)

    rows = csv_rows(client.get(reverse("requests:export-csv"), {"stage": "review"}, HTTP_ACCEPT_LANGUAGE="zh-hans"))

    assert rows[0][:4] == ["编号", "订单号", "卖家", "代发方"]
    assert rows[1][4] == "商品破损"


def test_the_list_pages_link_to_their_exports_with_the_filters(client, desk):
    client.force_login(desk.parties.seller)

    orders = client.get(reverse("orders:list"), {"platform": "taobao", "page": "1"}).content.decode()
    requests = client.get(reverse("requests:list"), {"stage": "review", "q": "TB"}).content.decode()

    assert 'href="/orders/export.csv?platform=taobao"' in orders
    assert 'href="/orders/export.xlsx?platform=taobao"' in orders
    assert 'href="/requests/export.csv?stage=review&amp;q=TB"' in requests
    assert 'href="/requests/export.xlsx?stage=review&amp;q=TB"' in requests


def _requests(parties, count: int) -> None:
    seller = parties.seller.seller_membership.seller
    partner = parties.partner.partner_membership.partner
    for _index in range(count):
        order = OrderFactory(seller=seller, partner=partner)
        line = OrderLineFactory(order=order, quantity=1)
        workflow.reship_submit(
            actor=parties.seller,
            order_id=order.pk,
            reason="damaged",
            lines=[workflow.LineRequest(line.pk, 1, "resend")],
        )


@pytest.mark.parametrize("side", ["seller", "partner"])
@pytest.mark.parametrize("name", REQUEST_EXPORTS)
def test_the_requests_export_queries_do_not_grow_with_the_rows(client, name, side):
    parties = make_parties()
    client.force_login(getattr(parties, side))
    _requests(parties, 1)
    client.get(reverse(name))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert len(rows_of(client.get(reverse(name)), name)) == 2
    _requests(parties, 29)

    with CaptureQueriesContext(connection) as many:
        rows = rows_of(client.get(reverse(name)), name)

    assert len(rows) == 31
    assert len(many) == len(few)
