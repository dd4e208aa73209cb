"""Charts drawn on the server as SVG: no JavaScript, no chart library, nothing from a CDN.

Python works out the geometry (every bar's box, every point, the axis ticks) and a template draws
it (``templates/dashboard/_chart.html``), so labels are translated and escaped like any page text.
Each chart is an ``<svg role="group">`` with a ``<title>`` and a ``<desc>`` (not an image: its bars
link, and an image may hold no links) whose drawing is aria-hidden, and comes with a data table (in a
``<details>`` under the chart) holding the same figures and the same links to the requests behind them.
Colours come from classes styled in ``static/css/dashboard.css``.

Four kinds: ``bar_chart`` (horizontal bars, one per category), ``stacked_bar_chart`` (horizontal
bars split into series), ``trend_chart`` (a line over an area, one point per period) and
``distribution_chart`` (vertical bars for the ratings 1 to 5).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import count
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

Number = int | float | Decimal
Formatter = Callable[[Any], str]

WIDTH = 480  # a chart in half the page; one across the page is drawn WIDE
WIDE = 960
FONT_SIZE = 13
BAR_HEIGHT = 22
BAR_GAP = 10
LABEL_GAP = 8
MAX_LABEL_SHARE = 0.38  # of the width, for the category labels of horizontal bars
VALUE_GAP = 6  # between a horizontal bar and its value
SERIES_CLASSES = 6  # .series-0 … .series-5 in dashboard.css
MAX_X_LABELS = 8

_ids = count(1)


# --- numbers, money, percentages in the active language -----------------------------------------

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "US$", "EUR": "€"}


def format_number(value: Number | None, decimal_places: int = 0) -> str:
    """Grouped digits in the active locale; an em dash for no value."""
    if value is None:
        return "—"
    # Rounded half up first: Django's number_format cuts a float's digits off instead.
    rounded = _number(value).quantize(Decimal(1).scaleb(-decimal_places), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, decimal_places, use_l10n=True, force_grouping=True)


def format_money(value: Number | None, currency: str = "CNY") -> str:
    if value is None:
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{format_number(abs(_number(value)), 2)}"


def format_percent(ratio: Number | None, decimal_places: int = 1) -> str:
    """``ratio`` is a share (0.25 → 25.0%); an em dash when there is nothing to divide by."""
    if ratio is None:
        return "—"
    return pgettext("percentage", "%(value)s%%") % {"value": format_number(Decimal(str(ratio)) * 100, decimal_places)}


def format_hours(hours: Number | None) -> str:
    if hours is None:
        return "—"
    return _("%(hours)s h") % {"hours": format_number(hours, 1)}


# --- the shapes the template draws ---------------------------------------------------------------


@dataclass(frozen=True)
class Datum:
    """One figure: its category label, value, and the link to the requests behind it."""

    label: str | Promise
    value: Number | None
    url: str = ""
    display: str = ""  # the value as shown; the chart's formatter when empty
    tick: str = ""  # a shorter label for a trend's axis; the label when empty


@dataclass(frozen=True)
class Series:
    """One series of a stacked bar chart: a value (and link) per category."""

    label: str | Promise
    values: Sequence[Number | None]
    urls: Sequence[str] = ()


@dataclass(frozen=True)
class Box:
    """A rectangle with its label, value and link (a bar, or a bar's segment)."""

    x: float
    y: float
    width: float
    height: float
    label: str
    display: str
    url: str = ""
    css_class: str = "series-0"


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"  # SVG text-anchor
    css_class: str = ""
    full_text: str = ""  # when ``text`` was shortened to fit


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css_class: str = "grid"


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    display: str
    url: str = ""


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""


@dataclass(frozen=True)
class Table:
    """The chart's figures as a table: one row per category, the first cell its header."""

    columns: list[str]
    rows: list[list[Cell]]


@dataclass
class Chart:
    kind: str
    title: str
    description: str
    width: int
    height: int
    table: Table
    boxes: list[Box] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    line_path: str = ""
    area_path: str = ""
    legend: list[Box] = field(default_factory=list)
    empty_message: str = ""
    id: str = field(default_factory=lambda: f"chart-{next(_ids)}")

    @property
    def is_empty(self) -> bool:
        return bool(self.empty_message)

    @property
    def is_wide(self) -> bool:
        return self.width > WIDTH

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


# --- building them ------------------------------------------------------------------------------


def bar_chart(
    *,
    title: str | Promise,
    data: Sequence[Datum],
    value_label: str | Promise,
    category_label: str | Promise,
    formatter: Formatter = format_number,
    empty_message: str | Promise = "",
    description: str | Promise = "",
    width: int = WIDTH,
) -> Chart:
    """Horizontal bars, one per datum, longest scale at the largest value; labels on the left."""
    data = list(data)
    displays = [datum.display or formatter(datum.value) for datum in data]
    labels = [str(datum.label) for datum in data]
    table = Table(
        columns=[str(category_label), str(value_label)],
        rows=[
            [Cell(label), Cell(display, datum.url)]
            for label, display, datum in zip(labels, displays, data, strict=True)
        ],
    )
    chart = _chart("bar", title, description, table, empty_message, width, has_data=_any_value(d.value for d in data))
    if chart.is_empty:
        return chart
    label_width = _label_column(labels, width)
    bar_left = label_width + LABEL_GAP
    bar_room = width - bar_left - _value_room(displays)
    top = _max(datum.value for datum in data)
    highest = max(range(len(data)), key=lambda index: _number(data[index].value))
    chart.description = chart.description or _("%(count)s bars; the highest is %(label)s with %(value)s.") % {
        "count": len(data),
        "label": labels[highest],
        "value": displays[highest],
    }
    for index, (label, display, datum) in enumerate(zip(labels, displays, data, strict=True)):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        length = _scaled(datum.value, top, bar_room)
        chart.boxes.append(Box(bar_left, y, length, BAR_HEIGHT, label, display, datum.url, "series-0"))
        chart.texts.append(_label_text(label, label_width, y))
        chart.texts.append(Text(bar_left + length + VALUE_GAP, _middle(y), display, css_class="value"))
    chart.height = BAR_GAP + len(data) * (BAR_HEIGHT + BAR_GAP)
    return chart


def stacked_bar_chart(
    *,
    title: str | Promise,
    categories: Sequence[str | Promise],
    series: Sequence[Series],
    category_label: str | Promise,
    formatter: Formatter = format_number,
    totals: Sequence[str] = (),
    total_urls: Sequence[str] = (),
    empty_message: str | Promise = "",
    description: str | Promise = "",
    width: int = WIDTH,
) -> Chart:
    """Horizontal bars split into segments, one per series, with a legend above them.

    ``totals`` (formatted, one per category) are shown right of each bar; without them the sum of
    the segments is.
    """
    labels = [str(category) for category in categories]
    series = list(series)
    sums = [sum((_number(each.values[index]) for each in series), Decimal(0)) for index in range(len(labels))]
    shown_totals = list(totals) or [formatter(total) for total in sums]
    table = Table(
        columns=[str(category_label), *(str(each.label) for each in series), _("Total")],
        rows=[
            [
                Cell(label),
                *(Cell(formatter(each.values[index]), _at(each.urls, index)) for each in series),
                Cell(shown_totals[index], _at(total_urls, index)),
            ]
            for index, label in enumerate(labels)
        ],
    )
    has_data = _any_value(value for each in series for value in each.values)
    chart = _chart("stacked", title, description, table, empty_message, width, has_data=has_data)
    if chart.is_empty:
        return chart
    chart.description = chart.description or _("%(count)s bars, each split into %(series)s.") % {
        "count": len(labels),
        "series": pgettext("list separator", ", ").join(str(each.label) for each in series),
    }
    legend_height = _legend(chart, [str(each.label) for each in series])
    label_width = _label_column(labels, width)
    bar_left = label_width + LABEL_GAP
    bar_room = width - bar_left - _value_room(shown_totals)
    top = max(sums)
    for index, label in enumerate(labels):
        y = legend_height + BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        x = bar_left
        for number, each in enumerate(series):
            value = each.values[index]
            length = _scaled(value, top, bar_room)
            if length > 0:
                segment = f"{label} · {each.label}"
                css = f"series-{number % SERIES_CLASSES}"
                chart.boxes.append(Box(x, y, length, BAR_HEIGHT, segment, formatter(value), _at(each.urls, index), css))
            x += length
        chart.texts.append(_label_text(label, label_width, y))
        chart.texts.append(Text(x + VALUE_GAP, _middle(y), shown_totals[index], css_class="value"))
    chart.height = legend_height + BAR_GAP + len(labels) * (BAR_HEIGHT + BAR_GAP)
    return chart


def trend_chart(
    *,
    title: str | Promise,
    points: Sequence[Datum],
    value_label: str | Promise,
    period_label: str | Promise,
    formatter: Formatter = format_number,
    empty_message: str | Promise = "",
    description: str | Promise = "",
    height: int = 240,
    width: int = WIDE,
) -> Chart:
    """A line over a shaded area, one point per period (day or week), with a y axis from zero."""
    points = list(points)
    displays = [datum.display or formatter(datum.value) for datum in points]
    labels = [str(datum.label) for datum in points]
    table = Table(
        columns=[str(period_label), str(value_label)],
        rows=[
            [Cell(label), Cell(display, datum.url)]
            for label, display, datum in zip(labels, displays, points, strict=True)
        ],
    )
    has_data = _any_value(datum.value for datum in points)
    chart = _chart("trend", title, description, table, empty_message, width, has_data=has_data)
    if chart.is_empty:
        return chart
    chart.height = height
    highest = max(range(len(points)), key=lambda index: _number(points[index].value))
    chart.description = chart.description or _(
        "%(count)s periods from %(first)s to %(last)s; the highest is %(label)s with %(value)s."
    ) % {
        "count": len(points),
        "first": labels[0],
        "last": labels[-1],
        "label": labels[highest],
        "value": displays[highest],
    }
    top, step = nice_scale(_max(datum.value for datum in points))
    tick_labels = [formatter(step * index) for index in range(int(round(top / step)) + 1)]
    left = max(_text_width(label) for label in tick_labels) + LABEL_GAP + 4
    right, plot_top, bottom = width - 16, 12, height - 30
    plot_height = bottom - plot_top
    for index, tick in enumerate(tick_labels):
        y = _round(bottom - plot_height * float(step * index / top))
        chart.lines.append(Line(left, y, right, y, "grid" if index else "axis"))
        chart.texts.append(Text(left - LABEL_GAP, y + FONT_SIZE * 0.35, tick, anchor="end", css_class="tick"))
    spacing = (right - left) / max(len(points) - 1, 1)
    every = math.ceil(len(points) / MAX_X_LABELS)
    coordinates = []
    for index, (label, display, datum) in enumerate(zip(labels, displays, points, strict=True)):
        x = left + spacing * index if len(points) > 1 else (left + right) / 2
        y = bottom - plot_height * float(_number(datum.value)) / float(top)
        coordinates.append((x, y))
        chart.points.append(Point(_round(x), _round(y), label, display, datum.url))
        if index % every == 0:
            # The first and last labels are kept inside the picture.
            anchor = "start" if index == 0 and len(points) > 1 else "end" if index == len(points) - 1 else "middle"
            tick = datum.tick or label
            chart.texts.append(Text(_round(x), bottom + 18, tick, anchor=anchor, css_class="tick"))
    chart.line_path = "M" + " L".join(f"{_round(x)},{_round(y)}" for x, y in coordinates)
    first_x, last_x = coordinates[0][0], coordinates[-1][0]
    chart.area_path = f"{chart.line_path} L{_round(last_x)},{bottom} L{_round(first_x)},{bottom} Z"
    return chart


def distribution_chart(
    *,
    title: str | Promise,
    counts: Mapping[int, int],
    urls: Mapping[int, str] | None = None,
    value_label: str | Promise,
    score_label: str | Promise,
    empty_message: str | Promise = "",
    description: str | Promise = "",
    height: int = 200,
    width: int = WIDTH,
) -> Chart:
    """Vertical bars for the scores 1 to 5 (all five, zeros included) with each one's count."""
    urls = urls or {}
    scores = [1, 2, 3, 4, 5]
    values = [int(counts.get(score, 0) or 0) for score in scores]
    total = sum(values)
    table = Table(
        columns=[str(score_label), str(value_label), pgettext("proportion", "Share")],
        rows=[
            [
                Cell(_score(score)),
                Cell(format_number(value), urls.get(score, "")),
                Cell(format_percent(value / total if total else None)),
            ]
            for score, value in zip(scores, values, strict=True)
        ],
    )
    chart = _chart("distribution", title, description, table, empty_message, width, has_data=total > 0)
    if chart.is_empty:
        return chart
    chart.height = height
    commonest = scores[values.index(max(values))]
    chart.description = chart.description or _("%(total)s ratings from 1 to 5; the most common is %(score)s.") % {
        "total": format_number(total),
        "score": _score(commonest),
    }
    bottom, plot_top = height - 26, 20
    slot = width / len(scores)
    bar_width = min(slot * 0.6, 72)
    top = max(values)
    for index, (score, value) in enumerate(zip(scores, values, strict=True)):
        center = slot * index + slot / 2
        bar_height = _scaled(value, top, bottom - plot_top)
        y = bottom - bar_height
        display = format_number(value)
        label = _score(score)
        css = f"score-{score}"
        chart.boxes.append(
            Box(_round(center - bar_width / 2), _round(y), _round(bar_width), bar_height, label, display,
                urls.get(score, ""), css)
        )  # fmt: skip
        chart.texts.append(Text(_round(center), _round(y - 6), display, anchor="middle", css_class="value"))
        chart.texts.append(Text(_round(center), bottom + 18, label, anchor="middle", css_class="tick"))
    chart.lines.append(Line(0, bottom, width, bottom, "axis"))
    return chart


def nice_scale(maximum: Number, ticks: int = 4) -> tuple[Decimal, Decimal]:
    """The axis top and step: a round step (1, 2, 2.5 or 5 × 10ⁿ) so ``ticks`` steps reach ``maximum``."""
    maximum = _number(maximum)
    if maximum <= 0:
        return Decimal(1), Decimal("0.25")
    raw = maximum / ticks
    magnitude = Decimal(10) ** math.floor(math.log10(raw))
    for multiple in (1, 2, Decimal("2.5"), 5, 10):
        step = magnitude * multiple
        if step * ticks >= maximum:
            break
    top = step * math.ceil(maximum / step)
    return top, step


# --- helpers ------------------------------------------------------------------------------------


def _chart(
    kind: str,
    title: str | Promise,
    description: str | Promise,
    table: Table,
    empty_message: str | Promise,
    width: int,
    *,
    has_data: bool,
) -> Chart:
    return Chart(
        kind=kind,
        title=str(title),
        description=str(description),
        width=width,
        height=0,
        table=table,
        empty_message="" if has_data else str(empty_message or _("No requests in this period")),
    )


def _legend(chart: Chart, labels: list[str]) -> int:
    """Legend swatches in rows above the bars; returns the height they take."""
    x, y, row = 0.0, 4.0, 18
    for number, label in enumerate(labels):
        width = 14 + 6 + _text_width(label) + 18
        if x + width > chart.width and x > 0:
            x, y = 0.0, y + row
        chart.legend.append(Box(x, y, 14, 14, label, "", "", f"series-{number % SERIES_CLASSES}"))
        chart.texts.append(Text(x + 20, y + 11.5, label, css_class="legend"))
        x += width
    return int(y + row + 4)


def _value_room(displays: Sequence[str]) -> float:
    """Right of the longest bar: room for the widest value (bold, so a little wider) and a margin."""
    return max((_text_width(display) for display in displays), default=0) * 1.1 + VALUE_GAP + 4


def _label_column(labels: list[str], width: int) -> float:
    return min(max((_text_width(label) for label in labels), default=0), width * MAX_LABEL_SHARE)


def _label_text(label: str, room: float, y: float) -> Text:
    shown = _shortened(label, room)
    return Text(room, _middle(y), shown, anchor="end", css_class="label", full_text=label if shown != label else "")


def _text_width(text: str, size: int = FONT_SIZE) -> float:
    """An estimate of the drawn width: Chinese characters are about one em, Latin ones about 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(char) in "WF" else 0.6 for char in text) * size


def _shortened(text: str, room: float) -> str:
    if _text_width(text) <= room:
        return text
    while text and _text_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _number(value: Number | None) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _max(values: Iterable[Number | None]) -> Decimal:
    return max((_number(value) for value in values), default=Decimal(0))


def _any_value(values: Iterable[Number | None]) -> bool:
    return any(_number(value) > 0 for value in values)


def _scaled(value: Number | None, top: Decimal | int, room: float) -> float:
    if not top:
        return 0.0
    return _round(float(_number(value) / top) * room)


def _middle(y: float) -> float:
    return _round(y + BAR_HEIGHT / 2 + FONT_SIZE * 0.35)


def _round(value: float) -> float:
    return round(float(value), 1)


def _at(values: Sequence[str], index: int) -> str:
    return values[index] if index < len(values) else ""


def _score(score: int) -> str:
    return _("%(score)s ★") % {"score": score}
