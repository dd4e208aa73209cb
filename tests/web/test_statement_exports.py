"""A statement's CSV and XLSX exports: the content of a small statement written by hand, headers
in the reader's language, numbers as numbers, formulas neutralised, the statement's tenancy; and
constant memory while streaming (5,000 vs 20,000 lines).

Memory, measured with tracemalloc on this machine (PostgreSQL): the peak while the view runs and
the body is consumed is 3.7 MB for the CSV of 5,000 lines (0.7 MB) and 3.4 MB for 20,000 (2.7 MB);
3.7 MB and 3.4 MB for the XLSX (0.3 MB and 1.1 MB). The test asserts under 30 MB, and that 20,000
lines peak at most 1.5 × the 5,000 lines' peak plus 1 MB.
"""

import csv
import io
import tracemalloc
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reship.models import Statement, StatementLine
from reship.settlement import statements
from tests.settlement_states import closed_request, pair
from tests.web.test_statement_print import NOV_10, issued_november

PEAK_BOUND = 30 * 1024 * 1024
HEADERS = [
    "Statement number",
    "Period",
    "No.",
    "Request number",
    "Order number",
    "Closed at",
    "Item",
    "Resolution",
    "Currency",
    "Amount",
    "Paid by",
    "Borne by",
    "Counterparty's share",
    "Amount due",
    "Status",
    "Dispute reason",
    "Note",
]


def small_statement():
    """100 goods + 20 shipping borne by the seller, paid by the partner (CNY): the seller owes 120.00;
    the seller disputes the shipping line with a reason a spreadsheet would run as a formula."""
    seller_user, partner_user = pair()
    reship = closed_request(
        seller_user=seller_user, partner_user=partner_user, goods="100", shipping="20", closed_at=NOV_10
    )
    statement = issued_november(seller_user, partner_user)
    shipping = statement.lines.get(item="shipping")
    statements.statement_dispute_line(
        statement_id=statement.pk, line_id=shipping.pk, actor=seller_user, reason='=HYPERLINK("x")'
    )
    return seller_user, partner_user, statement, reship


