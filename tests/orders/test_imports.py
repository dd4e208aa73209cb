"""Order import (issue 8): upload, mapping, preview, grouping into orders, re-import without
duplicates, claimed lines, refused rows, the Celery path, query counts, tenancy, and every bad input
leaving the orders untouched."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from orders import selectors, ship_to
from orders.choices import ImportStatus, OrderStatus, Platform
from orders.imports import jobs, run
from orders.imports.fields import guess_mapping
from orders.imports.parsing import CellProblem, moment, phone, quantity
from orders.models import ImportJob, ImportPreset, Order, OrderLine, Shipment
from reship import workflow
from reship.core.errors import InvalidInput
from reship.models import ReshipRequest
from reship.workflow import LineRequest
from tests.factories import (
    OrderFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    ProductFactory,
    SellerMembershipFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = "订单编号,下单时间,收货人,手机,收货地址,商品编码,数量,单价,代发方,快递公司,快递单号"


@pytest.fixture
def shop():
    """This module's shop has three products and a second partner (tests/orders/conftest.py's has one)."""
    user = SellerMembershipFactory(user__language="en", user__time_zone="Asia/Shanghai").user
    seller = user.seller_membership.seller
    partner = PartnerFactory(name="顺丰代发")
    other_partner = PartnerFactory(name="Swift Dropship")
    for code, name in [("SKU-A", "茶杯"), ("SKU-B", "茶壶"), ("SKU-C", "茶叶")]:
        ProductFactory(seller=seller, sku_code=code, name=name)
    return SimpleNamespace(user=user, seller=seller, partner=partner, other_partner=other_partner)


def csv_file(*rows: str, header: str = HEADER, encoding: str = "utf-8", name: str = "orders.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([header, *rows]) + "\n").encode(encoding), content_type="text/csv")


def upload(shop, file, *, platform: str = Platform.TAOBAO) -> ImportJob:
    return jobs.order_import_upload(actor=shop.user, file=file, platform=platform)


def import_file(shop, file, *, partner_id=None, platform: str = Platform.TAOBAO, mapping=None) -> ImportJob:
    job = upload(shop, file, platform=platform)
    jobs.order_import_configure(
        actor=shop.user,
        job_id=job.pk,
        mapping=mapping or job.mapping,
        platform=platform,
        partner_id=partner_id,
    )
    return jobs.order_import_start(actor=shop.user, job_id=job.pk)


def counts(job: ImportJob) -> dict[str, int]:
    return {
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "refused": job.refused_count,
        "rows_done": job.rows_done,
        "rows_refused": job.rows_refused,
    }


def refused_rows(job: ImportJob) -> list[list[str]]:
    with job.refused_file.open("rb") as stored:
        data = stored.read()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


GOOD = [
    "TB1001,2026-11-20 14:03,张三,+86 138 0013 8000,上海市浦东新区世纪大道100号,SKU-A,2,19.90,顺丰代发,顺丰速运,SF1001",
    "TB1001,2026-11-20 14:03,张三,+86 138 0013 8000,上海市浦东新区世纪大道100号,SKU-B,1,88,顺丰代发,顺丰速运,SF1001",
    "TB1002,2026/11/21 09:15:30,李四,13900139000,北京市朝阳区建国路1号,SKU-C,3,15.5,顺丰代发,,",
]


# --- A clean file -------------------------------------------------------------------------------


def test_rows_of_one_order_number_become_one_order_with_several_lines(shop):
    job = import_file(shop, csv_file(*GOOD))

    assert job.status == ImportStatus.DONE
    assert counts(job) == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "refused": 0,
        "rows_done": 3,
        "rows_refused": 0,
    }
    first = Order.objects.get(seller=shop.seller, platform_order_number="TB1001")
    assert first.platform == Platform.TAOBAO
    assert first.customer_name == "张三"
    assert first.customer_phone == "13800138000"
    assert ship_to.values_of(first) == {
        "name": "张三",
        "phone": "+86 138 0013 8000",  # as typed
        "country": "CN",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "street": "世纪大道100号",
        "postcode": "",
    }
    assert first.ship_phone_e164 == "+8613800138000"
    assert first.partner == shop.partner
    assert first.placed_at == datetime(2026, 11, 20, 14, 3, tzinfo=SHANGHAI)
    assert first.amount == Decimal("127.80")  # 2 × 19.90 + 1 × 88
    assert first.status == OrderStatus.SHIPPED
    assert sorted(first.lines.values_list("product__sku_code", "quantity", "unit_price")) == [
        ("SKU-A", 2, Decimal("19.90")),
        ("SKU-B", 1, Decimal("88.00")),
    ]
    assert list(first.shipments.values_list("carrier__code", "carrier_label", "tracking_number", "shipped_at")) == [
        ("SF", "", "SF1001", datetime(2026, 11, 20, 14, 3, tzinfo=SHANGHAI))
    ]
    second = Order.objects.get(seller=shop.seller, platform_order_number="TB1002")
    assert second.placed_at == datetime(2026, 11, 21, 9, 15, 30, tzinfo=SHANGHAI)
    assert second.amount == Decimal("46.50")
    assert second.status == OrderStatus.PENDING
    assert not second.shipments.exists()
    assert not job.refused_file


def test_the_phone_is_stored_as_digits_and_found_however_it_is_typed(shop):
    import_file(shop, csv_file(GOOD[0]))

    for typed in ["+86 138 0013 8000", "13800138000", "138-0013-8000", "0086 13800138000"]:
        found = selectors.order_list_for_seller(seller=shop.seller, search=typed)
        assert [order.platform_order_number for order in found] == ["TB1001"], typed


def test_rows_of_one_order_further_down_the_file_join_the_same_order(shop):
    job = import_file(shop, csv_file(GOOD[0], GOOD[2], GOOD[1]))

    assert counts(job)["created"] == 2
    order = Order.objects.get(platform_order_number="TB1001")
    assert order.lines.count() == 2
    assert order.amount == Decimal("127.80")


def test_later_rows_of_an_order_may_leave_the_order_fields_blank(shop):
    job = import_file(
        shop,
        csv_file(
            GOOD[0],
            "TB1001,,,,,SKU-B,1,88,,,",
        ),
    )

    assert counts(job)["created"] == 1
    assert Order.objects.get(platform_order_number="TB1001").lines.count() == 2


def test_a_partner_for_the_whole_file_and_an_amount_column(shop):
    header = "Order No.,Order date,Recipient,Phone,Address,SKU,Qty,Price,Order amount"
    row = 'A-1,2026-11-20T14:03:00+08:00,Ann Lee,(206) 555-0184,"1 Main St, Seattle, WA 98101, USA",SKU-A,1,10,9.50'
    job = import_file(
        shop,
        csv_file(row, header=header),
        partner_id=shop.other_partner.pk,
        platform=Platform.SHOPIFY,
    )

    assert counts(job)["created"] == 1
    order = Order.objects.get(platform_order_number="A-1")
    assert order.partner == shop.other_partner
    assert order.platform == Platform.SHOPIFY
    assert order.amount == Decimal("9.50")
    # One name and phone in the sheet: the recipient's, and the customer's too (searched by digits).
    assert (order.customer_name, order.customer_phone) == ("Ann Lee", "2065550184")
    assert ship_to.values_of(order) == {
        "name": "Ann Lee",
        "phone": "(206) 555-0184",
        "country": "US",
        "province": "WA",
        "city": "Seattle",
        "district": "",
        "street": "1 Main St",
        "postcode": "98101",
    }
    assert order.ship_phone_e164 == "+12065550184"


# --- Encodings and XLSX ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_chinese_headers_and_values_in_every_encoding(shop, encoding):
    job = import_file(shop, csv_file(*GOOD, encoding=encoding))

    assert counts(job)["created"] == 2
    assert Order.objects.get(platform_order_number="TB1002").customer_name == "李四"


def test_an_xlsx_export_with_numbers_and_dates_as_excel_stores_them(shop):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    excel_time = datetime(2026, 11, 20, 14, 3)  # noqa: DTZ001 - Excel stores times without a zone
    sheet.append(
        ["TB2001", excel_time, "张三", 13800138000, "上海市浦东新区世纪大道100号", "SKU-A", 2, 19.9, "顺丰代发"]
    )
    sheet.append(["TB2001", None, None, None, None, "SKU-B", 1.0, 88, None])
    data = io.BytesIO()
    book.save(data)

    job = import_file(shop, SimpleUploadedFile("export.xlsx", data.getvalue()))

    assert counts(job)["created"] == 1
    order = Order.objects.get(platform_order_number="TB2001")
    assert order.customer_phone == "13800138000"
    assert order.placed_at == datetime(2026, 11, 20, 14, 3, tzinfo=SHANGHAI)
    assert order.amount == Decimal("127.80")


def test_an_xlsx_is_kept_as_csv_and_its_refused_rows_keep_excels_row_numbers(shop):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(GOOD[2].split(","))
    sheet.append([])  # a blank row 3
    sheet.append(GOOD[0].replace("SKU-A,2,", "SKU-A,0,").split(","))
    data = io.BytesIO()
    book.save(data)

    job = import_file(shop, SimpleUploadedFile("export.xlsx", data.getvalue()))

    assert job.file.name.endswith(".csv")
    assert job.original_filename == "export.xlsx"
    assert counts(job)["created"] == 1
    assert refused_rows(job)[1][-2:] == ["4", "Quantity: The quantity must be from 1 to 100000."]


# --- Re-import ------------------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing_and_duplicates_nothing(shop):
    import_file(shop, csv_file(*GOOD))

    job = import_file(shop, csv_file(*GOOD))

    assert counts(job) == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "refused": 0,
        "rows_done": 3,
        "rows_refused": 0,
    }
    assert Order.objects.filter(seller=shop.seller).count() == 2
    assert OrderLine.objects.filter(order__seller=shop.seller).count() == 3
    assert Shipment.objects.count() == 1


def test_a_corrected_file_updates_what_changed(shop):
    import_file(shop, csv_file(*GOOD))
    # TB1001: SKU-A quantity 2 → 4 and SKU-B left out; TB1002 as before; TB1003 new
    tb1001 = GOOD[0].replace("SKU-A,2,", "SKU-A,4,")
    tb1003 = "TB1003,2026-11-22 10:00,王五,13700137000,广东省广州市天河区体育西路1号,SKU-A,1,19.9,顺丰代发,,"
    job = import_file(shop, csv_file(tb1001, GOOD[2], tb1003))

    assert counts(job) == {
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "refused": 0,
        "rows_done": 3,
        "rows_refused": 0,
    }
    order = Order.objects.get(platform_order_number="TB1001")
    assert list(order.lines.values_list("product__sku_code", "quantity")) == [("SKU-A", 4)]
    assert order.amount == Decimal("79.60")
    assert Order.objects.filter(seller=shop.seller).count() == 3


def test_a_new_parcel_on_an_order_is_added_and_the_old_one_kept(shop):
    import_file(shop, csv_file(*GOOD))
    job = import_file(shop, csv_file(GOOD[0], GOOD[1], GOOD[2].replace(",,", ",中通快递,ZT9001")))

    assert counts(job)["updated"] == 1
    assert counts(job)["unchanged"] == 1
    order = Order.objects.get(platform_order_number="TB1002")
    assert list(order.shipments.values_list("tracking_number", flat=True)) == ["ZT9001"]
    assert order.status == OrderStatus.SHIPPED
    assert Shipment.objects.count() == 2


def _claim_two_of_sku_a(shop) -> ReshipRequest:
    order = Order.objects.get(platform_order_number="TB1001")
    line = order.lines.get(product__sku_code="SKU-A")
    return workflow.reship_submit(
        actor=shop.user,
        order_id=order.pk,
        reason="damaged",
        description="Both cups arrived broken.",
        lines=[LineRequest(order_line_id=line.pk, quantity=2, resolution="resend")],
    )


def test_a_line_a_reship_request_claims_is_never_reduced_or_removed(shop):
    import_file(shop, csv_file(*GOOD))
    _claim_two_of_sku_a(shop)
    before = list(OrderLine.objects.order_by("pk").values_list("pk", "quantity"))

    reduced = GOOD[0].replace("SKU-A,2,", "SKU-A,1,")
    job = import_file(shop, csv_file(reduced, GOOD[1], GOOD[2]))

    assert counts(job) == {
        "created": 0,
        "updated": 0,
        "unchanged": 1,
        "refused": 1,
        "rows_done": 3,
        "rows_refused": 2,
    }
    rows = refused_rows(job)
    assert rows[0][-2:] == ["Row", "Reason"]
    assert rows[1][-2:] == [
        "2",
        "Quantity: Reship requests already claim 2 of SKU SKU-A; the quantity cannot be less.",
    ]
    assert rows[2][-2:] == ["3", "Not imported with its order: see row 2."]

    removed = import_file(shop, csv_file(GOOD[1], GOOD[2]))  # SKU-A left out

    assert counts(removed)["refused"] == 1
    assert refused_rows(removed)[1][-1] == (
        "SKU code: The file leaves out a line of this order that a reship request holds (SKU SKU-A); keep it."
    )
    assert list(OrderLine.objects.order_by("pk").values_list("pk", "quantity")) == before


def test_a_claimed_line_may_grow(shop):
    import_file(shop, csv_file(*GOOD))
    _claim_two_of_sku_a(shop)

    job = import_file(shop, csv_file(GOOD[0].replace("SKU-A,2,", "SKU-A,5,"), GOOD[1], GOOD[2]))

    assert counts(job)["updated"] == 1
    assert Order.objects.get(platform_order_number="TB1001").lines.get(product__sku_code="SKU-A").quantity == 5


def test_a_tracking_number_on_another_order_refuses_the_row(shop):
    import_file(shop, csv_file(*GOOD))

    job = import_file(
        shop,
        csv_file(
            "TB1009,2026-11-20 14:03,赵六,13600136000,杭州市西湖区文三路90号,SKU-A,1,19.9,顺丰代发,顺丰速运,SF1001"
        ),
    )

    assert counts(job)["refused"] == 1
    assert refused_rows(job)[1][-1] == "Tracking number: SF Express SF1001 is already the parcel of another order."
    assert not Order.objects.filter(platform_order_number="TB1009").exists()


# --- Bad rows: refused whole, with a reason, nothing else written ---------------------------------


def _refused_reason(shop, *rows: str, header: str = HEADER) -> str:
    before = (Order.objects.count(), OrderLine.objects.count())
    job = import_file(shop, csv_file(*rows, header=header))
    assert job.status == ImportStatus.DONE
    assert job.created_count == 0
    assert (Order.objects.count(), OrderLine.objects.count()) == before
    reasons = [row[-1] for row in refused_rows(job)[1:]]
    return reasons[0] if len(reasons) == 1 else reasons


ROW = "TB3001,2026-11-20 14:03,张三,13800138000,上海市浦东新区世纪大道100号,{sku},{quantity},{price},{partner},,"


@pytest.mark.parametrize(
    ("quantity_text", "reason"),
    [
        ("0", "Quantity: The quantity must be from 1 to 100000."),
        ("-1", "Quantity: The quantity must be from 1 to 100000."),
        ("1.5", "Quantity: The quantity must be a whole number, not 1.5."),
        ("abc", "Quantity: “abc” is not a number."),
        ("", "Quantity: Required."),
        ("100001", "Quantity: The quantity must be from 1 to 100000."),
        # int() of these raised past 4,300 digits (the import failed) or took minutes of CPU
        ("9" * 4400, "Quantity: The quantity must be from 1 to 100000."),
        ("1e9999999", "Quantity: The quantity must be from 1 to 100000."),
    ],
)
def test_a_bad_quantity_refuses_the_row(shop, quantity_text, reason):
    row = ROW.format(sku="SKU-A", quantity=quantity_text, price="9", partner="顺丰代发")
    assert _refused_reason(shop, row) == reason


def test_an_unknown_sku_or_partner_refuses_the_row(shop):
    assert _refused_reason(shop, ROW.format(sku="NOPE", quantity=1, price=9, partner="顺丰代发")) == (
        "SKU code: SKU “NOPE” is not one of your products."
    )
    assert _refused_reason(shop, ROW.format(sku="SKU-A", quantity=1, price=9, partner="Nobody Ltd")) == (
        "Dropship partner: “Nobody Ltd” is not an active dropship partner in Reship."
    )


def test_another_sellers_sku_is_unknown(shop):
    ProductFactory(sku_code="SKU-THEIRS")
    assert _refused_reason(shop, ROW.format(sku="SKU-THEIRS", quantity=1, price=9, partner="顺丰代发")) == (
        "SKU code: SKU “SKU-THEIRS” is not one of your products."
    )


def test_duplicate_rows_refuse_the_order(shop):
    row = ROW.format(sku="SKU-A", quantity=1, price=9, partner="顺丰代发")
    assert _refused_reason(shop, row, row) == [
        "Not imported with its order: see row 3.",
        "SKU code: SKU SKU-A is already on row 2 of this order; give one row with the total quantity.",
    ]


def test_rows_of_one_order_that_disagree_refuse_it(shop):
    first = ROW.format(sku="SKU-A", quantity=1, price=9, partner="顺丰代发")
    second = first.replace("张三", "李四").replace("SKU-A", "SKU-B")
    assert _refused_reason(shop, first, second)[1] == "Recipient: Differs from row 2 of the same order."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20 14:03", datetime(2026, 11, 20, 14, 3, tzinfo=SHANGHAI)),
        ("2026/11/20 14:03:05", datetime(2026, 11, 20, 14, 3, 5, tzinfo=SHANGHAI)),
        ("2026/1/5 9:03", datetime(2026, 1, 5, 9, 3, tzinfo=SHANGHAI)),
        ("2026-11-20T14:03:00+08:00", datetime(2026, 11, 20, 14, 3, tzinfo=SHANGHAI)),
        ("2026-11-20T06:03:00Z", datetime(2026, 11, 20, 14, 3, tzinfo=SHANGHAI)),
        ("2026年11月20日 14:03", datetime(2026, 11, 20, 14, 3, tzinfo=SHANGHAI)),
        ("2026.11.20", datetime(2026, 11, 20, 0, 0, tzinfo=SHANGHAI)),
    ],
)
def test_dates_in_the_formats_read(text, expected):
    assert moment(text, zone=SHANGHAI, now=datetime(2027, 1, 1, tzinfo=SHANGHAI)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "20/11/2026 14:03",
            "Write the date year first, e.g. 2026-11-20 14:03: “20/11/2026 14:03” can be read two ways.",
        ),
        ("11/20/2026", "Write the date year first, e.g. 2026-11-20 14:03: “11/20/2026” can be read two ways."),
        ("yesterday", "“yesterday” is not a date and time Reship reads; write e.g. 2026-11-20 14:03."),
        ("2026-02-30 10:00", "“2026-02-30 10:00” is not a real date."),
        ("1999-12-31 10:00", "The order's time must be a time with a zone, from 2000 on and not in the future."),
        ("2027-06-01 10:00", "The order's time must be a time with a zone, from 2000 on and not in the future."),
    ],
)
def test_dates_refused(text, message):
    with pytest.raises(CellProblem) as refused:
        moment(text, zone=SHANGHAI, now=datetime(2027, 1, 1, tzinfo=SHANGHAI))
    assert refused.value.message == message


def test_a_date_in_a_refused_format_refuses_the_row(shop):
    row = ROW.format(sku="SKU-A", quantity=1, price=9, partner="顺丰代发").replace(
        "2026-11-20 14:03", "20/11/2026 14:03"
    )
    assert _refused_reason(shop, row).startswith("Placed at: Write the date year first")


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("+86 138 0013 8000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        ("(138) 0013 8000", "13800138000"),
        ("138****8000", "138****8000"),  # masked by the platform: kept as written
        ("+44 20 7946 0000", "+44 20 7946 0000"),
    ],
)
def test_phone_numbers(text, stored):
    assert phone(text) == stored


@pytest.mark.parametrize(("text", "expected"), [("2", 2), ("2.0", 2), ("1,000", 1000)])
def test_whole_quantities(text, expected):
    assert quantity(text) == expected


def test_formula_cells_are_neutralised_in_the_refused_rows_file(shop):
    row = '=HYPERLINK("http://evil"),2026-11-20 14:03,@SUM(A1),+86 138,-2+3,SKU-A,-1,9,顺丰代发,,'
    job = import_file(shop, csv_file(row))

    rows = refused_rows(job)
    assert rows[1][:7] == [
        '\'=HYPERLINK("http://evil")',
        "2026-11-20 14:03",
        "'@SUM(A1)",
        "'+86 138",
        "'-2+3",
        "SKU-A",
        "'-1",
    ]
    assert Order.objects.count() == 0


def test_a_neutralised_refused_file_can_be_corrected_and_imported(shop):
    job = import_file(shop, csv_file(GOOD[2].replace("SKU-C,3,", "SKU-C,-3,")))
    rows = refused_rows(job)
    corrected = [",".join(rows[0][:-2])] + [",".join(cell.replace("'-3", "3") for cell in row[:-2]) for row in rows[1:]]

    again = import_file(shop, csv_file(*corrected[1:], header=corrected[0]))

    assert counts(again)["created"] == 1
    assert Order.objects.get(platform_order_number="TB1002").lines.get().quantity == 3


def test_a_row_without_an_order_number_is_refused_alone(shop):
    job = import_file(
        shop, csv_file(GOOD[2], ",2026-11-20 14:03,张三,138,上海市浦东新区世纪大道100号,SKU-A,1,9,顺丰代发,,")
    )

    assert counts(job)["created"] == 1
    assert counts(job)["rows_refused"] == 1
    assert refused_rows(job)[1][-2:] == ["3", "Order number: Required."]


def test_reasons_follow_the_uploaders_language(shop):
    with translation.override("zh-hans"):
        job = upload(shop, csv_file(ROW.format(sku="NOPE", quantity=1, price=9, partner="顺丰代发")))
    assert job.language == "zh-hans"
    jobs.order_import_configure(actor=shop.user, job_id=job.pk, mapping=job.mapping, platform="taobao", partner_id=None)
    job = jobs.order_import_start(actor=shop.user, job_id=job.pk)

    header, refused = refused_rows(job)
    assert header[-2:] == ["行号", "原因"]
    assert refused[-1] == "SKU 编码：SKU“NOPE”不是您的商品。"


# --- Mapping, presets, preview ----------------------------------------------------------------------


def test_columns_are_guessed_from_chinese_and_english_headers():
    assert guess_mapping(HEADER.split(",")) == {
        "order_number": "订单编号",
        "placed_at": "下单时间",
        "ship_name": "收货人",
        "ship_phone": "手机",
        "shipping_address": "收货地址",
        "sku_code": "商品编码",
        "quantity": "数量",
        "unit_price": "单价",
        "partner": "代发方",
        "carrier": "快递公司",
        "tracking_number": "快递单号",
    }
    assert guess_mapping(
        [
            "Order number",
            "Placed at",
            "Customer name",
            "Phone",
            "Shipping address",
            "SKU",
            "Quantity",
            "Unit price",
            "Tracking No.",
        ]
    ) == {
        "order_number": "Order number",
        "placed_at": "Placed at",
        "customer_name": "Customer name",
        "ship_phone": "Phone",
        "shipping_address": "Shipping address",
        "sku_code": "SKU",
        "quantity": "Quantity",
        "unit_price": "Unit price",
        "tracking_number": "Tracking No.",
    }
    assert guess_mapping(["主订单编号", "收货人手机号码", "收货人姓名"]) == {
        "order_number": "主订单编号",
        "ship_name": "收货人姓名",
        "ship_phone": "收货人手机号码",
    }


def test_a_mapping_saved_as_a_preset_is_used_for_the_next_file(shop):
    header = "单号,时间,姓名,地址,编码,件数,价格"
    mapping = {
        "order_number": "单号",
        "placed_at": "时间",
        "customer_name": "姓名",
        "shipping_address": "地址",
        "sku_code": "编码",
        "quantity": "件数",
        "unit_price": "价格",
    }
    job = upload(shop, csv_file("X1,2026-11-20 10:00,张三,上海市浦东新区世纪大道100号,SKU-A,1,9", header=header))
    jobs.order_import_configure(
        actor=shop.user,
        job_id=job.pk,
        mapping=mapping,
        platform="taobao",
        partner_id=shop.partner.pk,
        preset_name="My shop export",
    )
    preset = ImportPreset.objects.get(seller=shop.seller)
    assert (preset.name, preset.mapping) == ("My shop export", mapping)

    next_job = jobs.order_import_upload(
        actor=shop.user,
        file=csv_file("X2,2026-11-21 10:00,李四,北京市朝阳区建国路1号,SKU-B,2,8", header="备注," + header),
        platform="taobao",
        preset_id=preset.pk,
    )
    assert next_job.mapping == mapping


def test_a_mapping_without_a_required_column_is_refused(shop):
    job = upload(shop, csv_file(*GOOD))
    mapping = {**job.mapping}
    del mapping["quantity"]
    mapping["sku_code"] = mapping["unit_price"]

    with pytest.raises(InvalidInput) as refused:
        jobs.order_import_configure(actor=shop.user, job_id=job.pk, mapping=mapping, platform="taobao", partner_id=None)

    assert refused.value.field_errors == {
        "columns.quantity": ["Choose the column."],
        "columns.unit_price": ["Column “单价” is already used for SKU code."],
    }


def test_the_preview_marks_each_problem_in_its_cell(shop):
    from orders.imports.preview import import_preview
    from reship.core.spreadsheets import open_sheet

    file = csv_file(GOOD[0], ROW.format(sku="NOPE", quantity="1.5", price=9, partner="顺丰代发"))
    with open_sheet(file, filename="orders.csv") as sheet:
        preview = import_preview(
            sheet,
            mapping=guess_mapping(sheet.headers),
            seller=shop.seller,
            options={"platform": "taobao"},
            time_zone="Asia/Shanghai",
        )

    keys = [field.key for field in preview.fields]
    assert [row.number for row in preview.rows] == [2, 3]
    assert all(problem == "" for _text, problem in preview.rows[0].cells)
    bad = dict(zip(keys, preview.rows[1].cells, strict=True))
    assert bad["sku_code"] == ("NOPE", "SKU “NOPE” is not one of your products.")
    assert bad["quantity"] == ("1.5", "The quantity must be a whole number, not 1.5.")
    assert bad["ship_name"] == ("张三", "")
    assert preview.problem_count == 2
    assert Order.objects.count() == 0


# --- Pages ---------------------------------------------------------------------------------------


def test_upload_map_preview_import_and_download_over_http(client, shop):
    client.force_login(shop.user)
    page = client.get(reverse("orders:list"))
    assert reverse("orders:import") in page.content.decode()

    bad = ROW.format(sku="NOPE", quantity=1, price=9, partner="顺丰代发").replace("TB3001", "TB1003")
    response = client.post(reverse("orders:import"), {"file": csv_file(*GOOD, bad), "platform": "taobao", "preset": ""})
    job = ImportJob.objects.get(seller=shop.seller)
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:import-mapping", args=[job.pk])

    mapping_page = client.get(response["Location"])
    html = mapping_page.content.decode()
    assert mapping_page.status_code == 200
    assert '<option value="订单编号" selected>订单编号</option>' in html
    assert "SKU “NOPE” is not one of your products." in html
    assert 'class="cell-invalid"' in html

    form = {f"column_{key}": header for key, header in job.mapping.items()}
    response = client.post(
        reverse("orders:import-mapping", args=[job.pk]),
        {**form, "platform": "taobao", "default_partner": "", "preset_name": "Taobao export", "action": "import"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:import-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert ImportPreset.objects.get(seller=shop.seller).name == "Taobao export"

    detail = client.get(response["Location"]).content.decode()
    assert '<progress id="import-progress-bar" max="4" value="4">' in detail
    assert "4 of 4 rows done · 1 refused" in detail
    assert "/progress/" not in detail  # finished: no more polling
    assert "Download refused rows" in detail

    download = client.get(reverse("orders:import-refused", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="refused-rows-orders.csv"'
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[1].endswith(",5,SKU code: SKU “NOPE” is not one of your products.")

    # once started, the mapping page leads to the result
    assert client.get(reverse("orders:import-mapping", args=[job.pk]))["Location"] == response["Location"]


def test_a_bad_file_is_refused_on_the_upload_page_with_nothing_kept(client, shop):
    client.force_login(shop.user)
    response = client.post(
        reverse("orders:import"),
        {"file": SimpleUploadedFile("orders.csv", b"\x00\x01binary\x00"), "platform": "taobao"},
    )
    assert response.status_code == 400
    assert "orders.csv is not a CSV or XLSX file: it holds binary data." in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_mapping_page_shows_a_missing_required_column(client, shop):
    client.force_login(shop.user)
    job = upload(shop, csv_file(*GOOD))
    form = {f"column_{key}": header for key, header in job.mapping.items() if key != "quantity"}

    response = client.post(
        reverse("orders:import-mapping", args=[job.pk]), {**form, "platform": "taobao", "action": "import"}
    )

    assert response.status_code == 400
    assert "Choose the column." in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.PENDING
    assert not Order.objects.exists()


def test_the_progress_block_polls_while_running_and_stops_when_done(client, shop):
    client.force_login(shop.user)
    job = upload(shop, csv_file(*GOOD))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, progress_at=timezone.now(), rows_total=3, rows_done=1, rows_refused=1
    )

    running = client.get(reverse("orders:import-progress", args=[job.pk])).content.decode()

    assert f'hx-get="{reverse("orders:import-progress", args=[job.pk])}" hx-trigger="every 1s"' in running
    assert '<progress id="import-progress-bar" max="3" value="1">' in running
    assert "1 of 3 rows done · 1 refused" in running
    assert "Importing" in running

    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE, rows_done=3, created_count=2)
    done = client.get(reverse("orders:import-progress", args=[job.pk])).content.decode()
    assert "hx-get" not in done
    assert "<dt>Orders created</dt><dd>2</dd>" in done


def test_another_sellers_job_preset_and_refused_file_are_not_found(client, shop):
    job = import_file(shop, csv_file(ROW.format(sku="NOPE", quantity=1, price=9, partner="顺丰代发")))
    preset = ImportPreset.objects.create(seller=shop.seller, name="Mine", mapping={})
    pending = upload(shop, csv_file(*GOOD))
    stranger = SellerMembershipFactory(user__language="en").user
    client.force_login(stranger)

    for name, pk in [
        ("orders:import-detail", job.pk),
        ("orders:import-progress", job.pk),
        ("orders:import-refused", job.pk),
        ("orders:import-mapping", pending.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 404, name
    assert client.post(reverse("orders:import-mapping", args=[pending.pk]), {"action": "import"}).status_code == 404
    assert client.post(reverse("orders:import-preset-delete", args=[preset.pk])).status_code == 404
    assert ImportPreset.objects.filter(pk=preset.pk).exists()
    assert "Mine" not in client.get(reverse("orders:import")).content.decode()


def test_partner_staff_and_visitors_cannot_reach_the_import(client, shop):
    partner_user = PartnerMembershipFactory(user__language="en").user
    client.force_login(partner_user)
    assert client.get(reverse("orders:import")).status_code == 404
    client.logout()
    assert client.get(reverse("orders:import")).status_code == 302  # to the login page


def test_a_preset_is_deleted_by_its_seller(client, shop):
    preset = ImportPreset.objects.create(seller=shop.seller, name="Old", mapping={})
    client.force_login(shop.user)

    response = client.post(reverse("orders:import-preset-delete", args=[preset.pk]))

    assert response.status_code == 302
    assert not ImportPreset.objects.exists()


# --- Bad files: a clear message, nothing written ---------------------------------------------------


def _xlsx(build) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    build(book)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def _with_formula(book):
    sheet = book.active
    sheet.append(["订单编号", "数量", "单价", "金额"])
    sheet.append(["TB1", 2, 9.5, "=B2*C2"])


def _with_merged_cells(book):
    sheet = book.active
    sheet.append(["订单编号", "收货人"])
    sheet.append(["TB1", "张三"])
    sheet.append(["TB1", None])
    sheet.merge_cells("B2:B3")


def _with_two_sheets(book):
    book.active.title = "订单"
    book.active.append(["订单编号"])
    book.active.append(["TB1"])
    other = book.create_sheet("退款")
    other.append(["TB2"])
    book.create_sheet("Sheet3")  # empty: not counted


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("orders.csv", b"", "orders.csv is empty."),
        ("orders.csv", b"\xef\xbb\xbf\r\n\r\n", "orders.csv is empty."),
        ("orders.csv", (HEADER + "\n").encode(), "orders.csv has a header row but no data rows."),
        (
            "orders.csv",
            (HEADER + "\nTB1,2026-11-20,Café,,Paris,SKU-A,1,9,顺丰代发,,\n").encode("cp1252", errors="replace"),
            "orders.csv is not in a text encoding Reship reads (UTF-8 or GB18030/GBK). Save it as CSV UTF-8 and "
            "upload it again.",
        ),
        (
            "orders.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "orders.csv is not a CSV or XLSX file: it holds binary data.",
        ),
        (
            "orders.csv",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "orders.csv is an old Excel 97-2003 (.xls) file. Save it as .xlsx or as CSV UTF-8 and upload it again.",
        ),
        (
            "orders.csv",
            HEADER.encode("utf-16"),
            "orders.csv is saved as UTF-16 (Excel's “Unicode text”). Save it as CSV UTF-8 and upload it again.",
        ),
        (
            "export.xlsx",
            _xlsx(_with_formula),
            "Cell D2 of export.xlsx holds a formula (=B2*C2). Reship reads values only: copy the column, paste it "
            "as values, and upload it again.",
        ),
        (
            "export.xlsx",
            _xlsx(_with_merged_cells),
            "Sheet “Sheet” of export.xlsx has merged cells. Unmerge them and upload it again.",
        ),
        (
            "export.xlsx",
            _xlsx(_with_two_sheets),
            "export.xlsx has data on several sheets (“订单”, “退款”). Keep the orders on one sheet, delete the "
            "others, and upload it again.",
        ),
        (
            "orders.csv",
            (
                HEADER + "\nTB1,2026-11-20,张三,138,上海市浦东新区世纪大道100号," + "x" * 10_000 + ",1,9,顺丰代发,,\n"
            ).encode(),
            "Row 2 of orders.csv is longer than 5000 characters. Check that every quotation mark is closed, then "
            "upload it again.",
        ),
        (
            "orders.csv",
            (HEADER + '\nTB1,2026-11-20,"张三,138,上海市浦东新区世纪大道100号,SKU-A,1,9,顺丰代发,,\n').encode(),
            "Row 2 of orders.csv cannot be read: unexpected end of data. Check that every quotation mark is closed.",
        ),
    ],
    ids=[
        "empty",
        "only-blank-lines",
        "header-only",
        "wrong-encoding",
        "binary-renamed-csv",
        "old-xls",
        "utf-16",
        "xlsx-formula",
        "xlsx-merged-cells",
        "xlsx-several-sheets",
        "row-of-10000-characters",
        "unclosed-quote",
    ],
)
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_written(shop, name, content, message):
    OrderFactory(seller=shop.seller, partner=shop.partner)
    before = (Order.objects.count(), OrderLine.objects.count(), ImportJob.objects.count())

    with pytest.raises(InvalidInput) as refused:
        upload(shop, SimpleUploadedFile(name, content))

    assert refused.value.message == message
    assert refused.value.field_errors == {"file": [message]}
    assert (Order.objects.count(), OrderLine.objects.count(), ImportJob.objects.count()) == before


def test_the_size_and_row_limits_are_settings(shop, settings):
    settings.RESHIP_IMPORT_MAX_BYTES = 100
    with pytest.raises(InvalidInput) as refused:
        upload(shop, csv_file(*GOOD))
    assert refused.value.message.startswith("orders.csv is ")
    assert refused.value.message.endswith("; the largest file accepted is 100\xa0bytes.")

    settings.RESHIP_IMPORT_MAX_BYTES = 10_000
    settings.RESHIP_IMPORT_MAX_ROWS = 2
    with pytest.raises(InvalidInput) as refused:
        upload(shop, csv_file(*GOOD))
    assert refused.value.message == "orders.csv has more than 2 rows; split it into smaller files."
    assert not ImportJob.objects.exists()


# --- The job: Celery, running twice, failures ----------------------------------------------------


def test_a_file_over_the_inline_limit_goes_through_the_celery_task(
    shop, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from orders.imports import tasks

    settings.RESHIP_IMPORT_INLINE_ROWS = 2
    queued = []
    deliver = tasks.order_import_run.apply_async
    monkeypatch.setattr(
        tasks.order_import_run, "apply_async", lambda args, **options: queued.append(args) or deliver(args, **options)
    )
    monkeypatch.setattr(run, "BATCH_ORDERS", 1)  # progress written after each order
    progress = []
    report = run._Counts.report
    monkeypatch.setattr(
        run._Counts, "report", lambda self, job_id: progress.append(self.rows_done) or report(self, job_id)
    )
    job = upload(shop, csv_file(*GOOD))
    jobs.order_import_configure(actor=shop.user, job_id=job.pk, mapping=job.mapping, platform="taobao", partner_id=None)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = jobs.order_import_start(actor=shop.user, job_id=job.pk)
    assert started.status == ImportStatus.QUEUED
    assert Order.objects.count() == 0
    assert queued == []

    for callback in callbacks:
        callback()

    assert queued == [(job.pk,)]
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.rows_total, job.rows_done, job.rows_refused) == (3, 3, 0)
    assert (job.created_count, job.updated_count, job.unchanged_count, job.refused_count) == (2, 0, 0, 0)
    assert progress == [2, 3, 3]  # after TB1001 (2 rows), after TB1002, at the end
    assert job.started_at <= job.finished_at


def test_a_broker_that_does_not_answer_fails_the_job_with_a_message(
    shop, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from orders.imports import tasks

    settings.RESHIP_IMPORT_INLINE_ROWS = 2

    def broker_down(*args, **options):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.order_import_run, "apply_async", broker_down)
    job = upload(shop, csv_file(*GOOD))
    jobs.order_import_configure(actor=shop.user, job_id=job.pk, mapping=job.mapping, platform="taobao", partner_id=None)

    with django_capture_on_commit_callbacks(execute=True):
        jobs.order_import_start(actor=shop.user, job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith("The import could not be handed to a worker")
    assert Order.objects.count() == 0


def test_the_task_leaves_a_finished_or_unconfirmed_job_alone(shop):
    from orders.imports.tasks import order_import_run

    done = import_file(shop, csv_file(*GOOD))
    assert order_import_run(done.pk) == "skipped"
    pending = upload(shop, csv_file(*GOOD))
    assert order_import_run(pending.pk) == "skipped"
    assert Order.objects.count() == 2
    done.refresh_from_db()
    assert done.created_count == 2


def test_a_job_running_under_a_live_worker_is_left_alone_and_a_dead_ones_starts_over(shop):
    from datetime import timedelta

    from django.utils import timezone

    from orders.imports.tasks import order_import_run

    import_file(shop, csv_file(GOOD[0], GOOD[1]))  # as if a dead worker wrote the first order
    job = upload(shop, csv_file(*GOOD))
    jobs.order_import_configure(actor=shop.user, job_id=job.pk, mapping=job.mapping, platform="taobao", partner_id=None)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, progress_at=timezone.now() - timedelta(minutes=2), rows_done=2
    )
    assert order_import_run(job.pk) == "skipped"

    ImportJob.objects.filter(pk=job.pk).update(progress_at=timezone.now() - timedelta(minutes=11))
    assert order_import_run(job.pk) == ImportStatus.DONE

    job.refresh_from_db()
    assert (job.created_count, job.unchanged_count, job.rows_done) == (1, 1, 3)
    assert Order.objects.count() == 2


def test_orders_spread_too_far_apart_fail_the_job_before_anything_is_written(shop, monkeypatch):
    monkeypatch.setattr(run, "MAX_OPEN_ROWS", 1)
    fourth = GOOD[2].replace("SKU-C", "SKU-A")
    # after row 3, TB1001 (row 2) and TB1002 (row 3) both wait for a later row: 2 rows held
    job = import_file(shop, csv_file(GOOD[0], GOOD[2], GOOD[1], fourth))

    assert job.status == ImportStatus.FAILED
    assert job.error == (
        "The rows of the same orders are spread too far apart in this file. Sort it by order number and upload "
        "it again."
    )
    assert Order.objects.count() == 0


def test_an_unexpected_error_fails_the_job_with_a_message(shop, monkeypatch):
    def broken(context, drafts):
        raise RuntimeError("database went away")

    monkeypatch.setattr(run, "write_batch", broken)
    job = import_file(shop, csv_file(*GOOD))

    assert job.status == ImportStatus.FAILED
    assert job.error.startswith("The import stopped on an unexpected error.")
    assert job.finished_at is not None


def test_a_batch_hitting_a_conflict_is_written_order_by_order(shop, monkeypatch):
    from django.db import IntegrityError

    from orders.imports import writing

    write = writing._write

    def conflict_when_several(context, drafts):
        if len(drafts) > 1:
            raise IntegrityError("duplicate key")
        if drafts[0].number == "TB1002":
            raise IntegrityError("duplicate key")
        return write(context, drafts)

    monkeypatch.setattr(writing, "_write", conflict_when_several)
    job = import_file(shop, csv_file(*GOOD))

    assert counts(job) == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "refused": 1,
        "rows_done": 3,
        "rows_refused": 1,
    }
    assert refused_rows(job)[1][-1] == "Changed by someone else while this file was imported; import the row again."
    assert list(Order.objects.values_list("platform_order_number", flat=True)) == ["TB1001"]


# --- Queries --------------------------------------------------------------------------------------


def _file_of(orders: int, *, start: int = 0) -> SimpleUploadedFile:
    rows = []
    for index in range(start, start + orders):
        order = f"Q{index:05d},2026-11-20 14:03,张三,13800138000,上海市浦东新区世纪大道100号"
        rows.append(f"{order},SKU-A,1,9.9,顺丰代发,顺丰速运,SFQ{index:05d}")
        rows.append(f"{order},SKU-B,2,9.9,顺丰代发,顺丰速运,SFQ{index:05d}")
    return csv_file(*rows)


def _queries_to_import(shop, file) -> int:
    job = upload(shop, file)
    jobs.order_import_configure(actor=shop.user, job_id=job.pk, mapping=job.mapping, platform="taobao", partner_id=None)
    with CaptureQueriesContext(connection) as queries:
        jobs.order_import_start(actor=shop.user, job_id=job.pk)
    job.refresh_from_db()
    assert job.refused_count == 0
    return len(queries)


def test_the_queries_of_an_import_grow_per_batch_not_per_row(shop, monkeypatch):
    monkeypatch.setattr(run, "BATCH_ORDERS", 10)

    ten = _queries_to_import(shop, _file_of(10))
    hundred = _queries_to_import(shop, _file_of(100, start=10))
    again = _queries_to_import(shop, _file_of(100, start=10))  # every order there already: all unchanged

    # Once per import (15): read the job, mark it queued, take it (savepoint, read, update, release),
    # the seller, the carriers, the active partners, rows_total, the SKUs, the last progress, done,
    # two re-reads.
    # Per batch of new orders (8): savepoint, the batch's existing orders, the parcels' tracking
    # numbers, INSERT orders, INSERT lines, INSERT shipments, release, the progress UPDATE.
    assert ten == 15 + 1 * 8
    assert hundred == 15 + 10 * 8
    # Per batch of orders already there and unchanged (8): savepoint, the orders, their lines, the
    # quantities requests claim, the lines in requests, the parcels, release, the progress — no write.
    assert again == 15 + 10 * 8
    assert Order.objects.count() == 110


def test_update_the_preview_shows_the_new_mapping_without_saving_it(client, shop):
    client.force_login(shop.user)
    job = upload(shop, csv_file(*GOOD))
    form = {f"column_{key}": header for key, header in job.mapping.items()}
    form["column_quantity"] = "单价"  # prices read as quantities
    form["column_unit_price"] = "数量"

    response = client.post(
        reverse("orders:import-mapping", args=[job.pk]), {**form, "platform": "taobao", "action": "preview"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "The quantity must be a whole number, not 19.90." in html
    assert "2 problems in these rows" in html  # 19.90 and 15.5 are no quantities; 88 is
    job.refresh_from_db()
    assert job.mapping["quantity"] == "数量"
    assert job.status == ImportStatus.PENDING
