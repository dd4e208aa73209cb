"""The seller's customer-facing shop settings pages: branding with a logo, the customer messages'
channels, the wording of each message with its live preview, the after-sale page's rules, the
insert card; and the public logo and QR code the customer's pages and the card show."""

import json
import re

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.models import Seller
from reship.customers.policy import shop_choices
from reship.models import CustomerMessageTemplate
from suppliers.choices import MemberRole
from tests.factories import PartnerMembershipFactory, SellerMembershipFactory
from tests.services.test_evidence import EXE, png_bytes

pytestmark = pytest.mark.django_db

URL = "/account/shop/"
SHIPPED = "/account/shop/messages/lines_shipped/"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager():
    return SellerMembershipFactory(role=MemberRole.MANAGER, user__language="en").user


def _seller(user) -> Seller:
    return Seller.objects.get(pk=user.seller_membership.seller_id)


def test_a_manager_uploads_a_png_logo_and_the_customer_gets_it_as_a_png(client, manager):
    client.force_login(manager)

    response = client.post(
        URL,
        {"section": "branding", "display_name": "Little Deer", "logo": SimpleUploadedFile("logo.png", png_bytes())},
    )

    assert response.status_code == 302
    page = client.get(URL).content.decode()
    assert "Branding saved." in page
    seller = _seller(manager)
    assert f'src="/c/{seller.report_key}/logo/"' in page

    client.logout()
    logo = client.get(f"/c/{seller.report_key}/logo/")
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff"
    assert logo["Cache-Control"] == "public, max-age=3600"
    assert b"".join(logo.streaming_content) == png_bytes()


def test_a_logo_that_is_not_an_image_is_refused_on_the_page(client, manager):
    client.force_login(manager)

    response = client.post(
        URL, {"section": "branding", "display_name": "Little Deer", "logo": SimpleUploadedFile("logo.png", EXE)}
    )

    assert response.status_code == 400
    assert "logo.png is not one of the accepted files: JPEG, PNG, GIF or WebP photos." in response.content.decode()
    seller = _seller(manager)
    assert (seller.display_name, seller.logo.name) == ("", "")


def test_no_logo_and_an_unknown_key_are_404(client, manager):
    seller = _seller(manager)
    assert client.get(f"/c/{seller.report_key}/logo/").status_code == 404
    assert client.get("/c/no-such-key/logo/").status_code == 404
    assert client.get("/c/no-such-key/qr.svg").status_code == 404


def test_the_qr_code_is_an_svg_of_the_after_sale_link(client, manager, settings):
    settings.SITE_URL = "https://shop.example.com"
    seller = _seller(manager)

    response = client.get(f"/c/{seller.report_key}/qr.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg")
    assert "<path" in svg
    # The same modules as the code of the link typed by hand (segno draws a given text one way only),
    # and not those of any other shop's link.
    expected = segno.make(f"https://shop.example.com/c/{seller.report_key}/", error="m")
    assert _modules(svg) == _modules(expected.svg_inline(scale=4, border=2))
    assert _modules(svg) != _modules(segno.make("https://shop.example.com/c/other/", error="m").svg_inline(border=2))


def _modules(svg: str) -> str:
    """The path that draws the QR code's dark modules: what the code encodes, whatever its size."""
    return re.search(r' d="([^"]+)"', svg).group(1)


def test_the_settings_page_shows_the_after_sale_link_qr_and_insert_card(client, manager, settings):
    settings.SITE_URL = "https://shop.example.com"
    client.force_login(manager)
    seller = _seller(manager)
    link = f"https://shop.example.com/c/{seller.report_key}/"

    page = client.get(URL).content.decode()
    assert f'<a href="{link}">{link}</a>' in page
    assert f'src="/c/{seller.report_key}/qr.svg"' in page
    assert 'href="/account/shop/card/"' in page

    card = client.get("/account/shop/card/").content.decode()
    assert "遇到问题？扫码申请售后" in card
    assert "A problem with your order? Scan to report it" in card
    assert seller.name in card
    assert link in card


def test_a_manager_chooses_the_channels_and_the_policy_reads_them(client, manager):
    client.force_login(manager)
    choices = {
        "request_received": "off",
        "lines_shipped": "both",
        "lines_compensated": "email",
        "survey_invitation": "sms",
        "report_declined": "email_or_sms",
    }

    assert client.post(URL, {"section": "messages", **choices}).status_code == 302

    assert shop_choices(_seller(manager).pk) == choices
    assert "Customer message choices saved." in client.get(URL).content.decode()


def test_the_after_sale_rules_are_saved_and_bad_ones_refused(client, manager):
    client.force_login(manager)
    rules = {
        "section": "rules",
        "return_window_days": "60",
        "auto_confirm_lost_days": "",
        "auto_confirm_max_value": "50",
    }

    assert client.post(URL, rules).status_code == 302
    seller = _seller(manager)
    assert (seller.return_window_days, seller.auto_confirm_lost_days, str(seller.auto_confirm_max_value)) == (
        60,
        None,
        "50.00",
    )

    refused = client.post(URL, {**rules, "return_window_days": "400"})
    assert refused.status_code == 400
    assert "The return window must be a whole number of days from 1 to 365." in refused.content.decode()
    assert _seller(manager).return_window_days == 60


