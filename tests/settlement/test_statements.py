"""The statement writer: draw up, issue, confirm, dispute, adjust, pay — every figure written by hand
from the costs each test chose."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from reship.choices import StatementEventKind, StatementLineStatus, StatementStatus
from reship.core.errors import ActionNotPermitted, InvalidInput, InvalidTransition, StatementNotFound
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


# --- helpers for the lifecycle ---------------------------------------------------------------------
def issued_statement(seller_user, partner_user, **request):
    closed_request(seller_user=seller_user, partner_user=partner_user, closed_at=NOV_10, **request)
    statement = draft_november(seller_user, partner_user)
    return statements.statement_issue(statement_id=statement.pk, actor=partner_user, now=DEC_2)


def confirmed_statement(seller_user, partner_user, **request):
    statement = issued_statement(seller_user, partner_user, **request)
    return statements.statement_confirm(statement_id=statement.pk, actor=seller_user, now=DEC_2)


def first_line(statement):
    return statement.lines.order_by("position").first()


def test_dispute_adjust_confirm_pay_settle():
    seller_user, partner_user = pair()
    # 100 goods borne by the seller → the seller owes 100.00
    statement = issued_statement(seller_user, partner_user, goods="100")
    line = first_line(statement)
    statements.statement_dispute_line(
        statement_id=statement.pk, line_id=line.pk, actor=seller_user, reason="The carrier broke it.", now=DEC_2
    )
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DISPUTED
    assert statement.disputed_line_count == 1
    message = RequestMessage.objects.get(request_id=line.request_id, body__contains="The carrier broke it.")
    assert message.author == seller_user
    # The partner agrees: the carrier bears it → the seller owes 0.00
    adjusted = statements.statement_adjust_line(
        statement_id=statement.pk, line_id=line.pk, actor=partner_user, message="Agreed.", bearer="carrier", now=DEC_2
    )
    assert adjusted.status == StatementLineStatus.ADJUSTED
    assert adjusted.due == Decimal("0.00")
    statement.refresh_from_db()
    assert statement.status == StatementStatus.ADJUSTED
    assert statement.version == 2
    assert statement.issuer_confirmed_at is None
    event = StatementEvent.objects.filter(statement=statement, kind=StatementEventKind.LINE_ADJUSTED).get()
    assert event.data["before"] == {"bearer": "seller", "counterparty_share": "100.00", "due": "100.00"}
    assert event.data["after"] == {"bearer": "carrier", "counterparty_share": "0.00", "due": "0.00"}
    assert event.to_status == StatementStatus.ADJUSTED
    # Both confirm version 2; nothing is owed → settled at once
    statements.statement_confirm(statement_id=statement.pk, actor=seller_user, now=DEC_2)
    statement.refresh_from_db()
    assert statement.status == StatementStatus.ADJUSTED
    done = statements.statement_confirm(statement_id=statement.pk, actor=partner_user, now=DEC_2)
    assert done.status == StatementStatus.SETTLED


def test_payments_in_parts_then_settled_and_second_settlement_refused():
    seller_user, partner_user = pair()
    # 100 goods + 20 shipping borne by the seller → 120.00 owed by the seller
    statement = confirmed_statement(seller_user, partner_user, goods="100", shipping="20")
    assert statement.status == StatementStatus.CONFIRMED
    payment = statements.statement_record_payment(
        statement_id=statement.pk,
        actor=seller_user,
        amount="50",
        currency="CNY",
        paid_on="2026-12-02",
        method="bank_transfer",
        now=DEC_2,
    )
    assert payment.payer == "counterparty"
    statement.refresh_from_db()
    assert statement.status == StatementStatus.PARTLY_PAID
    assert totals(statement)["CNY"] == (Decimal("120.00"), Decimal("0"), Decimal("120.00"), Decimal("50.00"))
    with pytest.raises(InvalidInput, match=r"larger than the balance \(CNY 70.00\)"):
        statements.statement_record_payment(
            statement_id=statement.pk,
            actor=partner_user,
            amount="70.01",
            currency="CNY",
            paid_on="2026-12-02",
            method="alipay",
            now=DEC_2,
        )
    statements.statement_record_payment(
        statement_id=statement.pk,
        actor=partner_user,
        amount="CNY 70",
        currency="CNY",
        paid_on=date(2026, 12, 2),
        method="alipay",
        now=DEC_2,
    )
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SETTLED
    assert statement.settled_at is not None
    before = counts()
    with pytest.raises(InvalidTransition, match="settled already"):
        statements.statement_record_payment(
            statement_id=statement.pk,
            actor=seller_user,
            amount="1",
            currency="CNY",
            paid_on="2026-12-02",
            method="cash",
            now=DEC_2,
        )
    assert counts() == before


@pytest.mark.parametrize(
    ("amount", "currency", "paid_on", "method", "message"),
    [
        ("10", "USD", "2026-12-02", "cash", "no balance in USD"),
        ("USD 10", "CNY", "2026-12-02", "cash", "one currency per payment"),
        ("0", "CNY", "2026-12-02", "cash", "more than zero"),
        ("-5", "CNY", "2026-12-02", "cash", "more than zero"),
        ("10.001", "CNY", "2026-12-02", "cash", "two decimals"),
        ("ten", "CNY", "2026-12-02", "cash", "Enter an amount"),
        ("10", "CNY", "2026-12-03", "cash", "in the future"),
        ("10", "CNY", "yesterday", "cash", "Enter the day"),
        ("10", "CNY", "2026-12-02", "cheque", "how it was paid"),
    ],
)
def test_bad_payments_write_nothing(amount, currency, paid_on, method, message):
    seller_user, partner_user = pair()
    statement = confirmed_statement(seller_user, partner_user, goods="100")
    before = counts()
    with pytest.raises(InvalidInput, match=message):
        statements.statement_record_payment(
            statement_id=statement.pk,
            actor=seller_user,
            amount=amount,
            currency=currency,
            paid_on=paid_on,
            method=method,
            now=DEC_2,
        )
    assert counts() == before
    assert totals(statement)["CNY"][3] == Decimal("0")


def test_amount_other_than_recorded_cost_is_refused_and_adjustment_line_works():
    seller_user, partner_user = pair()
    statement = issued_statement(seller_user, partner_user, goods="100")
    line = first_line(statement)
    statements.statement_dispute_line(
        statement_id=statement.pk, line_id=line.pk, actor=seller_user, reason="We agreed 90.", now=DEC_2
    )
    before = counts()
    with pytest.raises(InvalidInput, match=r"recorded costs \(CNY 100.00\).*adjustment line"):
        statements.statement_adjust_line(
            statement_id=statement.pk, line_id=line.pk, actor=partner_user, message="Fine.", amount="90", now=DEC_2
        )
    with pytest.raises(InvalidInput, match="between 0 and CNY 100.00"):
        statements.statement_adjust_line(
            statement_id=statement.pk,
            line_id=line.pk,
            actor=partner_user,
            message="Fine.",
            counterparty_share="101",
            now=DEC_2,
        )
    with pytest.raises(InvalidInput, match="Say how you answer"):
        statements.statement_adjust_line(statement_id=statement.pk, line_id=line.pk, actor=partner_user, message=" ")
    with pytest.raises(InvalidInput, match="EUR is not a currency"):
        statements.statement_add_adjustment(
            statement_id=statement.pk, actor=partner_user, due="-10", currency="EUR", reason="Discount."
        )
    with pytest.raises(InvalidInput, match="zero changes nothing"):
        statements.statement_add_adjustment(
            statement_id=statement.pk, actor=partner_user, due="0", currency="CNY", reason="Discount."
        )
    assert counts() == before
    # −10.00 for the agreed price: 100.00 − 10.00 = 90.00 owed
    adjustment = statements.statement_add_adjustment(
        statement_id=statement.pk,
        actor=partner_user,
        due="-10",
        currency="CNY",
        reason="The agreed price was 90.",
        adjusts_line_id=line.pk,
        now=DEC_2,
    )
    assert adjustment.item == "adjustment"
    assert adjustment.amount == Decimal("10.00")
    line.refresh_from_db()
    assert line.status == StatementLineStatus.ADJUSTED
    statement.refresh_from_db()
    assert statement.status == StatementStatus.ADJUSTED
    assert totals(statement)["CNY"] == (Decimal("90.00"), Decimal("0"), Decimal("90.00"), Decimal("0"))


def test_wrong_side_before_wrong_status():
    seller_user, partner_user = pair()
    statement = issued_statement(seller_user, partner_user, goods="100")
    line = first_line(statement)
    before = counts()
    # the partner may not dispute its own statement, even in a status where disputes are possible
    with pytest.raises(ActionNotPermitted):
        statements.statement_dispute_line(statement_id=statement.pk, line_id=line.pk, actor=partner_user, reason="x")
    # the seller may not issue, even though the status (issued) would also refuse: 403 first
    with pytest.raises(ActionNotPermitted):
        statements.statement_issue(statement_id=statement.pk, actor=seller_user)
    with pytest.raises(ActionNotPermitted):
        statements.statement_adjust_line(statement_id=statement.pk, line_id=line.pk, actor=seller_user, message="x")
    # the issuer has confirmed by issuing
    with pytest.raises(InvalidTransition, match="confirmed version 1"):
        statements.statement_confirm(statement_id=statement.pk, actor=partner_user)
    # editing an issued statement: recalculating is refused
    with pytest.raises(InvalidTransition, match="can no longer be recalculated"):
        statements.statement_refresh(statement_id=statement.pk, actor=partner_user)
    with pytest.raises(InvalidTransition, match="only a disputed statement"):
        statements.statement_adjust_line(statement_id=statement.pk, line_id=line.pk, actor=partner_user, message="x")
    with pytest.raises(InvalidTransition, match="once both sides have confirmed"):
        statements.statement_record_payment(
            statement_id=statement.pk,
            actor=seller_user,
            amount="1",
            currency="CNY",
            paid_on="2026-12-01",
            method="cash",
        )
    assert counts() == before


def test_confirmed_statement_refuses_disputes_and_disputed_line_blocks_confirm():
    seller_user, partner_user = pair()
    statement = confirmed_statement(seller_user, partner_user, goods="100")
    line = first_line(statement)
    before = counts()
    with pytest.raises(InvalidTransition, match="confirmed; a line can no longer be disputed"):
        statements.statement_dispute_line(statement_id=statement.pk, line_id=line.pk, actor=seller_user, reason="x")
    assert counts() == before

    other_seller, other_partner = pair()
    disputed = issued_statement(other_seller, other_partner, goods="10")
    statements.statement_dispute_line(
        statement_id=disputed.pk, line_id=first_line(disputed).pk, actor=other_seller, reason="Why?"
    )
    with pytest.raises(InvalidTransition, match="is disputed"):
        statements.statement_confirm(statement_id=disputed.pk, actor=other_seller)
    with pytest.raises(InvalidInput, match="Say why"):
        statements.statement_dispute_line(
            statement_id=disputed.pk, line_id=first_line(disputed).pk, actor=other_seller, reason=""
        )


def test_another_pairs_statement_is_not_found():
    seller_user, partner_user = pair()
    statement = issued_statement(seller_user, partner_user, goods="100")
    stranger_seller, stranger_partner = pair()
    before = counts()
    with pytest.raises(StatementNotFound):
        statements.statement_confirm(statement_id=statement.pk, actor=stranger_seller)
    with pytest.raises(StatementNotFound):
        statements.statement_refresh(statement_id=statement.pk, actor=stranger_partner)
    with pytest.raises(ActionNotPermitted):
        statements.statement_draft(
            actor=stranger_partner,
            partner_id=partner_user.partner_membership.partner.pk,
            seller_id=seller_user.seller_membership.seller.pk,
        )
    assert counts() == before


def test_draft_refusals_overlap_not_ended_one_draft_and_empty_pair():
    seller_user, partner_user = pair()
    partner_id = partner_user.partner_membership.partner.pk
    seller_id = seller_user.seller_membership.seller.pk
    before = counts()
    with pytest.raises(InvalidInput, match="has not ended yet"):
        statements.statement_draft(
            actor=partner_user,
            partner_id=partner_id,
            seller_id=seller_id,
            period_start=date(2026, 12, 1),
            period_end=date(2026, 12, 31),
            now=DEC_2,
        )
    assert counts() == before
    # No request at all: an empty statement that says so
    empty = draft_november(seller_user, partner_user)
    assert empty.line_count == 0
    assert totals(empty) == {}
    assert StatementEvent.objects.get(statement=empty).message == "No request closed in this period."
    before = counts()
    with pytest.raises(InvalidInput, match=rf"overlaps statement {empty.number}"):
        statements.statement_draft(
            actor=partner_user,
            partner_id=partner_id,
            seller_id=seller_id,
            period_start=date(2026, 11, 15),
            period_end=date(2026, 11, 20),
            now=DEC_2,
        )
    with pytest.raises(InvalidInput, match=rf"{empty.number} is still a draft"):
        statements.statement_draft(
            actor=partner_user,
            partner_id=partner_id,
            seller_id=seller_id,
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            now=DEC_2,
        )
    assert counts() == before


def test_notifications_go_to_the_other_side_on_commit(django_capture_on_commit_callbacks):
    seller_user, partner_user = pair()
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", closed_at=NOV_10)
    statement = draft_november(seller_user, partner_user)
    with django_capture_on_commit_callbacks() as callbacks:
        statements.statement_issue(statement_id=statement.pk, actor=partner_user, now=DEC_2)
    assert len(callbacks) == 1
    rows = Notification.objects.filter(statement=statement, template="statement.issued")
    assert {row.recipient_user_id for row in rows} == {seller_user.pk}
    assert {row.payload["audience"] for row in rows} == {"seller"}
    row = rows.first()
    assert row.payload["totals"] == [
        {
            "currency": "CNY",
            "lines_total": "100.00",
            "previous_balance": "0.00",
            "net": "100.00",
            "paid": "0.00",
            "balance": "100.00",
        }
    ]
    with django_capture_on_commit_callbacks():
        statements.statement_dispute_line(
            statement_id=statement.pk, line_id=first_line(statement).pk, actor=seller_user, reason="No."
        )
    disputed = Notification.objects.filter(statement=statement, template="statement.line_disputed")
    assert {row.recipient_user_id for row in disputed} == {partner_user.pk}


def test_drawing_up_and_issuing_cost_the_same_queries_for_more_requests():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(requests):
        seller_user, partner_user = pair()
        for goods in range(1, requests + 1):
            closed_request(seller_user=seller_user, partner_user=partner_user, goods=str(goods), closed_at=NOV_10)
        with CaptureQueriesContext(connection) as drawn:
            statement = draft_november(seller_user, partner_user)
        with CaptureQueriesContext(connection) as issued:
            statements.statement_issue(statement_id=statement.pk, actor=partner_user, now=DEC_2)
        # 1 + 2 + … goods borne by the seller
        assert totals(statement)["CNY"][0] == Decimal(requests * (requests + 1) // 2)
        return len(drawn), len(issued)

    assert queries_for(2) == queries_for(5)


def test_source_disputes_through_its_link_and_the_partner_pays_what_it_owes():
    from tests.factories import SupplierFactory

    seller_user, partner_user = pair()
    source = SupplierFactory()
    # the source bears 50 goods → it owes the partner 50.00
    request = closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="50",
        bearer="supplier",
        supplier=source,
        closed_at=NOV_10,
    )
    statement = statements.statement_draft(
        actor=partner_user,
        partner_id=partner_user.partner_membership.partner.pk,
        supplier_id=source.pk,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        now=DEC_2,
    )
    with pytest.raises(StatementNotFound):  # a source never sees a draft
        statements.statement_confirm(statement_id=statement.pk, actor=None, as_source=True)
    statements.statement_issue(statement_id=statement.pk, actor=partner_user, now=DEC_2)
    with pytest.raises(StatementNotFound):  # the seller is not on a source's statement
        statements.statement_confirm(statement_id=statement.pk, actor=seller_user)
    line = first_line(statement)
    statements.statement_dispute_line(
        statement_id=statement.pk, line_id=line.pk, actor=None, as_source=True, reason="Not our fault.", now=DEC_2
    )
    message = RequestMessage.objects.get(request=request, body__contains="Not our fault.")
    assert message.author is None
    assert message.author_role == "system"
    # the partner takes 20 off: 50.00 − 20.00 = 30.00 owed by the source
    statements.statement_add_adjustment(
        statement_id=statement.pk,
        actor=partner_user,
        due="-20",
        currency="CNY",
        reason="Half the damage was in our warehouse.",
        adjusts_line_id=line.pk,
        now=DEC_2,
    )
    statements.statement_confirm(statement_id=statement.pk, actor=None, as_source=True, now=DEC_2)
    statements.statement_confirm(statement_id=statement.pk, actor=partner_user, now=DEC_2)
    assert totals(statement)["CNY"] == (Decimal("30.00"), Decimal("0"), Decimal("30.00"), Decimal("0"))


def test_partner_owes_the_seller_and_pays():
    seller_user, partner_user = pair()
    # the seller paid a 25 compensation the partner bears → the partner owes 25.00
    statement = confirmed_statement(
        seller_user, partner_user, compensation="25", compensated_by="seller", bearer="partner"
    )
    assert totals(statement)["CNY"] == (Decimal("-25.00"), Decimal("0"), Decimal("-25.00"), Decimal("0"))
    payment = statements.statement_record_payment(
        statement_id=statement.pk,
        actor=partner_user,
        amount="25",
        currency="CNY",
        paid_on="2026-12-01",
        method="wechat_pay",
        now=DEC_2,
    )
    assert payment.payer == "issuer"
    assert totals(statement)["CNY"] == (Decimal("-25.00"), Decimal("0"), Decimal("-25.00"), Decimal("-25.00"))
    statement.refresh_from_db()
    assert statement.status == StatementStatus.SETTLED
    settled = Notification.objects.filter(statement=statement, template="statement.settled")
    assert {row.payload["audience"] for row in settled} == {"seller", "partner"}


def test_source_line_answered_with_another_bearer_moves_nothing():
    from tests.factories import SupplierFactory

    seller_user, partner_user = pair()
    source = SupplierFactory()
    # the source bears 50 goods → owes 50.00; the partner agrees the carrier bears it → 0.00
    closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="50",
        bearer="supplier",
        supplier=source,
        closed_at=NOV_10,
    )
    statement = statements.statement_draft(
        actor=partner_user,
        partner_id=partner_user.partner_membership.partner.pk,
        supplier_id=source.pk,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        now=DEC_2,
    )
    statements.statement_issue(statement_id=statement.pk, actor=partner_user, now=DEC_2)
    line = first_line(statement)
    statements.statement_dispute_line(
        statement_id=statement.pk, line_id=line.pk, actor=None, as_source=True, reason="The carrier lost it."
    )
    adjusted = statements.statement_adjust_line(
        statement_id=statement.pk, line_id=line.pk, actor=partner_user, message="Right.", bearer="carrier"
    )
    assert (adjusted.counterparty_share, adjusted.due) == (Decimal("0.00"), Decimal("0.00"))
    assert totals(statement)["CNY"] == (Decimal("0.00"), Decimal("0"), Decimal("0.00"), Decimal("0"))


def _call(action, statement, actor):
    line = first_line(statement)
    calls = {
        "refresh": lambda: statements.statement_refresh(statement_id=statement.pk, actor=actor),
        "issue": lambda: statements.statement_issue(statement_id=statement.pk, actor=actor),
        "confirm": lambda: statements.statement_confirm(statement_id=statement.pk, actor=actor),
        "dispute": lambda: statements.statement_dispute_line(
            statement_id=statement.pk, line_id=line.pk, actor=actor, reason="Why?"
        ),
        "adjust": lambda: statements.statement_adjust_line(
            statement_id=statement.pk, line_id=line.pk, actor=actor, message="Kept."
        ),
        "add_adjustment": lambda: statements.statement_add_adjustment(
            statement_id=statement.pk, actor=actor, due="-1", currency="CNY", reason="Goodwill."
        ),
        "pay": lambda: statements.statement_record_payment(
            statement_id=statement.pk, actor=actor, amount="1", currency="CNY", paid_on="2026-12-01", method="cash"
        ),
    }
    return calls[action]()


@pytest.mark.parametrize(
    ("state", "action", "who", "error"),
    [
        ("issued", "refresh", "seller", ActionNotPermitted),
        ("issued", "issue", "seller", ActionNotPermitted),
        ("issued", "issue", "partner", InvalidTransition),
        ("issued", "confirm", "partner", InvalidTransition),
        ("issued", "dispute", "partner", ActionNotPermitted),
        ("issued", "adjust", "seller", ActionNotPermitted),
        ("issued", "adjust", "partner", InvalidTransition),
        ("issued", "add_adjustment", "seller", ActionNotPermitted),
        ("issued", "add_adjustment", "partner", InvalidTransition),
        ("issued", "pay", "seller", InvalidTransition),
        ("issued", "pay", "partner", InvalidTransition),
        ("confirmed", "confirm", "seller", InvalidTransition),
        ("confirmed", "dispute", "seller", InvalidTransition),
        ("confirmed", "refresh", "partner", InvalidTransition),
        ("confirmed", "adjust", "partner", InvalidTransition),
        ("issued", "confirm", "stranger", StatementNotFound),
        ("issued", "dispute", "stranger", StatementNotFound),
    ],
)
def test_wrong_side_or_status_table(state, action, who, error):
    seller_user, partner_user = pair()
    statement = (issued_statement if state == "issued" else confirmed_statement)(seller_user, partner_user, goods="100")
    actor = {"seller": seller_user, "partner": partner_user, "stranger": pair()[0]}[who]
    before = counts()
    with pytest.raises(error):
        _call(action, statement, actor)
    assert counts() == before


def test_platform_admin_reads_but_may_not_act():
    from tests.factories import UserFactory

    seller_user, partner_user = pair()
    statement = issued_statement(seller_user, partner_user, goods="100")
    admin = UserFactory(is_superuser=True, is_staff=True)
    before = counts()
    with pytest.raises(ActionNotPermitted, match="only read"):
        statements.statement_confirm(statement_id=statement.pk, actor=admin)
    assert counts() == before


def test_a_seller_or_source_the_partner_does_not_work_with_gets_no_statement():
    """A stranger's name would appear on the statement and the stranger would be told: refused."""
    _seller_user, partner_user = pair()
    stranger_seller, _stranger_partner = pair()
    before = counts()
    with pytest.raises(
        InvalidInput, match="You do not fulfil orders for this seller or buy from this source"
    ) as refused:
        statements.statement_draft(
            actor=partner_user,
            partner_id=partner_user.partner_membership.partner.pk,
            seller_id=stranger_seller.seller_membership.seller.pk,
            now=DEC_2,
        )
    assert refused.value.field_errors == {"seller_id": ["Not a seller or source you work with."]}
    with pytest.raises(InvalidInput) as refused:
        statements.statement_draft(
            actor=partner_user, partner_id=partner_user.partner_membership.partner.pk, supplier_id=987654, now=DEC_2
        )
    assert refused.value.field_errors == {"supplier_id": ["Not a seller or source you work with."]}
    assert counts() == before
