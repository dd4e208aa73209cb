"""Settlement figures (对账结算): outstanding balances per counterparty and currency with their
ageing (0–30, 31–60, > 60 days since issued), and disputed lines per statement on the partner
scorecard. Every figure is written by hand from the requests' costs below.

The story (one seller, two partners, two currencies; "now" is 2026-06-20 12:00 in Shanghai):

Partner Alpha
- A1, March: CNY goods 100 + shipping 20, borne by the seller → 120.00. Issued 2026-04-06 (75 days
  ago); the seller disputes its goods line, so it stays open (disputed).
- A2, April: CNY goods 80, shared 50 % → 40.00. Issued 2026-05-06 (45 days ago), confirmed by the
  seller — then carried forward into A3 when A3 is issued.
- A3, May: USD goods 30 + shipping 10, borne by the seller → 40.00; and A2's CNY 40.00 brought
  forward. Issued 2026-06-10 (10 days ago).
Partner Beta
- B1, April: USD goods 50, shared 50 % → 25.00; CNY 60 compensation paid by the seller, borne by
  the partner → −60.00 (the partner owes). Issued 2026-05-06 (45 days ago), confirmed, USD 10.00 paid
  (partly paid): USD 15.00 and CNY −60.00 left.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from reship.accounts.roles import Role
from reship.choices import StatementStatus
from reship.evaluation import EvaluationFilter, evaluation_figures
from reship.evaluation.scope import ADMIN_SCOPE, Scope
from reship.evaluation.settlement import disputed_lines_per_partner, outstanding_balances
from reship.models import Statement
from reship.settlement import statements as writer
from suppliers.models import DropshipPartner
from tests.factories import PartnerMembershipFactory
from tests.settlement_states import closed_request, pair

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=12):
    """A local time (Shanghai)."""
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = at(2026, 6, 20)
D = Decimal


@pytest.fixture
def story(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.RESHIP_EVALUATION_CACHE_SECONDS = 0
    seller_user, alpha_user = pair()
    beta_user = PartnerMembershipFactory(role="manager").user
    alpha = alpha_user.partner_membership.partner
    beta = beta_user.partner_membership.partner
    DropshipPartner.objects.filter(pk=alpha.pk).update(name="Alpha Dropship")
    DropshipPartner.objects.filter(pk=beta.pk).update(name="Beta Dropship")
    seller = seller_user.seller_membership.seller

    def close(partner_user, when, **costs):
        return closed_request(seller_user=seller_user, partner_user=partner_user, closed_at=when, **costs)

    close(alpha_user, at(2026, 3, 10), goods="100", shipping="20", bearer="seller")
    close(alpha_user, at(2026, 4, 15), goods="80", bearer="shared")
    close(alpha_user, at(2026, 5, 12), goods="30", shipping="10", bearer="seller", currency="USD")
    close(beta_user, at(2026, 4, 20), goods="50", bearer="shared", currency="USD")
    close(beta_user, at(2026, 4, 21), bearer="partner", compensation="60", compensated_by="seller")

    def issue(partner_user, partner, when):
        draft = writer.statement_draft(actor=partner_user, partner_id=partner.pk, seller_id=seller.pk, now=when)
        return writer.statement_issue(statement_id=draft.pk, actor=partner_user, now=when)

    a1 = issue(alpha_user, alpha, at(2026, 4, 6))
    goods_line = a1.lines.get(item="goods")
    writer.statement_dispute_line(
        statement_id=a1.pk,
        line_id=goods_line.pk,
        actor=seller_user,
        reason="We never agreed to 100.",
        now=at(2026, 4, 8),
    )
    a2 = issue(alpha_user, alpha, at(2026, 5, 6))
    writer.statement_confirm(statement_id=a2.pk, actor=seller_user, now=at(2026, 5, 7))
    a3 = issue(alpha_user, alpha, at(2026, 6, 10))
    b1 = issue(beta_user, beta, at(2026, 5, 6))
    writer.statement_confirm(statement_id=b1.pk, actor=seller_user, now=at(2026, 5, 7))
    writer.statement_record_payment(
        statement_id=b1.pk,
        actor=seller_user,
        amount="10.00",
        currency="USD",
        paid_on=date(2026, 5, 20),
        method="bank_transfer",
        now=at(2026, 5, 20),
    )
    statuses = dict(Statement.objects.values_list("pk", "status"))
    assert [statuses[each.pk] for each in (a1, a2, a3, b1)] == [
        StatementStatus.DISPUTED,
        StatementStatus.CARRIED_FORWARD,
        StatementStatus.ISSUED,
        StatementStatus.PARTLY_PAID,
    ]
    return {
        "seller": seller,
        "seller_user": seller_user,
        "alpha": alpha,
        "beta": beta,
        "alpha_user": alpha_user,
        "beta_user": beta_user,
    }


def _figures(row):
    return (row.currency, row.statements, row.days_0_30, row.days_31_60, row.days_over_60, row.balance)


def test_the_sellers_balances_per_partner_and_currency_aged(story):
    scope = Scope(role=Role.SELLER, seller_id=story["seller"].pk)

    balances = outstanding_balances(EvaluationFilter(scope=scope), now=NOW)

    rows = [(row.name, row.party, row.party_id, *_figures(row)) for row in balances.rows]
    alpha, beta = story["alpha"].pk, story["beta"].pk
    assert rows == [
        # A1 disputed (120, 75 days) and A3 (A2's 40 brought forward, 10 days); A2 is not counted.
        ("Alpha Dropship", "partner", alpha, "CNY", 2, D("40.00"), D("0.00"), D("120.00"), D("160.00")),
        ("Alpha Dropship", "partner", alpha, "USD", 1, D("40.00"), D("0.00"), D("0.00"), D("40.00")),
        # B1 partly paid, 45 days: the partner owes the CNY compensation, the seller 25 − 10 USD.
        ("Beta Dropship", "partner", beta, "CNY", 1, D("0.00"), D("-60.00"), D("0.00"), D("-60.00")),
        ("Beta Dropship", "partner", beta, "USD", 1, D("0.00"), D("15.00"), D("0.00"), D("15.00")),
    ]
    assert [_figures(total) for total in balances.totals] == [
        ("CNY", 3, D("40.00"), D("-60.00"), D("120.00"), D("100.00")),
        ("USD", 2, D("40.00"), D("15.00"), D("0.00"), D("55.00")),
    ]
    assert balances.rows[0].link == {"counterparty": f"partner-{alpha}", "open": "1"}


def test_a_partner_sees_its_sellers_balances_only(story):
    scope = Scope(role=Role.PARTNER, partner_id=story["beta"].pk)

    balances = outstanding_balances(EvaluationFilter(scope=scope), now=NOW)

    seller = story["seller"]
    assert [(row.name, row.party, *_figures(row)) for row in balances.rows] == [
        (seller.name, "seller", "CNY", 1, D("0.00"), D("-60.00"), D("0.00"), D("-60.00")),
        (seller.name, "seller", "USD", 1, D("0.00"), D("15.00"), D("0.00"), D("15.00")),
    ]
    assert balances.rows[0].link == {"counterparty": f"seller-{seller.pk}", "open": "1"}


def test_admins_see_every_partner_and_the_partner_filter_narrows(story):
    everyone = outstanding_balances(EvaluationFilter(scope=ADMIN_SCOPE), now=NOW)
    only_beta = outstanding_balances(EvaluationFilter(scope=ADMIN_SCOPE, partner_id=story["beta"].pk), now=NOW)

    assert [(row.name, row.currency, row.balance) for row in everyone.rows] == [
        ("Alpha Dropship", "CNY", D("160.00")),
        ("Alpha Dropship", "USD", D("40.00")),
        ("Beta Dropship", "CNY", D("-60.00")),
        ("Beta Dropship", "USD", D("15.00")),
    ]
    assert [(total.currency, total.balance) for total in only_beta.totals] == [
        ("CNY", D("-60.00")),
        ("USD", D("15.00")),
    ]


def test_another_seller_has_no_balances(story):
    other_seller_user, _other_partner = pair()
    scope = Scope(role=Role.SELLER, seller_id=other_seller_user.seller_membership.seller_id)

    balances = outstanding_balances(EvaluationFilter(scope=scope), now=NOW)

    assert balances.rows == []
    assert balances.totals == []


def test_disputed_lines_per_statement_issued_in_the_period(story):
    scope = Scope(role=Role.SELLER, seller_id=story["seller"].pk)
    april_to_june = EvaluationFilter(scope=scope, start=at(2026, 4, 1, 0), end=at(2026, 6, 21, 0))
    may_on = EvaluationFilter(scope=scope, start=at(2026, 5, 1, 0), end=at(2026, 6, 21, 0))

    everything = disputed_lines_per_partner(april_to_june)
    later = disputed_lines_per_partner(may_on)

    alpha, beta = story["alpha"].pk, story["beta"].pk
    # Alpha issued A1, A2, A3; one line (A1's goods) disputed: 1 / 3.
    assert (everything[alpha].statements_issued, everything[alpha].disputed_lines) == (3, 1)
    assert everything[alpha].per_statement == 0.3333
    assert (everything[beta].statements_issued, everything[beta].disputed_lines, everything[beta].per_statement) == (
        1,
        0,
        0.0,
    )
    # From May: A2 and A3, neither disputed.
    assert (later[alpha].statements_issued, later[alpha].disputed_lines, later[alpha].per_statement) == (2, 0, 0.0)


def test_the_scorecard_and_the_figures_carry_them_in_three_more_queries(story, django_assert_num_queries):
    scope = Scope(role=Role.SELLER, seller_id=story["seller"].pk)
    evaluation_filter = EvaluationFilter(scope=scope, start=at(2026, 3, 1, 0), end=at(2026, 6, 21, 0))

    with django_assert_num_queries(2):
        outstanding_balances(evaluation_filter, now=NOW)
    with django_assert_num_queries(1):
        disputed_lines_per_partner(evaluation_filter)
    figures = evaluation_figures(filter=evaluation_filter, now=NOW)

    cards = {card.name: card for card in figures.partners}
    assert (cards["Alpha Dropship"].statements_issued, cards["Alpha Dropship"].disputed_lines) == (3, 1)
    assert cards["Alpha Dropship"].disputed_lines_per_statement == 0.3333
    assert cards["Beta Dropship"].disputed_lines_per_statement == 0.0
    assert [total.balance for total in figures.balances.totals] == [D("100.00"), D("55.00")]


def test_the_sellers_dashboard_shows_the_table_linked_to_the_statements(client, story, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    client.force_login(story["seller_user"])

    response = client.get(reverse("dashboard:index"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Outstanding balances" in page
    lines = response.context["balance_lines"]
    assert [(line.name, line.currency, line.cells) for line in lines] == [
        ("Alpha Dropship", "CNY", ["2", "¥40.00", "¥0.00", "¥120.00", "¥160.00"]),
        ("Alpha Dropship", "USD", ["1", "US$40.00", "US$0.00", "US$0.00", "US$40.00"]),
        ("Beta Dropship", "CNY", ["1", "¥0.00", "-¥60.00", "¥0.00", "-¥60.00"]),
        ("Beta Dropship", "USD", ["1", "US$0.00", "US$15.00", "US$0.00", "US$15.00"]),
    ]
    assert lines[0].url == f"/statements/?counterparty=partner-{story['alpha'].pk}&open=1"
    assert f'href="/statements/?counterparty=partner-{story["beta"].pk}&amp;open=1"' in page
    # The link lists that partner's open statements.
    listed = client.get(lines[2].url).content.decode()
    assert Statement.objects.get(partner=story["beta"]).number in listed
    assert not any(
        number in listed for number in Statement.objects.filter(partner=story["alpha"]).values_list("number", flat=True)
    )


def test_the_partners_dashboard_links_to_its_sellers_statements(client, story, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    client.force_login(story["alpha_user"])

    response = client.get(reverse("dashboard:index"))

    assert response.status_code == 200
    assert [line.url for line in response.context["balance_lines"]] == [
        f"/statements/?counterparty=seller-{story['seller'].pk}&open=1"
    ] * 2
    assert response.context["balance_party"] == "Seller or source"


def test_the_evaluation_api_documents_and_returns_the_balances(client, story, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    client.force_login(story["seller_user"])

    data = client.get(reverse("api:evaluation")).json()

    first = data["balances"]["rows"][0]
    assert {key: first[key] for key in ("party", "name", "currency", "statements", "balance")} == {
        "party": "partner",
        "name": "Alpha Dropship",
        "currency": "CNY",
        "statements": 2,
        "balance": "160.00",
    }
    assert (first["days_0_30"], first["days_31_60"], first["days_over_60"]) == ("40.00", "0.00", "120.00")
    assert first["link"]["url"] == f"/statements/?counterparty=partner-{story['alpha'].pk}&open=1"
    assert [(total["currency"], total["balance"]) for total in data["balances"]["totals"]] == [
        ("CNY", "100.00"),
        ("USD", "55.00"),
    ]
