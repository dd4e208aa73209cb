"""The source's statement page (/statement/<token>/): read in the source's language, confirm, dispute
a line — through the writer, acting as the source; bad, expired and foreign links; CSRF."""

import random
from unittest import mock

import pytest
from django.core import signing as django_signing
from django.test import Client
from django.utils import timezone

from reship.choices import StatementLineStatus, StatementStatus
from reship.core import signing
from reship.models import Statement, StatementLine
from reship.web.views import statement_source as source_view
from tests.factories import SupplierFactory
from tests.settlement_states import closed_request, pair
from tests.web.test_statement_print import NOV_10, issued_november

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _room_to_post(monkeypatch):
    """The page's limits count in the shared cache across tests; these tests are about the page."""
    monkeypatch.setattr(source_view, "POSTS_PER_ADDRESS", 10_000)
    monkeypatch.setattr(source_view, "POSTS_PER_STATEMENT", 10_000)


def source_statement(region="domestic", name="Yiwu Ceramics"):
    """80 goods + 12 shipping borne by the source: the source owes the partner 92.00 CNY."""
    seller_user, partner_user = pair()
    source = SupplierFactory(name=name, region=region)
    closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="80",
        shipping="12",
        bearer="supplier",
        supplier=source,
        closed_at=NOV_10,
    )
    return issued_november(partner_user=partner_user, supplier=source)


def test_the_link_shows_the_statement_in_chinese_for_a_domestic_source(client):
    statement = source_statement()

    response = client.get(signing.statement_source_path(statement))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert statement.number in page
    assert "Yiwu Ceramics" in page
    assert "80.00 CNY" in page
    assert "12.00 CNY" in page
    assert "92.00" in page
    assert "玖拾贰元整" in page
    assert 'value="confirm"' in page
    assert page.count('value="dispute"') == 2  # one form per line


def test_an_overseas_source_reads_english(client):
    statement = source_statement(region="overseas")

    page = client.get(signing.statement_source_path(statement)).content.decode()

    assert '<html lang="en">' in page
    assert "In words (Chinese capital numerals)" in page


def test_a_tampered_link_is_400_and_an_expired_one_410(client):
    statement = source_statement()
    path = signing.statement_source_path(statement)

    assert client.get(path[:-3] + "xx/").status_code == 400
    ninety_one_days_ago = timezone.now().timestamp() - 91 * 24 * 3600
    with mock.patch.object(django_signing.time, "time", return_value=ninety_one_days_ago):
        old = signing.statement_source_path(statement)
    assert client.get(old).status_code == 410
    assert client.post(old, {"action": "confirm"}).status_code == 410
    assert Statement.objects.get(pk=statement.pk).counterparty_confirmed_at is None


def test_a_link_for_another_sources_statement_is_404(client):
    statement = source_statement()
    other = source_statement(name="Dehua Porcelain")
    # A genuine signature over a pair that does not exist: this statement's id, another source's id.
    token = django_signing.dumps(
        {"statement": statement.pk, "supplier": other.supplier_id}, salt=signing.STATEMENT_SALT, compress=True
    )

    assert client.get(f"/statement/{token}/").status_code == 404
    assert client.post(f"/statement/{token}/", {"action": "confirm"}).status_code == 404
    assert Statement.objects.get(pk=statement.pk).counterparty_confirmed_at is None


def test_confirm_through_the_page_then_again(client):
    statement = source_statement()
    path = signing.statement_source_path(statement)

    response = client.post(path, {"action": "confirm"})

    assert response.status_code == 200
    assert "statement is confirmed" in response.content.decode() or "对账单已确认" in response.content.decode()
    confirmed = Statement.objects.get(pk=statement.pk)
    assert confirmed.counterparty_confirmed_at is not None
    assert confirmed.status == StatementStatus.CONFIRMED  # the partner confirmed when it issued
    again = client.post(path, {"action": "confirm"})
    assert again.status_code == 409
    assert Statement.objects.get(pk=statement.pk).counterparty_confirmed_at == confirmed.counterparty_confirmed_at
    page = client.get(path).content.decode()
    assert 'value="confirm"' not in page


def test_dispute_a_line_through_the_page(client):
    statement = source_statement()
    path = signing.statement_source_path(statement)
    shipping = StatementLine.objects.get(statement=statement, item="shipping")

    empty = client.post(path, {"action": "dispute", "line": shipping.pk, "reason": ""})
    assert empty.status_code == 400
    assert StatementLine.objects.get(pk=shipping.pk).status == StatementLineStatus.OPEN

    response = client.post(path, {"action": "dispute", "line": shipping.pk, "reason": "We shipped it ourselves."})

    assert response.status_code == 200
    line = StatementLine.objects.get(pk=shipping.pk)
    assert line.status == StatementLineStatus.DISPUTED
    assert line.dispute_reason == "We shipped it ourselves."
    assert Statement.objects.get(pk=statement.pk).status == StatementStatus.DISPUTED
    assert "We shipped it ourselves." in response.content.decode()


def test_a_line_of_another_statement_cannot_be_disputed(client):
    statement = source_statement()
    other = source_statement(name="Dehua Porcelain")
    foreign = StatementLine.objects.filter(statement=other).first()

    response = client.post(
        signing.statement_source_path(statement), {"action": "dispute", "line": foreign.pk, "reason": "No."}
    )

    assert response.status_code == 422
    assert StatementLine.objects.get(pk=foreign.pk).status == StatementLineStatus.OPEN
    assert Statement.objects.get(pk=statement.pk).status == StatementStatus.ISSUED


def test_posts_need_the_csrf_token():
    statement = source_statement()
    path = signing.statement_source_path(statement)
    browser = Client(enforce_csrf_checks=True)

    assert browser.post(path, {"action": "confirm"}).status_code == 403
    assert Statement.objects.get(pk=statement.pk).counterparty_confirmed_at is None

    browser.get(path)
    token = browser.cookies["csrftoken"].value
    assert browser.post(path, {"action": "confirm", "csrfmiddlewaretoken": token}).status_code == 200
    assert Statement.objects.get(pk=statement.pk).counterparty_confirmed_at is not None


def test_posts_are_rate_limited_per_address(client, monkeypatch):
    statement = source_statement()
    path = signing.statement_source_path(statement)
    monkeypatch.setattr(source_view, "POSTS_PER_ADDRESS", 2)
    # An address of its own (its /64 chosen at random), so counts of other tests or runs do not add up.
    address = f"2001:db8:{random.randrange(1 << 16):x}:{random.randrange(1 << 16):x}::1"
    shipping = StatementLine.objects.get(statement=statement, item="shipping")
    blank = {"action": "dispute", "line": shipping.pk, "reason": ""}

    assert client.post(path, blank, REMOTE_ADDR=address).status_code == 400
    assert client.post(path, blank, REMOTE_ADDR=address).status_code == 400
    refused = client.post(path, {"action": "confirm"}, REMOTE_ADDR=address)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert Statement.objects.get(pk=statement.pk).counterparty_confirmed_at is None
    assert client.get(path, REMOTE_ADDR=address).status_code == 200  # reading is not limited
