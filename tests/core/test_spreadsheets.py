"""The one reader of uploaded sheets (reship.core.spreadsheets): what it reads from CSV and XLSX, in which
encodings, how cells come out, and every file it refuses with the reason."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from reship.core.spreadsheets import (
    CsvSheet,
    SheetError,
    XlsxSheet,
    cell_text,
    column_letter,
    open_sheet,
    unneutralised,
)


def read(data: bytes, name: str = "data.csv") -> tuple[list[str], list[tuple[int, list[str]]]]:
    with open_sheet(io.BytesIO(data), filename=name) as sheet:
        return sheet.headers, list(sheet.rows())


def refusal(data: bytes, name: str = "data.csv") -> str:
    with pytest.raises(SheetError) as refused:
        with open_sheet(io.BytesIO(data), filename=name) as sheet:
            sheet.count_rows()
    return refused.value.message


def xlsx(*rows, sheets: dict[str, list] | None = None, merge: str = "") -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    if merge:
        book.active.merge_cells(merge)
    for title, sheet_rows in (sheets or {}).items():
        sheet = book.create_sheet(title)
        for row in sheet_rows:
            sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


CHINESE = "订单编号,收货人,收货地址\nTB1,张三,上海市浦东新区\nTB2,李四,北京市朝阳区\n"
EXPECTED = (
    ["订单编号", "收货人", "收货地址"],
    [(2, ["TB1", "张三", "上海市浦东新区"]), (3, ["TB2", "李四", "北京市朝阳区"])],
)


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (CHINESE.encode("utf-8"), "utf-8"),
        (CHINESE.encode("utf-8-sig"), "utf-8-sig"),
        (CHINESE.encode("gb18030"), "gb18030"),
        (CHINESE.encode("gbk"), "gb18030"),  # GBK is a subset of GB18030
        (CHINESE.replace("\n", "\r\n").encode("gbk"), "gb18030"),  # Excel on Windows
    ],
)
def test_csv_in_utf8_with_and_without_bom_and_in_gb18030(encoded, encoding):
    with open_sheet(io.BytesIO(encoded), filename="data.csv") as sheet:
        assert isinstance(sheet, CsvSheet)
        assert sheet.encoding == encoding
        assert (sheet.headers, list(sheet.rows())) == EXPECTED


def test_an_uploaded_file_a_path_and_a_stream_read_the_same(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(CHINESE.encode())
    with open_sheet(str(path), filename="data.csv") as sheet:
        assert (sheet.headers, list(sheet.rows())) == EXPECTED
    with open_sheet(SimpleUploadedFile("data.csv", CHINESE.encode()), filename="data.csv") as sheet:
        assert (sheet.headers, list(sheet.rows())) == EXPECTED
        assert list(sheet.rows()) == EXPECTED[1]  # rows() may be read again


def test_cells_are_stripped_rows_padded_and_cut_to_the_header_and_blank_rows_skipped_but_counted():
    headers, rows = read(b" a , b ,c\n 1 ,2\n\n,,\n3,4,5,6,7\n")
    assert headers == ["a", "b", "c"]
    assert rows == [(2, ["1", "2", ""]), (5, ["3", "4", "5"])]


def test_quoted_cells_keep_commas_and_line_breaks_and_row_numbers_count_records():
    headers, rows = read(b'name,address\n"Li, Si","Line 1\nLine 2"\nWang,Road 3\n')
    assert rows == [(2, ["Li, Si", "Line 1\nLine 2"]), (3, ["Wang", "Road 3"])]


def test_tab_and_semicolon_separated_files():
    assert read(b"a\tb\n1\t2\n")[1] == [(2, ["1", "2"])]
    assert read(b"a;b\n1;2\n")[1] == [(2, ["1", "2"])]


def test_blank_and_repeated_headers_get_a_name_each_and_trailing_blank_ones_are_dropped():
    headers, rows = read("备注,,备注,数量,,\nx,y,z,1,,\n".encode())
    assert headers == ["备注", "(B)", "备注 (2)", "数量"]
    assert rows == [(2, ["x", "y", "z", "1"])]


def test_the_header_is_the_first_row_that_is_not_blank():
    headers, rows = read(b"\n\n,,\nid,qty\n7,2\n")
    assert headers == ["id", "qty"]
    assert rows == [(5, ["7", "2"])]


def test_xlsx_values_become_stable_text():
    data = xlsx(
        ["订单编号", "下单时间", "手机", "数量", "单价", "日期", "时间", "是否"],
        ["TB1", datetime(2026, 11, 20, 14, 3), 13800138000, 2.0, 19.9, date(2026, 11, 20), time(9, 30), True],  # noqa: DTZ001
        [None, None, None, None, None, None, None, None],
        ["  TB2 ", None, "+86 138 0013 8000", 1, 0.1, None, None, False],
    )
    with open_sheet(io.BytesIO(data), filename="export.xlsx") as sheet:
        assert isinstance(sheet, XlsxSheet)
        assert sheet.headers == ["订单编号", "下单时间", "手机", "数量", "单价", "日期", "时间", "是否"]
        assert list(sheet.rows()) == [
            (2, ["TB1", "2026-11-20 14:03:00", "13800138000", "2", "19.9", "2026-11-20 00:00:00", "09:30:00", "TRUE"]),
            (4, ["TB2", "", "+86 138 0013 8000", "1", "0.1", "", "", "FALSE"]),
        ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (13800138000.0, "13800138000"),
        (2, "2"),
        (19.9, "19.9"),
        (1e20, "1e+20"),
        (Decimal("19.90"), "19.90"),
        (datetime(2026, 11, 20, 14, 3, 5), "2026-11-20 14:03:05"),  # noqa: DTZ001 - as Excel stores it
        (date(2026, 11, 20), "2026-11-20"),
        (" 张三 ", "张三"),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_an_xlsx_whose_extra_sheets_are_empty_is_read_from_its_one_sheet_with_data():
    data = xlsx(["a"], [1], sheets={"Sheet2": [], "Sheet3": []})
    assert read(data, "book.xlsx") == (["a"], [(2, ["1"])])


def test_detected_by_content_not_name():
    assert read(xlsx(["a"], [1]), "renamed.csv") == (["a"], [(2, ["1"])])
    assert read(b"a\n1\n", "renamed.xlsx") == (["a"], [(2, ["1"])])


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "data.csv", "data.csv is empty."),
        (b"\xef\xbb\xbf \r\n", "data.csv", "data.csv is empty."),
        (b",,\n,,\n", "data.csv", "data.csv is empty."),
        (b"a,b\n", "data.csv", "data.csv has a header row but no data rows."),
        (b"a,b\n,\n\n", "data.csv", "data.csv has a header row but no data rows."),
        (b"a,b\n1,\x002\n", "data.csv", "data.csv is not a CSV or XLSX file: it holds binary data."),
        (b"a,b\n" + b"x" * 9000 + b"\x00", "data.csv", "data.csv is not a CSV or XLSX file: it holds binary data."),
        (
            "a,b\ncafé,1\n".encode("cp1252"),
            "data.csv",
            "data.csv is not in a text encoding Reship reads (UTF-8 or GB18030/GBK). Save it as CSV UTF-8 and upload "
            "it again.",
        ),
        (
            b"\xef\xbb\xbfa,b\n\xb6\xa9,1\n",  # a UTF-8 BOM, then GBK bytes: the BOM's promise is broken
            "data.csv",
            "data.csv is not in a text encoding Reship reads (UTF-8 or GB18030/GBK). Save it as CSV UTF-8 and upload "
            "it again.",
        ),
        (
            b"PK\x03\x04" + bytes(40),
            "book.xlsx",
            "book.xlsx cannot be opened as an Excel workbook.",
        ),
        (
            xlsx(["a"], [1], sheets={"退款": [["b"]]}),
            "book.xlsx",
            "book.xlsx has data on several sheets (“Sheet”, “退款”). Keep the orders on one sheet, delete the others, "
            "and upload it again.",
        ),
        (
            xlsx(["a", "b"], [1, 2], ["x", None], merge="A3:B3"),
            "book.xlsx",
            "Sheet “Sheet” of book.xlsx has merged cells. Unmerge them and upload it again.",
        ),
        (
            xlsx(["qty", "price", "total"], [2, 3, "=A2*B2"]),
            "book.xlsx",
            "Cell C2 of book.xlsx holds a formula (=A2*B2). Reship reads values only: copy the column, paste it as "
            "values, and upload it again.",
        ),
        (xlsx(), "book.xlsx", "book.xlsx is empty."),
    ],
    ids=[
        "empty",
        "bom-and-blank",
        "only-separators",
        "header-only",
        "header-and-blank-rows",
        "nul-byte-inside",
        "nul-byte-after-the-first-block",
        "cp1252",
        "broken-utf8-after-bom",
        "broken-zip",
        "several-sheets",
        "merged-cells",
        "formula",
        "empty-workbook",
    ],
)
def test_files_refused_with_their_reason(data, name, message):
    assert refusal(data, name) == message


def test_a_zip_that_is_not_a_workbook():
    data = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert refusal(data.getvalue(), "letter.xlsx") == "letter.xlsx is a zip archive but not an Excel workbook."


def test_limits_come_from_settings(settings):
    settings.RESHIP_IMPORT_MAX_ROW_CHARS = 10
    assert refusal(b"a,b\n12345,678901\n") == (
        "Row 2 of data.csv is longer than 10 characters. Check that every quotation mark is closed, then upload it "
        "again."
    )
    settings.RESHIP_IMPORT_MAX_ROWS = 1
    assert refusal(b"a\n1\n2\n") == "data.csv has more than 1 rows; split it into smaller files."
    settings.RESHIP_IMPORT_MAX_BYTES = 5
    assert refusal(b"a\n1\n2\n") == "data.csv is 6\xa0bytes; the largest file accepted is 5\xa0bytes."


def test_a_field_larger_than_the_csv_modules_limit_is_refused_not_crashed(settings):
    settings.RESHIP_IMPORT_MAX_ROW_CHARS = 1_000_000  # so the csv module's own limit is reached first
    data = b'a\n"' + b"x" * 200_000 + b'"\n'
    assert refusal(data).startswith("Row 2 of data.csv cannot be read: field larger than field limit")


def test_an_unclosed_quotation_mark():
    assert refusal(b'a,b\n"1,2\n3,4\n') == (
        "Row 2 of data.csv cannot be read: unexpected end of data. Check that every quotation mark is closed."
    )


def test_a_stream_it_did_not_open_is_left_open():
    stream = io.BytesIO(b"a\n1\n")
    with open_sheet(stream, filename="data.csv") as sheet:
        next(sheet.rows())  # abandoned half-way
    assert not stream.closed


def test_unneutralised_undoes_the_apostrophe_of_a_formula_safe_export():
    assert unneutralised("'=SUM(A1)") == "=SUM(A1)"
    assert unneutralised("'+86 138") == "+86 138"
    assert unneutralised("'-1") == "-1"
    assert unneutralised("'tis") == "'tis"
    assert unneutralised("O'Brien") == "O'Brien"


def test_column_letters():
    assert [column_letter(index) for index in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_an_xlsx_copied_as_csv_keeps_its_row_numbers_and_cells():
    data = xlsx([None], ["订单编号", "数量"], ["TB1", 2], [None, None], ["TB2", 1.5])
    copy = io.BytesIO()
    with open_sheet(io.BytesIO(data), filename="book.xlsx") as sheet:
        assert sheet.write_csv(copy) == 2
    with open_sheet(io.BytesIO(copy.getvalue()), filename="book.csv") as again:
        assert isinstance(again, CsvSheet)
        assert again.headers == ["订单编号", "数量"]
        assert list(again.rows()) == [(3, ["TB1", "2"]), (5, ["TB2", "1.5"])]


def test_a_header_only_xlsx_is_refused_when_copied():
    with open_sheet(io.BytesIO(xlsx(["a"])), filename="book.xlsx") as sheet:
        with pytest.raises(SheetError) as refused:
            sheet.write_csv(io.BytesIO())
    assert refused.value.message == "book.xlsx has a header row but no data rows."
