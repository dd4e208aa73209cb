"""The request page in a real browser: the partner approves with a quote, the seller accepts it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import shoot
from tests.factories import DEFAULT_PASSWORD
from tests.workflow_states import make_parties, submit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def submitted(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    parties = make_parties()
    parties.partner.language = "en"
    parties.partner.save(update_fields=["language"])
    return parties, submit(parties)


def _log_in(page, user):
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _current_stage(page):
    return page.get_by_role("navigation", name="Stages of this request").locator('[aria-current="step"]')


def test_the_partner_approves_with_a_quote_and_the_seller_accepts_it(new_page, submitted, screenshot_dir):
    parties, reship = submitted
    promised = timezone.localdate() + timedelta(days=3)

    partner = new_page(locale="en")
    _log_in(partner, parties.partner)
    partner.goto("/requests/")
    expect(partner.get_by_role("link", name="Review 1")).to_be_visible()
    shoot(partner, screenshot_dir, "0-partner-list")
    partner.get_by_role("link", name=reship.number).click()
    expect(partner.get_by_role("heading", level=1)).to_contain_text(reship.number)
    expect(_current_stage(partner)).to_contain_text("Review")
    expect(partner.get_by_role("button", name="Ask the seller")).to_be_visible()
    # Rejecting ends the request, so it is offered last and closed until asked for.
    reject = partner.get_by_role("button", name="Reject the request")
    expect(reject).to_be_hidden()
    partner.get_by_text("Reject", exact=True).click()
    expect(reject).to_be_visible()
    shoot(partner, screenshot_dir, "1-partner-reviews")

    partner.get_by_label("Goods quote").fill("120")
    partner.get_by_label("Shipping quote").fill("18.50")
    partner.get_by_label("Cost borne by").select_option(label="Dropship partner")
    partner.get_by_label("Promised date").fill(promised.isoformat())
    partner.get_by_role("button", name="Approve with this quote").click()

    expect(partner.get_by_role("status")).to_contain_text("Approved with your quote")
    expect(_current_stage(partner)).to_contain_text("Restock / resend")
    expect(partner.get_by_role("button", name="Approve with this quote")).to_have_count(0)
    expect(partner.get_by_role("button", name="Ship these lines")).to_be_visible()
    shoot(partner, screenshot_dir, "2-partner-approved")

    seller = new_page(locale="en")
    _log_in(seller, parties.seller)
    seller.goto(f"/requests/{reship.pk}/")
    quote = seller.get_by_role("region", name="Quote", exact=True)
    expect(quote).to_contain_text("120.00 CNY")
    expect(quote).to_contain_text("18.50 CNY")
    expect(quote).to_contain_text("138.50 CNY")
    expect(quote).to_contain_text("Awaiting the seller")
    expect(_current_stage(seller)).to_contain_text("Restock / resend")
    shoot(seller, screenshot_dir, "3-seller-sees-the-quote")

    seller.get_by_role("button", name="Accept the quote").click()

    expect(seller.get_by_role("status")).to_contain_text("You accepted the quote.")
    expect(seller.get_by_role("region", name="Quote", exact=True)).to_contain_text("Accepted")
    expect(seller.get_by_role("button", name="Accept the quote")).to_have_count(0)
    shoot(seller, screenshot_dir, "4-seller-accepted")


def test_a_message_is_posted_in_place_and_the_other_side_reads_it(new_page, submitted, screenshot_dir):
    parties, reship = submitted

    seller = new_page(locale="en")
    _log_in(seller, parties.seller)
    seller.goto(f"/requests/{reship.pk}/")
    seller.get_by_label("Message", exact=True).fill("The courier left it in the rain.")
    seller.get_by_role("button", name="Post the message").click()

    thread = seller.get_by_role("region", name="Messages")
    expect(thread).to_contain_text("The courier left it in the rain.")
    expect(seller.get_by_label("Message", exact=True)).to_have_value("")  # a fresh form, swapped in place
    expect(seller.get_by_role("status")).to_have_count(0)  # no page reload, so no flash message
    shoot(seller, screenshot_dir, "1-seller-posted")

    partner = new_page(locale="en")
    _log_in(partner, parties.partner)
    partner.goto(f"/requests/{reship.pk}/")
    expect(partner.get_by_role("region", name="Messages")).to_contain_text("The courier left it in the rain.")
