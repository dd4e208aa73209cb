"""Spreadsheet bombs (issue 14): files of a few kilobytes or megabytes that unpack, pad or parse to
gigabytes are refused by the reader — with the reason, within a second and 50 MB — before openpyxl
or the csv module is asked to hold them. Each file is built here by hand (tests/core/xlsx_bombs.py).

Reproduce the figures: ``.venv/bin/python -m pytest -q tests/core/test_spreadsheet_bombs.py -s``
prints each bomb's size, time and peak memory."""

from __future__ import annotations

import functools
import io
import os
import subprocess
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings

from reship.core.spreadsheets import SheetError, open_sheet
from tests.core import xlsx_bombs as bomb

SECONDS = 1.0
PEAK_BYTES = 50 * 1024 * 1024

TOO_BIG = (
    "bomb.xlsx unpacks to far more than its size (a “zip bomb”), or to more than 500.0\xa0MB. Copy the data into "
    "a new workbook, or save it as CSV UTF-8, and upload it again."
)
TOO_MANY_ROWS = "bomb.xlsx has more than 200000 rows; split it into smaller files."


def odd(part: str) -> str:
    return (
        f"bomb.xlsx holds a part Reship does not read in a workbook ({part}): an embedded archive or document, "
        "encryption, or an unusual format. Copy the data into a new workbook, or save it as CSV UTF-8, and upload it "
        "again."
    )


def gap_rows() -> bytes:
    # The header, then one cell in the sheet's last row: openpyxl fills in the million rows between.
    return bomb.workbook([bomb.HEADER_ROW, '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'])


def many_parts() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(600):
            archive.writestr(f"xl/media/{number}.bin", b"")
    return out.getvalue()


def with_part(name: str, data: bytes) -> bytes:
    return bomb.workbook([bomb.HEADER_ROW], extra={name: data})


def nested_zip() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("a.txt", "a")
    return with_part("xl/embeddings/inner.zip", inner.getvalue())


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&c;</t></si></sst>'
)

BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "dimension A1:XFD1048576": (
        lambda: bomb.workbook(
            [bomb.HEADER_ROW, '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'], dimension="A1:XFD1048576"
        ),
        "bomb.xlsx spans A1:XFD1048576: more than 200000 rows or 256 columns. Delete the rows and columns after "
        "your data (or copy the data into a new workbook) and upload it again.",
    ),
    "a million tiny rows": (lambda: bomb.workbook([bomb.HEADER_ROW, *bomb.rows_of_one_cell(1_000_000)]), TOO_MANY_ROWS),
    "a million rows under a dimension that lies": (
        lambda: bomb.workbook([bomb.HEADER_ROW, *bomb.rows_of_one_cell(1_000_000)], dimension="A1:A2"),
        TOO_MANY_ROWS,
    ),
    "one cell in the last row, no dimension": (gap_rows, TOO_MANY_ROWS),
    "a row of 20,000 cells": (
        lambda: bomb.workbook(
            [
                bomb.HEADER_ROW,
                '<row r="2">',
                *(f"<c><v>{number * 2654435761 % 10**9}</v></c>" for number in range(20_000)),
                "</row>",
            ]
        ),
        "bomb.xlsx has a row of more than 256 columns.",
    ),
    "a dimension in lower case": (
        lambda: bomb.workbook([bomb.HEADER_ROW], dimension="a1:xfd1048576"),
        "bomb.xlsx spans a1:xfd1048576: more than 200000 rows or 256 columns. Delete the rows and columns after "
        "your data (or copy the data into a new workbook) and upload it again.",
    ),
    "no dimension, a cell in column XFD of 100,000 rows": (
        lambda: bomb.workbook(
            [bomb.HEADER_ROW, *(f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(2, 100_002))]
        ),
        "bomb.xlsx has a row of more than 256 columns.",
    ),
    "5,000,000 shared strings declared": (
        lambda: bomb.workbook([bomb.HEADER_ROW], shared=bomb.shared_strings(10, declared=5_000_000)),
        "bomb.xlsx has more than 1000000 different texts in its cells; split it into smaller files.",
    ),
    "3 GB declared for a part": (
        lambda: bomb.declared_size(bomb.workbook([bomb.HEADER_ROW]), "xl/worksheets/sheet1.xml", 3_000_000_000),
        TOO_BIG,
    ),
    "100 MB of zeros (ratio 1000)": (
        lambda: bomb.zeros_member(bomb.workbook([bomb.HEADER_ROW]), "xl/media/image1.png", 100 * 1024 * 1024),
        TOO_BIG,
    ),
    "600 parts": (many_parts, "bomb.xlsx is made of more than 500 parts; an ordinary workbook has a few dozen."),
    "a zip inside": (nested_zip, odd("xl/embeddings/inner.zip")),
    "entities (billion laughs)": (
        lambda: bomb.workbook([bomb.HEADER_ROW], extra={"xl/sharedStrings.xml": LAUGHS.encode()}),
        odd("xl/sharedStrings.xml"),
    ),
    "a part named ../../evil": (lambda: with_part("../../evil.xml", b"<a/>"), odd("../../evil.xml")),
    "not a zip, named .xlsx": (
        lambda: b"PK\x03\x04" + bytes(range(256)) * 64,
        "bomb.xlsx cannot be opened as an Excel workbook.",
    ),
}


