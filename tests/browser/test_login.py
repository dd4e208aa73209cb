"""Signing in through the real login page, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_seller_signs_in_and_lands_on_the_seller_home(new_page, seller_user, screenshot_dir):
    page = new_page(locale="en")
    page.goto("/login/")
    page.get_by_label("Username").fill(seller_user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/seller/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("seller home")
    shoot(page, screenshot_dir, "seller-home")


def test_a_wrong_password_is_refused_with_a_message(new_page, partner_user):
    page = new_page(locale="en")
    page.goto("/login/")
    page.get_by_label("Username").fill(partner_user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("didn't match")