def _csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.mark.django_db
def test_csv_export_of_a_small_statement(client):
    seller_user, _partner_user, statement, reship = small_statement()
    client.force_login(seller_user)

    response = client.get(reverse("statements:export-csv", args=[statement.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="statement-{statement.number}.csv"' in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == HEADERS
    period = "2026-11-01 – 2026-11-30"
    order = reship.order.platform_order_number
    closed = "2026-11-10 12:00"  # in the site's time zone (Asia/Shanghai), as on the pages
    assert rows[1:] == [
        [statement.number, period, "1", reship.number, order, closed, "Goods", "Resend", "CNY", "100.00",
         "Dropship partner", "Seller", "100.00", "100.00", "To check", "", ""],
        [statement.number, period, "2", reship.number, order, closed, "Shipping", "Resend", "CNY", "20.00",
         "Dropship partner", "Seller", "20.00", "20.00", "Disputed", "'=HYPERLINK(\"x\")", ""],
    ]  # fmt: skip


@pytest.mark.django_db
def test_xlsx_export_of_a_small_statement(client):
    _seller_user, partner_user, statement, reship = small_statement()
    client.force_login(partner_user)

    response = client.get(reverse("statements:export-xlsx", args=[statement.pk]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    goods, shipping = rows[1], rows[2]
    assert goods[:2] == [statement.number, "2026-11-01 – 2026-11-30"]
    assert (goods[2], shipping[2]) == (1, 2)  # the line's number, as "line 2" in a dispute's message
    assert goods[3:5] == [reship.number, reship.order.platform_order_number]
    assert goods[5] == datetime(2026, 11, 10, 12, 0)  # noqa: DTZ001 - Excel has no time zones: local wall clock
    assert goods[6:9] == ["Goods", "Resend", "CNY"]
    assert goods[9] == 100  # a number, not text
    assert goods[12:14] == [100, 100]
    assert shipping[9] == 20
    assert shipping[13] == 20
    assert shipping[14] == "Disputed"
    assert shipping[15] == '=HYPERLINK("x")'  # kept as text: written as a string cell, never a formula
    cells = load_workbook(
        io.BytesIO(b"".join(client.get(reverse("statements:export-xlsx", args=[statement.pk])).streaming_content))
    ).active
    assert cells["P3"].data_type == "s"
    assert cells["J2"].data_type == "n"


@pytest.mark.django_db
def test_csv_export_shows_open_lines_as_agreed_once_both_confirmed(client):
    """100 goods + 20 shipping borne by the seller, nobody disputes, both confirm: both lines agreed."""
    seller_user, partner_user = pair()
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", shipping="20", closed_at=NOV_10)
    statement = issued_november(seller_user, partner_user)
    statements.statement_confirm(statement_id=statement.pk, actor=seller_user)
    client.force_login(partner_user)

    rows = _csv_rows(client.get(reverse("statements:export-csv", args=[statement.pk])))

    assert [(row[2], row[6], row[14]) for row in rows[1:]] == [("1", "Goods", "Agreed"), ("2", "Shipping", "Agreed")]


@pytest.mark.django_db
def test_exports_follow_the_statement_tenancy(client):
    _seller_user, _partner_user, statement, _reship = small_statement()
    other_seller, other_partner = pair()
    for name in ("statements:export-csv", "statements:export-xlsx"):
        url = reverse(name, args=[statement.pk])
        for user in (other_seller, other_partner):
            client.force_login(user)
            assert client.get(url).status_code == 404
        client.logout()
        assert client.get(url).status_code == 302


def _statement_with_lines(partner, seller, count: int, start: date) -> Statement:
    # Built directly, not through the writer: drawing up thousands of closed requests through the workflow
    # would take minutes; this test is about how the export reads rows, not about the money rules.
    statement = Statement.objects.create(
        number=f"ST-MEM-{count}",
        partner=partner,
        seller=seller,
        period_start=start,
        period_end=start.replace(day=28),
        cut_off=datetime(start.year, start.month, 28, tzinfo=ZoneInfo("UTC")),
        status="issued",
    )
    StatementLine.objects.bulk_create(
        (
            StatementLine(
                statement=statement,
                position=index,
                request_number=f"RS{index:08d}",
                order_number=f"PO-{index:08d}",
                item="goods",
                resolution="resend",
                currency="CNY",
                amount=Decimal("12.50"),
                paid_by="partner",
                bearer="seller",
                counterparty_share=Decimal("12.50"),
                due=Decimal("12.50"),
                note="",
            )
            for index in range(count)
        ),
        batch_size=2000,
    )
    return statement


def _peak_while_downloading(client, url: str) -> tuple[int, int]:
    tracemalloc.start()
    try:
        response = client.get(url)
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
        print(f"{url}: {size} bytes, peak {peak / 1024 / 1024:.1f} MB")  # noqa: T201 - the figures for the note
    finally:
        tracemalloc.stop()
    return peak, size


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["statements:export-csv", "statements:export-xlsx"])
def test_export_memory_does_not_grow_with_lines(client, name):
    seller_user, partner_user = pair()
    partner = partner_user.partner_membership.partner
    seller = seller_user.seller_membership.seller
    small = _statement_with_lines(partner, seller, 2_000, date(2026, 1, 1))
    big = _statement_with_lines(partner, seller, 8_000, date(2026, 2, 1))
    client.force_login(partner_user)

    small_peak, small_size = _peak_while_downloading(client, reverse(name, args=[small.pk]))
    big_peak, big_size = _peak_while_downloading(client, reverse(name, args=[big.pk]))

    assert big_size > 3 * small_size  # the rows are really there
    assert big_peak < PEAK_BOUND
    assert big_peak < small_peak * 1.5 + 1024 * 1024, (small_peak, big_peak)
