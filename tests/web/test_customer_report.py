"""A shop's after-sale page (售后自助): a customer with no account finds the order by its number and the
last 4 digits of the phone on it (the same answer for an unknown order and wrong digits, both counted
toward the limits), then reports lines, a reason, a preferred resolution and photos; every refusal
writes nothing."""

import re
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import signing as django_signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reship.choices import RequestSource, RequestStatus
from reship.core import signing
from reship.models import Evidence, ReshipRequest
from tests.factories import OrderFactory, OrderLineFactory, ProductFactory, SellerFactory
from tests.services.test_evidence import JPEG, png_bytes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fresh_counts_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RESHIP_REPORT_LOOKUPS_PER_ADDRESS = 10
    settings.RESHIP_REPORT_LOOKUPS_PER_ORDER = 5
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop():
    seller = SellerFactory(name="Shop internal", display_name="小鹿家居")
    order = OrderFactory(
        seller=seller,
        platform_order_number="TB2026120300017",
        customer_phone="138 0013 8000",
        ship_phone="139-1234-5678",
        ship_phone_e164="+8613912345678",
    )
    lamp = OrderLineFactory(
        order=order, quantity=2, unit_price=Decimal("49.50"), product=ProductFactory(seller=seller, name="Desk lamp")
    )
    mug = OrderLineFactory(
        order=order, quantity=1, unit_price=Decimal("19.00"), product=ProductFactory(seller=seller, name="Blue mug")
    )
    return seller, order, lamp, mug


def _lookup_url(seller):
    return reverse("customer-report", kwargs={"key": seller.report_key})


def _report_url(seller, order):
    return reverse(
        "customer-report-order", kwargs={"key": seller.report_key, "token": signing.report_token(order.pk, seller.pk)}
    )


def _without_csrf(body: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body.decode())


def _report(seller, order, lamp, mug, **changes):
    data = {
        f"line_{lamp.pk}_quantity": "1",
        f"line_{mug.pk}_quantity": "0",
        "reason": "damaged",
        "description": "台灯灯罩裂了",
        "preferred_resolution": "resend",
    }
    data.update(changes)
    return data


def _photo(name="crack.png", content=None, content_type="image/png"):
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type=content_type)


def _tracked(body: str) -> list[int]:
    """The requests whose tracking pages the page links (a signed token holds its time, so it is
    read back rather than compared)."""
    return [signing.track_token_read(token) for token in re.findall(r'href="/t/([^"/]+)/"', body)]


def _nothing_written():
    assert ReshipRequest.objects.count() == 0
    assert Evidence.objects.count() == 0


# --- finding the order -------------------------------------------------------------------------


def test_the_page_carries_the_shops_name_and_no_reship_brand(client, shop):
    seller, _order, _lamp, _mug = shop

    response = client.get(_lookup_url(seller))

    body = response.content.decode()
    assert response.status_code == 200
    assert "小鹿家居" in body
    assert "Reship" not in body
    assert "Order number" in body
    assert "Last 4 digits of your phone number" in body


def test_an_unknown_key_is_a_404_page(client):
    response = client.get(reverse("customer-report", kwargs={"key": "no-such-shop"}))

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("last4", ["8000", "5678"])
def test_the_order_is_found_by_its_number_and_either_phone_on_it(client, shop, last4):
    seller, order, _lamp, _mug = shop

    response = client.post(_lookup_url(seller), {"order_number": " TB2026120300017 ", "phone_last4": last4})

    assert response.status_code == 302
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert response["Location"].startswith(f"/c/{seller.report_key}/order/")
    assert "Order TB2026120300017" in body
    assert "Desk lamp" in body
    assert "Blue mug" in body
    assert "RS-" not in body
    assert "Reship" not in body


def test_wrong_digits_and_an_unknown_order_get_the_same_answer_and_both_count(client, shop, settings):
    seller, _order, _lamp, _mug = shop
    settings.RESHIP_REPORT_LOOKUPS_PER_ADDRESS = 3

    wrong = client.post(_lookup_url(seller), {"order_number": "TB2026120300017", "phone_last4": "1111"})
    unknown = client.post(_lookup_url(seller), {"order_number": "TB2026120300017", "phone_last4": "1111"})
    missing = client.post(_lookup_url(seller), {"order_number": "TB0000000000000", "phone_last4": "1111"})

    assert wrong.status_code == unknown.status_code == missing.status_code == 400
    assert "We could not find an order with these details." in wrong.content.decode()
    # Byte for byte the same page but for the CSRF token (and the number typed, kept in its field).
    assert _without_csrf(wrong.content) == _without_csrf(missing.content).replace("TB0000000000000", "TB2026120300017")
    # Three tries from this address: the right details are refused now too.
    blocked = client.post(_lookup_url(seller), {"order_number": "TB2026120300017", "phone_last4": "8000"})
    assert blocked.status_code == 429
    # An hour's window counted in tenths: the oldest try leaves it in 54 to 60 minutes.
    assert 54 * 60 <= int(blocked["Retry-After"]) <= 3600
    minutes = re.search(r"Please try again in about (\d+) minutes\.", blocked.content.decode())
    assert minutes is not None
    assert 54 <= int(minutes.group(1)) <= 60


