"""The inbox's To do / Done in a real browser, at a phone's and a desktop's width: a partner's
entry says "To do" until a colleague approves, then "Done"; the "To do" filter empties; nothing
scrolls sideways."""

import re

import pytest
from playwright.sync_api import expect

from reship import workflow
from tests import workflow_states as states
from tests.browser.conftest import shoot
from tests.factories import DEFAULT_PASSWORD, PartnerMembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_an_entry_goes_from_to_do_to_done_when_a_colleague_approves(new_page, screenshot_dir, width, height):
    parties = states.make_parties()
    colleague = PartnerMembershipFactory(partner=parties.partner.partner_membership.partner).user
    request = states.submit(parties)
    page = new_page(locale="en", width=width, height=height)
    _log_in(page, parties.partner)

    page.goto("/account/inbox/")
    entry = page.get_by_role("listitem").filter(has_text=f"New reship request {request.number}")
    expect(entry).to_contain_text("To do")
    expect(entry).to_contain_text("New")
    _no_sideways_scroll(page)
    shoot(page, screenshot_dir, "1-to-do")

    workflow.reship_approve(
        request_id=request.pk, actor=colleague, quote_goods="120.00", quote_shipping="18.00", cost_bearer="partner"
    )
    page.reload()
    expect(entry).to_contain_text("Done")
    expect(entry).not_to_contain_text("To do")
    _no_sideways_scroll(page)
    shoot(page, screenshot_dir, "2-done")

    page.get_by_role("navigation", name="Inbox filter").get_by_role("link", name="To do").click()
    expect(page.get_by_text("Nothing to do: every entry that asked for an action is done.")).to_be_visible()
    shoot(page, screenshot_dir, "3-to-do-filter-empty")