@functools.cache
def built(name: str) -> bytes:
    """Each bomb built once for the module's tests (the large ones take seconds to deflate)."""
    return {**BOMBS, **CSV_BOMBS}[name][0]()


def timed_refusal(data: bytes, name: str) -> tuple[str, float, float]:
    """The refusal, the wall-clock seconds and the CPU seconds it took. The figure held to is the
    CPU time: the wall clock of a machine shared with other work measures that work too."""
    started, cpu_started = time.perf_counter(), time.process_time()
    message = refuse(data, name)
    return message, time.perf_counter() - started, time.process_time() - cpu_started


def refuse(data: bytes, name: str = "bomb.xlsx") -> str:
    with pytest.raises(SheetError) as refused:
        with open_sheet(io.BytesIO(data), filename=name) as sheet:
            sheet.count_rows()
    return refused.value.message


@pytest.mark.parametrize("name", list(BOMBS))
def test_an_xlsx_bomb_is_refused_within_a_second(name):
    _build, message = BOMBS[name]
    data = built(name)

    refused, seconds, cpu_seconds = timed_refusal(data, "bomb.xlsx")

    assert refused == message
    print(f"\n{name}: {len(data):,} bytes, refused in {seconds:.3f} s ({cpu_seconds:.3f} s of CPU)")  # noqa: T201 - the figure, with -s
    assert cpu_seconds <= SECONDS


@pytest.mark.parametrize("name", list(BOMBS))
def test_an_xlsx_bomb_is_refused_within_50_mb(name):
    _build, message = BOMBS[name]
    data = built(name)

    tracemalloc.start()
    try:
        refused = refuse(data)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert refused == message
    print(f"\n{name}: peak {peak / 1024 / 1024:.1f} MB")  # noqa: T201 - the figure, with -s
    assert peak <= PEAK_BYTES


def test_shared_strings_are_counted_not_trusted(settings):
    settings.RESHIP_IMPORT_MAX_SHARED_STRINGS = 1000
    data = bomb.workbook([bomb.HEADER_ROW], shared=bomb.shared_strings(1001, declared=10))

    assert refuse(data) == "bomb.xlsx has more than 1000 different texts in its cells; split it into smaller files."


def test_a_part_that_unpacks_more_than_it_declared_is_refused(settings):
    # The directory says 100 bytes for a sheet that unpacks to a megabyte: zipfile stops at the
    # declared size, and the unpacked bytes then fail the part's checksum.
    data = bomb.workbook([bomb.HEADER_ROW, *bomb.rows_of_one_cell(30_000)])
    lying = bomb.declared_size(data, "xl/worksheets/sheet1.xml", 100)

    assert refuse(lying) == "bomb.xlsx cannot be opened as an Excel workbook."


def test_limits_are_settings(settings):
    settings.RESHIP_IMPORT_MAX_ROWS = 3
    settings.RESHIP_IMPORT_MAX_COLUMNS = 2
    assert refuse(bomb.workbook([bomb.HEADER_ROW, *bomb.rows_of_one_cell(4)])) == (
        "bomb.xlsx has more than 3 rows; split it into smaller files."
    )
    assert refuse(bomb.workbook([bomb.HEADER_ROW, '<row r="2"><c r="C2"><v>1</v></c></row>'], dimension="A1:C2")) == (
        "bomb.xlsx spans A1:C2: more than 3 rows or 2 columns. Delete the rows and columns after your data (or copy "
        "the data into a new workbook) and upload it again."
    )
    settings.RESHIP_IMPORT_MAX_RATIO = 5
    assert refuse(bomb.workbook([bomb.HEADER_ROW, *bomb.rows_of_one_cell(3000)])) == TOO_BIG


def test_a_wide_row_without_a_dimension_is_refused_while_streaming(settings):
    settings.RESHIP_IMPORT_MAX_COLUMNS = 3  # past the guard's cheap checks: two-letter columns, few cells
    cells = "".join(f'<c r="{letter}2"><v>1</v></c>' for letter in "ABCD")

    assert refuse(bomb.workbook([bomb.HEADER_ROW, f'<row r="2">{cells}</row>'])) == (
        "Row 2 of bomb.xlsx has more than 3 columns."
    )


