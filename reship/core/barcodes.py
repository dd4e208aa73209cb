"""Code 128 barcodes drawn on the server as inline SVG, for packing slips (发货单) and pick lists.

python-barcode encodes the text (start code, code-set switches, checksum, stop); the SVG is drawn
here rather than by its ``SVGWriter``, whose ``style="fill:…"`` attributes the Content-Security-
Policy (no inline style) would drop — leaving a black background rect over the bars. Presentation
attributes (``fill``) are not styles, so these bars print under the policy. Adjacent dark modules
are merged into one ``<rect>``, and the drawing is in module units with a ``viewBox``, so a style
sheet may set any width and the bars keep their proportions.
"""

from __future__ import annotations

from html import escape

import barcode  # type: ignore[import-untyped]  # python-barcode ships no types

QUIET_ZONE = 10  # light modules each side: the minimum a scanner needs to find the start
HEIGHT = 40  # bar height in modules (about 13 mm at 0.33 mm a module)
TEXT_HEIGHT = 14  # room under the bars for the human-readable line
MODULE_MM = 0.33  # a module's width at the drawing's natural size


def code128_modules(text: str) -> str:
    """The bars as a string of modules, "1" dark and "0" light, without quiet zones."""
    return "".join(barcode.get("code128", text).build())


def _bars(modules: str) -> list[tuple[int, int]]:
    """(start, width) of each run of dark modules."""
    bars: list[tuple[int, int]] = []
    start = None
    for index, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = index
        elif module != "1" and start is not None:
            bars.append((start, index - start))
            start = None
    return bars


def code128_svg(text: str, *, human_readable: bool = False, label: str = "") -> str:
    """Inline ``<svg>`` markup of ``text`` as Code 128 (no XML declaration or doctype).

    ``human_readable`` prints the text under the bars; ``label`` is the accessible name (default:
    the text). The natural size is 0.33 mm a module; CSS may scale it (height follows width)."""
    modules = code128_modules(text)
    width = len(modules) + 2 * QUIET_ZONE
    height = HEIGHT + (TEXT_HEIGHT if human_readable else 0)
    name = escape(label or text)
    rects = "".join(
        f'<rect x="{QUIET_ZONE + start}" y="0" width="{run}" height="{HEIGHT}"/>' for start, run in _bars(modules)
    )
    caption = (
        f'<text x="{width / 2:g}" y="{HEIGHT + TEXT_HEIGHT - 3}" text-anchor="middle" '
        f'font-family="monospace" font-size="{TEXT_HEIGHT - 3}" fill="#000">{escape(text)}</text>'
        if human_readable
        else ""
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img" aria-label="{name}" '
        f'viewBox="0 0 {width} {height}" width="{width * MODULE_MM:.2f}mm" height="{height * MODULE_MM:.2f}mm" '
        f'shape-rendering="crispEdges">'
        f"<title>{name}</title>"
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>'
        f'<g fill="#000">{rects}</g>{caption}</svg>'
    )
