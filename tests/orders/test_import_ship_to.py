"""The order import's ship-to (issue 15): the columns people already have, in Chinese or English,
one address cell split into its parts, phones in any format, and each bad ship-to refusing its order
with the reason on its row and nothing written. Expected values are written by hand."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders import ship_to
from orders.imports import jobs
from orders.imports.addresses import address_split
from orders.models import ImportJob, Order
from reship.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def csv_file(header: str, *rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("orders.csv", ("\n".join([header, *rows]) + "\n").encode(), content_type="text/csv")


def import_file(shop, file: SimpleUploadedFile, *, mapping: dict[str, str] | None = None) -> ImportJob:
    job = jobs.order_import_upload(actor=shop.user, file=file, platform="taobao")
    jobs.order_import_configure(
        actor=shop.user, job_id=job.pk, mapping=mapping or job.mapping, platform="taobao", partner_id=shop.partner.pk
    )
    return jobs.order_import_start(actor=shop.user, job_id=job.pk)


def refused_reasons(job: ImportJob) -> list[tuple[str, str]]:
    """(row, reason) of each row in the refused-rows file."""
    with job.refused_file.open("rb") as stored:
        rows = list(csv.reader(io.StringIO(stored.read().decode("utf-8-sig"))))
    return [(row[-2], row[-1]) for row in rows[1:]]


def order(number: str) -> Order:
    return Order.objects.get(platform_order_number=number)


# --- the columns people have ------------------------------------------------------------------------


def test_chinese_columns_one_per_part(shop):
    header = "订单编号,下单时间,买家姓名,买家电话,收货人,收货人手机,省,市,区,详细地址,邮编,商品编码,数量,单价"
    row = "TB1,2026-11-20 14:03,李雷,13900139000,王小明,138 1234 1234,浙江省,杭州市,西湖区,文三路 90 号 501 室,310012"
    row += ",SKU-A,1,9"

    job = import_file(shop, csv_file(header, row))

    assert job.created_count == 1
    imported = order("TB1")
    assert (imported.customer_name, imported.customer_phone) == ("李雷", "13900139000")  # the buyer stays
    assert ship_to.values_of(imported) == {
        "name": "王小明",
        "phone": "138 1234 1234",
        "country": "CN",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "street": "文三路 90 号 501 室",
        "postcode": "310012",
    }
    assert imported.ship_phone_e164 == "+8613812341234"


def test_english_columns_of_an_overseas_shop(shop):
    header = "Order number,Order date,Ship to name,Mobile,Country,State,City,Address line,ZIP"
    header += ",SKU,Quantity,Unit price"
    row = "SH-1,2026-11-20 14:03,Ann Lee,(206) 555-0184,US,WA,Seattle,1 Main St Apt 4B,98101,SKU-A,1,9"

    job = import_file(shop, csv_file(header, row))

    assert job.created_count == 1
    imported = order("SH-1")
    # No customer column: the recipient is the customer too.
    assert (imported.customer_name, imported.customer_phone) == ("Ann Lee", "2065550184")
    assert ship_to.values_of(imported) == {
        "name": "Ann Lee",
        "phone": "(206) 555-0184",
        "country": "US",
        "province": "WA",
        "city": "Seattle",
        "district": "",
        "street": "1 Main St Apt 4B",
        "postcode": "98101",
    }
    assert imported.ship_phone_e164 == "+12065550184"


def test_one_address_column_is_split_and_its_own_columns_win(shop):
    header = "订单编号,下单时间,收货人,手机,收货地址,邮编,商品编码,数量,单价"
    rows = [
        "TB1,2026-11-20 14:03,王小明,13812341234,上海市浦东新区张江路123号,,SKU-A,1,9",
        "TB2,2026-11-20 14:03,李雷,13812341234,广东省深圳市南山区科技园南路 15 号,518057,SKU-A,1,9",
    ]

    job = import_file(shop, csv_file(header, *rows))

    assert job.created_count == 2
    assert ship_to.values_of(order("TB1")) == {
        "name": "王小明",
        "phone": "13812341234",
        "country": "CN",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "street": "张江路123号",
        "postcode": "",
    }
    second = ship_to.values_of(order("TB2"))
    assert (second["province"], second["city"], second["district"]) == ("广东省", "深圳市", "南山区")
    assert (second["street"], second["postcode"]) == ("科技园南路 15 号", "518057")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "上海市浦东新区张江路123号",
            {"province": "上海市", "city": "上海市", "district": "浦东新区", "street": "张江路123号"},
        ),
        (
            "北京市北京市朝阳区建国路 1 号",
            {"province": "北京市", "city": "北京市", "district": "朝阳区", "street": "建国路 1 号"},
        ),
        (
            "广东深圳市南山区科技园南路15号",
            {"province": "广东省", "city": "深圳市", "district": "南山区", "street": "科技园南路15号"},
        ),
        (
            "中国 浙江省 杭州市 西湖区 文三路 90 号 310012",
            {
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "street": "文三路 90 号",
                "postcode": "310012",
            },
        ),
        (
            "新疆维吾尔自治区乌鲁木齐市天山区解放南路 1 号",
            {"province": "新疆维吾尔自治区", "city": "乌鲁木齐市", "district": "天山区", "street": "解放南路 1 号"},
        ),
        ("张江路123号小区5栋", {"street": "张江路123号小区5栋"}),  # nothing recognised: all kept as the street
        (
            "1 Main St\nSeattle, WA 98101\nUSA",
            {"street": "1 Main St", "city": "Seattle", "province": "WA", "postcode": "98101", "country": "US"},
        ),
        (
            "10 Downing St, London SW1A 2AA, United Kingdom",
            {"street": "10 Downing St", "city": "London", "postcode": "SW1A 2AA", "country": "GB"},
        ),
        (
            "Musterstraße 5, 10115 Berlin, Germany",
            {"street": "Musterstraße 5", "city": "Berlin", "postcode": "10115", "country": "DE"},
        ),
        (
            "5 Rue X, Apt 3, Paris, 75001, France",
            {"street": "5 Rue X, Apt 3", "city": "Paris", "postcode": "75001", "country": "FR"},
        ),
    ],
)
def test_an_address_cell_split_into_its_parts(text, parts):
    assert address_split(text) == parts


@pytest.mark.parametrize(
    ("phone", "country", "e164"),
    [
        ("138 1234 1234", "", "+8613812341234"),
        ("+86-138-1234-1234", "中国", "+8613812341234"),
        ("(+86) 13812341234", "CN", "+8613812341234"),
        ("(206) 555-0184", "US", "+12065550184"),
        ("+1 604 555 0133", "Canada", "+16045550133"),
    ],
)
def test_a_phone_in_any_format_is_stored_normalised_and_shown_as_typed(shop, phone, country, e164):
    header = "订单编号,下单时间,收货人,手机,国家,市,详细地址,商品编码,数量,单价"

    job = import_file(
        shop, csv_file(header, f'TB1,2026-11-20 14:03,王小明,"{phone}",{country},上海市,张江路 1 号,SKU-A,1,9')
    )

    assert job.created_count == 1, refused_reasons(job)
    assert (order("TB1").ship_phone, order("TB1").ship_phone_e164) == (phone, e164)


# --- bad ship-to: the order refused with the reason on its row, nothing written --------------------

HEADER = "订单编号,下单时间,收货人,手机,省,市,区,详细地址,邮编,商品编码,数量,单价"


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (
            "王小明,12345,上海市,上海市,浦东新区,张江路 1 号,201203",
            "Recipient phone: “12345” is not a phone number in CN; write a foreign number with its +country code.",
        ),
        ("王小明,13812341234,上海市,上海市,浦东新区,张江路 1 号,20120", "Postcode: A postcode in China has 6 digits."),
        ("王小明,13812341234,上海市,,浦东新区,张江路 1 号,201203", "City: City is required."),
        ("王小明,13812341234,上海市,上海市,浦东新区,,201203", "Street address: Street address is required."),
        (
            "王小明,13812341234,上海市,上海市,浦东新区," + "路" * 256 + ",201203",
            "Street address: Street address is too long (at most 255 characters).",
        ),
        (
            "王" * 101 + ",13812341234,上海市,上海市,浦东新区,张江路 1 号,201203",
            "Recipient: Recipient is too long (at most 100 characters).",
        ),
    ],
)
def test_a_bad_ship_to_refuses_the_order_with_its_reason(shop, cells, reason):
    job = import_file(shop, csv_file(HEADER, f"TB1,2026-11-20 14:03,{cells},SKU-A,1,9"))

    assert (job.created_count, job.refused_count) == (0, 1)
    assert refused_reasons(job) == [("2", reason)]
    assert not Order.objects.exists()


def test_every_ship_to_problem_of_a_row_is_reported_at_once(shop):
    job = import_file(shop, csv_file(HEADER, "TB1,2026-11-20 14:03,王小明,12345,上海市,,浦东新区,,1,SKU-A,1,9"))

    assert refused_reasons(job) == [
        (
            "2",
            "Recipient phone: “12345” is not a phone number in CN; write a foreign number with its +country code.; "
            "City: City is required.; Street address: Street address is required.; "
            "Postcode: A postcode in China has 6 digits.",
        )
    ]
    assert not Order.objects.exists()


def test_a_split_address_without_a_city_is_reported_on_the_address_column(shop):
    header = "订单编号,下单时间,收货人,手机,收货地址,商品编码,数量,单价"
    good = "TB1,2026-11-20 14:03,王小明,13812341234,上海市浦东新区张江路123号,SKU-A,1,9"
    bad = "TB2,2026-11-20 14:03,李雷,13812341234,张江路123号,SKU-A,1,9"

    job = import_file(shop, csv_file(header, good, bad))

    assert (job.created_count, job.refused_count) == (1, 1)
    assert refused_reasons(job) == [("3", "Shipping address: City is required.")]
    assert list(Order.objects.values_list("platform_order_number", flat=True)) == ["TB1"]


# --- the mapping --------------------------------------------------------------------------------------


def test_a_mapping_needs_someone_to_ship_to_and_an_address(shop):
    job = jobs.order_import_upload(
        actor=shop.user,
        file=csv_file("订单编号,下单时间,备注,商品编码,数量,单价", "TB1,2026-11-20,x,SKU-A,1,9"),
        platform="taobao",
    )

    with pytest.raises(InvalidInput) as refused:
        jobs.order_import_configure(
            actor=shop.user, job_id=job.pk, mapping=job.mapping, platform="taobao", partner_id=shop.partner.pk
        )

    assert refused.value.field_errors["columns.customer_name"] == ["Choose the customer's column or the recipient's."]
    assert refused.value.field_errors["columns.shipping_address"] == [
        "Choose the shipping address column, or the street address column."
    ]


def test_the_mapping_page_offers_the_ship_to_fields(client, shop):
    client.force_login(shop.user)
    job = jobs.order_import_upload(
        actor=shop.user,
        file=csv_file(HEADER, "TB1,2026-11-20 14:03,王小明,13812341234,上海市,上海市,浦东新区,张江路 1 号,,SKU-A,1,9"),
        platform="taobao",
    )

    html = client.get(reverse("orders:import-mapping", args=[job.pk])).content.decode()

    for label in ("Recipient", "Recipient phone", "Country", "Province / state", "City", "District"):
        assert f">{label}</label>" in html
    assert ">Street address</label>" in html
    assert ">Postcode</label>" in html
    assert job.mapping["ship_street"] == "详细地址"
    assert job.mapping["ship_province"] == "省"
    assert job.mapping["ship_postcode"] == "邮编"