def test_an_order_number_is_limited_whatever_the_address(client, shop, settings):
    seller, _order, _lamp, _mug = shop
    settings.RESHIP_REPORT_LOOKUPS_PER_ORDER = 2
    for address in ("203.0.113.1", "203.0.113.2"):
        response = client.post(
            _lookup_url(seller), {"order_number": "TB2026120300017", "phone_last4": "0000"}, REMOTE_ADDR=address
        )
        assert response.status_code == 400

    blocked = client.post(
        _lookup_url(seller), {"order_number": "TB2026120300017", "phone_last4": "8000"}, REMOTE_ADDR="203.0.113.3"
    )
    other_order = client.post(
        _lookup_url(seller), {"order_number": "TB999", "phone_last4": "8000"}, REMOTE_ADDR="203.0.113.3"
    )

    assert blocked.status_code == 429
    assert "too many attempts" in blocked.content.decode()
    assert other_order.status_code == 400  # another number is not held back


def test_the_lookup_form_needs_four_digits(client, shop):
    seller, _order, _lamp, _mug = shop

    response = client.post(_lookup_url(seller), {"order_number": "TB2026120300017", "phone_last4": "80"})

    assert response.status_code == 400
    assert "Enter 4 digits." in response.content.decode()


def test_the_lookup_keeps_csrf(shop):
    from django.test import Client

    seller, _order, _lamp, _mug = shop
    response = Client(enforce_csrf_checks=True).post(
        _lookup_url(seller), {"order_number": "TB2026120300017", "phone_last4": "8000"}
    )

    assert response.status_code == 403


# --- the report link ---------------------------------------------------------------------------


def test_a_token_for_another_shop_is_refused(client, shop):
    seller, order, _lamp, _mug = shop
    other = SellerFactory()
    url = reverse(
        "customer-report-order", kwargs={"key": other.report_key, "token": signing.report_token(order.pk, seller.pk)}
    )

    response = client.get(url)

    assert response.status_code == 400
    assert "This link is not valid. Look up your order again." in response.content.decode()


def test_an_expired_token_says_so(client, shop):
    seller, order, lamp, mug = shop
    three_hours_ago = timezone.now().timestamp() - 3 * 3600
    with mock.patch.object(django_signing.time, "time", return_value=three_hours_ago):
        token = signing.report_token(order.pk, seller.pk)
    url = reverse("customer-report-order", kwargs={"key": seller.report_key, "token": token})

    response = client.post(url, _report(seller, order, lamp, mug))

    assert response.status_code == 410
    assert "This page has expired. Look up your order again." in response.content.decode()
    _nothing_written()


def test_an_order_outside_the_return_window_is_explained(client, shop):
    seller, order, lamp, mug = shop
    order.placed_at = timezone.now() - timedelta(days=31)
    order.save(update_fields=["placed_at"])

    page = client.get(_report_url(seller, order))
    posted = client.post(_report_url(seller, order), _report(seller, order, lamp, mug))

    assert page.status_code == posted.status_code == 409
    deadline = timezone.localtime(order.placed_at + timedelta(days=30)).strftime("%Y-%m-%d")
    assert f"Problems with this order could be reported until {deadline}." in page.content.decode()
    _nothing_written()


# --- the report --------------------------------------------------------------------------------


def test_a_report_creates_a_request_the_seller_confirms(client, shop):
    seller, order, lamp, mug = shop
    data = _report(
        seller,
        order,
        lamp,
        mug,
        **{f"line_{lamp.pk}_quantity": "2", f"line_{mug.pk}_quantity": "1", "preferred_resolution": "compensation"},
    )
    data["evidence"] = [_photo("lamp.png"), _photo("box.jpg", JPEG, "image/jpeg")]

    response = client.post(_report_url(seller, order), data)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Thank you, we have your report" in body
    reship = ReshipRequest.objects.get()
    assert _tracked(body) == [reship.pk]
    assert reship.number not in body
    assert (reship.status, reship.source, reship.reason, reship.description) == (
        RequestStatus.REPORTED,
        RequestSource.CUSTOMER,
        "damaged",
        "台灯灯罩裂了",
    )
    assert reship.submitted_at is None
    assert reship.reported_at is not None
    assert reship.created_by is None
    lines = sorted((line.order_line_id, line.quantity, line.resolution) for line in reship.lines.all())
    assert lines == sorted([(lamp.pk, 2, "compensation"), (mug.pk, 1, "compensation")])
    photos = sorted((photo.original_name, photo.content_type, photo.uploaded_by_id) for photo in reship.evidence.all())
    assert photos == [("box.jpg", "image/jpeg", None), ("lamp.png", "image/png", None)]


