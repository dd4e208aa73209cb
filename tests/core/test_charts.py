"""The server-drawn SVG charts (``reship.core.charts`` with ``templates/dashboard/_chart*.html``): valid
SVG, a labelled group with a title and a description; the right number of bars, segments and points; labels
in the active language; links on what has requests behind it; a data table as the fallback; the
empty state; and the number formats."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from reship.choices import Reason
from reship.core import charts
from reship.core.charts import Datum, Series, format_hours, format_money, format_number, format_percent, nice_scale

SVG = "{http://www.w3.org/2000/svg}"


def svg_of(chart: charts.Chart) -> ET.Element:
    """The chart's SVG, parsed as XML: a stray ampersand or an unclosed tag fails here."""
    return ET.fromstring(render_to_string("dashboard/_chart_svg.html", {"chart": chart}))


def texts(root: ET.Element) -> list[str]:
    return ["".join(text.itertext()) for text in root.iter(f"{SVG}text")]


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if "bar" in rect.get("class", "").split()]


def links(root: ET.Element) -> list[str]:
    return [anchor.get("href") for anchor in root.iter(f"{SVG}a")]


def bar(**kwargs) -> charts.Chart:
    defaults = {
        "title": "Requests by reason",
        "data": [Datum("Damaged", 12, "/requests/?reason=damaged"), Datum("Lost", 3, "/requests/?a=1&b=2")],
        "value_label": "Requests",
        "category_label": "Reason",
    }
    return charts.bar_chart(**{**defaults, **kwargs})


# --- the bar chart ------------------------------------------------------------------------------


def test_a_bar_chart_is_a_labelled_svg_group_whose_drawing_screen_readers_skip():
    root = svg_of(bar())

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "group"  # not "img": its bars link, and an image may hold no links
    assert root.find(f"{SVG}g").get("aria-hidden") == "true"  # the table under the chart has the figures
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Requests by reason"
    assert desc.text == "2 bars; the highest is Damaged with 12."
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_a_bar_chart_has_one_bar_per_category_with_its_label_value_and_link():
    root = svg_of(bar())

    assert len(bars(root)) == 2
    assert texts(root) == ["Damaged", "12", "Lost", "3"]
    assert links(root) == ["/requests/?reason=damaged", "/requests/?a=1&b=2"]
    widths = [float(rect.get("width")) for rect in bars(root)]
    assert widths[0] == pytest.approx(widths[1] * 4, rel=0.01)  # 12 against 3


def test_a_bar_without_requests_behind_it_is_not_a_link():
    root = svg_of(bar(data=[Datum("Damaged", 2, "/requests/?x=1"), Datum("Other", 0)]))

    assert len(bars(root)) == 2
    assert links(root) == ["/requests/?x=1"]


def test_the_bar_links_are_left_to_the_table_for_keyboards():
    """The image is one stop for a screen reader; its links are reached through the data table."""
    root = svg_of(bar())

    assert {anchor.get("tabindex") for anchor in root.iter(f"{SVG}a")} == {"-1"}


def test_a_long_label_is_shortened_and_kept_whole_in_its_title():
    long = "An unusually long reason that would push the bars off the chart"
    root = svg_of(bar(data=[Datum(long, 5), Datum("Short", 1)]))

    label = next(text for text in root.iter(f"{SVG}text") if text.get("class") == "label")
    title = label.find(f"{SVG}title")
    assert title.text == long  # shown on hover and read out whole
    shown = title.tail
    assert shown.endswith("…")
    assert long.startswith(shown[:-1])
    assert len(shown) < len(long)


def test_the_values_use_the_charts_formatter():
    root = svg_of(bar(data=[Datum("Seller", Decimal("1234.5"))], formatter=lambda value: format_money(value, "CNY")))

    assert "¥1,234.50" in texts(root)


def test_an_empty_chart_says_so_instead_of_drawing():
    chart = bar(data=[Datum("Damaged", 0)], empty_message="Nothing approved")

    html = render_to_string("dashboard/_chart.html", {"chart": chart})

    assert chart.is_empty
    assert "<svg" not in html
    assert "Nothing approved" in html


def test_the_default_empty_message():
    html = render_to_string("dashboard/_chart.html", {"chart": bar(data=[])})

    assert "No requests in this period" in html


