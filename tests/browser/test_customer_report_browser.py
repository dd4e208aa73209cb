"""The after-sale page on a 390×844 phone: a photo far larger than a phone screen is made smaller in the
browser before upload (a JPEG whose longest side is 1600 px), with a thumbnail shown, and the page
loads with no script or policy error (the downsizing script is a file, the thumbnails blob: URLs)."""

import struct
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reship.choices import RequestStatus
from reship.models import Evidence, ReshipRequest
from tests.browser.conftest import shoot
from tests.browser.story_support import png_bytes
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, SellerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame segment."""
    index = 2
    while index < len(data):
        marker, length = data[index + 1], struct.unpack(">H", data[index + 2 : index + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    raise AssertionError("no start-of-frame segment")


def test_a_large_photo_is_downsized_before_upload(new_page, screenshot_dir, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seller = SellerFactory(display_name="Little Deer Tea")
    order = OrderFactory(seller=seller, platform_order_number="TB77001", customer_phone="13912345678")
    OrderLineFactory(
        order=order, quantity=1, unit_price=Decimal("88.00"), product=ProductFactory(seller=seller, name="Tea")
    )
    big = tmp_path / "camera.png"
    big.write_bytes(png_bytes(3200, 2400))

    page = new_page(locale="en", width=390, height=844)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(reverse("customer-report", kwargs={"key": seller.report_key}))
    page.get_by_label("Order number", exact=True).fill("TB77001")
    page.get_by_label("Last 4 digits of your phone number", exact=True).fill("5678")
    page.get_by_role("button", name="Find my order").click()
    page.get_by_role("group", name="Tea", exact=True).get_by_label("How many are affected?").fill("1")
    page.get_by_role("group", name="What went wrong?").get_by_label("Damaged", exact=True).check()
    page.get_by_label("Photos (optional)", exact=True).set_input_files(str(big))
    expect(page.locator("[data-photo-previews] img")).to_have_count(1)
    expect(page.get_by_role("button", name="Send my report")).to_be_enabled()
    shoot(page, screenshot_dir, "report-with-photo")
    page.get_by_role("button", name="Send my report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, we have your report")
    reship = ReshipRequest.objects.get()
    assert reship.status == RequestStatus.REPORTED
    photo = Evidence.objects.get(request=reship)
    assert (photo.original_name, photo.content_type) == ("camera.jpg", "image/jpeg")
    with photo.file.open("rb") as stored:
        assert _jpeg_size(stored.read()) == (1600, 1200)
    assert errors == []
