"""A partner prints packing slips (A4 and 100×150 mm label) and a pick list from the to-ship list,
in a real browser; the screenshots (under var/screenshots/) are the pages as the printer gets them."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Product
from reship import workflow
from reship.models import ReshipLine
from tests.browser.conftest import shoot
from tests.factories import DEFAULT_PASSWORD, OrderFactory, OrderLineFactory, ProductFactory
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db(transaction=True)

A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 px an inch
LABEL = {"width": 378, "height": 567}  # 100 × 150 mm


def _approved(parties, products, **ship_to):
    """An approved request resending one of each product (sku, name) to ``ship_to``."""
    order = OrderFactory(
        seller=parties.seller.seller_membership.seller, partner=parties.partner.partner_membership.partner, **ship_to
    )
    seller = order.seller
    order_lines = [
        OrderLineFactory(
            order=order,
            product=Product.objects.filter(seller=seller, sku_code=sku).first()
            or ProductFactory(seller=seller, sku_code=sku, name=name),
            quantity=2,
        )
        for sku, name in products
    ]
    reship = workflow.reship_submit(
        actor=parties.seller,
        order_id=order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(order_line.pk, 1, "resend") for order_line in order_lines],
    )
    workflow.reship_approve(
        request_id=reship.pk,
        actor=parties.partner,
        quote_goods="30",
        quote_shipping="12",
        cost_bearer="seller",
        promised_date=timezone.localdate(),
    )
    return reship


def _log_in(page, user) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/partner/$"))


def _print(page, button: str, viewport: dict):
    """Click a print button (the print opens in a new tab) and show that tab as the printer sees it."""
    with page.context.expect_page() as opened:
        page.get_by_role("button", name=button).first.click()
    printed = opened.value
    printed.wait_for_load_state()
    printed.set_viewport_size(viewport)
    printed.emulate_media(media="print")
    return printed


def test_a_partner_prints_slips_at_a4_and_label_size_and_a_pick_list(new_page, screenshot_dir):
    parties = make_parties()
    tea = _approved(
        parties,
        [("TEA-LJ-500", "西湖龙井 500 g 礼盒"), ("CUP-GL-2", "双层玻璃杯 2 只装")],
        ship_name="王小明",
        ship_phone="138 1234 5678",
        ship_province="浙江省",
        ship_city="杭州市",
        ship_district="西湖区",
        ship_street="文三路 478 号 华星时代广场 A 座 1203 室",
        ship_postcode="310012",
    )
    lamp = _approved(
        parties,
        [("LAMP-D-01", "Desk lamp, warm white"), ("TEA-LJ-500", "西湖龙井 500 g 礼盒")],
        ship_name="Emily Carter",
        ship_phone="+1 206 555 0143",
        ship_country="US",
        ship_province="WA",
        ship_city="Seattle",
        ship_district="",
        ship_street="1200 Pine St, Apt 3B",
        ship_postcode="98101",
    )
    page = new_page(locale="en", width=1280, height=900)
    errors: list[str] = []
    page.context.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _log_in(page, parties.partner)

    page.goto("/partner/to-ship/")
    expect(page.get_by_text("王小明")).to_be_visible()  # the full ship-to while the lines are to ship
    page.get_by_label(f"Select all lines of {tea.number}").check()
    expect(page.get_by_label(f"Select TEA-LJ-500 of {tea.number}")).to_be_checked()  # the request's box ticks its lines
    expect(page.get_by_label(f"Select CUP-GL-2 of {tea.number}")).to_be_checked()
    page.get_by_label(f"Select LAMP-D-01 of {lamp.number}").check()
    page.get_by_label(f"Select TEA-LJ-500 of {lamp.number}").check()
    expect(page.get_by_label(f"Select all lines of {lamp.number}")).to_be_checked()
    shoot(page, screenshot_dir, "1-to-ship-selected")

    slips = _print(page, "Print packing slips (A4)", A4)
    expect(slips.get_by_role("heading", name=tea.number)).to_be_visible()
    expect(slips.get_by_role("img", name=lamp.number)).to_be_visible()  # the barcode
    expect(slips.get_by_role("navigation", name="Main")).to_be_hidden()  # print CSS hides the site's menu
    shoot(slips, screenshot_dir, "2-slips-a4")
    slips.pdf(path=str(screenshot_dir / "slips-a4.pdf"), prefer_css_page_size=True)

    label = _print(page, "Print packing slips (100×150 label)", LABEL)
    expect(label.get_by_text("Emily Carter")).to_be_visible()
    barcode_width = label.get_by_role("img", name=tea.number).bounding_box()["width"]
    assert barcode_width <= LABEL["width"]  # the barcode fits on the label
    shoot(label, screenshot_dir, "3-slips-label")
    label.pdf(path=str(screenshot_dir / "slips-label.pdf"), prefer_css_page_size=True)

    pick = _print(page, "Print pick list", A4)
    tea_row = pick.get_by_role("row", name=re.compile("TEA-LJ-500"))
    expect(tea_row.get_by_role("cell").nth(2)).to_have_text("2")  # one for each parcel
    shoot(pick, screenshot_dir, "4-pick-list")

    page.reload()
    expect(page.get_by_text(re.compile(r"slip printed \d\d-\d\d \d\d:\d\d")).first).to_be_visible()
    shoot(page, screenshot_dir, "5-to-ship-printed")
    assert ReshipLine.objects.filter(slip_printed_at__isnull=False).count() == 4
    assert errors == []  # no script or style the Content-Security-Policy refused
