"""The inbox in a real browser: the badge updates without a reload when a notification arrives,
mark as read updates it in place, and the navigation works by keyboard on a phone and a desktop."""

import re

import pytest
from playwright.sync_api import expect

from tests import workflow_states as states
from tests.browser.conftest import shoot
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def fast_poll(settings):
    """Poll every second instead of every 30: the live server reads settings per request."""
    settings.RESHIP_INBOX_POLL_SECONDS = 1


def _log_in(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _inbox_link(page):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile(r"^Inbox"))


def test_the_badge_updates_without_a_reload_when_a_notification_arrives(new_page, screenshot_dir, fast_poll):
    parties = states.make_parties()  # the seller reads English
    request = states.submit(parties)
    page = new_page(locale="en")
    _log_in(page, parties.seller)
    page.goto("/account/inbox/")
    expect(page.get_by_text("Nothing here yet.")).to_be_visible()
    expect(_inbox_link(page)).to_have_text("Inbox")
    page.evaluate("window.stillTheSamePage = true")
    shoot(page, screenshot_dir, "1-inbox-empty")

    states.approve(parties, request)  # the seller is told; delivered when the transaction commits

    expect(_inbox_link(page)).to_have_text("Inbox 1 unread")
    assert page.evaluate("window.stillTheSamePage") is True
    shoot(page, screenshot_dir, "2-badge-updated")

    page.reload()
    page.evaluate("window.stillTheSamePage = true")
    entry = page.get_by_role("listitem").filter(has_text=f"Reship request {request.number} approved")
    expect(entry).to_contain_text("New")
    expect(entry.get_by_role("link", name=f"Reship request {request.number} approved")).to_have_attribute(
        "href", f"/requests/{request.pk}/"
    )
    shoot(page, screenshot_dir, "3-inbox-unread-entry")

    entry.get_by_role("button", name="Mark as read").click()

    expect(_inbox_link(page)).to_have_text("Inbox")
    expect(page.get_by_text("Everything is read.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark all as read")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage") is True
    shoot(page, screenshot_dir, "4-entry-read")

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, screenshot_dir, "5-inbox-on-a-phone")


def test_the_menu_folds_away_on_a_phone_and_opens_by_keyboard(new_page, screenshot_dir, seller_user):
    page = new_page(locale="en", **PHONE)
    _log_in(page, seller_user)
    orders = page.get_by_role("link", name="Orders")
    expect(orders).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    shoot(page, screenshot_dir, "1-phone-menu-closed")

    page.get_by_text("Menu", exact=True).focus()
    page.keyboard.press("Enter")

    expect(orders).to_be_visible()
    expect(page.get_by_role("link", name="Account")).to_be_visible()
    shoot(page, screenshot_dir, "2-phone-menu-open")
    page.keyboard.press("Tab")  # Home, the current page
    page.keyboard.press("Tab")
    expect(orders).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/orders/$"))


def test_a_wide_screen_shows_the_partners_links_without_a_menu(new_page, screenshot_dir, partner_user):
    page = new_page(locale="en")
    _log_in(page, partner_user)
    navigation = page.get_by_role("navigation", name="Main")

    for name in ("Home", "Review queue", "Requests", "Fulfilment", "To ship", "Settings", "Inbox", "Account"):
        expect(navigation.get_by_role("link", name=name, exact=name != "Inbox")).to_be_visible()
    expect(page.get_by_text("Menu", exact=True)).to_be_hidden()
    expect(navigation.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    shoot(page, screenshot_dir, "partner-navigation")

    navigation.get_by_role("link", name="Review queue").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/partner/queue/$"))
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue")).to_have_attribute(
        "aria-current", "page"
    )


def test_switching_language_in_the_browser_saves_it_for_emails(new_page, screenshot_dir, seller_user):
    seller_user.language = "en"
    seller_user.save(update_fields=["language"])
    page = new_page(locale="en")
    _log_in(page, seller_user)
    page.goto("/account/profile/")

    page.get_by_label("Language").first.select_option("zh-hans")

    expect(page.get_by_role("heading", level=1)).to_have_text("账户")
    seller_user.refresh_from_db()
    assert seller_user.language == "zh-hans"
    shoot(page, screenshot_dir, "profile-in-chinese")
