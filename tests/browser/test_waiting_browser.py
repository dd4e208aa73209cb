""" "Waiting for you" in a real browser: the seller lands on its counts and its requests overdue first,
follows a count to the list filtered the same way, and reads the list as cards on a phone; nothing
scrolls sideways at 1280 or 390 px. States: tests/waiting_states.py. Screenshots under
var/screenshots/<test>/."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot
from tests.browser.story_support import log_in, overflowing
from tests.waiting_states import a_day
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_seller_lands_on_what_waits_and_follows_a_count(new_page, screenshot_dir, width, height):
    parties = make_parties()
    day = a_day(parties)
    page = new_page(width=width, height=height)

    log_in(page, parties.seller)

    expect(page.get_by_role("heading", name="Waiting for you")).to_be_visible()
    waiting = page.get_by_role("table", name="Requests waiting for you, the most overdue first")
    expect(waiting.get_by_role("link").first).to_have_text(day.needs_info.number)
    expect(waiting).to_contain_text("Accept or dispute the quote")
    assert overflowing(page) == []
    shoot(page, screenshot_dir, f"home-{width}")

    page.get_by_role("link", name="1 Answer the partner's question").click()

    expect(
        page.get_by_role("navigation", name="Waiting for").get_by_role("link", name="Waiting for you 3")
    ).to_have_attribute("aria-current", "page")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(2)  # the header and the one question
    expect(rows.nth(1)).to_contain_text(day.needs_info.number)
    expect(rows.nth(1)).to_contain_text("Late on your side")
    assert overflowing(page) == []
    shoot(page, screenshot_dir, f"list-question-{width}")

    page.goto("/requests/")
    assert overflowing(page) == []
    shoot(page, screenshot_dir, f"list-all-{width}")
