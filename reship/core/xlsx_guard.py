"""What an XLSX must be before openpyxl touches it: the spreadsheet reader's guard against bombs.

An XLSX is a zip of XML parts. A few hundred kilobytes can unpack to gigabytes (a deflate ratio of
1000 to 1), or declare a sheet of A1:XFD1048576 that openpyxl pads cell by cell, or hold a million
rows, a row of a million cells, or a shared-strings table openpyxl loads whole. ``xlsx_check``
refuses all of these, with a ``SheetError`` a person can act on, by reading only the zip's
directory and streaming each part once through zlib (bytes are counted, never parsed or kept):

- the end-of-directory record first, so a zip of a million entries is refused before ``zipfile``
  lists them; no ZIP64, which no workbook under the upload limit needs;
- every part: a safe relative name, no duplicate, not encrypted, stored or deflated, a declared
  unpacked size within the part and total limits, a ratio within ``RESHIP_IMPORT_MAX_RATIO``
  (past a grace size, as Apache POI does), no archive inside, no DTD (entity expansion);
- worksheets: the ``<dimension ref>`` and the number of ``<row>`` elements within the row and
  column limits, no row with more cells than the column limit;
- the shared-strings table: its declared and counted ``<si>`` entries within the limit;
- any other XML part (styles, workbook, relationships — which openpyxl reads whole): small.

``zipfile`` stops a member at its declared size (and checks its CRC), so the declared sizes
checked here bound what any later reader unpacks. The limits are settings (``RESHIP_IMPORT_*``).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from reship.core.errors import InvalidInput

SCAN_BYTES = 64 * 1024
TAIL_BYTES = 64  # kept from the previous chunk, so a tag cut in two is still seen
# Parts smaller than this are not held to the ratio: a tiny XML part often packs 20 to 1 or more.
RATIO_GRACE_BYTES = 100 * 1024
# Parts openpyxl reads whole (styles, workbook, relationships, theme …) are small in any real workbook.
METADATA_PART_BYTES = 16 * 1024 * 1024
# A central-directory entry is 46 bytes plus its name and extras: a real workbook's are ~100 bytes.
DIRECTORY_BYTES_PER_PART = 512
END_RECORD = b"PK\x05\x06"
END_RECORD_SIZE = 22
# Archives, and OLE2 compound documents: the VBA macros of an .xlsm (xl/vbaProject.bin), ActiveX
# controls and embedded objects. Reship reads values only; a workbook carrying code is refused.
NESTED_ARCHIVES = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")

_ROOT = re.compile(rb"<(?:\w+:)?(worksheet|sst|chartsheet|dialogsheet)[\s>/]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(
    rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})?\$?(\d+)?(?::\$?([A-Z]{1,3})\$?(\d+))?"', re.IGNORECASE
)
_SST_COUNTS = re.compile(rb'<(?:\w+:)?sst\b[^>]*?\buniqueCount="(\d+)"')
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d{1,12})"')
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_SI = re.compile(rb"<(?:\w+:)?si[\s>/]")
# A cell in a column of three letters (AAA = 703 onwards): past any sensible column limit.
_FAR_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="\$?([A-Za-z]{3})\$?\d')
_PREFIXED = re.compile(rb"<\w+:(?:row|c|si)[\s>/]")
_AFTER_NAME = (b" ", b">", b"/", b"\n", b"\t", b"\r")


@dataclass(frozen=True)
class Limits:
    rows: int  # rows a sheet may span: the data rows and the header
    columns: int
    shared_strings: int
    part_bytes: int
    unpacked_bytes: int
    ratio: int
    parts: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            rows=settings.RESHIP_IMPORT_MAX_ROWS + 1,
            columns=settings.RESHIP_IMPORT_MAX_COLUMNS,
            shared_strings=settings.RESHIP_IMPORT_MAX_SHARED_STRINGS,
            part_bytes=settings.RESHIP_IMPORT_MAX_PART_BYTES,
            unpacked_bytes=settings.RESHIP_IMPORT_MAX_UNPACKED_BYTES,
            ratio=settings.RESHIP_IMPORT_MAX_RATIO,
            parts=settings.RESHIP_IMPORT_MAX_PARTS,
        )


def xlsx_check(stream: IO[bytes], *, filename: str, error: Callable[[str], InvalidInput]) -> None:
    """Refuse (raising ``error``) an XLSX in ``stream`` that is over a limit; the stream is left at 0."""
    limits = Limits.from_settings()
    checker = _Checker(stream, filename, limits, error)
    try:
        checker.directory()
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
            checker.parts(infos)
            for info in infos:
                if not info.is_dir():
                    checker.content(archive, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as bad:
        # zipfile's own refusals (a damaged directory, a CRC that does not match what was unpacked).
        raise error(_("%(name)s cannot be opened as an Excel workbook.") % {"name": filename}) from bad
    finally:
        stream.seek(0)


class _Checker:
    def __init__(self, stream: IO[bytes], filename: str, limits: Limits, error: Callable[[str], InvalidInput]) -> None:
        self.stream = stream
        self.filename = filename
        self.limits = limits
        self.error = error

    def refuse(self, message: str) -> InvalidInput:
        return self.error(message)

    def too_big(self) -> InvalidInput:
        return self.refuse(
            _(
                "%(name)s unpacks to far more than its size (a “zip bomb”), or to more than %(limit)s. Copy the "
                "data into a new workbook, or save it as CSV UTF-8, and upload it again."
            )
            % {"name": self.filename, "limit": filesizeformat(self.limits.unpacked_bytes)}
        )

    def odd(self, part: str) -> InvalidInput:
        return self.refuse(
            _(
                "%(name)s holds a part Reship does not read in a workbook (%(part)s): an embedded archive or "
                "document, encryption, or an unusual format. Copy the data into a new workbook, or save it as "
                "CSV UTF-8, and upload it again."
            )
            % {"name": self.filename, "part": part[:80]}
        )

    def directory(self) -> None:
        """The end-of-directory record, read before ``zipfile`` lists the parts."""
        self.stream.seek(0, io.SEEK_END)
        size = self.stream.tell()
        tail_size = min(size, END_RECORD_SIZE + 0xFFFF)
        self.stream.seek(size - tail_size)
        tail = self.stream.read(tail_size)
        self.stream.seek(0)
        at = tail.rfind(END_RECORD)
        if at < 0 or at + END_RECORD_SIZE > len(tail):
            raise zipfile.BadZipFile("no end of central directory")
        entries, directory_size = struct.unpack_from("<HI", tail, at + 10)
        if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
            raise self.odd("ZIP64")
        if entries > self.limits.parts or directory_size > self.limits.parts * DIRECTORY_BYTES_PER_PART:
            raise self.refuse(
                _("%(name)s is made of more than %(limit)s parts; an ordinary workbook has a few dozen.")
                % {"name": self.filename, "limit": self.limits.parts}
            )

    def parts(self, infos: list[zipfile.ZipInfo]) -> None:
        """What the directory declares, before any part is unpacked."""
        seen: set[str] = set()
        total = 0
        for info in infos:
            name = info.filename
            unsafe = name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ".." in name.split("/")
            if unsafe or name in seen:
                raise self.odd(name)
            seen.add(name)
            if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.odd(name)
            total += info.file_size
            if info.file_size > self.limits.part_bytes or total > self.limits.unpacked_bytes:
                raise self.too_big()
            if info.file_size > RATIO_GRACE_BYTES and info.file_size > self.limits.ratio * max(info.compress_size, 1):
                raise self.too_big()

    def content(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """One pass over the part: its kind from its first bytes, then what that kind may hold."""
        with archive.open(info) as part:
            head = part.read(SCAN_BYTES)
            if head.startswith(NESTED_ARCHIVES) or _DTD.search(head):
                raise self.odd(info.filename)
            root = _ROOT.search(head[:4096])
            kind = root.group(1) if root else b""
            if kind in (b"worksheet", b"dialogsheet"):
                self.worksheet(info, part, head)
            elif kind == b"sst":
                self.shared_strings(part, head)
            elif head.lstrip().startswith(b"<") and info.file_size > METADATA_PART_BYTES:
                raise self.too_big()

    def worksheet(self, info: zipfile.ZipInfo, part: IO[bytes], head: bytes) -> None:
        dimension = _DIMENSION.search(head)
        if dimension:
            first_column, first_row, last_column, last_row = dimension.groups()
            rows = int(last_row or first_row or 1)
            columns = _column_number(last_column or first_column or b"A")
            if rows > self.limits.rows or columns > self.limits.columns:
                raise self.refuse(
                    _(
                        "%(name)s spans %(range)s: more than %(rows)s rows or %(columns)s columns. Delete the "
                        "rows and columns after your data (or copy the data into a new workbook) and upload it "
                        "again."
                    )
                    % {
                        "name": self.filename,
                        "range": dimension.group(0).split(b'"')[1].decode(),
                        "rows": self.limits.rows - 1,  # after the header, as the reader counts them
                        "columns": self.limits.columns,
                    }
                )
        rows = 0
        tail = b""
        chunk = head
        while chunk:
            # A chunk touches at most (rows started in it + 1) rows: more cells than that many full
            # rows means some row is wider than the limit, whatever the dimension claimed.
            window = tail + chunk
            started = _started(window, tail, b"row", _ROW)
            cells = _started(window, tail, b"c", _CELL)
            rows += started
            last = _ROW_NUMBER.match(window, max(window.rfind(b"row "), 0) - 1)
            if rows > self.limits.rows or (last and int(last.group(1)) > self.limits.rows):
                raise self.too_many_rows()
            if cells > (started + 1) * self.limits.columns or self.far_cell(window):
                raise self.refuse(
                    _("%(name)s has a row of more than %(limit)s columns.")
                    % {"name": self.filename, "limit": self.limits.columns}
                )
            tail = chunk[-TAIL_BYTES:]
            chunk = part.read(SCAN_BYTES)

    def far_cell(self, window: bytes) -> bool:
        """Whether a cell lies past the column limit in a column of three letters: one such cell
        per row would otherwise have openpyxl fill in thousands of empty cells for each row."""
        return any(_column_number(far.group(1)) > self.limits.columns for far in _FAR_CELL.finditer(window))

    def too_many_rows(self) -> InvalidInput:
        return self.refuse(
            _("%(name)s has more than %(limit)s rows; split it into smaller files.")
            % {"name": self.filename, "limit": self.limits.rows - 1}
        )

    def shared_strings(self, part: IO[bytes], head: bytes) -> None:
        limit = self.limits.shared_strings
        declared = _SST_COUNTS.search(head[:4096])
        counted = 0
        tail = b""
        chunk = head
        while chunk:
            window = tail + chunk
            counted += _started(window, tail, b"si", _SI)
            if counted > limit or (declared and int(declared.group(1)) > limit):
                raise self.refuse(
                    _("%(name)s has more than %(limit)s different texts in its cells; split it into smaller files.")
                    % {"name": self.filename, "limit": limit}
                )
            tail = chunk[-TAIL_BYTES:]
            chunk = part.read(SCAN_BYTES)


def _started(window: bytes, tail: bytes, name: bytes, pattern: re.Pattern[bytes]) -> int:
    """How many elements ``name`` start in ``window`` and not in ``tail`` (its start, already
    counted): by plain byte counts (fast), unless an element there has a namespace prefix, which
    only the pattern sees."""
    if _PREFIXED.search(window):
        return len(pattern.findall(window)) - len(pattern.findall(tail))
    return sum(window.count(b"<" + name + after) - tail.count(b"<" + name + after) for after in _AFTER_NAME)


def _column_number(letters: bytes) -> int:
    """b"A" → 1, b"XFD" → 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number
