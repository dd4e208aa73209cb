"""Hand-written XLSX files for the spreadsheet guard's tests: small on disk, huge once unpacked or
parsed. Each is built with ``zipfile`` from XML written here, so no library's writer tidies it up."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{shared}"
    "</Types>"
)
SHARED_OVERRIDE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    "{shared}"
    "</Relationships>"
)
SHARED_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound document: what an .xlsm keeps its macros in

HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>order</t></is></c></row>'


def workbook(
    sheet_parts: Iterable[str],
    *,
    dimension: str = "",
    shared: Iterable[str] | None = None,
    extra: dict[str, bytes] | None = None,
    level: int = 9,
) -> bytes:
    """An XLSX whose one worksheet is ``sheet_parts`` joined (streamed into the zip, so a sheet of
    hundreds of megabytes costs no memory to build), at compression ``level`` (9: the highest)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        has_shared = shared is not None
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(shared=SHARED_OVERRIDE if has_shared else ""))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(shared=SHARED_REL if has_shared else ""))
        ref = f'<dimension ref="{dimension}"/>' if dimension else ""
        _stream(archive, "xl/worksheets/sheet1.xml", [SHEET_HEAD.format(dimension=ref), *sheet_parts, SHEET_TAIL])
        if shared is not None:
            _stream(archive, "xl/sharedStrings.xml", shared)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def _stream(archive: zipfile.ZipFile, name: str, parts: Iterable[str]) -> None:
    with archive.open(name, "w", force_zip64=False) as member:  # the archive's compression and level
        buffer: list[str] = []
        size = 0
        for part in parts:
            buffer.append(part)
            size += len(part)
            if size > 1 << 20:
                member.write("".join(buffer).encode())
                buffer, size = [], 0
        member.write("".join(buffer).encode())


def rows_of_one_cell(count: int, *, start: int = 2) -> Iterable[str]:
    for number in range(start, start + count):
        yield f'<row r="{number}"><c r="A{number}"><v>1</v></c></row>'


def shared_strings(count: int, *, declared: int | None = None) -> Iterable[str]:
    declared = count if declared is None else declared
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{declared}" '
        f'uniqueCount="{declared}">'
    )
    for number in range(count):
        yield f"<si><t>{number:x}</t></si>"
    yield "</sst>"


def zeros_member(data: bytes, name: str, size: int) -> bytes:
    """``data`` (a zip) with one more member of ``size`` zero bytes: a ratio of about 1000 to 1."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open(name, "w") as member:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                member.write(chunk)
    return out.getvalue()


def declared_size(data: bytes, name: str, size: int) -> bytes:
    """``data`` with the central directory claiming ``size`` unpacked bytes for ``name``."""
    buffer = bytearray(data)
    at = 0
    encoded = name.encode()
    while (at := buffer.find(b"PK\x01\x02", at)) >= 0:
        length = struct.unpack_from("<H", buffer, at + 28)[0]
        if bytes(buffer[at + 46 : at + 46 + length]) == encoded:
            struct.pack_into("<I", buffer, at + 24, size)
            return bytes(buffer)
        at += 4
    raise AssertionError(f"{name} not in the archive")