def test_the_data_table_holds_the_same_figures_and_links():
    html = render_to_string("dashboard/_chart.html", {"chart": bar()})

    table = ET.fromstring(html[html.index("<table>") : html.index("</table>") + len("</table>")])
    header = ["".join(cell.itertext()) for cell in table.iter("th") if cell.get("scope") == "col"]
    rows = [["".join(cell.itertext()).strip() for cell in row] for row in table.find("tbody")]
    assert header == ["Reason", "Requests"]
    assert rows == [["Damaged", "12"], ["Lost", "3"]]
    assert [anchor.get("href") for anchor in table.iter("a")] == ["/requests/?reason=damaged", "/requests/?a=1&b=2"]
    assert "<details" in html
    assert "Show the figures as a table" in html


def test_labels_read_in_the_active_language():
    with translation.override("zh-hans"):
        chart = bar(data=[Datum(Reason.DAMAGED.label, 4), Datum(Reason.LOST_IN_TRANSIT.label, 2)])
        root = svg_of(chart)

    assert [text for text in texts(root) if not text.isdigit()] == ["商品破损", str(_zh(Reason.LOST_IN_TRANSIT.label))]
    assert all(ord(char) > 0x2E80 for char in texts(root)[0])  # Chinese, measured as wide characters


def _zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


# --- the stacked bar chart ----------------------------------------------------------------------


def stacked(**kwargs) -> charts.Chart:
    defaults = {
        "title": "Review outcome by partner",
        "categories": ["Fast", "Slow"],
        "series": [
            Series("Approved", [5, 2], ["/requests/?p=1&s=a", "/requests/?p=2&s=a"]),
            Series("Rejected", [1, 0], ["/requests/?p=1&s=r", "/requests/?p=2&s=r"]),
            Series("Not reviewed", [2, 3], ["/requests/?p=1&s=n", "/requests/?p=2&s=n"]),
        ],
        "category_label": "Partner",
    }
    return charts.stacked_bar_chart(**{**defaults, **kwargs})


def test_a_stacked_chart_draws_a_segment_per_non_zero_value_and_a_legend():
    root = svg_of(stacked())

    assert root.get("role") == "group"
    assert len(bars(root)) == 5  # 3 + 2: Slow rejected nothing
    swatches = [rect for rect in root.iter(f"{SVG}rect") if "swatch" in rect.get("class", "")]
    assert len(swatches) == 3
    assert ["Approved", "Rejected", "Not reviewed"] == [
        t.text for t in root.iter(f"{SVG}text") if t.get("class") == "legend"
    ]
    assert {"Fast", "Slow", "8", "5"} <= set(texts(root))  # labels and totals
    assert len(links(root)) == 5


def test_a_stacked_chart_keeps_each_series_colour():
    root = svg_of(stacked())

    classes = [rect.get("class") for rect in bars(root)]
    assert classes == ["bar series-0", "bar series-1", "bar series-2", "bar series-0", "bar series-2"]


def test_a_stacked_chart_shows_given_totals_and_their_links_in_the_table():
    chart = stacked(totals=["8 requests", "5 requests"], total_urls=["/requests/?p=1", "/requests/?p=2"])

    assert chart.table.columns == ["Partner", "Approved", "Rejected", "Not reviewed", "Total"]
    assert [cell.text for cell in chart.table.rows[0]] == ["Fast", "5", "1", "2", "8 requests"]
    assert chart.table.rows[1][-1].url == "/requests/?p=2"
    assert "8 requests" in texts(svg_of(chart))


def test_segments_of_a_bar_add_up_to_its_length():
    root = svg_of(stacked())

    fast = [rect for rect in bars(root) if rect.find(f"{SVG}title").text.startswith("Fast")]
    slow = [rect for rect in bars(root) if rect.find(f"{SVG}title").text.startswith("Slow")]
    assert sum(float(rect.get("width")) for rect in fast) == pytest.approx(
        sum(float(rect.get("width")) for rect in slow) * 8 / 5, rel=0.01
    )


# --- the trend chart ----------------------------------------------------------------------------


def trend(count: int, **kwargs) -> charts.Chart:
    points = [Datum(f"05-{day:02d}", day % 4, f"/requests/?day={day}") for day in range(1, count + 1)]
    return charts.trend_chart(title="Requests per day", points=points, value_label="Requests", period_label="Day")


def test_a_trend_has_a_point_per_period_a_line_and_an_area():
    root = svg_of(trend(7))

    assert root.get("role") == "group"
    assert len(list(root.iter(f"{SVG}circle"))) == 7
    paths = {path.get("class"): path.get("d") for path in root.iter(f"{SVG}path")}
    assert paths["trend-line"].count("L") == 6
    assert paths["area"].endswith("Z")
    assert links(root) == [f"/requests/?day={day}" for day in range(1, 8)]


