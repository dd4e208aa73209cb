"""Settlement (对账结算) figures: the outstanding balances of open statements and their ageing, and
the disputed lines per issued statement of each partner's scorecard.

Outstanding balances are a picture of *now*, not of the evaluation period: every statement whose
balance is still owed (``lifecycle.STATEMENT_OPEN_STATUSES``; a carried-forward statement is not
counted — its balance lives on the newer statement it was carried to), its balance per currency
(``StatementTotal``: net − paid, signed from the partner's side: positive when the seller or the
source owes the partner, negative when the partner owes), aged by the local day it was issued:
0–30, 31–60 and more than 60 days ago. Rows are per counterparty of the viewer and currency — a
seller's staff see one row per partner it works with, a partner's staff one per seller and per
source, admins one per partner — and totals per currency; two grouped queries (``Sum`` with
``filter=`` per age bucket), never a Python sum over statements. Only the filter's partner narrows
them (the period, the source and the reason are about requests).

Statements are read straight from the models (evaluation sits below the settlement package and
the selectors); whose statements a scope covers mirrors ``permissions.visible_statements_filter``
(a seller: its own seller statements; a partner: its own; admins: all) — drafts never have an
open balance nor an issue date, so they are left out by the status and the period alone.

Each row's ``link`` is a dict of the statements list's parameters (``/statements/?…``):
``counterparty`` — ``partner-<id>``, ``seller-<id>`` or ``source-<id>`` — and ``open=1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone

from reship import lifecycle
from reship.accounts.roles import Role
from reship.choices import StatementKind
from reship.evaluation.links import Link
from reship.evaluation.numbers import money, rate
from reship.evaluation.scope import EvaluationFilter, Scope
from reship.models import Statement, StatementTotal

# Age buckets, in whole local days since the statement was issued: 0–30, 31–60, > 60.
FIRST_BUCKET_DAYS = 30
SECOND_BUCKET_DAYS = 60
# How the statements list names each kind of counterparty in its ``counterparty`` filter.
LIST_PREFIX = {"partner": "partner", "seller": "seller", "supplier": "source"}


@dataclass(frozen=True)
class BalanceRow:
    """One counterparty's open balance in one currency, as the viewer sees it."""

    party: str  # "partner", "seller" or "supplier": whom the row is about
    party_id: int
    name: str
    currency: str
    statements: int  # open statements with a balance in this currency
    balance: Decimal  # net − paid; positive: the seller (or source) owes the partner
    days_0_30: Decimal  # … of statements issued 0–30 days ago
    days_31_60: Decimal
    days_over_60: Decimal
    link: Link  # statement-list parameters


@dataclass(frozen=True)
class BalanceTotal:
    """Every open balance of the viewer in one currency."""

    currency: str
    statements: int
    balance: Decimal
    days_0_30: Decimal
    days_31_60: Decimal
    days_over_60: Decimal


@dataclass(frozen=True)
class Balances:
    rows: list[BalanceRow]
    totals: list[BalanceTotal]
    as_of: datetime  # the ageing's "now"


@dataclass(frozen=True)
class DisputedLines:
    """One partner's statements issued in the period and their lines ever disputed."""

    statements_issued: int
    disputed_lines: int
    per_statement: float | None  # disputed_lines / statements_issued


def statements_filter(scope: Scope, *, prefix: str = "") -> Q:
    """The statements a scope covers (``prefix``: the path to the statement, e.g. ``statement__``)."""
    if scope.role == Role.SELLER:
        return Q(**{f"{prefix}kind": StatementKind.SELLER, f"{prefix}seller_id": scope.seller_id})
    if scope.role == Role.PARTNER:
        return Q(**{f"{prefix}partner_id": scope.partner_id})
    if scope.role == Role.ADMIN:
        return Q()
    return Q(pk__in=[])


def _day_start(day_offset: int, now: datetime) -> datetime:
    """00:00 local time of the day ``day_offset`` days before today."""
    day = timezone.localdate(now) - timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time.min))


def _open_totals(evaluation_filter: EvaluationFilter) -> QuerySet[StatementTotal]:
    totals = StatementTotal.objects.filter(
        statements_filter(evaluation_filter.scope, prefix="statement__"),
        statement__status__in=lifecycle.STATEMENT_OPEN_STATUSES,
    ).exclude(net=F("paid"))
    if evaluation_filter.partner_id is not None:
        totals = totals.filter(statement__partner_id=evaluation_filter.partner_id)
    return totals.order_by()


