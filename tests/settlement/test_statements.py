"""The statement writer: draw up, issue, confirm, dispute, adjust, pay — every figure written by hand
from the costs each test chose."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from reship.choices import StatementEventKind, StatementStatus
from reship.models import (
    Notification,
    RequestMessage,
    Statement,
    StatementEvent,
    StatementLine,
    StatementPayment,
    StatementTotal,
)
from reship.settlement import statements
from tests.settlement_states import closed_request, pair

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOV_10 = datetime(2026, 11, 10, 12, 0, tzinfo=TZ)
NOV_20 = datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
DEC_2 = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


def ids(user):
    partner = user.partner_membership.partner
    return partner.pk


def draft_november(seller_user, partner_user, now=DEC_2):
    return statements.statement_draft(
        actor=partner_user,
        partner_id=ids(partner_user),
        seller_id=seller_user.seller_membership.seller.pk,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        now=now,
    )


def totals(statement):
    return {
        t.currency: (t.lines_total, t.previous_balance, t.net, t.paid)
        for t in StatementTotal.objects.filter(statement=statement)
    }


def counts():
    return (
        Statement.objects.count(),
        StatementLine.objects.count(),
        StatementEvent.objects.count(),
        StatementPayment.objects.count(),
        Notification.objects.count(),
        RequestMessage.objects.count(),
    )


def test_draft_issue_confirm_settles_to_confirmed():
    seller_user, partner_user = pair()
    # 100 goods + 20 shipping borne by the seller → the seller owes 120.00
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", shipping="20", closed_at=NOV_10)
    # 80 goods shared at 50 % → the seller owes 40.00
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="80", bearer="shared", closed_at=NOV_20)
    statement = draft_november(seller_user, partner_user)
    assert statement.status == StatementStatus.DRAFT
    assert statement.number.startswith("ST-202611-")
    assert statement.line_count == 3
    assert statement.request_count == 2
    assert totals(statement) == {"CNY": (Decimal("160.00"), Decimal("0"), Decimal("160.00"), Decimal("0"))}
    lines = list(statement.lines.order_by("position"))
    assert [(line.item, line.due) for line in lines] == [
        ("goods", Decimal("100.00")),
        ("shipping", Decimal("20.00")),
        ("goods", Decimal("40.00")),
    ]

    issued = statements.statement_issue(statement_id=statement.pk, actor=partner_user, now=DEC_2)
    assert issued.status == StatementStatus.ISSUED
    assert issued.due_on == date(2026, 12, 17)  # 2 Dec + 15 days
    assert issued.issuer_confirmed_at is not None

    confirmed = statements.statement_confirm(statement_id=statement.pk, actor=seller_user, now=DEC_2)
    assert confirmed.status == StatementStatus.CONFIRMED
    kinds = list(StatementEvent.objects.filter(statement=statement).order_by("pk").values_list("kind", flat=True))
    assert kinds == [StatementEventKind.DRAFTED, StatementEventKind.ISSUED, StatementEventKind.CONFIRMED]