def test_a_trend_labels_at_most_eight_periods_and_ticks_its_axis():
    root = svg_of(trend(30))

    day_labels = [text for text in texts(root) if text.startswith("05-")]
    assert len(day_labels) == 8
    assert day_labels[0] == "05-01"
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"] == ["0", "1", "2", "3"]


def test_a_trend_of_one_point_is_drawn_in_the_middle():
    root = svg_of(trend(1))

    (point,) = root.iter(f"{SVG}circle")
    assert abs(float(point.get("cx")) - float(root.get("width")) / 2) < 20


# --- the distribution ---------------------------------------------------------------------------


def distribution(counts) -> charts.Chart:
    return charts.distribution_chart(
        title="Customer ratings",
        counts=counts,
        urls={rating: f"/requests/?rating={rating}" for rating in counts},
        value_label="Answers",
        score_label="Rating",
    )


def test_a_distribution_always_has_five_bars_from_one_to_five():
    root = svg_of(distribution({5: 10, 4: 3, 1: 1}))

    assert len(bars(root)) == 5
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"] == ["1 ★", "2 ★", "3 ★", "4 ★", "5 ★"]
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"] == ["1", "0", "0", "3", "10"]
    assert links(root) == ["/requests/?rating=5", "/requests/?rating=4", "/requests/?rating=1"][::-1]
    assert root.find(f"{SVG}desc").text == "14 ratings from 1 to 5; the most common is 5 ★."


def test_a_distributions_table_gives_each_share():
    chart = distribution({5: 3, 3: 1})

    assert [[cell.text for cell in row] for row in chart.table.rows] == [
        ["1 ★", "0", "0.0%"],
        ["2 ★", "0", "0.0%"],
        ["3 ★", "1", "25.0%"],
        ["4 ★", "0", "0.0%"],
        ["5 ★", "3", "75.0%"],
    ]


def test_a_distribution_of_no_answers_is_empty():
    assert distribution({}).is_empty


# --- scales and formats -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "top", "step"),
    [
        (0, Decimal(1), Decimal("0.25")),
        (3, Decimal(3), Decimal(1)),
        (6, Decimal(6), Decimal(2)),
        (7, Decimal(8), Decimal(2)),
        (9, Decimal(10), Decimal("2.5")),
        (95, Decimal(100), Decimal(25)),
        (Decimal("1234.50"), Decimal(1500), Decimal(500)),
    ],
)
def test_the_axis_scale_uses_round_steps(maximum, top, step):
    assert nice_scale(maximum) == (top, step)


def test_numbers_money_percentages_and_hours_in_english():
    assert format_number(1234567) == "1,234,567"
    assert format_number(2.456, 1) == "2.5"
    assert format_number(Decimal("0.125"), 2) == "0.13"  # half up, as people round
    assert format_money(Decimal("12345.5"), "CNY") == "¥12,345.50"
    assert format_money(Decimal("9.99"), "USD") == "US$9.99"
    assert format_percent(0.2567) == "25.7%"
    assert format_percent(None) == "—"
    assert format_hours(3.25) == "3.3 h"


def test_numbers_in_chinese_follow_the_chinese_locale():
    with translation.override("zh-hans"):
        assert format_money(Decimal("12345.5"), "CNY") == "¥12345.50"  # Django's zh-Hans: no grouping mark
        assert format_percent(0.5) == "50.0%"


def test_text_is_escaped_in_the_svg():
    root = svg_of(bar(title="<b>Cost</b> & more", data=[Datum('Shop "A" <x>', 2, "/requests/?a=1&b=<2>")]))

    assert root.find(f"{SVG}title").text == "<b>Cost</b> & more"
    assert 'Shop "A" <x>' in texts(root)
    assert links(root) == ["/requests/?a=1&b=<2>"]


def test_the_value_beside_the_longest_bar_stays_inside_the_chart():
    chart = stacked(totals=["59 单中 50.9%", "32 单中 84.4%"])

    for text in chart.texts:
        if text.css_class == "value":
            assert text.x + charts._text_width(text.text) * 1.1 <= chart.width, text


def test_a_trend_axis_uses_the_short_labels_and_keeps_its_ends_inside():
    points = [Datum(f"May {day}", day, tick=f"5/{day}") for day in range(1, 6)]
    root = svg_of(charts.trend_chart(title="Trend", points=points, value_label="Requests", period_label="Day"))

    ticks = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") != "end" or t.text.startswith("5/")]
    labels = [(t.text, t.get("text-anchor")) for t in ticks if t.text.startswith("5/")]
    assert labels == [("5/1", "start"), ("5/2", "middle"), ("5/3", "middle"), ("5/4", "middle"), ("5/5", "end")]
    assert [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")][0] == "May 1: 1"  # the full label on hover
