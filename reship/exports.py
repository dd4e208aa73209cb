"""The requests behind a dashboard figure, as a CSV or an XLSX file.

Both stream in constant memory and a fixed number of queries: rows come from one query with its
related rows joined (``select_related``) and read in chunks (``iterator``). The CSV is written as it
is sent; the XLSX is built with openpyxl's write-only worksheet (rows go straight to disk) into a
temporary file that is then streamed and deleted.

Cells a spreadsheet would run as a formula are neutralised (CSV injection): text starting with
``= + - @``, a tab or a carriage return gets a leading apostrophe in the CSV, and is written as a
string cell (never a formula) in the XLSX. Numbers stay numbers.

The CSV starts with a UTF-8 byte-order mark: without it Excel reads the file as the local ANSI code
page and the Chinese names come out garbled.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reship.models import ReshipRequest

CHUNK_SIZE = 500
BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
XLSX_MONEY_FORMAT = "#,##0.00"
RELATED = ("order", "seller", "partner", "survey_response")


# The header row, in the order ``request_values`` gives the cells.
COLUMNS: tuple[Promise, ...] = (
    _("Number"),
    _("Order number"),
    _("Seller"),
    _("Dropship partner"),
    _("Reason"),
    _("Description"),
    _("Status"),
    _("Submitted"),
    _("Reviewed"),
    _("Resolved"),
    _("Closed"),
    _("Goods"),
    _("Shipping"),
    _("Compensation"),
    _("Total cost"),
    _("Currency"),
    _("Cost borne by"),
    _("Rating: speed"),
    _("Rating: quality"),
    _("Rating: cooperation"),
    _("Customer rating"),
    _("Platform dispute"),
    _("Bad review"),
)


def export_rows(queryset: QuerySet[ReshipRequest]) -> Iterator[ReshipRequest]:
    """The requests, their order, seller, partner and survey answer joined, read in chunks."""
    return queryset.select_related(*RELATED).order_by("created_at", "pk").iterator(chunk_size=CHUNK_SIZE)


def request_values(reship: ReshipRequest) -> list[Any]:
    """One request's cells, in ``COLUMNS`` order: text, aware datetimes, Decimals, ints or None."""
    survey = getattr(reship, "survey_response", None)
    return [
        reship.number,
        reship.order.platform_order_number,
        reship.seller.name,
        reship.partner.name,
        reship.get_reason_display(),
        reship.description,
        reship.get_status_display(),
        reship.submitted_at,
        reship.reviewed_at,
        reship.resolved_at,
        reship.closed_at,
        reship.quote_goods,
        reship.quote_shipping,
        reship.quote_compensation,
        reship.quote_total,
        reship.currency,
        reship.get_cost_bearer_display() if reship.cost_bearer else "",
        reship.rating_speed,
        reship.rating_quality,
        reship.rating_cooperation,
        survey.rating if survey is not None else None,
        _yes_no(reship.platform_dispute),
        _yes_no(reship.bad_review),
    ]


def neutralised(text: str) -> str:
    """Text a spreadsheet would take for a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


# --- CSV ----------------------------------------------------------------------------------------


class _Echo:
    """A file whose ``write`` hands the line back, so ``csv.writer`` can feed a generator."""

    def write(self, value: str) -> str:
        return value


def requests_csv_response(*, queryset: QuerySet[ReshipRequest], filename: str) -> StreamingHttpResponse:
    """A streamed CSV of the requests: headers in the active language, UTF-8 with a BOM."""
    language = translation.get_language()
    zone = timezone.get_current_timezone()
    response = StreamingHttpResponse(_csv_lines(queryset, language, zone), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _csv_lines(queryset: QuerySet[ReshipRequest], language: str | None, zone: tzinfo) -> Iterator[str]:
    # The body is produced after the view returned: keep the language and time zone of the request.
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield BOM + writer.writerow([str(header) for header in COLUMNS])
        for reship in export_rows(queryset):
            yield writer.writerow(_csv_cell(value, zone) for value in request_values(reship))


def _csv_cell(value: Any, zone: tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value, zone).strftime(DATETIME_FORMAT)
    if isinstance(value, Decimal | int):
        return str(value)
    return neutralised(str(value))


# --- XLSX ---------------------------------------------------------------------------------------


def requests_xlsx_response(*, queryset: QuerySet[ReshipRequest], filename: str) -> FileResponse:
    """An XLSX of the requests, one sheet, the header row frozen; built on disk, then streamed."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    requests_xlsx_write(queryset=queryset, handle=handle, zone=timezone.get_current_timezone())
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


def requests_xlsx_write(*, queryset: QuerySet[ReshipRequest], handle, zone: tzinfo) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Reship requests"))[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def header(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        cell.font = bold
        return cell

    def cell(value: Any) -> WriteOnlyCell | Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            # Excel has no time zones: the local wall-clock time, as on the pages.
            written = WriteOnlyCell(sheet, value=timezone.localtime(value, zone).replace(tzinfo=None))
            written.number_format = XLSX_DATETIME_FORMAT
            return written
        if isinstance(value, Decimal):
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = XLSX_MONEY_FORMAT
            return written
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        written = WriteOnlyCell(sheet, value=str(value))
        written.data_type = "s"  # never a formula, whatever it starts with
        return written

    sheet.append([header(str(text)) for text in COLUMNS])
    for reship in export_rows(queryset):
        sheet.append([cell(value) for value in request_values(reship)])
    workbook.save(handle)


def _yes_no(flag: bool) -> Promise:
    return _("Yes") if flag else _("No")


def export_filename(*, parts: Iterable[str]) -> str:
    """``reship-requests-<parts>``: ASCII only, safe in a Content-Disposition header."""
    safe = [
        "".join(char if char.isascii() and (char.isalnum() or char in "-_") else "-" for char in part) for part in parts
    ]
    return "-".join(["reship-requests", *(part for part in safe if part)])
