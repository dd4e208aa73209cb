"""A dropship partner works the review queue on a phone, in a real browser."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reship import workflow
from reship.choices import RequestStatus
from reship.models import ReshipRequest
from tests.browser.conftest import shoot
from tests.factories import DEFAULT_PASSWORD, OrderFactory, OrderLineFactory
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# The right edge of the widest element of the page's content (the shared top bar is not this page's).
WIDEST_IN_MAIN = "Math.max(...[...document.querySelectorAll('main *')].map(e => e.getBoundingClientRect().right))"


def _submitted_requests(parties, count: int) -> list[ReshipRequest]:
    order = OrderFactory(
        seller=parties.seller.seller_membership.seller, partner=parties.partner.partner_membership.partner
    )
    order_line = OrderLineFactory(order=order, product__sku_code="SKU-PHONE", quantity=count)
    return [
        workflow.reship_submit(
            actor=parties.seller,
            order_id=order.pk,
            reason="damaged",
            lines=[workflow.LineRequest(order_line.pk, 1, "resend")],
            now=timezone.now() - timedelta(hours=30 - index),  # the first is the most overdue
        )
        for index in range(count)
    ]


def _log_in(page, user) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/partner/$"))


def test_a_partner_bulk_approves_two_requests_from_the_queue_on_a_phone(new_page, screenshot_dir):
    parties = make_parties()
    first, second, third = _submitted_requests(parties, 3)
    promised = timezone.localdate() + timedelta(days=3)
    page = new_page(locale="en", **PHONE)
    _log_in(page, parties.partner)

    page.goto("/partner/queue/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    expect(page.get_by_text("overdue by 6 h 0 min")).to_be_visible()
    assert page.evaluate(WIDEST_IN_MAIN) <= PHONE["width"]  # the queue needs no sideways scrolling
    shoot(page, screenshot_dir, "01-queue-on-a-phone")

    page.get_by_label(f"Select {first.number}", exact=True).check()
    page.get_by_label(f"Select {second.number}", exact=True).check()
    page.get_by_label("Goods cost quote").fill("80.00")
    page.get_by_label("Shipping cost quote").fill("12.50")
    page.get_by_label("Cost borne by").select_option(label="Source")
    page.get_by_label("Promised date").fill(promised.isoformat())
    shoot(page, screenshot_dir, "02-two-selected-terms-filled")
    page.get_by_role("button", name="Approve selected").click()

    expect(page.get_by_role("status").filter(has_text="Approved 2 requests")).to_contain_text(
        f"{first.number}, {second.number}"
    )
    expect(page.get_by_role("link", name=first.number, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name=second.number, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name=third.number, exact=True)).to_be_visible()
    expect(page.get_by_text("1 request waiting")).to_be_visible()
    shoot(page, screenshot_dir, "03-both-left-the-queue")

    approved = ReshipRequest.objects.filter(pk__in=[first.pk, second.pk])
    assert {
        (each.status, each.quote_goods, each.quote_shipping, each.cost_bearer, each.promised_date) for each in approved
    } == {(RequestStatus.APPROVED, Decimal("80.00"), Decimal("12.50"), "supplier", promised)}
    assert ReshipRequest.objects.get(pk=third.pk).status == RequestStatus.SUBMITTED


def test_a_partner_is_told_next_to_the_field_when_the_terms_are_missing(new_page, screenshot_dir):
    parties = make_parties()
    (only,) = _submitted_requests(parties, 1)
    page = new_page(locale="en", **PHONE)
    _log_in(page, parties.partner)
    page.goto("/partner/queue/")

    page.get_by_label(f"Select {only.number}", exact=True).check()
    page.get_by_label("Goods cost quote").fill("80.00")
    page.get_by_role("button", name="Approve selected").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was approved")
    expect(page.get_by_text("Choose who bears the cost.")).to_be_visible()
    expect(page.get_by_label("Goods cost quote")).to_have_value("80.00")
    expect(page.get_by_label(f"Select {only.number}", exact=True)).to_be_checked()
    shoot(page, screenshot_dir, "terms-missing")
    assert ReshipRequest.objects.get(pk=only.pk).status == RequestStatus.SUBMITTED
