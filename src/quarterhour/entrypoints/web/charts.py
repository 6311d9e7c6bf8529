"""Charts as inline SVG, drawn on the server: nothing to load, readable without script, and the
same picture in the screenshot, the browser and a printed page.

Readable for everyone: the Okabe–Ito colours (told apart with the common colour-vision
deficiencies), each series with its own hatching as well and a dark outline (so a pale colour
still stands out from the page, WCAG 1.4.11), axes with a few round ticks (1-2-5 steps, whole
numbers for counts) and their unit, every bar a link to the orders behind it, and a title and
description for screen readers (the page puts a table of the same numbers next to the chart).
A chart is drawn at the width it is shown at (a phone gets its own narrower drawing, see
`responsive`), so its 12-pixel text stays 12 pixels instead of shrinking with the picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# Okabe & Ito (2008), in the order series are given; yellow last, as it is the palest.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
)
OUTLINE = "#1f2933"
GRID = "#d5dbe1"
AXIS = "#5b6670"
FONT = 12
# What overlays each series' colour (white strokes), so that series differ in more than hue.
_HATCHES = (
    "",  # solid
    '<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="#fff" stroke-width="1.4"/>',
    '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',
    '<path d="M-1,5 l2,2 M0,0 l6,6 M5,-1 l2,2" stroke="#fff" stroke-width="1.4"/>',
    '<path d="M0,3 h6" stroke="#fff" stroke-width="1.4"/>',
    '<path d="M0,0 l6,6 M6,0 l-6,6" stroke="#fff" stroke-width="1"/>',
    '<path d="M3,0 v6" stroke="#fff" stroke-width="1.4"/>',
    '<path d="M0,0.5 h6 M0.5,0 v6" stroke="#555" stroke-width="1"/>',
)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    href: str | None = None


@dataclass(frozen=True)
class Column:
    label: str  # under the column (a day, a week's Monday, a month)
    values: Sequence[int]  # one per series
    hrefs: Sequence[str | None] = ()  # one per series: the orders behind each part


def nice_ticks(top: float, *, most: int = 5) -> list[int]:
    """Whole-number ticks from 0 in steps of 1, 2 or 5 × 10^k, at most `most` + 1 of them,
    the last at or above `top`: 0 5 10 15, 0 20 40 60 80, never 0 13 26."""
    if top <= 0:
        return [0, 1]
    step = 1
    while math.ceil(top / step) > most:
        step = _next_step(step)
    count = max(1, math.ceil(top / step))
    return [i * step for i in range(count + 1)]


def _next_step(step: int) -> int:
    """1 → 2 → 5 → 10 → 20 → 50 …"""
    magnitude: int = 10 ** (len(str(step)) - 1)
    leading = step // magnitude
    factor = {1: 2, 2: 5}.get(leading, 10)
    return factor * magnitude


def text_width(text: str, size: int = FONT) -> float:
    """About how wide a label is drawn: Chinese characters are square, Latin about half."""
    return sum(size if ord(c) > 0x2E7F else size * 0.6 for c in text)


def _fit(text: str, room: float) -> str:
    """`text` cut with an ellipsis to fit `room` pixels (the whole label stays in a tooltip)."""
    if text_width(text) <= room:
        return text
    while text and text_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def hbars(
    bars: Sequence[Bar],
    *,
    title: str,
    unit: str,
    width: int = 360,
    colour: str = "#D55E00",
    label_width: int = 124,
) -> Markup:
    """One horizontal bar per row, its value at its end, on an axis of round whole numbers
    (e.g. overdue orders per department); each bar links to its orders."""
    bar_h, gap, top_pad, axis_h = 20, 8, 20, 22
    ticks = nice_ticks(max((b.value for b in bars), default=0), most=4)
    span = width - label_width - 30  # room for the value after the longest bar
    plot_h = max(1, len(bars)) * (bar_h + gap)
    height = top_pad + plot_h + axis_h

    def x(value: float) -> float:
        return label_width + span * value / ticks[-1]

    desc = "; ".join(f"{b.label}: {b.value} {unit}" for b in bars)
    parts = [_svg_open(width, height, title, desc)]
    parts.append(f'<text x="{label_width}" y="12" fill="{AXIS}">{escape(unit)}</text>')
    base = top_pad + plot_h
    for tick in ticks:
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top_pad - 4}" x2="{tx:.1f}" y2="{base}" '
            f'stroke="{GRID}"/>'
            f'<text x="{tx:.1f}" y="{base + 15}" text-anchor="middle" fill="{AXIS}">{tick}</text>'
        )
    for n, bar in enumerate(bars):
        y = top_pad + n * (bar_h + gap) + gap / 2
        w = x(bar.value) - label_width
        label = _fit(bar.label, label_width - 8)
        inner = (
            f'<text x="{label_width - 6}" y="{y + bar_h - 6}" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}" '
            f'stroke="{OUTLINE}" stroke-width="0.6"/>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar_h - 6}" font-weight="bold">'
            f"{bar.value}</text>"
            f"<title>{escape(bar.label)}: {bar.value} {escape(unit)}</title>"
        )
        parts.append(_linked(inner, bar.href))
    parts.append(
        f'<line x1="{label_width}" y1="{top_pad - 4}" x2="{label_width}" y2="{base}" '
        f'stroke="{AXIS}"/></svg>'
    )
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def stacked_columns(
    columns: Sequence[Column],
    series: Sequence[str],
    *,
    title: str,
    unit: str,
    chart_id: str,
    width: int = 640,
    plot_height: int = 160,
    most_labels: int = 8,
) -> Markup:
    """Columns over time, each split by series (e.g. orders per type per day), a legend above
    that wraps to the width, and a y-axis of round whole numbers with its unit."""
    left, right, axis_h = 40, 8, 22
    legend, legend_h = _legend(series, chart_id, width - left - right)
    top_pad = legend_h + 22  # the unit sits above the axis
    height = top_pad + plot_height + axis_h
    ticks = nice_ticks(max((sum(c.values) for c in columns), default=0))
    step = (width - left - right) / max(1, len(columns))
    col_w = max(2.0, min(step * 0.72, 48.0))
    base = top_pad + plot_height

    def y(value: float) -> float:
        return base - plot_height * value / ticks[-1]

    totals = "; ".join(f"{c.label}: {sum(c.values)}" for c in columns)
    parts = [_svg_open(width, height, title, f"{unit}. {totals}"), _patterns(chart_id, series)]
    parts.append(f'<g transform="translate({left},0)">{legend}</g>')
    parts.append(f'<text x="{left - 6}" y="{top_pad - 10}" text-anchor="end" fill="{AXIS}">')
    parts.append(f"{escape(unit)}</text>")
    for tick in ticks:
        ty = y(tick)
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" '
            f'stroke="{GRID if tick else AXIS}"/>'
            f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" fill="{AXIS}">{tick}</text>'
        )
    every = max(1, math.ceil(len(columns) / most_labels))
    for i, column in enumerate(columns):
        cx = left + i * step + (step - col_w) / 2
        bottom = 0
        for n, value in enumerate(column.values):
            if not value:
                continue
            top = y(bottom + value)
            h = y(bottom) - top
            bottom += value
            inner = (
                f'<rect x="{cx:.1f}" y="{top:.1f}" width="{col_w:.1f}" height="{h:.1f}" '
                f'fill="url(#{chart_id}-s{n})" stroke="{OUTLINE}" stroke-width="0.6">'
                f"<title>{escape(column.label)} {escape(series[n])}: {value} {escape(unit)}"
                "</title></rect>"
            )
            href = column.hrefs[n] if n < len(column.hrefs) else None
            parts.append(_linked(inner, href))
        if i % every == 0:
            parts.append(
                f'<text x="{cx + col_w / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                f'fill="{AXIS}">{escape(column.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def responsive(wide: Markup, narrow: Markup) -> Markup:
    """The same chart drawn for a wide page and for a phone; console.css shows one of them."""
    return Markup(  # noqa: S704 - both are our own escaped drawings
        f'<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>'
    )


def _legend(series: Sequence[str], chart_id: str, room: float) -> tuple[str, int]:
    """Swatches with their names, in as many rows as `room` needs; its markup and height."""
    row_h, swatch = 20, 14
    parts, x, row = [], 0.0, 0
    for n, name in enumerate(series):
        item_w = swatch + 5 + text_width(name) + 14
        if x > 0 and x + item_w > room:
            x, row = 0.0, row + 1
        y = 4 + row * row_h
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{swatch}" height="{swatch}" '
            f'fill="url(#{chart_id}-s{n})" stroke="{OUTLINE}" stroke-width="0.6"/>'
            f'<text x="{x + swatch + 5:.1f}" y="{y + 12}">{escape(name)}</text>'
        )
        x += item_w
    return "".join(parts), 4 + (row + 1) * row_h


def _patterns(chart_id: str, series: Sequence[str]) -> str:
    defs = []
    for n in range(len(series)):
        colour = PALETTE[n % len(PALETTE)]
        hatch = _HATCHES[n % len(_HATCHES)]
        defs.append(
            f'<pattern id="{chart_id}-s{n}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{colour}"/>{hatch}</pattern>'
        )
    return f"<defs>{''.join(defs)}</defs>"


def _linked(inner: str, href: str | None) -> str:
    if href is None:
        return f"<g>{inner}</g>"
    return f'<a href="{escape(href)}">{inner}</a>'


def _svg_open(width: int, height: int, title: str, desc: str) -> str:
    # A group, not an image: its bars are links (drill-downs), which an image would hide.
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="group" '
        f'aria-label="{escape(title)}" '
        f'font-size="{FONT}"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
    )


@dataclass(frozen=True)
class Span:
    """One row of a duration chart: the middle value as a bar, a whisker to a high value and
    a mark at the limit it is held to (each optional)."""

    label: str
    middle: float | None
    high: float | None = None
    mark: float | None = None
    href: str | None = None


def spans(
    rows: Sequence[Span],
    *,
    title: str,
    unit: str,
    legend: tuple[str, str, str],
    width: int = 360,
    label_width: int = 124,
) -> Markup:
    """Durations per row (e.g. minutes to arrive per district): a bar to the median, a whisker
    to the 90th percentile and a dashed mark at the commitment, so a row past its mark shows
    at a glance. `legend` names the three (median, P90, commitment); each row links to the
    orders it times."""
    bar_h, gap, axis_h = 16, 12, 22
    top_pad = 40  # the legend and the unit above the plot
    values = [v for r in rows for v in (r.middle, r.high, r.mark) if v is not None]
    ticks = nice_ticks(max(values, default=0), most=4)
    span = width - label_width - 40
    plot_h = max(1, len(rows)) * (bar_h + gap)
    height = top_pad + plot_h + axis_h
    mark_colour = "#D55E00"

    def x(value: float) -> float:
        return label_width + span * value / ticks[-1]

    def said(r: Span) -> str:
        parts = [f"{legend[0]} {_number(r.middle)}"]
        if r.high is not None:
            parts.append(f"{legend[1]} {_number(r.high)}")
        if r.mark is not None:
            parts.append(f"{legend[2]} {_number(r.mark)}")
        return f"{r.label}: {', '.join(parts)} {unit}"

    desc = "; ".join(said(r) for r in rows)
    parts = [_svg_open(width, height, title, desc)]
    # Legend: a swatch, a whisker and a dashed mark with their names.
    parts.append(
        f'<rect x="0" y="2" width="12" height="10" fill="{PALETTE[0]}" stroke="{OUTLINE}" '
        f'stroke-width="0.6"/><text x="16" y="11">{escape(legend[0])}</text>'
    )
    lx = 16 + text_width(legend[0]) + 14
    parts.append(
        f'<line x1="{lx:.1f}" y1="7" x2="{lx + 16:.1f}" y2="7" stroke="{OUTLINE}" '
        f'stroke-width="2"/><text x="{lx + 20:.1f}" y="11">{escape(legend[1])}</text>'
    )
    mx = lx + 20 + text_width(legend[1]) + 14
    parts.append(
        f'<line x1="{mx:.1f}" y1="0" x2="{mx:.1f}" y2="14" stroke="{mark_colour}" '
        f'stroke-width="2" stroke-dasharray="3,2"/>'
        f'<text x="{mx + 5:.1f}" y="11">{escape(legend[2])}</text>'
    )
    parts.append(f'<text x="{label_width}" y="{top_pad - 8}" fill="{AXIS}">{escape(unit)}</text>')
    base = top_pad + plot_h
    for tick in ticks:
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top_pad - 4}" x2="{tx:.1f}" y2="{base}" stroke="{GRID}"/>'
            f'<text x="{tx:.1f}" y="{base + 15}" text-anchor="middle" fill="{AXIS}">{tick}</text>'
        )
    for n, row in enumerate(rows):
        y = top_pad + n * (bar_h + gap) + gap / 2
        mid = y + bar_h / 2
        inner = [
            f'<text x="{label_width - 6}" y="{y + bar_h - 3}" text-anchor="end">'
            f"{escape(_fit(row.label, label_width - 8))}</text>"
        ]
        end: float = label_width
        if row.middle is not None:
            end = x(row.middle)
            inner.append(
                f'<rect x="{label_width}" y="{y}" width="{end - label_width:.1f}" '
                f'height="{bar_h}" fill="{PALETTE[0]}" stroke="{OUTLINE}" stroke-width="0.6"/>'
            )
        if row.high is not None and row.middle is not None and row.high > row.middle:
            hx = x(row.high)
            inner.append(
                f'<line x1="{end:.1f}" y1="{mid:.1f}" x2="{hx:.1f}" y2="{mid:.1f}" '
                f'stroke="{OUTLINE}" stroke-width="2"/>'
                f'<line x1="{hx:.1f}" y1="{y + 3}" x2="{hx:.1f}" y2="{y + bar_h - 3}" '
                f'stroke="{OUTLINE}" stroke-width="2"/>'
            )
            end = hx
        if row.mark is not None:
            kx = x(row.mark)
            inner.append(
                f'<line x1="{kx:.1f}" y1="{y - 3}" x2="{kx:.1f}" y2="{y + bar_h + 3}" '
                f'stroke="{mark_colour}" stroke-width="2" stroke-dasharray="3,2"/>'
            )
        inner.append(
            f'<text x="{end + 4:.1f}" y="{y + bar_h - 3}" font-weight="bold">'
            f"{_number(row.middle)}</text><title>{escape(said(row))}</title>"
        )
        parts.append(_linked("".join(inner), row.href))
    parts.append(
        f'<line x1="{label_width}" y1="{top_pad - 4}" x2="{label_width}" y2="{base}" '
        f'stroke="{AXIS}"/></svg>'
    )
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"