def test_a_workbook_that_claims_no_size_is_read_as_wide_as_its_cells():
    cells = '<c r="A2"><v>1</v></c><c r="C2" t="inlineStr"><is><t>x</t></is></c>'
    data = bomb.workbook(
        [bomb.HEADER_ROW.replace("</row>", '<c r="C1"><v>3</v></c></row>'), f'<row r="2">{cells}</row>']
    )
    with open_sheet(io.BytesIO(data), filename="ok.xlsx") as sheet:
        assert sheet.headers == ["order", "(B)", "3"]
        assert list(sheet.rows()) == [(2, ["1", "", "x"])]


def test_an_honest_workbook_at_the_limits_is_read(settings):
    settings.RESHIP_IMPORT_MAX_ROWS = 5
    data = bomb.workbook([bomb.HEADER_ROW, *bomb.rows_of_one_cell(5)], dimension="A1:A6")
    with open_sheet(io.BytesIO(data), filename="ok.xlsx") as sheet:
        assert sheet.headers == ["order"]
        assert list(sheet.rows()) == [(number, ["1"]) for number in range(2, 7)]


# --- CSV --------------------------------------------------------------------------------------------

CSV_BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "one line of 40 MB": (
        lambda: b"order\n" + b"a," * (20 * 1024 * 1024) + b"\n",
        "Row 2 of data.csv is longer than 5000 characters. Check that every quotation mark is closed, then upload "
        "it again.",
    ),
    "a quoted field that never ends": (
        lambda: b'order\n"' + b"a\n" * (10 * 1024 * 1024),
        "Row 2 of data.csv is longer than 5000 characters. Check that every quotation mark is closed, then upload "
        "it again.",
    ),
    "3 million rows": (lambda: b"order\n" + b"1\n" * 3_000_000, "data.csv has more than 200000 rows; split it into "
                       "smaller files."),
    "20 million blank lines": (lambda: b"order\n" + b"\n" * 20_000_000, "data.csv has more than 200000 rows; split "
                               "it into smaller files."),
    "300 columns": (lambda: b"order\n" + b"1," * 300 + b"\n", "Row 2 of data.csv has more than 256 columns."),
}  # fmt: skip


@pytest.mark.parametrize("name", list(CSV_BOMBS))
def test_a_csv_bomb_is_refused_within_a_second_and_50_mb(name):
    _build, message = CSV_BOMBS[name]
    data = built(name)

    refused, seconds, cpu_seconds = timed_refusal(data, "data.csv")
    assert refused == message
    tracemalloc.start()
    try:
        refuse(data, "data.csv")
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    print(  # noqa: T201 - the figures, with -s
        f"\n{name}: {len(data):,} bytes, refused in {seconds:.3f} s ({cpu_seconds:.3f} s of CPU), "
        f"peak {peak / 1024 / 1024:.1f} MB"
    )
    assert cpu_seconds <= SECONDS
    assert peak <= PEAK_BYTES


# --- the memory cap ---------------------------------------------------------------------------------

READ_CAPPED = """
import django, sys
django.setup()
from reship.core.spreadsheets import SheetError, open_sheet, sheet_memory_cap
try:
    with sheet_memory_cap("big.xlsx"), open_sheet(sys.argv[1], filename="big.xlsx") as sheet:
        print(sheet.count_rows(), "rows")
except SheetError as error:
    print(error.message)
"""


def read_in_a_fresh_process(path, *, memory_bytes: int) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "reship.config.settings.base"),
        "RESHIP_IMPORT_MEMORY_BYTES": str(memory_bytes),
        "RESHIP_IMPORT_MAX_SHARED_STRINGS": "1000000",
        "LANGUAGE_CODE": "en",
    }
    done = subprocess.run(
        [sys.executable, "-c", READ_CAPPED, str(path)],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_reading_a_sheet_is_bounded_by_the_memory_cap(tmp_path):
    # 400,000 distinct texts, which openpyxl loads whole: about 60 MB once read, 13 MB on disk.
    count = 400_000
    texts = (f"<si><t>{os.urandom(16).hex()}</t></si>" for _ in range(count))
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="{count}" uniqueCount="{count}">'
    )
    row = '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    path = tmp_path / "big.xlsx"
    path.write_bytes(bomb.workbook([bomb.HEADER_ROW, row], shared=[head, *texts, "</sst>"], level=1))

    assert read_in_a_fresh_process(path, memory_bytes=32 * 1024 * 1024) == (
        "big.xlsx needs more than 32.0\xa0MB of memory to read; split it into smaller files."
    )
    assert read_in_a_fresh_process(path, memory_bytes=1024 * 1024 * 1024) == "1 rows"
