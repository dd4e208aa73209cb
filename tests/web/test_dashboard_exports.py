"""Exports of the requests behind a dashboard figure (``reship.core.exports`` through the dashboard's
export views): the CSV's header, rows and byte-order mark, the same rows in the XLSX, formulas
neutralised in both, the tenancy of each side, and queries that do not grow with the rows."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from reship import workflow
from reship.core.exports import neutralised
from tests.factories import OrderFactory, OrderLineFactory, PartnerMembershipFactory, SellerMembershipFactory
from tests.web.test_dashboard import admin_user, other_parties, parties, submitted_requests  # noqa: F401
from tests.workflow_states import outcome_messages_off, send_survey

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.test_dashboard")]

SHANGHAI = ZoneInfo("Asia/Shanghai")
FORMULA = '=HYPERLINK("http://evil.example/","Click me")'
HEADER = [
    "Number", "Order number", "Seller", "Dropship partner", "Reason", "Description", "Status",
    "Submitted", "Reviewed", "Resolved", "Closed", "Goods", "Shipping", "Compensation", "Total cost",
    "Currency", "Cost borne by", "Rating: speed", "Rating: quality", "Rating: cooperation", "Customer rating",
    "Platform dispute", "Bad review",
]  # fmt: skip


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, tzinfo=SHANGHAI)


def wall(day: int, hour: int, minute: int = 0) -> datetime:
    """The local time as a spreadsheet holds it: Excel has no time zones."""
    return at(day, hour, minute).replace(tzinfo=None)


@pytest.fixture
def shop():
    """A seller with a Chinese name and a partner; two requests written by hand: one just submitted
    (its description and order number are formulas), one closed with a quote, ratings and a survey."""
    seller_user = SellerMembershipFactory(user__language="en", seller__name="声声小店").user
    partner_user = PartnerMembershipFactory(user__language="en", partner__name="Fast Dropship").user
    seller, partner = seller_user.seller_membership.seller, partner_user.partner_membership.partner
    outcome_messages_off(seller)  # the seller's own contact step, as written below

    risky_order = OrderFactory(seller=seller, partner=partner, platform_order_number="@SUM(1+1)")
    risky_line = OrderLineFactory(order=risky_order, quantity=1)
    first = workflow.reship_submit(
        actor=seller_user,
        order_id=risky_order.pk,
        reason="lost_in_transit",
        description=FORMULA,
        lines=[workflow.LineRequest(risky_line.pk, 1, "resend")],
        now=at(4, 10, 30),
    )

    order = OrderFactory(seller=seller, partner=partner, platform_order_number="TB-2026-0001")
    line = OrderLineFactory(order=order, quantity=1)
    second = workflow.reship_submit(
        actor=seller_user,
        order_id=order.pk,
        reason="damaged",
        description="Crushed box",
        lines=[workflow.LineRequest(line.pk, 1, "resend")],
        now=at(4, 11),
    )
    workflow.reship_approve(
        request_id=second.pk,
        actor=partner_user,
        quote_goods="120.00",
        quote_shipping="18.00",
        cost_bearer="partner",
        promised_date=date(2026, 5, 7),
        now=at(4, 15),
    )
    reship_line = second.lines.get()
    workflow.reship_ship(
        request_id=second.pk,
        actor=partner_user,
        items=[workflow.ShipItem(reship_line.pk)],
        carrier="SF Express",
        tracking_number="SF000000000001",
        now=at(5, 9),
    )
    workflow.reship_confirm_info_update(request_id=second.pk, actor=seller_user, now=at(5, 10))
    workflow.reship_contact_customer(request_id=second.pk, actor=seller_user, channel="email", now=at(5, 11))
    workflow.reship_close(
        request_id=second.pk,
        actor=seller_user,
        rating_speed=4,
        rating_quality=5,
        rating_cooperation=3,
        platform_dispute=True,
        now=at(6, 12),
    )
    send_survey(second, now=at(7, 8))
    workflow.survey_answer(request_id=second.pk, rating=5, comment="Thanks", now=at(7, 8))
    first.refresh_from_db()
    second.refresh_from_db()
    return {"seller": seller_user, "partner": partner_user, "first": first, "second": second}


def expected_rows(shop) -> list[list[str]]:
    """The two requests as the CSV writes them, by hand."""
    return [
        [shop["first"].number, "'@SUM(1+1)", "声声小店", "Fast Dropship", "Lost in transit", "'" + FORMULA,
         "Submitted", "2026-05-04 10:30", "", "", "", "", "", "", "", "CNY", "", "", "", "", "", "No", "No"],
        [shop["second"].number, "TB-2026-0001", "声声小店", "Fast Dropship", "Damaged", "Crushed box",
         "Closed", "2026-05-04 11:00", "2026-05-04 15:00", "2026-05-05 09:00", "2026-05-06 12:00",
         "120.00", "18.00", "0.00", "138.00", "CNY", "Dropship partner", "4", "5", "3", "5", "Yes", "No"],
    ]  # fmt: skip


def csv_rows(response) -> tuple[bytes, list[list[str]]]:
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [[cell.value for cell in row] for row in workbook.active.iter_rows()]


# --- CSV ----------------------------------------------------------------------------------------


def test_the_csv_has_a_bom_the_header_and_a_row_per_request(client, shop):
    client.force_login(shop["seller"])

    response = client.get(reverse("dashboard:export-csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="reship-requests.csv"'
    body, rows = csv_rows(response)
    assert body.startswith(b"\xef\xbb\xbf")  # so Excel reads 声声小店 as UTF-8
    assert rows[0] == HEADER
    assert rows[1:] == expected_rows(shop)


def test_the_csv_header_follows_the_language(client, shop):
    client.force_login(shop["seller"])

    with translation.override("zh-hans"):
        response = client.get(reverse("dashboard:export-csv"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    _body, rows = csv_rows(response)
    assert rows[0][2] != "Seller"  # translated
    assert rows[2][4] == "商品破损"  # "Damaged"


def test_a_link_filter_picks_the_requests_and_names_the_file(client, shop):
    client.force_login(shop["seller"])

    response = client.get(
        reverse("dashboard:export-csv"),
        {
            "submitted_from": "2026-05-01T00:00:00+08:00",
            "submitted_to": "2026-05-08T00:00:00+08:00",
            "status": "closed",
        },
    )

    assert response["Content-Disposition"] == 'attachment; filename="reship-requests-2026-05-01-2026-05-07.csv"'
    _body, rows = csv_rows(response)
    assert [row[0] for row in rows[1:]] == [shop["second"].number]


def test_a_bad_link_value_is_refused(client, shop):
    client.force_login(shop["seller"])

    assert client.get(reverse("dashboard:export-csv"), {"status": "nonsense"}).status_code == 400
    assert client.get(reverse("dashboard:export-xlsx"), {"submitted_from": "yesterday"}).status_code == 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Lost = late", "Lost = late"),
        ("", ""),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_neutralised(text, expected):
    assert neutralised(text) == expected


# --- XLSX ---------------------------------------------------------------------------------------


def test_the_xlsx_has_the_same_rows_with_numbers_dates_and_inert_formulas(client, shop):
    client.force_login(shop["seller"])

    response = client.get(reverse("dashboard:export-xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="reship-requests.xlsx"'
    rows = xlsx_rows(response)
    assert rows[0] == HEADER
    assert rows[1] == [
        shop["first"].number, "@SUM(1+1)", "声声小店", "Fast Dropship", "Lost in transit", FORMULA, "Submitted",
        wall(4, 10, 30), None, None, None, None, None, None, None, "CNY", None, None, None, None, None,
        "No", "No",
    ]  # fmt: skip
    assert rows[2] == [
        shop["second"].number, "TB-2026-0001", "声声小店", "Fast Dropship", "Damaged", "Crushed box", "Closed",
        wall(4, 11), wall(4, 15), wall(5, 9), wall(6, 12),
        120, 18, 0, 138, "CNY", "Dropship partner", 4, 5, 3, 5, "Yes", "No",
    ]  # fmt: skip


def test_the_xlsx_writes_formulas_as_plain_strings(client, shop):
    client.force_login(shop["seller"])

    workbook = load_workbook(io.BytesIO(b"".join(client.get(reverse("dashboard:export-xlsx")).streaming_content)))

    sheet = workbook.active
    assert sheet["F2"].value == FORMULA
    assert sheet["F2"].data_type == "s"  # a string, never "f" (a formula)
    assert sheet["B2"].data_type == "s"
    assert sheet["L3"].data_type == "n"  # money stays a number
    assert sheet["L3"].number_format == "#,##0.00"


# --- tenancy ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dashboard:export-csv", "dashboard:export-xlsx"])
def test_a_sellers_export_never_includes_another_sellers_requests(client, parties, other_parties, name):  # noqa: F811
    mine = submitted_requests(parties, 2)
    submitted_requests(other_parties, 3)
    client.force_login(parties.seller)

    response = client.get(reverse(name))

    rows = csv_rows(response)[1] if name.endswith("csv") else xlsx_rows(response)
    assert sorted(row[0] for row in rows[1:]) == sorted(request.number for request in mine)


def test_a_partner_exports_only_its_own_requests_even_when_asking_for_another(client, parties, other_parties):  # noqa: F811
    mine = submitted_requests(parties, 2)
    submitted_requests(other_parties, 1)
    client.force_login(parties.partner)
    stranger = other_parties.partner.partner_membership.partner

    own = csv_rows(client.get(reverse("dashboard:export-csv")))[1]
    asked = csv_rows(client.get(reverse("dashboard:export-csv"), {"partner": stranger.pk}))[1]

    assert sorted(row[0] for row in own[1:]) == sorted(request.number for request in mine)
    assert asked == [HEADER]


def test_an_admin_exports_everyone_or_one_seller(client, parties, other_parties, admin_user):  # noqa: F811
    mine = submitted_requests(parties, 2)
    theirs = submitted_requests(other_parties, 1)
    client.force_login(admin_user)
    seller = parties.seller.seller_membership.seller

    everyone = csv_rows(client.get(reverse("dashboard:export-csv")))[1]
    one = csv_rows(client.get(reverse("dashboard:export-csv"), {"seller": seller.pk}))[1]

    assert sorted(row[0] for row in everyone[1:]) == sorted(request.number for request in mine + theirs)
    assert sorted(row[0] for row in one[1:]) == sorted(request.number for request in mine)


def test_another_sellers_id_from_a_seller_exports_nothing(client, parties, other_parties):  # noqa: F811
    """The seller filter narrows within the tenancy filter: another seller's id finds none of theirs."""
    submitted_requests(parties, 1)
    submitted_requests(other_parties, 1)
    client.force_login(parties.seller)
    stranger = other_parties.seller.seller_membership.seller

    rows = csv_rows(client.get(reverse("dashboard:export-csv"), {"seller": stranger.pk}))[1]

    assert [row[0] for row in rows[1:]] == []


# --- constant queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dashboard:export-csv", "dashboard:export-xlsx"])
def test_the_export_queries_do_not_grow_with_the_rows(client, parties, name):  # noqa: F811
    client.force_login(parties.seller)
    submitted_requests(parties, 3)
    client.get(reverse(name))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert len(b"".join(client.get(reverse(name)).streaming_content)) > 0
    submitted_requests(parties, 27)

    with CaptureQueriesContext(connection) as many:
        body = b"".join(client.get(reverse(name)).streaming_content)

    assert len(many) == len(few)
    if name.endswith("csv"):
        assert body.count(b"\r\n") == 31  # the header and 30 rows
