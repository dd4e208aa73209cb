"""The first rows of a file as the import will read them, with each problem beside its cell."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from orders.imports.fields import (
    FIELDS_BY_KEY,
    ORDER_NUMBER,
    ImportField,
    field_problem,
)
from orders.imports.validation import Context, Problems, validate_group
from orders.models import Seller
from reship.core.spreadsheets import Sheet


@dataclass
class PreviewRow:
    number: int
    cells: list[tuple[str, str]]  # (text, problem) per mapped field, in the order of ``Preview.fields``
    problems: list[str]  # the row's problems not tied to a column


@dataclass
class Preview:
    fields: list[ImportField]
    rows: list[PreviewRow]
    problem_count: int


def import_preview(
    sheet: Sheet, *, mapping: dict[str, str], seller: Seller, options: dict[str, Any], time_zone: str, limit: int = 20
) -> Preview:
    """The first rows as the import will read them, each problem beside its cell. Orders are checked
    as the import checks them (grouping, SKUs, partners, dates), except against existing orders."""
    context = Context.build(seller=seller, headers=sheet.headers, mapping=mapping, options=options, time_zone=time_zone)
    fields = [FIELDS_BY_KEY[key] for key in FIELDS_BY_KEY if key in context.columns]
    taken: list[tuple[int, list[str]]] = []
    for row in sheet.rows():
        taken.append(row)
        if len(taken) >= limit:
            break
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    for index, (number, cells) in enumerate(taken):
        groups.setdefault(context.cell(cells, ORDER_NUMBER) or f"\x00{index}", []).append((number, cells))
    context.load_products(groups.values())
    problems: Problems = {}
    for rows in groups.values():
        if not context.cell(rows[0][1], ORDER_NUMBER):
            problems[rows[0][0]] = [(ORDER_NUMBER, _("Required."))]
            continue
        _draft, found = validate_group(context, rows)
        problems.update(found)
    rows_out = []
    count = 0
    for number, cells in taken:
        row_problems = problems.get(number, [])
        count += len(row_problems)
        by_key: dict[str, list[str]] = defaultdict(list)
        for key, message in row_problems:
            if key is not None and key in context.columns:
                by_key[key].append(message)
        rows_out.append(
            PreviewRow(
                number=number,
                cells=[(context.cell(cells, item.key), " ".join(by_key.get(item.key, []))) for item in fields],
                problems=[field_problem(key, message) for key, message in row_problems if key not in context.columns],
            )
        )
    return Preview(fields=fields, rows=rows_out, problem_count=count)
