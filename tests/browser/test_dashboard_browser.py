"""The evaluation dashboards on the demo data, in a real browser: a seller's, a partner's and the
admins' render their charts with no console error, a figure opens the requests behind it, the
filters apply, and the page reads in Chinese too. Each dashboard is saved as a screenshot."""

import re

import pytest
from playwright.sync_api import expect

from reship.accounts.models import User
from reship.dev.demo import ADMIN_PASSWORD, ADMIN_USERNAME, STAFF_PASSWORD, demo_data_load
from tests.browser.conftest import shoot

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.web.test_dashboard")]

SELLER, PARTNER = "seller1", "partner1"


@pytest.fixture
def no_console_errors(request):
    """Asked for before ``new_page``, so it is torn down after it: by then ``new_page`` has put the
    console errors of every page it opened on the test's node."""
    yield
    assert getattr(request.node, "console_errors", []) == []


@pytest.fixture
def demo(db):
    """The demo sellers, partners and their requests (a second or two); the tests read English
    unless they switch, so the demo users' saved language is set to English first."""
    result = demo_data_load()
    User.objects.filter(username__in=[login.username for login in result.logins]).update(language="en")
    return result


def _log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _open_dashboard(page, query: str = "") -> None:
    page.goto(f"/dashboard/{query}")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Dashboard|仪表板|看板"))


def _charts_drawn(page, *, at_least: int) -> None:
    # A chart is a labelled group (its bars link, so not an image) inside its figure; the drawing is
    # hidden from screen readers, which read the table under it.
    charts = page.get_by_role("figure").get_by_role("group")
    expect(charts.first).to_be_visible()
    assert charts.count() >= at_least
    # Every chart has its title and something drawn in it.
    assert page.evaluate(
        "[...document.querySelectorAll(\"figure svg[role='group']\")].every("
        "svg => svg.querySelector('title').textContent.trim() && svg.querySelectorAll('rect, circle').length > 0"
        " && svg.querySelector('g').getAttribute('aria-hidden') === 'true'"
        " && svg.getBoundingClientRect().width > 200)"
    )


def test_a_seller_reads_its_dashboard_and_opens_the_requests_behind_a_figure(
    no_console_errors, new_page, demo, screenshot_dir
):
    page = _watched(new_page(locale="en"))
    _log_in(page, SELLER, STAFF_PASSWORD)

    _open_dashboard(page, "?period=90")
    expect(page.get_by_role("link", name="Dashboard", exact=True)).to_have_attribute("aria-current", "page")
    _charts_drawn(page, at_least=6)
    expect(page.get_by_role("heading", name="Customer satisfaction")).to_be_visible()
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", re.compile(r"^/dashboard/export\.csv\?")
    )
    shoot(page, screenshot_dir, "seller-dashboard")

    # The data table under a chart is its fallback: opened, it lists the same figures as links.
    chart = page.get_by_role("figure", name="Customer ratings (1 to 5)")
    chart.get_by_text("Show the figures as a table").click()
    expect(chart.get_by_role("table")).to_be_visible()
    expect(chart.get_by_role("row")).to_have_count(6)

    # A figure opens the request list narrowed to exactly the requests it counted.
    figure = page.get_by_role("link", name=re.compile(r"^Closed \d+"))
    closed = figure.locator(".figure-value").inner_text()
    figure.click()
    expect(page).to_have_url(re.compile(r"/requests/\?.*status=closed"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reship requests")
    expect(page.locator("table.request-list caption")).to_contain_text(f"{closed} requests")

    _assert_no_console_errors(page)


def test_a_partner_reads_only_its_own_dashboard_and_filters_it(no_console_errors, new_page, demo, screenshot_dir):
    page = _watched(new_page(locale="en"))
    _log_in(page, PARTNER, STAFF_PASSWORD)

    _open_dashboard(page, "?period=90")
    _charts_drawn(page, at_least=5)
    expect(page.get_by_label("Dropship partner", exact=True)).to_have_count(0)  # its own figures only
    scorecard = page.get_by_role("table", name="Dropship partner scorecard")
    expect(scorecard.get_by_role("row")).to_have_count(2)  # the header and itself
    shoot(page, screenshot_dir, "partner-dashboard")

    page.get_by_label("Period", exact=True).select_option(label="Last 30 days")
    page.get_by_label("Reason", exact=True).select_option(label="Damaged")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"period=30.*reason=damaged"))
    expect(page.get_by_label("Reason", exact=True)).to_have_value("damaged")
    shoot(page, screenshot_dir, "partner-dashboard-damaged-30-days")
    _assert_no_console_errors(page)


def test_an_admin_reads_everyones_dashboard_and_narrows_to_one_seller(
    no_console_errors, new_page, demo, screenshot_dir
):
    page = _watched(new_page(locale="en"))
    _log_in(page, ADMIN_USERNAME, ADMIN_PASSWORD)

    _open_dashboard(page, "?period=90")
    _charts_drawn(page, at_least=6)
    expect(page.get_by_text("All sellers and partners")).to_be_visible()
    partners = page.get_by_role("table", name="Dropship partner scorecard").get_by_role("row")
    assert partners.count() >= 3  # the header and every demo partner
    shoot(page, screenshot_dir, "admin-dashboard")

    page.get_by_label("Seller", exact=True).select_option(index=1)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"seller=\d+"))
    expect(page.get_by_role("link", name="Export XLSX")).to_have_attribute("href", re.compile(r"seller=\d+"))
    _charts_drawn(page, at_least=5)
    _assert_no_console_errors(page)


def test_the_dashboard_reads_in_chinese(no_console_errors, new_page, demo, screenshot_dir):
    User.objects.filter(username=SELLER).update(language="zh-hans")
    page = _watched(new_page(locale="en"))
    _log_in(page, SELLER, STAFF_PASSWORD)  # the login page reads English; signed in, the saved Chinese

    page.goto("/dashboard/?period=90")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    _charts_drawn(page, at_least=6)
    assert page.get_by_text("商品破损").count() > 0  # a reason in the charts' labels
    shoot(page, screenshot_dir, "seller-dashboard-zh")
    _assert_no_console_errors(page)


def _watched(page):
    """Console errors and uncaught exceptions of the page, kept on it to be checked in the test."""
    page.problems = []
    page.on("console", lambda message: page.problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    return page


def _assert_no_console_errors(page) -> None:
    assert page.problems == [], page.problems


def test_the_dashboard_fits_a_phone(no_console_errors, new_page, demo, screenshot_dir):
    page = _watched(new_page(locale="en", width=390, height=844))
    _log_in(page, SELLER, STAFF_PASSWORD)

    _open_dashboard(page, "?period=30")
    _charts_drawn(page, at_least=5)
    # Wide tables scroll inside their own box; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, screenshot_dir, "seller-dashboard-phone")
    _assert_no_console_errors(page)
