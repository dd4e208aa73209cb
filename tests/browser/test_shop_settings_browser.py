"""The shop's customer settings in a real browser: the message template's live preview updates as
the seller types (the CSP-safe script, no reload), and the settings page and insert card show the
logo and the QR code. Screenshots of each page are kept."""

import re

import pytest
from playwright.sync_api import expect

from suppliers.choices import MemberRole
from tests.browser.conftest import shoot
from tests.factories import DEFAULT_PASSWORD, SellerMembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def test_the_template_preview_follows_the_typing_and_the_card_shows_the_qr(
    new_page, screenshot_dir, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = SellerMembershipFactory(role=MemberRole.MANAGER, user__language="en").user
    page = new_page(locale="en")
    _log_in(page, manager)

    page.goto("/account/shop/")
    expect(page.get_by_role("heading", name="Customer messages")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of the after-sale page")).to_be_visible()
    shoot(page, screenshot_dir, "1-shop-settings")

    page.goto("/account/shop/messages/lines_shipped/")
    page.evaluate("window.stillTheSamePage = true")
    chinese = page.locator("#lang-zh-hans")
    chinese.get_by_label("SMS text").fill("【{shop}】已由{carrier}发出。")
    preview = chinese.locator("[data-preview='sms']")
    expect(preview).to_have_text("【小鹿家居旗舰店】已由顺丰速运发出。")
    expect(chinese.locator("[data-preview='sms_length']")).to_have_text("18")

    chinese.get_by_label("Email subject").fill("{shop}：{nope}")
    problem = chinese.locator("[data-preview-error='subject']")
    expect(problem).to_contain_text("Unknown placeholder {nope}. Valid placeholders: {shop}")
    assert page.evaluate("window.stillTheSamePage") is True
    shoot(page, screenshot_dir, "2-template-live-preview")

    page.goto("/account/shop/card/")
    expect(page.get_by_text("遇到问题？扫码申请售后")).to_be_visible()
    expect(page.get_by_role("img", name="QR code of the after-sale page")).to_be_visible()
    shoot(page, screenshot_dir, "3-insert-card")
