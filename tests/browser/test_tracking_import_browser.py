"""A dropship partner ships lines from a sheet of tracking numbers, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from reship.choices import LineStatus, RequestStatus
from tests.browser.conftest import shoot
from tests.factories import DEFAULT_PASSWORD
from tests.workflow_states import line, make_parties, request_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_partner_uploads_a_sheet_and_sees_what_shipped_and_what_was_refused(new_page, screenshot_dir, tmp_path):
    parties = make_parties()
    approved = request_in(RequestStatus.APPROVED, parties)  # SKU-A is ready to ship
    sheet = tmp_path / "week-19.csv"
    sheet.write_text(
        "\ufeff补单号,SKU,快递公司,快递单号\n"
        f"{approved.number},SKU-A,顺丰速运,SF123456789012\n"
        "RS-2026-999999,SKU-A,顺丰速运,SF123456789013\n",
        encoding="utf-8",
    )
    page = new_page(locale="en")
    page.goto("/login/")
    page.get_by_label("Username").fill(parties.partner.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/partner/$"))

    page.goto("/partner/to-ship/")
    page.get_by_role("link", name="Ship many lines from a sheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import tracking numbers")
    page.get_by_label("Sheet (CSV or XLSX)").set_input_files(str(sheet))
    shoot(page, screenshot_dir, "1-upload")
    page.get_by_role("button", name="Upload and ship").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tracking import: week-19.csv")
    expect(page.get_by_role("status")).to_contain_text("1 line shipped in 1 parcel. 1 row refused.")
    refused = page.get_by_role("table", name="Refused rows")
    expect(refused.get_by_role("row")).to_have_count(2)  # the header and the refused row
    expect(refused).to_contain_text("Unknown request number RS-2026-999999.")
    expect(page.get_by_role("link", name="Download the refused rows (CSV)")).to_be_visible()
    shoot(page, screenshot_dir, "2-result")
    shipped = line(approved, "A")
    assert shipped.status == LineStatus.SHIPPED
    assert (shipped.shipment.carrier.code, shipped.shipment.tracking_number) == ("SF", "SF123456789012")

    page.get_by_role("link", name="Import another sheet").click()
    expect(page.get_by_role("table", name="Recent imports")).to_contain_text("week-19.csv")
