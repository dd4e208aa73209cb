"""The layout cases the crawl (test_csp_crawl.py) found, each held in place: the partner's English header
keeps its language picker in view at 1280 px; on a phone (390 px) the seller's request list is cards and
a request's page does not scroll sideways; a request number is never broken across lines.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from reship.choices import RequestStatus
from tests.browser.story_support import log_in
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    ReshipLineFactory,
    ReshipRequestFactory,
    SellerMembershipFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGE_PICKER = "Language · 语言"


def _sideways_scroll(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _box(locator: Locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, locator
    return dict(box)


def _lines_taken(link: Locator) -> int:
    """How many lines an inline element is laid out on (a number broken in two takes two)."""
    return link.evaluate("(element) => new Set([...element.getClientRects()].map((rect) => rect.top)).size")


def _pair():
    seller = SellerMembershipFactory(user__language="en", role="manager")
    partner = PartnerMembershipFactory(user__language="en", role="manager")
    return seller, partner


def _requests(seller, partner, count: int = 2):
    """Requests submitted to the partner, overdue for its review, on orders with long numbers."""
    made = []
    for index in range(count):
        order = OrderFactory(
            seller=seller.seller,
            partner=partner.partner,
            platform_order_number=f"385507481476764151{index}",
            customer_email=f"a.rather.long.customer.address.{index}@example-shop.example.org",
        )
        line = OrderLineFactory(order=order)
        reship = ReshipRequestFactory(
            order=order,
            status=RequestStatus.SUBMITTED,
            stage_due_at=timezone.now() - timedelta(days=2),
        )
        ReshipLineFactory(request=reship, order_line=line, quantity=1)
        made.append(reship)
    return made


def test_the_partners_english_header_keeps_the_language_picker_in_view_at_1280(new_page):
    seller, partner = _pair()
    _requests(seller, partner, count=1)
    page = new_page(locale="en", width=1280, height=800)
    log_in(page, partner.user)

    picker = page.get_by_label(LANGUAGE_PICKER)
    expect(picker).to_be_visible()
    box = _box(picker)
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= 1280, box
    # Every entry of the menu is on the screen too (the menu wraps onto a second row, never past the edge).
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    assert links.count() >= 8
    for index in range(links.count()):
        link_box = _box(links.nth(index))
        assert link_box["x"] + link_box["width"] <= 1280, links.nth(index).inner_text()
    assert _sideways_scroll(page) == 0


def test_the_sellers_request_list_is_cards_on_a_phone(new_page):
    seller, partner = _pair()
    first, _second = _requests(seller, partner)
    page = new_page(locale="en", width=390, height=844)
    log_in(page, seller.user)
    page.goto("/requests/")

    number = page.get_by_role("link", name=first.number, exact=True)
    expect(number).to_be_visible()
    card = number.locator("xpath=ancestor::tr")
    order = card.locator("td", has_text=first.order.platform_order_number)
    card_box, number_box, order_box = _box(card), _box(number), _box(order)
    # A card within the screen, its fields one under another (in a table row they would sit side by side).
    assert card_box["x"] >= 0, card_box
    assert card_box["x"] + card_box["width"] <= 390, card_box
    assert order_box["y"] >= number_box["y"] + number_box["height"], (number_box, order_box)
    # Each field says what it is: the column's heading is hidden, its label is shown beside the value.
    label = order.evaluate("(cell) => getComputedStyle(cell, '::before').content")
    assert label == '"Order"', label
    assert _sideways_scroll(page) == 0


def test_a_request_number_is_never_broken_across_lines(new_page):
    seller, partner = _pair()
    reship, _other = _requests(seller, partner)
    for width in (1280, 390):
        page = new_page(locale="en", width=width, height=800)
        log_in(page, partner.user)
        # The partner's home lists what waits for it in a table of many columns; the list the same.
        for path in ("/", "/requests/"):
            page.goto(path)
            number = page.get_by_role("link", name=reship.number, exact=True).first
            expect(number).to_be_visible()
            assert _lines_taken(number) == 1, (width, path)


def test_a_request_page_and_an_order_page_do_not_scroll_sideways_on_a_phone(new_page):
    seller, partner = _pair()
    reship, _other = _requests(seller, partner)
    for person in (partner.user, seller.user):
        page = new_page(locale="en", width=390, height=844)
        log_in(page, person)
        page.goto(f"/requests/{reship.pk}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(reship.number)
        assert _sideways_scroll(page) == 0, person.username
    page.goto(f"/orders/{reship.order.pk}/")
    expect(page.get_by_text(reship.order.customer_email)).to_be_visible()
    assert _sideways_scroll(page) == 0
