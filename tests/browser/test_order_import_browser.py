"""A seller imports a platform export in a real browser: upload, map, preview with a problem
marked, import, the counts, the refused rows downloaded, and the corrected file imported again."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from orders.models import ImportPreset, Order, OrderLine
from tests.browser.conftest import shoot
from tests.factories import DEFAULT_PASSWORD, PartnerFactory, ProductFactory, SellerMembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "订单编号,下单时间,收货人,手机,收货地址,商品编码,数量,单价,代发方,快递公司,快递单号"
ROWS = [
    "TB1001,2026-11-20 14:03,张三,+86 138 0013 8000,上海市浦东新区世纪大道100号,SKU-A,2,19.90,顺丰代发,顺丰速运,SF1001",
    "TB1001,,,,,SKU-B,1,88,,,",
    "TB1002,2026/11/21 09:15,李四,13900139000,北京市朝阳区建国路1号,SKU-C,1.5,15.5,顺丰代发,,",
    "TB1003,2026-11-22 10:00,王五,13700137000,广州市天河区天河路1号,SKU-A,1,19.9,顺丰代发,,",
]


@pytest.fixture
def shop(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = SellerMembershipFactory(user__language="en", user__time_zone="Asia/Shanghai").user
    seller = user.seller_membership.seller
    PartnerFactory(name="顺丰代发")
    for code in ["SKU-A", "SKU-B", "SKU-C"]:
        ProductFactory(seller=seller, sku_code=code)
    return user


def _log_in(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/seller/$"))


def _upload(page, path):
    page.goto("/orders/")
    page.get_by_role("link", name="Import orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import orders")
    page.get_by_label("Export file").set_input_files(str(path))
    page.get_by_label("Sales platform").select_option(label="Taobao")
    page.get_by_role("button", name="Upload and map columns").click()


def test_a_seller_imports_an_export_downloads_the_refused_rows_and_imports_them_corrected(
    new_page, shop, screenshot_dir, tmp_path
):
    export = tmp_path / "taobao-export.csv"
    export.write_bytes(("\n".join([HEADER, *ROWS]) + "\n").encode("gb18030"))
    page = new_page(locale="en")
    _log_in(page, shop)

    _upload(page, export)

    expect(page.get_by_role("heading", level=1)).to_have_text("Map the columns of taobao-export.csv")
    expect(page.get_by_label("Order number")).to_have_value("订单编号")
    expect(page.get_by_label("Quantity")).to_have_value("数量")
    preview = page.get_by_role("table", name="Preview")
    expect(page.get_by_role("status").filter(has_text="problem")).to_contain_text("1 problem in these rows")
    bad_row = preview.get_by_role("row").filter(has_text="TB1002")
    expect(bad_row).to_contain_text("The quantity must be a whole number, not 1.5.")
    page.get_by_label("Save this mapping as a preset named").fill("Taobao export")
    shoot(page, screenshot_dir, "1-mapping-and-preview")

    page.get_by_role("button", name="Import", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Import of taobao-export.csv")
    expect(page.get_by_label("Rows done")).to_have_attribute("value", "4")
    expect(page.get_by_text("4 of 4 rows done · 1 refused")).to_be_visible()
    counts = page.locator("dl.import-counts")
    expect(counts).to_contain_text(re.compile(r"Orders created\s*2\b"))
    expect(counts).to_contain_text(re.compile(r"Orders refused\s*1\b"))
    shoot(page, screenshot_dir, "2-result")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download refused rows").click()
    download = download_info.value
    assert download.suggested_filename == "refused-rows-taobao-export.csv"
    refused = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))  # noqa: PTH123, SIM115
    assert refused[0] == [*HEADER.split(","), "Row", "Reason"]
    assert refused[1][-2:] == ["4", "Quantity: The quantity must be a whole number, not 1.5."]
    assert Order.objects.count() == 2
    assert ImportPreset.objects.get().name == "Taobao export"

    # The seller fixes the quantity and imports the whole corrected file, with the saved preset.
    export.write_bytes(("\n".join([HEADER, *ROWS]) + "\n").replace("SKU-C,1.5,", "SKU-C,1,").encode("gb18030"))
    page.goto("/orders/import/")
    page.get_by_label("Export file").set_input_files(str(export))
    page.get_by_label("Column mapping", exact=True).select_option(label="Taobao export")
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("status").filter(has_text="problems")).to_have_text("No problems in these rows.")
    page.get_by_role("button", name="Import", exact=True).click()

    counts = page.locator("dl.import-counts")
    expect(counts).to_contain_text(re.compile(r"Orders created\s*1\b"))
    expect(counts).to_contain_text(re.compile(r"Orders unchanged\s*2\b"))
    expect(counts).to_contain_text(re.compile(r"Orders refused\s*0\b"))
    expect(page.get_by_role("link", name="Download refused rows")).to_have_count(0)
    shoot(page, screenshot_dir, "3-corrected-result")
    assert Order.objects.count() == 3
    assert OrderLine.objects.count() == 4

    page.get_by_role("link", name="Import another file").click()
    recent = page.get_by_role("table", name="Recent imports")
    expect(recent.get_by_role("row")).to_have_count(3)  # the header and the two imports


def test_a_bad_file_is_refused_on_the_upload_page(new_page, shop, tmp_path):
    fake = tmp_path / "orders.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    page = new_page(locale="en")
    _log_in(page, shop)

    _upload(page, fake)

    expect(page.get_by_role("alert")).to_contain_text("Please correct the errors below.")
    expect(page.get_by_text("orders.csv is not a CSV or XLSX file: it holds binary data.")).to_be_visible()
    assert Order.objects.count() == 0
