"""A statement's print (A4): its parties, lines by request, totals in figures and, for CNY, in
大写金额, signature lines; the statement's tenancy; a constant number of queries. Figures by hand."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reship.settlement import statements
from tests.factories import SupplierFactory
from tests.settlement_states import closed_request, pair

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOV_10 = datetime(2026, 11, 10, 12, 0, tzinfo=TZ)
DEC_2 = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


def issued_november(seller_user=None, partner_user=None, *, supplier=None):
    """The pair's November statement, drawn up and issued through the writer."""
    partner = partner_user.partner_membership.partner
    statement = statements.statement_draft(
        actor=partner_user,
        partner_id=partner.pk,
        seller_id=None if supplier is not None else seller_user.seller_membership.seller.pk,
        supplier_id=supplier.pk if supplier is not None else None,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        now=DEC_2,
    )
    return statements.statement_issue(statement_id=statement.pk, actor=partner_user, now=DEC_2)


def shop_statement():
    """100 goods + 20 shipping + 30 compensation paid by the partner, all borne by the seller (CNY):
    the seller owes 150.00; and 10 goods + 5 shipping shared half each (USD): the seller owes 7.50."""
    seller_user, partner_user = pair()
    seller = seller_user.seller_membership.seller
    seller.display_name = "Lucky Cat Shop"
    seller.save(update_fields=["display_name"])
    cny = closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="100",
        shipping="20",
        compensation="30",
        bearer="seller",
        closed_at=NOV_10,
    )
    usd = closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="10",
        shipping="5",
        bearer="shared",
        currency="USD",
        closed_at=NOV_10,
    )
    return seller_user, partner_user, issued_november(seller_user, partner_user), cny, usd


def test_print_shows_parties_lines_totals_and_words(client):
    seller_user, partner_user, statement, cny, usd = shop_statement()
    client.force_login(partner_user)

    response = client.get(reverse("statements:print", args=[statement.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert statement.number in page
    assert "Lucky Cat Shop" in page
    assert seller_user.seller_membership.seller.name in page  # the legal name beside the shown one
    assert partner_user.partner_membership.partner.name in page
    assert "2026-11-01 – 2026-11-30" in page
    assert "Issued" in page
    for reship in (cny, usd):
        assert reship.number in page
        assert reship.order.platform_order_number in page
    assert "100.00 CNY" in page
    assert "20.00 CNY" in page
    assert "30.00 CNY" in page
    assert "2.50 USD" in page  # the seller's half of 5 shipping
    assert "150.00" in page
    assert "7.50" in page
    assert "In words (Chinese capital numerals)" in page
    assert "壹佰伍拾元整" in page
    assert page.count("元") == page.count("壹佰伍拾元整")  # words for CNY only, not for USD
    assert "pays" in page
    assert "150.00 CNY" in page
    assert page.count("Signature and seal") == 2
    assert "@page" not in page  # the paper size is in the static CSS (CSP: no inline style)
    assert "statement-print.css" in page
    assert "printing.js" in page
    assert "data-print-page" in page
    assert "site-nav" not in page


def test_the_seller_prints_its_issued_statement_and_others_get_404(client):
    seller_user, partner_user, statement, _cny, _usd = shop_statement()
    url = reverse("statements:print", args=[statement.pk])

    client.force_login(seller_user)
    assert client.get(url).status_code == 200

    other_seller, other_partner = pair()
    for user in (other_seller, other_partner):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_print_of_a_source_statement_names_the_source(client):
    seller_user, partner_user = pair()
    source = SupplierFactory(name="Yiwu Ceramics")
    closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="80",
        shipping="12",
        bearer="supplier",
        supplier=source,
        closed_at=NOV_10,
    )
    statement = issued_november(partner_user=partner_user, supplier=source)
    client.force_login(partner_user)

    page = client.get(reverse("statements:print", args=[statement.pk])).content.decode()

    assert "Yiwu Ceramics" in page
    assert "92.00" in page  # the source pays 80 + 12
    assert "玖拾贰元整" in page
    assert "For the source" in page


def test_print_queries_do_not_grow_with_lines(client):
    seller_user, partner_user = pair()
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="10", shipping="1", closed_at=NOV_10)
    small = issued_november(seller_user, partner_user)
    seller_user2, partner_user2 = pair()
    for _ in range(4):
        closed_request(
            seller_user=seller_user2,
            partner_user=partner_user2,
            goods="10",
            shipping="1",
            compensation="5",
            closed_at=NOV_10,
        )
    big = issued_november(seller_user2, partner_user2)
    assert big.line_count == 12
    assert small.line_count == 2

    client.force_login(partner_user)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("statements:print", args=[small.pk])).status_code == 200
    client.force_login(partner_user2)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("statements:print", args=[big.pk])).status_code == 200

    assert len(many) == len(few)


@pytest.mark.django_db
def test_print_numbers_lines_and_shows_a_disputes_answer(client):
    """100 goods (line 1), 20 shipping (line 2), 30 compensation (line 3) in CNY; the seller disputes
    the compensation, the partner answers it bears it."""
    seller_user, partner_user, statement, _cny, _usd = shop_statement()
    compensation = statement.lines.get(item="compensation")
    statements.statement_dispute_line(
        statement_id=statement.pk, line_id=compensation.pk, actor=seller_user, reason="The box was crushed in transit."
    )
    statements.statement_adjust_line(
        statement_id=statement.pk,
        line_id=compensation.pk,
        actor=partner_user,
        message="Agreed, we bear it.",
        bearer="partner",
    )
    client.force_login(seller_user)

    page = client.get(reverse("statements:print", args=[statement.pk])).content.decode()

    row = re.search(rf'<tr id="line-{compensation.pk}"[^>]*>(.*?)</tr>', page, re.S)
    assert row is not None
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    ]
    assert cells[0] == str(compensation.position) == "3"
    assert "Disputed: The box was crushed in transit. — Answered: Agreed, we bear it." in cells[1]