def _aggregates(now: datetime) -> dict:
    balance = ExpressionWrapper(F("net") - F("paid"), output_field=DecimalField(max_digits=14, decimal_places=2))
    recent = Q(statement__issued_at__gte=_day_start(FIRST_BUCKET_DAYS, now))
    older = Q(statement__issued_at__gte=_day_start(SECOND_BUCKET_DAYS, now))
    return {
        "statements": Count("statement_id", distinct=True),
        "balance": Sum(balance),
        "days_0_30": Sum(balance, filter=recent),
        "days_31_60": Sum(balance, filter=older & ~recent),
        "days_over_60": Sum(balance, filter=~older),
    }


def _party_columns(scope: Scope) -> dict[str, F]:
    """Whom the rows are about: the partners for a seller and for admins, the counterparties for a partner."""
    if scope.role == Role.PARTNER:
        return {
            "kind": F("statement__kind"),
            "seller": F("statement__seller_id"),
            "seller_name": F("statement__seller__name"),
            "supplier": F("statement__supplier_id"),
            "supplier_name": F("statement__supplier__name"),
        }
    return {"partner": F("statement__partner_id"), "partner_name": F("statement__partner__name")}


def _as_dicts(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Grouped rows whose columns the type checker cannot follow through ``**`` expressions."""
    return [dict(row) for row in rows]


def outstanding_balances(evaluation_filter: EvaluationFilter, *, now: datetime) -> Balances:
    """The open balances per counterparty and currency, and per currency, aged as of ``now``."""
    scope = evaluation_filter.scope
    totals = _open_totals(evaluation_filter)
    aggregates = _aggregates(now)
    grouped = _as_dicts(totals.values(**_party_columns(scope), currency_code=F("currency")).annotate(**aggregates))
    rows = []
    for row in grouped:
        if scope.role == Role.PARTNER and row["kind"] == StatementKind.SUPPLIER:
            party, party_id, name = "supplier", row["supplier"], row["supplier_name"]
        elif scope.role == Role.PARTNER:
            party, party_id, name = "seller", row["seller"], row["seller_name"]
        else:
            party, party_id, name = "partner", row["partner"], row["partner_name"]
        rows.append(
            BalanceRow(
                party=party,
                party_id=party_id,
                name=name,
                currency=row["currency_code"],
                statements=row["statements"],
                balance=money(row["balance"]),
                days_0_30=money(row["days_0_30"]),
                days_31_60=money(row["days_31_60"]),
                days_over_60=money(row["days_over_60"]),
                link={"counterparty": f"{LIST_PREFIX[party]}-{party_id}", "open": "1"},
            )
        )
    rows.sort(key=lambda row: (row.name, row.party, row.party_id, row.currency))
    per_currency = _as_dicts(
        totals.values(currency_code=F("currency")).annotate(**aggregates).order_by("currency_code")
    )
    return Balances(
        rows=rows,
        totals=[
            BalanceTotal(
                currency=row["currency_code"],
                statements=row["statements"],
                balance=money(row["balance"]),
                days_0_30=money(row["days_0_30"]),
                days_31_60=money(row["days_31_60"]),
                days_over_60=money(row["days_over_60"]),
            )
            for row in per_currency
        ],
        as_of=now,
    )


def disputed_lines_per_partner(evaluation_filter: EvaluationFilter) -> dict[int, DisputedLines]:
    """Per partner: statements issued in the filter's period (within the scope) and their lines
    disputed at any time (``Statement.disputed_line_count``); one grouped query."""
    f = evaluation_filter
    statements = Statement.objects.filter(statements_filter(f.scope), issued_at__isnull=False)
    if f.start is not None:
        statements = statements.filter(issued_at__gte=f.start)
    if f.end is not None:
        statements = statements.filter(issued_at__lt=f.end)
    if f.partner_id is not None:
        statements = statements.filter(partner_id=f.partner_id)
    rows = statements.order_by().values("partner_id").annotate(issued=Count("pk"), disputed=Sum("disputed_line_count"))
    return {
        row["partner_id"]: DisputedLines(
            statements_issued=row["issued"],
            disputed_lines=row["disputed"] or 0,
            per_statement=rate(row["disputed"] or 0, row["issued"]),
        )
        for row in rows
    }
