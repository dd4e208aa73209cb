"""Concurrent calls on PostgreSQL: one draft per pair and period, one payment of the last balance."""

import pytest

from reship.models import Statement, StatementPayment
from reship.settlement import statements
from tests.settlement.test_statements import DEC_2, NOV_10, draft_november
from tests.settlement_states import closed_request, pair
from tests.workflow.test_concurrency import _run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_drafts_of_one_pair_one_wins():
    seller_user, partner_user = pair()
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", closed_at=NOV_10)

    outcomes = _run_together([lambda: draft_november(seller_user, partner_user)] * 4)

    assert sorted(kind for kind, _value in outcomes) == ["InvalidInput", "InvalidInput", "InvalidInput", "ok"]
    assert Statement.objects.count() == 1


def test_two_concurrent_payments_of_the_whole_balance_one_wins():
    seller_user, partner_user = pair()
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", closed_at=NOV_10)
    statement = draft_november(seller_user, partner_user)
    statements.statement_issue(statement_id=statement.pk, actor=partner_user, now=DEC_2)
    statements.statement_confirm(statement_id=statement.pk, actor=seller_user, now=DEC_2)

    def pay():
        return statements.statement_record_payment(
            statement_id=statement.pk,
            actor=seller_user,
            amount="100",
            currency="CNY",
            paid_on="2026-12-02",
            method="alipay",
            now=DEC_2,
        )

    outcomes = _run_together([pay, pay])

    assert sorted(kind for kind, _value in outcomes) == ["InvalidTransition", "ok"]
    assert StatementPayment.objects.count() == 1
