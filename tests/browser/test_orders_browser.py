"""A seller finds an order and files a reship request with a photo, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from reship.models import ReshipRequest
from tests.browser.conftest import shoot
from tests.factories import (
    DEFAULT_PASSWORD,
    OrderFactory,
    OrderLineFactory,
    PartnerFactory,
    SellerMembershipFactory,
    ShipmentFactory,
)
from tests.services.test_evidence import png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = SellerMembershipFactory(user__language="en").user
    seller = user.seller_membership.seller
    partner = PartnerFactory(name="Swift Dropship")
    order = OrderFactory(seller=seller, partner=partner, platform_order_number="TB2026050001", customer_name="王小明")
    OrderLineFactory(order=order, product__sku_code="SKU-A", product__name="Tea cup", quantity=2)
    OrderLineFactory(order=order, product__sku_code="SKU-B", product__name="Teapot", quantity=1)
    ShipmentFactory(order=order, tracking_number="SF1234567890")
    for number in range(3):
        OrderFactory(seller=seller, partner=partner, platform_order_number=f"JD7700{number}")
    return user


def _log_in(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/seller/$"))


def test_a_seller_searches_an_order_and_files_a_request_with_a_photo(new_page, shop, screenshot_dir, tmp_path):
    photo = tmp_path / "crushed-box.png"
    photo.write_bytes(png_bytes())
    page = new_page(locale="en")
    _log_in(page, shop)

    page.goto("/orders/")
    page.get_by_label("Search", exact=True).fill("TB2026050001")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 order found")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/orders/\?q=TB2026050001"))
    expect(page.get_by_role("link", name="JD77000")).to_have_count(0)
    shoot(page, screenshot_dir, "1-order-search")

    page.get_by_role("link", name="TB2026050001").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Order TB2026050001")
    shoot(page, screenshot_dir, "2-order-detail")

    page.get_by_role("link", name="New reship request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New reship request for order TB2026050001")
    line = page.get_by_role("group", name="SKU-A · Tea cup")
    line.get_by_label("Include this line").check()
    line.get_by_label("Quantity").fill("1")
    line.get_by_label("Reason for this line").select_option(label="Wrong item")
    line.get_by_label("Resolution").select_option(label="Compensation")
    page.get_by_label("Reason for the request").select_option(label="Damaged")
    page.get_by_label("Description").fill("The cup arrived in pieces.")
    page.get_by_label("Evidence photos").set_input_files(str(photo))
    shoot(page, screenshot_dir, "3-new-request-filled")
    page.get_by_role("button", name="Submit the reship request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Reship request submitted")
    reship = ReshipRequest.objects.get()
    expect(page.get_by_text(f"Request number: {reship.number}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Open request {reship.number}")).to_have_attribute(
        "href", f"/requests/{reship.pk}/"
    )
    shoot(page, screenshot_dir, "4-confirmation")
    line_row = reship.lines.get()
    assert (line_row.order_line.product.sku_code, line_row.quantity, line_row.reason, line_row.resolution) == (
        "SKU-A",
        1,
        "wrong_item",
        "compensation",
    )
    assert list(reship.evidence.values_list("original_name", "content_type")) == [("crushed-box.png", "image/png")]


def test_the_pages_fit_a_phone_and_a_request_starts_from_a_tracking_number(new_page, shop, screenshot_dir):
    page = new_page(locale="en", width=375, height=740)
    _log_in(page, shop)

    page.goto("/orders/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, screenshot_dir, "phone-order-list")

    page.goto("/orders/find/")
    page.get_by_label("Tracking number").fill("sf1234567890")
    page.get_by_role("button", name="Find the order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New reship request for order TB2026050001")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, screenshot_dir, "phone-new-request")

    page.get_by_label("Reason for the request").select_option(label="Lost in transit")
    page.get_by_role("button", name="Submit the reship request").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one line")
    expect(page.get_by_label("Reason for the request")).to_have_value("lost_in_transit")
    shoot(page, screenshot_dir, "phone-no-line-chosen")
