"""Code 128 as inline SVG for the packing slips: what a scanner and a reader of the page notice."""

import re

from reship.core.barcodes import code128_modules, code128_svg

START_B = "11010010000"  # Code 128's start code B (bars 2-1-1-2-1-4)
STOP = "1100011101011"  # the stop pattern (2-3-3-1-1-1-2)


def test_a_request_number_is_encoded_with_start_b_a_stop_and_digits_packed_in_code_c():
    modules = code128_modules("RS-2026-000001")

    # start, R S -, →C, 20 26, →B, -, →C, 00 00 01, checksum: 14 symbols of 11 modules, and the stop's 13
    assert len(modules) == 14 * 11 + 13 == 167
    assert modules.startswith(START_B)
    assert modules.endswith(STOP)


def test_the_svg_inlines_in_a_page_with_one_rect_per_bar_and_a_white_background():
    svg = code128_svg("RS-2026-000001")

    assert svg.startswith("<svg ")
    assert "<?xml" not in svg
    assert "DOCTYPE" not in svg
    assert "style=" not in svg  # the Content-Security-Policy drops inline styles
    # 14 symbols of 3 bars and the stop's 4, plus the white background
    assert svg.count("<rect") == 14 * 3 + 4 + 1
    assert 'fill="#fff"' in svg
    assert 'aria-label="RS-2026-000001"' in svg
    assert 'viewBox="0 0 187 40"' in svg  # 167 modules and 10 quiet ones each side


def test_the_number_is_printed_under_the_bars_only_when_asked():
    assert ">RS-2026-000001</text>" in code128_svg("RS-2026-000001", human_readable=True)
    assert "<text" not in code128_svg("RS-2026-000001")


def test_a_longer_text_draws_a_wider_barcode():
    def width_mm(svg: str) -> float:
        return float(re.search(r'width="([\d.]+)mm"', svg).group(1))

    assert width_mm(code128_svg("RS-2026-000001")) == 61.71  # 187 modules of 0.33 mm
    assert width_mm(code128_svg("RS-2026-000001-EXTRA")) > width_mm(code128_svg("RS-2026-000001"))


def test_text_is_escaped_in_the_markup():
    svg = code128_svg('<a&"b>', human_readable=True)

    assert "<a&" not in svg
    assert "&lt;a&amp;&quot;b&gt;" in svg
