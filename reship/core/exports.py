"""How a list becomes a CSV or an XLSX file: the one place that streams a sheet.

What goes in a sheet is a ``Table`` — a title, a header row and a function from a queryset to rows
of cells — defined next to what it lists (``reship.web.request_exports``, ``orders.exports``). This
module writes any of them the same way:

- in constant memory and a fixed number of queries: a table reads its queryset in chunks
  (``chunked``) with its related rows joined or prefetched per chunk; the CSV is written as it is
  sent, the XLSX with openpyxl's write-only worksheet into a temporary file then streamed;
- cells as the pages show them: aware datetimes in the viewer's time zone, Decimals and ints as
  numbers, lazy translations in the viewer's language (kept while the body streams after the view
  returned);
- cells a spreadsheet would run as a formula are neutralised (CSV injection): text starting with
  ``= + - @``, a tab or a carriage return gets a leading apostrophe in the CSV, and is written as a
  string cell (never a formula) in the XLSX;
- the CSV starts with a UTF-8 byte-order mark: without it Excel reads the file as the local ANSI
  code page and Chinese names come out garbled.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any, Protocol, TypeVar

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

CHUNK_SIZE = 500
BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
XLSX_MONEY_FORMAT = "#,##0.00"

_Row = TypeVar("_Row")


@dataclass(frozen=True)
class Table:
    """One kind of export. ``rows`` turns the (already filtered) queryset into rows of cells in
    ``headers`` order — text, lazy text, aware datetimes, Decimals, ints or None — doing its own
    joins and reading through ``chunked`` so the query count does not grow with the rows."""

    title: Promise | str
    headers: Sequence[Promise | str]
    rows: Callable[[QuerySet[Any]], Iterable[Sequence[Any]]]


def chunked(queryset: QuerySet[Any, _Row]) -> Iterator[_Row]:
    """The rows read ``CHUNK_SIZE`` at a time; prefetches run once per chunk (Django ≥ 4.1)."""
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def neutralised(text: str) -> str:
    """Text a spreadsheet would take for a formula, made inert with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_filename(*, prefix: str, parts: Iterable[str] = ()) -> str:
    """``<prefix>-<parts>``: ASCII only, safe in a Content-Disposition header."""
    safe = [
        "".join(char if char.isascii() and (char.isalnum() or char in "-_") else "-" for char in part) for part in parts
    ]
    return "-".join([prefix, *(part for part in safe if part)])


def response(*, file_format: str, table: Table, queryset: QuerySet[Any], filename: str) -> HttpResponseBase:
    """The table as a download in ``file_format``: "csv" or "xlsx" (the URL's extension)."""
    respond = csv_response if file_format == "csv" else xlsx_response
    return respond(table=table, queryset=queryset, filename=filename)


# --- CSV ----------------------------------------------------------------------------------------


class _Echo:
    """A file whose ``write`` hands the line back, so ``csv.writer`` can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_response(*, table: Table, queryset: QuerySet[Any], filename: str) -> StreamingHttpResponse:
    """A streamed CSV of the table: headers in the active language, UTF-8 with a BOM."""
    return csv_stream_response(headers=table.headers, rows=table.rows(queryset), filename=filename)


def csv_stream_response(
    *, headers: Sequence[Promise | str], rows: Iterable[Sequence[Any]], filename: str
) -> StreamingHttpResponse:
    """Any header and rows as a streamed CSV download (``rows`` is consumed while sending)."""
    lines = csv_lines(
        headers=headers, rows=rows, language=translation.get_language(), zone=timezone.get_current_timezone()
    )
    response = StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def csv_lines(
    *, headers: Sequence[Promise | str], rows: Iterable[Sequence[Any]], language: str | None, zone: tzinfo
) -> Iterator[str]:
    """The CSV text line by line, the first one with the BOM. The body is produced after the view
    returned, so the language and time zone of the request are passed in and kept."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield BOM + writer.writerow([str(header) for header in headers])
        for row in rows:
            yield writer.writerow([csv_cell(value, zone) for value in row])


def csv_cell(value: Any, zone: tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value, zone).strftime(DATETIME_FORMAT)
    if isinstance(value, Decimal | int):
        return str(value)
    return neutralised(str(value))


class RefusedRowsJob(Protocol):
    """What ``refused_rows_response`` reads of an import job."""

    pk: Any
    original_filename: str
    refused_file: FieldFile


def refused_rows_response(job: RefusedRowsJob) -> FileResponse:
    """An import job's refused-rows file (already a CSV written for Excel) as a private download
    named for the uploaded file; order and tracking imports alike."""
    name = _("refused-rows-%(file)s.csv") % {"file": PurePath(job.original_filename).stem or job.pk}
    stored = job.refused_file.open("rb")
    response = FileResponse(stored, as_attachment=True, filename=name, content_type=CSV_CONTENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- XLSX ---------------------------------------------------------------------------------------


def xlsx_response(*, table: Table, queryset: QuerySet[Any], filename: str) -> FileResponse:
    """An XLSX of the table, one sheet, the header row frozen; built on disk, then streamed."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    xlsx_write(table=table, queryset=queryset, handle=handle, zone=timezone.get_current_timezone())
    handle.seek(0)
    response = FileResponse(handle, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_write(*, table: Table, queryset: QuerySet[Any], handle: IO[bytes], zone: tzinfo) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(table.title)[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def header(text: str) -> Cell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        cell.font = bold
        return cell

    def cell(value: Any) -> Cell | Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            # Excel has no time zones: the local wall-clock time, as on the pages.
            written = WriteOnlyCell(sheet, value=timezone.localtime(value, zone).replace(tzinfo=None))
            written.number_format = XLSX_DATETIME_FORMAT
            return written
        if isinstance(value, Decimal):
            written = WriteOnlyCell(sheet)
            written.value = value  # the same as value=value, which openpyxl's stubs type without Decimal
            written.number_format = XLSX_MONEY_FORMAT
            return written
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        written = WriteOnlyCell(sheet, value=str(value))
        written.data_type = "s"  # never a formula, whatever it starts with
        return written

    sheet.append([header(str(text)) for text in table.headers])
    for row in table.rows(queryset):
        sheet.append([cell(value) for value in row])
    workbook.save(handle)
