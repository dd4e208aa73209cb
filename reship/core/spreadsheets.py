"""The one reader of uploaded sheets (CSV or XLSX), shared by order import and tracking import.

``open_sheet`` decides what the file is from its bytes, not its name, and refuses — with a
``SheetError`` a person can act on — anything it cannot read whole: empty, binary, an old .xls,
an encoding that is neither UTF-8 nor GB18030, a workbook with several sheets holding data,
merged cells. ``Sheet.rows()`` then streams the data rows as lists of stripped strings, so a
file of any size is read in bounded memory, and raises ``SheetError`` for a problem that only
shows further down (a formula, a row far too long, too many rows). ``Sheet.count_rows()`` runs
that whole pass once: call it at upload time, before anything is written, so an import never
stops half-way on a problem with the file itself.

Decisions:
- CSV encodings tried in order: UTF-8 (with or without BOM), then GB18030 (a superset of GBK and
  GB2312, which Excel and Chinese platforms write). The whole file must decode in one of them.
- The delimiter is a comma, or a tab or semicolon when the header line has one of those and no comma.
- A workbook with more than one sheet holding data is refused, naming the sheets; empty extra
  sheets (Excel's default "Sheet2", "Sheet3") are ignored.
- XLSX formulas are refused (we read values only; a file written by a program may have no cached
  result), with the cell's address so the user can paste the column as values.
- A row longer than ``RESHIP_IMPORT_MAX_ROW_CHARS`` refuses the file: it is almost always a
  quotation mark that is never closed, which swallowed the lines after it. The raw text of a CSV
  record is cut off at twice that (plus its delimiters and quotes) while it is read, so one
  gigantic line is refused without being held whole.
- A sheet spans at most ``RESHIP_IMPORT_MAX_ROWS`` rows after its header (blank ones count, so a
  file of blank lines is refused as early as one of data) and ``RESHIP_IMPORT_MAX_COLUMNS``
  columns; reading stops at the first row past either limit.
- An XLSX passes ``reship.core.xlsx_guard`` (zip bombs, declared sizes, dimensions, shared
  strings) before openpyxl opens it, and openpyxl is never asked for more rows or columns than
  the limits.
- Row numbers are the ones a spreadsheet shows: the header is row 1 (or wherever the first
  non-blank row is); blank rows are skipped but still counted.
- Cells are stripped strings. XLSX numbers that are whole print without ".0" (a phone number or
  a quantity stays as typed), other numbers with Python's shortest repr, dates and times in ISO
  8601 (``2026-11-20 14:03:00``, ``2026-11-20``), booleans as TRUE/FALSE.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from reship.core.errors import InvalidInput
from reship.core.resources import memory_cap
from reship.core.xlsx_guard import xlsx_check

CHUNK_BYTES = 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls (and .doc)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = codecs.BOM_UTF8
ENCODINGS = ("utf-8", "gb18030")
DELIMITERS = (",", "\t", ";")


class SheetError(InvalidInput):
    """The uploaded file cannot be read as a whole; nothing was imported."""

    code = "invalid_sheet"

    def __init__(self, message: str) -> None:
        super().__init__(message, field_errors={"file": [message]})


def open_sheet(source: Any, *, filename: str) -> Sheet:
    """The sheet in ``source`` (an uploaded file, a stored ``File``, a path or a binary stream).

    Checks what can be checked without reading every row: size, kind, encoding, header, sheets,
    merged cells. The caller closes the sheet (``with open_sheet(...) as sheet:``).
    """
    stream, owned = _binary_stream(source)
    try:
        size = _size(stream)
        limit = settings.RESHIP_IMPORT_MAX_BYTES
        if size > limit:
            raise SheetError(
                _("%(name)s is %(size)s; the largest file accepted is %(limit)s.")
                % {"name": filename, "size": filesizeformat(size), "limit": filesizeformat(limit)}
            )
        stream.seek(0)
        head = stream.read(8192)
        stream.seek(0)
        if not head.strip(b" \t\r\n" + UTF8_BOM):
            raise SheetError(_("%(name)s is empty.") % {"name": filename})
        if head.startswith(XLSX_MAGIC):
            sheet: Sheet = XlsxSheet(stream, filename=filename, owned=owned)
        elif head.startswith(OLE2_MAGIC):
            raise SheetError(
                _("%(name)s is an old Excel 97-2003 (.xls) file. Save it as .xlsx or as CSV UTF-8 and upload it again.")
                % {"name": filename}
            )
        elif head.startswith(UTF16_BOMS):
            raise SheetError(
                _("%(name)s is saved as UTF-16 (Excel's “Unicode text”). Save it as CSV UTF-8 and upload it again.")
                % {"name": filename}
            )
        elif b"\x00" in head:
            raise SheetError(_("%(name)s is not a CSV or XLSX file: it holds binary data.") % {"name": filename})
        else:
            sheet = CsvSheet(stream, filename=filename, owned=owned)
        sheet.open()
        return sheet
    except BaseException:
        if owned:
            stream.close()
        raise


def sheet_extension(source: Any) -> str:
    """ "xlsx" or "csv": what a file ``open_sheet`` accepted really is, for the name it is stored
    under (never the uploader's name, which could end in .html or .exe)."""
    stream, owned = _binary_stream(source)
    try:
        stream.seek(0)
        head = stream.read(len(XLSX_MAGIC))
        stream.seek(0)
    finally:
        if owned:
            stream.close()
    return "xlsx" if head.startswith(XLSX_MAGIC) else "csv"


@contextmanager
def sheet_memory_cap(filename: str) -> Iterator[None]:
    """Reading (and importing) a sheet within ``RESHIP_IMPORT_MEMORY_BYTES`` more than the process
    holds now; past it, a ``SheetError`` saying so (the limit is lifted before it is raised)."""
    limit = settings.RESHIP_IMPORT_MEMORY_BYTES
    try:
        with memory_cap(limit):
            yield
    except MemoryError:
        raise SheetError(
            _("%(name)s needs more than %(limit)s of memory to read; split it into smaller files.")
            % {"name": filename, "limit": filesizeformat(limit)}
        ) from None


@dataclass
class Sheet:
    """A table of text: ``headers`` and a stream of ``(row_number, cells)``."""

    stream: IO[bytes]
    filename: str
    owned: bool = False
    headers: list[str] = field(default_factory=list)
    header_row_number: int = 1

    def open(self) -> None:
        raise NotImplementedError

    def _raw_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Every row after the header, blank ones included, cells already stripped strings."""
        raise NotImplementedError

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """The data rows, streamed; each is as wide as the header. Raises ``SheetError``."""
        width = len(self.headers)
        max_rows = settings.RESHIP_IMPORT_MAX_ROWS
        max_chars = settings.RESHIP_IMPORT_MAX_ROW_CHARS
        last_row = self.header_row_number + max_rows
        count = 0
        for number, cells in self._raw_rows():
            if number > last_row:
                raise self._too_many_rows()
            if len(cells) > settings.RESHIP_IMPORT_MAX_COLUMNS:
                raise self._too_many_columns(number)
            if not any(cells):
                continue
            if sum(map(len, cells)) > max_chars:
                raise SheetError(
                    _(
                        "Row %(row)s of %(name)s is longer than %(limit)s characters. Check that every "
                        "quotation mark is closed, then upload it again."
                    )
                    % {"row": number, "name": self.filename, "limit": max_chars}
                )
            count += 1
            if count > max_rows:
                raise self._too_many_rows()
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            elif len(cells) > width:
                del cells[width:]
            yield number, cells

    def _too_many_rows(self) -> SheetError:
        return SheetError(
            _("%(name)s has more than %(limit)s rows; split it into smaller files.")
            % {"name": self.filename, "limit": settings.RESHIP_IMPORT_MAX_ROWS}
        )

    def _too_many_columns(self, number: int) -> SheetError:
        return SheetError(
            _("Row %(row)s of %(name)s has more than %(limit)s columns.")
            % {"row": number, "name": self.filename, "limit": settings.RESHIP_IMPORT_MAX_COLUMNS}
        )

    def count_rows(self) -> int:
        """Read the whole file once, so a problem in it shows now; the number of data rows."""
        count = sum(1 for _row in self.rows())
        if count == 0:
            raise SheetError(_("%(name)s has a header row but no data rows.") % {"name": self.filename})
        return count

    def write_csv(self, out: IO[bytes]) -> int:
        """Copy the sheet as UTF-8 CSV, with blank lines where rows were blank so every row keeps
        its number; a pass like ``count_rows`` (same checks), returning the number of data rows.
        A slow format (XLSX) is read once this way, and every later pass reads the copy."""
        text = io.TextIOWrapper(_Unclosable(out), encoding="utf-8", newline="")
        writer = csv.writer(text)
        text.write("\r\n" * (self.header_row_number - 1))
        writer.writerow(self.headers)
        at = self.header_row_number
        count = 0
        for number, cells in self.rows():
            text.write("\r\n" * (number - at - 1))
            writer.writerow(cells)
            at = number
            count += 1
        text.flush()
        text.detach()
        if count == 0:
            raise SheetError(_("%(name)s has a header row but no data rows.") % {"name": self.filename})
        return count

    def close(self) -> None:
        if self.owned:
            self.stream.close()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _set_headers(self, number: int, cells: list[str]) -> None:
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > settings.RESHIP_IMPORT_MAX_COLUMNS:
            raise self._too_many_columns(number)
        seen: dict[str, int] = {}
        headers = []
        for index, cell in enumerate(cells):
            # A blank header gets its column letter; a repeated one a number, so each is a key.
            name = cell or f"({column_letter(index)})"
            seen[name] = seen.get(name, 0) + 1
            headers.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
        self.header_row_number = number
        self.headers = headers


def unneutralised(text: str) -> str:
    """A cell as written before a spreadsheet-safe export put an apostrophe before a leading =, +, -
    or @ (``reship.core.exports.neutralised``), so a refused-rows file can be corrected and imported."""
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- CSV ------------------------------------------------------------------------------------------


@dataclass
class CsvSheet(Sheet):
    encoding: str = "utf-8"
    delimiter: str = ","

    def open(self) -> None:
        self.encoding = self._detect_encoding()
        first: tuple[int, list[str]] | None = None
        for number, cells in self._records():
            if any(cells):
                first = (number, cells)
                break
        if first is None:
            raise SheetError(_("%(name)s is empty.") % {"name": self.filename})
        self._set_headers(*first)
        if not self.headers:
            raise SheetError(_("%(name)s has no header row.") % {"name": self.filename})

    def _detect_encoding(self) -> str:
        """The first encoding the whole file decodes in; NUL anywhere means binary."""
        self.stream.seek(0)
        bom = self.stream.read(3) == UTF8_BOM
        for encoding in ENCODINGS:
            decoder = codecs.getincrementaldecoder(encoding)()
            self.stream.seek(3 if bom else 0)
            try:
                while chunk := self.stream.read(CHUNK_BYTES):
                    if b"\x00" in chunk:
                        raise SheetError(
                            _("%(name)s is not a CSV or XLSX file: it holds binary data.") % {"name": self.filename}
                        )
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                if bom:
                    break  # a UTF-8 BOM promises UTF-8: do not guess further
                continue
            return "utf-8-sig" if bom else encoding
        raise SheetError(
            _(
                "%(name)s is not in a text encoding Reship reads (UTF-8 or GB18030/GBK). "
                "Save it as CSV UTF-8 and upload it again."
            )
            % {"name": self.filename}
        )

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """Every record from the top, numbered from 1 as a spreadsheet numbers them."""
        self.stream.seek(0)
        text = io.TextIOWrapper(_Unclosable(self.stream), encoding=self.encoding, newline="")
        try:
            if not self.headers:
                self.delimiter = _sniff_delimiter(text)
            lines = _RecordLines(text, filename=self.filename)
            reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
            number = 0
            last_row = self.header_row_number + settings.RESHIP_IMPORT_MAX_ROWS
            try:
                for record in reader:
                    number += 1
                    if number > last_row:
                        raise self._too_many_rows()
                    lines.record_read(number + 1)
                    yield number, [cell.strip() for cell in record]
            except csv.Error as error:
                raise SheetError(
                    _("Row %(row)s of %(name)s cannot be read: %(error)s. Check that every quotation mark is closed.")
                    % {"row": number + 1, "name": self.filename, "error": error}
                ) from error
        finally:
            text.detach()

    def _raw_rows(self) -> Iterator[tuple[int, list[str]]]:
        for number, cells in self._records():
            if number > self.header_row_number:
                yield number, cells


class _RecordLines:
    """The lines ``csv.reader`` reads, refused as soon as one record's text passes the cap, so a
    gigantic line (or a quoted field that never ends) is never held whole."""

    def __init__(self, text: io.TextIOWrapper, *, filename: str) -> None:
        self.text = text
        self.filename = filename
        self.max_chars = settings.RESHIP_IMPORT_MAX_ROW_CHARS
        # The cells' characters, and for each cell a delimiter and two quotes; doubled quotes inside.
        self.cap = 2 * self.max_chars + 3 * settings.RESHIP_IMPORT_MAX_COLUMNS
        self.used = 0
        self.row = 1

    def record_read(self, next_row: int) -> None:
        self.used = 0
        self.row = next_row

    def __iter__(self) -> Iterator[str]:
        while line := self.text.readline(self.cap + 1 - self.used):
            self.used += len(line)
            if self.used > self.cap:
                raise SheetError(
                    _(
                        "Row %(row)s of %(name)s is longer than %(limit)s characters. Check that every "
                        "quotation mark is closed, then upload it again."
                    )
                    % {"row": self.row, "name": self.filename, "limit": self.max_chars}
                )
            yield line


def _sniff_delimiter(text: io.TextIOWrapper) -> str:
    position = text.tell()
    line = text.readline(65536)
    text.seek(position)
    if "," not in line:
        for delimiter in DELIMITERS[1:]:
            if delimiter in line:
                return delimiter
    return ","


class _Unclosable(io.RawIOBase):
    """A view of a binary stream that ``TextIOWrapper`` may wrap without closing it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    @property
    def name(self) -> object:  # TextIOWrapper's ``name`` reads it; an in-memory stream has none
        return getattr(self._stream, "name", None)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        return self._stream.write(data)

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def close(self) -> None:  # the owner closes the real stream
        pass


# --- XLSX -----------------------------------------------------------------------------------------


@dataclass
class XlsxSheet(Sheet):
    workbook: Any = None
    worksheet: Any = None

    def open(self) -> None:
        from openpyxl import load_workbook

        try:
            xlsx_check(self.stream, filename=self.filename, error=SheetError)
            with zipfile.ZipFile(self.stream) as archive:
                if "xl/workbook.xml" not in archive.namelist():
                    raise SheetError(
                        _("%(name)s is a zip archive but not an Excel workbook.") % {"name": self.filename}
                    )
            self.stream.seek(0)
            self.workbook = load_workbook(self.stream, read_only=True, data_only=False)
        except (SheetError, MemoryError):  # a memory cap's (``sheet_memory_cap``) is not a damaged file
            raise
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise SheetError(_("%(name)s cannot be opened as an Excel workbook.") % {"name": self.filename}) from error
        with_data = [sheet for sheet in self.workbook.worksheets if self._has_data(sheet)]
        if not with_data:
            raise SheetError(_("%(name)s is empty.") % {"name": self.filename})
        if len(with_data) > 1:
            raise SheetError(
                _(
                    "%(name)s has data on several sheets (%(sheets)s). Keep the orders on one sheet, "
                    "delete the others, and upload it again."
                )
                % {"name": self.filename, "sheets": ", ".join(f"“{sheet.title}”" for sheet in with_data)}
            )
        self.worksheet = with_data[0]
        merged, formulas = _scan_sheet_xml(self.worksheet)
        if merged:
            raise SheetError(
                _("Sheet “%(sheet)s” of %(name)s has merged cells. Unmerge them and upload it again.")
                % {"sheet": self.worksheet.title, "name": self.filename}
            )
        if formulas:
            self._refuse_first_formula()
        for number, cells in self._all_rows():
            if any(cells):
                self._set_headers(number, cells)
                break
        if not self.headers:
            raise SheetError(_("%(name)s has no header row.") % {"name": self.filename})

    def _all_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Values only (the fast path: formulas were ruled out when the sheet was opened); rows
        come consecutively from row 1, the missing ones filled in, so the position is the number."""
        for number, row in self._bounded_rows(self.worksheet, values_only=True):
            if number > settings.RESHIP_IMPORT_MAX_ROWS + self.header_row_number:
                raise self._too_many_rows()
            if any(value is not None for value in row):
                cells = [cell_text(value) for value in row]
                while cells and not cells[-1]:
                    cells.pop()
                yield number, cells

    def _bounded_rows(self, worksheet: Any, *, values_only: bool) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """openpyxl's rows, numbered, never past one row more than the limit: it fills in the rows
        and cells a sheet skips, up to the size the sheet claims (which can be a million by 16,384),
        so it is asked for no more; a sheet that claims no size gets rows as wide as their last
        cell, and one wider than the column limit is refused before its cells are read."""
        max_columns = settings.RESHIP_IMPORT_MAX_COLUMNS
        claimed = worksheet.max_column
        rows = worksheet.iter_rows(
            max_row=self.header_row_number + settings.RESHIP_IMPORT_MAX_ROWS + 1,
            max_col=min(claimed, max_columns + 1) if claimed else None,
            values_only=values_only,
        )
        numbered = enumerate(rows, start=1)
        while True:
            try:
                number, row = next(numbered)
            except StopIteration:
                return
            except _DAMAGED as error:  # XML or a value broken past what opening the sheet read
                raise SheetError(
                    _("%(name)s cannot be opened as an Excel workbook.") % {"name": self.filename}
                ) from error
            if len(row) > max_columns:
                raise self._too_many_columns(number)
            yield number, row

    def _refuse_first_formula(self) -> None:
        for _number, row in self._bounded_rows(self.worksheet, values_only=False):
            for cell in row:
                if cell.value is not None and cell.data_type == "f":
                    raise SheetError(
                        _(
                            "Cell %(cell)s of %(name)s holds a formula (%(formula)s). Reship reads values only: "
                            "copy the column, paste it as values, and upload it again."
                        )
                        % {"cell": cell.coordinate, "name": self.filename, "formula": str(cell.value)[:40]}
                    )

    def _has_data(self, worksheet: Any) -> bool:
        for _number, row in self._bounded_rows(worksheet, values_only=True):
            if any(value not in (None, "") for value in row):
                return True
        return False

    def _raw_rows(self) -> Iterator[tuple[int, list[str]]]:
        for number, cells in self._all_rows():
            if number > self.header_row_number:
                yield number, cells

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()
        super().close()


# What openpyxl raises reading a damaged sheet's rows (bad XML, a cell value or a shared-text index
# that is no such thing); not a time limit or a memory cap, which end the import with their own words.
_DAMAGED = (ValueError, LookupError, TypeError, ArithmeticError, SyntaxError, zipfile.BadZipFile, EOFError)
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _scan_sheet_xml(worksheet: Any) -> tuple[bool, bool]:
    """Whether the sheet has merged cells, and formulas. Read-only worksheets do not parse merges,
    and reading values only hides formulas: one pass over the sheet's XML finds both elements."""
    merged = formulas = False
    tail = b""
    with worksheet._get_source() as source:
        while chunk := source.read(CHUNK_BYTES):
            window = tail + chunk
            merged = merged or _MERGE.search(window) is not None
            formulas = formulas or _FORMULA.search(window) is not None
            tail = chunk[-32:]
    return merged, formulas


def cell_text(value: Any) -> str:
    """An XLSX value as the text a person typed, stable whatever Excel stored."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


# --- Sources --------------------------------------------------------------------------------------


def _binary_stream(source: Any) -> tuple[IO[bytes], bool]:
    """A seekable binary stream over ``source``, and whether we opened it (and must close it)."""
    if isinstance(source, str | Path):
        return open(source, "rb"), True  # noqa: SIM115 - closed by Sheet.close
    if isinstance(source, File):
        if source.closed:
            source.open("rb")
        inner = source.file
        assert inner is not None, "File.open() sets the file or raises"
        inner.seek(0)
        return inner, False
    return source, False


def _size(stream: IO[bytes]) -> int:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        return size
