"""A statement's print (A4) and its CSV and XLSX exports, for the partner's and the seller's staff.

Same tenancy as the statement's page (``selectors.statements.statement_get``: another organisation's
statement is a 404). The print renders every line, read as plain rows (``.values()``) in one query,
grouped by request; the exports stream (``reship.web.statement_exports``). ``statement_sheet`` is
what the print and the source's page (``statement_source``) both show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reship.choices import (
    CostBearer,
    CostPayer,
    Resolution,
    StatementItem,
    StatementKind,
    StatementLineStatus,
)
from reship.core import exports
from reship.core.errors import StatementNotFound
from reship.core.money_words import chinese_capital
from reship.models import Statement, StatementTotal
from reship.selectors import statements as selectors
from reship.web import statement_exports
from reship.web.http import AuthenticatedRequest

LINE_FIELDS = (
    "pk",
    "position",
    "request_id",
    "request_number",
    "order_number",
    "closed_at",
    "item",
    "resolution",
    "currency",
    "amount",
    "paid_by",
    "bearer",
    "counterparty_share",
    "due",
    "status",
    "dispute_reason",
    "note",
    "adjusts_id",
)
WORDS_CURRENCY = "CNY"


@dataclass
class RequestGroup:
    """One request's lines on the statement (or the adjustments that belong to no request)."""

    request_number: str
    order_number: str
    closed_at: Any
    lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class TotalView:
    """One currency's figures, who pays whom, and for CNY the amounts in 大写金额."""

    currency: str
    lines_total: Decimal
    previous_balance: Decimal
    net: Decimal
    paid: Decimal
    balance: Decimal
    net_words: str
    balance_words: str
    direction: str


def _labels() -> dict[str, dict[str, Any]]:
    return {
        "item": dict(StatementItem.choices),
        "resolution": dict(Resolution.choices),
        "paid_by": dict(CostPayer.choices),
        "bearer": dict(CostBearer.choices),
        "status": dict(StatementLineStatus.choices),
    }


def statement_groups(statement: Statement) -> list[RequestGroup]:
    """Every line as a plain row with its labels, grouped by request in the statement's order (the
    writer writes them request by request); one query whatever the count."""
    labels = _labels()
    groups: list[RequestGroup] = []
    by_key: dict[str, RequestGroup] = {}
    answers = selectors.line_answers(statement=statement)
    lines = selectors.statement_lines(statement=statement).values(*LINE_FIELDS)
    for line in lines.iterator(chunk_size=statement_exports.LINES_CHUNK):
        line["answers"] = answers.get(line["pk"], [])
        line["state_label"] = selectors.line_state_label(statement, line["status"])
        for name, names in labels.items():
            line[f"{name}_label"] = names.get(line[name], line[name])
        key = line["request_number"] or ""
        group = by_key.get(key)
        if group is None:
            group = RequestGroup(
                request_number=line["request_number"], order_number=line["order_number"], closed_at=line["closed_at"]
            )
            by_key[key] = group
            groups.append(group)
        group.lines.append(line)
    return groups


def counterparty_name(statement: Statement) -> str:
    if statement.kind == StatementKind.SUPPLIER and statement.supplier is not None:
        return statement.supplier.name
    if statement.seller is not None:
        return statement.seller.shown_name
    return ""


def _direction(statement: Statement, currency: str, balance: Decimal) -> str:
    partner, counterparty = statement.partner.name, counterparty_name(statement)
    if balance > 0:
        return _("%(payer)s pays %(payee)s %(amount)s %(currency)s.") % {
            "payer": counterparty,
            "payee": partner,
            "amount": f"{balance:,.2f}",
            "currency": currency,
        }
    if balance < 0:
        return _("%(payer)s pays %(payee)s %(amount)s %(currency)s.") % {
            "payer": partner,
            "payee": counterparty,
            "amount": f"{-balance:,.2f}",
            "currency": currency,
        }
    return _("Nothing is owed in %(currency)s.") % {"currency": currency}


def _words(currency: str, amount: Decimal) -> str:
    return chinese_capital(abs(amount)) if currency == WORDS_CURRENCY else ""


def statement_totals(statement: Statement) -> list[TotalView]:
    """The statement's figures per currency (already prefetched by ``statement_get``)."""
    rows: list[StatementTotal] = list(statement.totals.all())
    views = []
    for row in rows:
        balance = row.net - row.paid
        views.append(
            TotalView(
                currency=row.currency,
                lines_total=row.lines_total,
                previous_balance=row.previous_balance,
                net=row.net,
                paid=row.paid,
                balance=balance,
                net_words=_words(row.currency, row.net),
                balance_words=_words(row.currency, balance),
                direction=_direction(statement, row.currency, balance),
            )
        )
    return views


def statement_sheet(statement: Statement) -> dict[str, Any]:
    """What a printed statement shows: its parties, its lines by request, its totals."""
    groups = statement_groups(statement)
    return {
        "statement": statement,
        "counterparty_name": counterparty_name(statement),
        "is_supplier": statement.kind == StatementKind.SUPPLIER,
        "groups": groups,
        "line_count": sum(len(group.lines) for group in groups),
        "totals": statement_totals(statement),
    }


def _statement(request: AuthenticatedRequest, pk: int) -> Statement:
    try:
        return selectors.statement_get(user=request.user, statement_id=pk)
    except StatementNotFound:
        raise Http404 from None


@login_required
@require_GET
def statement_print(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    statement = _statement(request, pk)
    context = statement_sheet(statement) | {"printed_at": timezone.now()}
    return render(request, "statements/print.html", context)


@login_required
@require_GET
def statement_export_csv(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    statement = _statement(request, pk)
    return exports.csv_response(
        table=statement_exports.statement_table(statement),
        queryset=selectors.statement_lines(statement=statement),
        filename=statement_exports.statement_filename(statement),
    )


@login_required
@require_GET
def statement_export_xlsx(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    statement = _statement(request, pk)
    return exports.xlsx_response(
        table=statement_exports.statement_table(statement),
        queryset=selectors.statement_lines(statement=statement),
        filename=statement_exports.statement_filename(statement),
    )
