"""The money rules as a statement writes them: each bearer, who paid, the shared split, currencies
kept apart, balances carried, follow-ups as adjustments. Every figure worked out by hand."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from reship.choices import StatementStatus
from reship.models import SettlementTerms, Statement, StatementTotal
from reship.settlement import statements
from tests.settlement_states import closed_request, pair

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOV_10 = datetime(2026, 11, 10, 12, 0, tzinfo=TZ)
DEC_2 = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)
DEC_10 = datetime(2026, 12, 10, 12, 0, tzinfo=TZ)
JAN_2 = datetime(2027, 1, 2, 9, 0, tzinfo=TZ)


def draft(seller_user, partner_user, start, end, now):
    return statements.statement_draft(
        actor=partner_user,
        partner_id=partner_user.partner_membership.partner.pk,
        seller_id=seller_user.seller_membership.seller.pk,
        period_start=start,
        period_end=end,
        now=now,
    )


def november(seller_user, partner_user):
    return draft(seller_user, partner_user, date(2026, 11, 1), date(2026, 11, 30), DEC_2)


def dues(statement):
    """(request number, item, due) per line, in position order."""
    return [(line.request_number, line.item, line.due) for line in statement.lines.order_by("position")]


def figures(statement):
    return {
        t.currency: (t.lines_total, t.previous_balance, t.net)
        for t in StatementTotal.objects.filter(statement=statement)
    }


def test_each_bearer_and_who_paid():
    seller_user, partner_user = pair()

    def closed(**costs):
        return closed_request(seller_user=seller_user, partner_user=partner_user, closed_at=NOV_10, **costs)

    by_seller = closed(goods="100", shipping="20", bearer="seller")  # 100 + 20 owed
    by_partner = closed(goods="100", shipping="20", bearer="partner")  # 0
    by_source = closed(goods="100", bearer="supplier")  # 0 (recovered from the source)
    by_carrier = closed(goods="100", bearer="carrier")  # 0 (the carrier's claim)
    shared = closed(goods="101", shipping="9", bearer="shared")  # 50.50 + 4.50 (half, rounded half-up)
    # a compensation the seller paid itself, borne by the partner: the partner owes it back
    seller_paid = closed(goods="0", compensation="25", compensated_by="seller", bearer="partner")  # −25
    # a compensation the seller paid and bears: nothing moves
    seller_paid_own = closed(compensation="30", compensated_by="seller", bearer="seller")  # 0
    # a compensation the partner paid, borne by the seller: the seller owes it
    partner_paid = closed(compensation="40", compensated_by="partner", bearer="seller")  # 40

    statement = november(seller_user, partner_user)
    assert dues(statement) == [
        (by_seller.number, "goods", Decimal("100.00")),
        (by_seller.number, "shipping", Decimal("20.00")),
        (by_partner.number, "goods", Decimal("0.00")),
        (by_partner.number, "shipping", Decimal("0.00")),
        (by_source.number, "goods", Decimal("0.00")),
        (by_carrier.number, "goods", Decimal("0.00")),
        (shared.number, "goods", Decimal("50.50")),
        (shared.number, "shipping", Decimal("4.50")),
        (seller_paid.number, "compensation", Decimal("-25.00")),
        (seller_paid_own.number, "compensation", Decimal("0.00")),
        (partner_paid.number, "compensation", Decimal("40.00")),
    ]
    # 120 + 55 − 25 + 40 = 190.00
    assert figures(statement) == {"CNY": (Decimal("190.00"), Decimal("0"), Decimal("190.00"))}
    assert statement.request_count == 8


def test_shared_at_thirty_percent():
    seller_user, partner_user = pair()
    SettlementTerms.objects.create(
        partner=partner_user.partner_membership.partner,
        seller=seller_user.seller_membership.seller,
        shared_seller_percent=30,
    )
    # 30 % of 99.99 = 29.997 → 30.00; 30 % of 15 = 4.50
    closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="99.99",
        shipping="15",
        bearer="shared",
        closed_at=NOV_10,
    )
    statement = november(seller_user, partner_user)
    assert [line.due for line in statement.lines.order_by("position")] == [Decimal("30.00"), Decimal("4.50")]
    assert [line.counterparty_share for line in statement.lines.order_by("position")] == [
        Decimal("30.00"),
        Decimal("4.50"),
    ]
    assert figures(statement) == {"CNY": (Decimal("34.50"), Decimal("0"), Decimal("34.50"))}


def test_two_currencies_are_never_added():
    seller_user, partner_user = pair()
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", currency="CNY", closed_at=NOV_10)
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="15", currency="USD", closed_at=NOV_10)
    statement = november(seller_user, partner_user)
    assert figures(statement) == {
        "CNY": (Decimal("100.00"), Decimal("0"), Decimal("100.00")),
        "USD": (Decimal("15.00"), Decimal("0"), Decimal("15.00")),
    }


def test_open_balance_carried_into_the_next_statement():
    seller_user, partner_user = pair()
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", closed_at=NOV_10)
    nov = november(seller_user, partner_user)
    statements.statement_issue(statement_id=nov.pk, actor=partner_user, now=DEC_2)
    statements.statement_confirm(statement_id=nov.pk, actor=seller_user, now=DEC_2)
    statements.statement_record_payment(
        statement_id=nov.pk,
        actor=seller_user,
        amount="30",
        currency="CNY",
        paid_on="2026-12-02",
        method="cash",
        now=DEC_2,
    )
    # November: 100 owed, 30 paid → 70 open; December: 20 shipping owed, + 70 brought forward = 90
    closed_request(seller_user=seller_user, partner_user=partner_user, shipping="20", closed_at=DEC_10)
    dec = draft(seller_user, partner_user, date(2026, 12, 1), date(2026, 12, 31), JAN_2)
    statements.statement_issue(statement_id=dec.pk, actor=partner_user, now=JAN_2)
    assert figures(dec) == {"CNY": (Decimal("20.00"), Decimal("70.00"), Decimal("90.00"))}
    nov = Statement.objects.get(pk=nov.pk)
    assert nov.status == StatementStatus.CARRIED_FORWARD
    assert nov.carried_to_id == dec.pk


def test_follow_up_of_an_issued_request_is_an_adjustment_of_its_line():
    seller_user, partner_user = pair()
    original = closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", closed_at=NOV_10)
    nov = november(seller_user, partner_user)
    statements.statement_issue(statement_id=nov.pk, actor=partner_user, now=DEC_2)
    original_line = nov.lines.order_by("position").first()
    follow_up = closed_request(
        seller_user=seller_user, partner_user=partner_user, goods="60", follow_up_of=original, closed_at=DEC_10
    )
    dec = draft(seller_user, partner_user, date(2026, 12, 1), date(2026, 12, 31), JAN_2)
    line = dec.lines.get()
    assert line.request_id == follow_up.pk
    assert line.item == "goods"
    assert line.adjusts_id == original_line.pk
    assert nov.number in line.note
    assert line.due == Decimal("60.00")
    # November's statement did not change
    assert figures(Statement.objects.get(pk=nov.pk)) == {"CNY": (Decimal("100.00"), Decimal("0"), Decimal("100.00"))}