def test_staff_read_the_customer_settings_and_may_not_change_them(client, manager):
    staff = SellerMembershipFactory(role=MemberRole.STAFF, seller=_seller(manager), user__language="en").user
    client.force_login(staff)

    assert client.get(URL).status_code == 200
    assert client.get(SHIPPED).status_code == 200
    assert client.post(URL, {"section": "branding", "display_name": "Mine now"}).status_code == 403
    assert client.post(URL, {"section": "messages", "lines_shipped": "off"}).status_code == 403
    saved = {"language": "en", "action": "save", "en-subject": "a", "en-body": "b", "en-sms": "c"}
    assert client.post(SHIPPED, saved).status_code == 403
    assert client.post(SHIPPED, {"language": "en", "action": "reset"}).status_code == 403
    assert _seller(manager).display_name == ""
    assert CustomerMessageTemplate.objects.count() == 0


def test_a_partner_finds_no_shop_pages(client):
    client.force_login(PartnerMembershipFactory().user)

    for url in (URL, SHIPPED, "/account/shop/card/"):
        assert client.get(url).status_code == 404
    assert client.post(SHIPPED + "preview/", {"language": "en"}).status_code == 404


def test_a_manager_saves_a_template_and_a_bad_placeholder_is_refused_on_the_page(client, manager):
    client.force_login(manager)
    posted = {
        "language": "zh-hans",
        "action": "save",
        "zh-hans-subject": "{shop}：补发已发出",
        "zh-hans-body": "{customer_name}，您好！运单号：{tracking_number}",
        "zh-hans-sms": "【{shop}】已发出：{tracking_number}{oops}",
    }

    refused = client.post(SHIPPED, posted)
    assert refused.status_code == 400
    assert "Unknown placeholder {oops}. Valid placeholders: {shop}, {customer_name}" in refused.content.decode()
    assert CustomerMessageTemplate.objects.count() == 0

    posted["zh-hans-sms"] = "【{shop}】已发出：{tracking_number}"
    assert client.post(SHIPPED, posted).status_code == 302
    template = CustomerMessageTemplate.objects.get()
    assert (template.language, template.subject) == ("zh-hans", "{shop}：补发已发出")

    assert client.post(SHIPPED, {"language": "zh-hans", "action": "reset"}).status_code == 302
    assert CustomerMessageTemplate.objects.count() == 0


def test_the_template_page_lists_the_placeholders_with_their_meaning(client, manager):
    client.force_login(manager)

    page = client.get(SHIPPED).content.decode()

    assert "<code>{tracking_number}</code>" in page
    assert "The replacement&#x27;s tracking number" in page
    assert "Reset to default" not in page  # nothing to reset: the default wording is in use
    assert client.get("/account/shop/messages/unknown/").status_code == 404


def test_the_preview_fills_sample_values_in_chinese_with_full_width_punctuation(client, manager):
    client.force_login(manager)

    response = client.post(
        SHIPPED + "preview/",
        {
            "language": "zh-hans",
            "zh-hans-subject": "{shop}：您的补发已发出（订单 {order_number}）",
            "zh-hans-body": "{customer_name}，您好！\n快递：{carrier}",
            "zh-hans-sms": "【{shop}】运单号{tracking_number}。",
        },
    )

    assert response.status_code == 200
    assert json.loads(response.content) == {
        "subject": "小鹿家居旗舰店：您的补发已发出（订单 3561298847201937）",
        "body": "王女士，您好！\n快递：顺丰速运",
        "sms": "【小鹿家居旗舰店】运单号SF1234567890123。",
        "sms_length": 28,  # 【 + 7 + 】 + 运单号 + 15 + 。
        "errors": {},
    }


def test_the_preview_names_a_bad_placeholder_and_still_shows_the_rest(client, manager):
    client.force_login(manager)

    answer = client.post(
        SHIPPED + "preview/",
        {"language": "en", "en-subject": "Order {order_number", "en-body": "Hi {customer_name}", "en-sms": ""},
    ).json()

    assert answer["subject"] == ""
    assert answer["body"] == "Hi Ms Wang"
    assert answer["errors"]["subject"][0].startswith("The braces do not match")


def test_the_preview_button_works_without_javascript(client, manager):
    client.force_login(manager)

    page = client.post(
        SHIPPED,
        {
            "language": "en",
            "action": "preview",
            "en-subject": "{shop} shipped",
            "en-body": "Dear {customer_name}",
            "en-sms": "{carrier}",
        },
    )

    assert page.status_code == 200
    text = page.content.decode()
    assert "Little Deer Home shipped" in text
    assert "Dear Ms Wang" in text
    assert CustomerMessageTemplate.objects.count() == 0


def test_the_preview_needs_the_csrf_token(manager):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    assert client.post(SHIPPED + "preview/", {"language": "en"}).status_code == 403
    assert reverse("account:shop-message-preview", kwargs={"event": "lines_shipped"}) == SHIPPED + "preview/"


def test_the_admin_shows_the_logo_through_the_public_logo_view_not_the_storage_url(client, admin_client, manager):
    """Files are never served from MEDIA_URL nor public in a bucket: the admin's link to the logo
    must be the shop's logo view, which answers with the image."""
    client.force_login(manager)
    client.post(
        URL, {"section": "branding", "display_name": "Little Deer", "logo": SimpleUploadedFile("l.png", png_bytes())}
    )
    seller = _seller(manager)

    page = admin_client.get(f"/admin/orders/seller/{seller.pk}/change/").content.decode()

    assert f'<a href="/c/{seller.report_key}/logo/"><img src="/c/{seller.report_key}/logo/"' in page
    assert "/media/" not in page
    assert b"".join(admin_client.get(f"/c/{seller.report_key}/logo/").streaming_content) == png_bytes()