def test_a_report_without_any_affected_item_is_refused(client, shop):
    seller, order, lamp, mug = shop

    response = client.post(
        _report_url(seller, order), _report(seller, order, lamp, mug, **{f"line_{lamp.pk}_quantity": "0"})
    )

    assert response.status_code == 400
    assert "Enter how many of at least one item are affected." in response.content.decode()
    _nothing_written()


def test_more_than_ordered_is_refused(client, shop):
    seller, order, lamp, mug = shop

    response = client.post(
        _report_url(seller, order), _report(seller, order, lamp, mug, **{f"line_{lamp.pk}_quantity": "3"})
    )

    assert response.status_code == 400
    assert "At most 2." in response.content.decode()
    _nothing_written()


def test_seven_photos_are_refused_and_nothing_is_written(client, shop):
    seller, order, lamp, mug = shop
    data = _report(seller, order, lamp, mug)
    data["evidence"] = [_photo(f"photo{number}.png") for number in range(7)]

    response = client.post(_report_url(seller, order), data)

    body = response.content.decode()
    assert response.status_code == 400
    assert "Attach at most 6 photos; you chose 7." in body
    assert "Please choose them again." in body
    assert 'value="台灯灯罩裂了"' in body or "台灯灯罩裂了</textarea>" in body  # the other fields are kept
    _nothing_written()


def test_a_30_mb_photo_is_refused(client, shop):
    seller, order, lamp, mug = shop
    data = _report(seller, order, lamp, mug)
    data["evidence"] = [_photo("huge.jpg", JPEG[:-2] + b"\x00" * (30 * 1024 * 1024) + b"\xff\xd9", "image/jpeg")]

    response = client.post(_report_url(seller, order), data)

    assert response.status_code == 400
    assert "The file huge.jpg is 30.0\xa0MB; the limit is 10.0\xa0MB." in response.content.decode()
    _nothing_written()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("receipt.pdf", PDF, "application/pdf"), ("note.jpg", b"just some text, not a photo\n", "image/jpeg")],
)
def test_a_file_that_is_not_a_photo_is_refused(client, shop, name, content, content_type):
    seller, order, lamp, mug = shop
    data = _report(seller, order, lamp, mug)
    data["evidence"] = [_photo("fine.png"), _photo(name, content, content_type)]

    response = client.post(_report_url(seller, order), data)

    assert response.status_code == 400
    assert f"{name} is not one of the accepted files: JPEG, PNG, GIF or WebP photos." in response.content.decode()
    _nothing_written()


def test_a_second_report_for_the_same_item_links_to_the_open_one(client, shop):
    seller, order, lamp, mug = shop
    assert client.post(_report_url(seller, order), _report(seller, order, lamp, mug)).status_code == 200
    first = ReshipRequest.objects.get()

    # One lamp is still unclaimed, but the lamp's line is in an open report.
    response = client.post(_report_url(seller, order), _report(seller, order, lamp, mug))

    body = response.content.decode()
    assert response.status_code == 409
    assert "This problem is already being handled" in body
    assert _tracked(body) == [first.pk]
    assert ReshipRequest.objects.count() == 1


def test_nothing_left_to_claim_is_explained_with_the_open_report(client, shop):
    seller, order, lamp, mug = shop
    data = _report(seller, order, lamp, mug, **{f"line_{lamp.pk}_quantity": "2", f"line_{mug.pk}_quantity": "1"})
    assert client.post(_report_url(seller, order), data).status_code == 200
    first = ReshipRequest.objects.get()

    response = client.get(_report_url(seller, order))

    body = response.content.decode()
    assert response.status_code == 409
    assert "There is nothing left to report for this order." in body
    assert _tracked(body) == [first.pk]


def test_the_pages_read_in_chinese(client, shop):
    seller, order, _lamp, _mug = shop
    client.cookies["django_language"] = "zh-hans"

    lookup = client.get(_lookup_url(seller)).content.decode()
    report = client.get(_report_url(seller, order)).content.decode()

    assert '<html lang="zh-hans">' in lookup
    assert '<html lang="zh-hans">' in report
    assert "小鹿家居" in lookup
