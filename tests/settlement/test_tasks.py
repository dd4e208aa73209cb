"""The beat job: at period end it draws up and issues each pair's statement, once."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from reship.choices import StatementKind, StatementStatus
from reship.models import SettlementTerms, Statement, StatementTotal
from reship.settlement import statements
from reship.settlement.tasks import issue_due_statements
from tests.factories import SupplierFactory
from tests.settlement_states import closed_request, pair

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=TZ)


def net(statement):
    return {t.currency: t.net for t in StatementTotal.objects.filter(statement=statement)}


def test_first_of_december_issues_novembers_seller_and_source_statements_once():
    seller_user, partner_user = pair()
    source = SupplierFactory()
    # seller pair: 100 goods borne by the seller → the seller owes 100.00
    on_time = closed_request(
        seller_user=seller_user, partner_user=partner_user, goods="100", closed_at=at(2026, 11, 10, 12)
    )
    # source pair: 50 goods + 10 shipping borne by the source → the source owes 60.00;
    # on the seller's statement it is 0.00 (the partner recovers it from the source)
    source_borne = closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="50",
        shipping="10",
        bearer="supplier",
        supplier=source,
        closed_at=at(2026, 11, 30, 23, 50),
    )
    # closed ten minutes after November's cut-off: December's
    late = closed_request(
        seller_user=seller_user, partner_user=partner_user, goods="30", closed_at=at(2026, 12, 1, 0, 10)
    )

    touched = statements.statements_issue_due(now=at(2026, 12, 1, 0, 30))

    seller_statement = Statement.objects.get(kind=StatementKind.SELLER)
    source_statement = Statement.objects.get(kind=StatementKind.SUPPLIER)
    assert sorted(touched) == sorted([seller_statement.pk, source_statement.pk])
    for statement in (seller_statement, source_statement):
        assert statement.status == StatementStatus.ISSUED
        assert (statement.period_start, statement.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
        assert statement.issued_by is None
    # the source-borne request is on the seller's statement too, at 0.00 due; the late one is not
    assert set(seller_statement.lines.values_list("request_id", flat=True)) == {on_time.pk, source_borne.pk}
    assert list(source_statement.lines.order_by().values_list("request_id", flat=True).distinct()) == [source_borne.pk]
    assert net(seller_statement) == {"CNY": Decimal("100.00")}
    assert net(source_statement) == {"CNY": Decimal("60.00")}

    # A second run the same night adds nothing
    assert statements.statements_issue_due(now=at(2026, 12, 1, 1, 30)) == []
    assert Statement.objects.count() == 2

    # On 1 January, December's statement takes the request closed at 00:10 on 1 December
    statements.statements_issue_due(now=at(2027, 1, 1, 0, 30))
    december = Statement.objects.get(kind=StatementKind.SELLER, period_start=date(2026, 12, 1))
    assert list(december.lines.values_list("request_id", flat=True)) == [late.pk]
    assert net(december) == {"CNY": Decimal("30.00")}


def test_weekly_terms_and_drafts_kept_when_not_automatic():
    seller_user, partner_user = pair()
    SettlementTerms.objects.create(
        partner=partner_user.partner_membership.partner,
        seller=seller_user.seller_membership.seller,
        period="weekly",
        auto_issue=False,
    )
    # Monday 23 November: the week 23–29 November
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="40", closed_at=at(2026, 11, 23, 9))
    assert statements.statements_issue_due(now=at(2026, 11, 29, 23, 0)) == []  # the week has not ended
    touched = statements.statements_issue_due(now=at(2026, 11, 30, 0, 30))
    statement = Statement.objects.get()
    assert touched == [statement.pk]
    assert (statement.period_start, statement.period_end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert statement.status == StatementStatus.DRAFT  # the partner issues it itself
    assert statements.statements_issue_due(now=at(2026, 11, 30, 1, 30)) == []


def test_semi_monthly_terms_and_the_celery_task():
    seller_user, partner_user = pair()
    SettlementTerms.objects.create(
        partner=partner_user.partner_membership.partner,
        seller=seller_user.seller_membership.seller,
        period="semi_monthly",
        payment_days=7,
    )
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="40", closed_at=at(2026, 11, 10, 9))
    statements.statements_issue_due(now=at(2026, 11, 16, 0, 30))
    statement = Statement.objects.get()
    assert (statement.period_start, statement.period_end) == (date(2026, 11, 1), date(2026, 11, 15))
    assert statement.status == StatementStatus.ISSUED
    assert statement.due_on == date(2026, 11, 23)  # 16 November + 7 days
    # the task runs at the real "now" (December 2026): 16–30 November takes the request closed on
    # the 20th; a second run adds nothing
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="10", closed_at=at(2026, 11, 20, 9))
    assert issue_due_statements() == 1
    assert issue_due_statements() == 0
    second = Statement.objects.get(period_start=date(2026, 11, 16))
    assert second.period_end == date(2026, 11, 30)
    assert net(second) == {"CNY": Decimal("10.00")}


def test_a_statement_issued_by_the_beat_is_in_both_sides_inboxes_one_issued_by_hand_in_the_sellers():
    from reship.models import Notification

    seller_user, partner_user = pair()
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", closed_at=at(2026, 11, 10, 12))

    (issued,) = statements.statements_issue_due(now=at(2026, 12, 1, 0, 30))

    told = Notification.objects.filter(statement_id=issued, template="statement.issued", channel="inbox")
    assert sorted(told.values_list("recipient_user__username", flat=True)) == sorted(
        [seller_user.username, partner_user.username]
    )
    partner_entry = told.get(recipient_user=partner_user)
    assert partner_entry.payload["audience"] == "partner"

    closed_request(seller_user=seller_user, partner_user=partner_user, goods="40", closed_at=at(2026, 12, 10, 12))
    draft = statements.statement_draft(
        actor=partner_user,
        partner_id=partner_user.partner_membership.partner.pk,
        seller_id=seller_user.seller_membership.seller.pk,
        now=at(2027, 1, 1, 9),
    )
    statements.statement_issue(statement_id=draft.pk, actor=partner_user, now=at(2027, 1, 1, 9))
    by_hand = Notification.objects.filter(statement=draft, template="statement.issued", channel="inbox")
    assert list(by_hand.values_list("recipient_user__username", flat=True)) == [seller_user.username]
