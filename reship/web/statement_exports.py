"""The columns of a statement's export (对账单 as CSV or XLSX); how the sheet is written is
``reship.core.exports``' (streamed CSV with a BOM, write-only XLSX, formulas neutralised).

A statement may hold tens of thousands of lines: they are read as plain tuples
(``values_list(...).iterator(chunk_size=2000)``), never as model instances, and choice values are
turned into their labels from a dict built once, so memory stays flat whatever the line count.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reship.choices import CostBearer, CostPayer, Resolution, StatementItem
from reship.core.exports import Table, export_filename
from reship.models import Statement, StatementLine
from reship.selectors import statements as selectors

FILENAME_PREFIX = "statement"
LINES_CHUNK = 2000

COLUMNS: tuple[Promise, ...] = (
    _("Statement number"),
    _("Period"),
    _("No."),
    _("Request number"),
    _("Order number"),
    _("Closed at"),
    _("Item"),
    _("Resolution"),
    _("Currency"),
    _("Amount"),
    _("Paid by"),
    _("Borne by"),
    _("Counterparty's share"),
    _("Amount due"),
    _("Status"),
    _("Dispute reason"),
    _("Note"),
)

# The line's own fields, in the order the cells need them (after the statement's two).
FIELDS = (
    "position",
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
)


def period_text(start: date, end: date) -> str:
    return f"{start.isoformat()} – {end.isoformat()}"


def statement_table(statement: Statement) -> Table:
    """The export of one statement: a row per line, in the statement's order."""
    number = statement.number
    period = period_text(statement.period_start, statement.period_end)
    items: dict[str, Any] = dict(StatementItem.choices)
    resolutions: dict[str, Any] = dict(Resolution.choices)
    payers: dict[str, Any] = dict(CostPayer.choices)
    bearers: dict[str, Any] = dict(CostBearer.choices)
    # A line's status as the page shows it ("Agreed" once the statement is confirmed): one rule.
    state = functools.partial(selectors.line_state_label, statement)

    def rows(lines: QuerySet[StatementLine]) -> Iterator[list[Any]]:
        """``lines``: the statement's, in order (``selectors.statements.statement_lines``)."""
        for (
            position,
            request_number,
            order_number,
            closed_at,
            item,
            resolution,
            currency,
            amount,
            paid_by,
            bearer,
            share,
            due,
            status,
            reason,
            note,
        ) in lines.values_list(*FIELDS).iterator(chunk_size=LINES_CHUNK):
            yield [
                number,
                period,
                position,
                request_number,
                order_number,
                closed_at,
                items.get(item, item),
                resolutions.get(resolution, resolution),
                currency,
                amount,
                payers.get(paid_by, paid_by),
                bearers.get(bearer, bearer),
                share,
                due,
                state(status),
                reason,
                note,
            ]

    return Table(title=_("Statement"), headers=COLUMNS, rows=rows)


def statement_filename(statement: Statement) -> str:
    return export_filename(prefix=FILENAME_PREFIX, parts=[statement.number])
