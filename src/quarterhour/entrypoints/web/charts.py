"""Charts as inline SVG, drawn on the server: nothing to load, readable without script, and the
same picture in the screenshot, the browser and a printed page."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

# Colour-blind-safe (Okabe–Ito), in the order the series are given.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)


def hbars(rows: Sequence[tuple[str, int]], *, width: int = 360, colour: str = "#D55E00") -> Markup:
    """One horizontal bar per row, its value at its end (e.g. overdue orders per department)."""
    bar_h, gap, label_w = 18, 6, 120
    height = max(1, len(rows)) * (bar_h + gap) + gap
    top = max((v for _, v in rows), default=0) or 1
    span = width - label_w - 50
    parts = [_svg_open(width, height)]
    for n, (label, value) in enumerate(rows):
        y = gap + n * (bar_h + gap)
        w = round(span * value / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 5}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{colour}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text x="{label_w + w + 4}" y="{y + bar_h - 5}">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def stacked_columns(
    buckets: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[str],
    *,
    width: int = 640,
    height: int = 220,
) -> Markup:
    """Columns over time, each split by series (e.g. orders per type per week), with a legend."""
    legend_h, axis_h, left = 22, 20, 34
    plot_h = height - legend_h - axis_h
    top = max((sum(values) for _, values in buckets), default=0) or 1
    step = (width - left - 16) / max(1, len(buckets))  # room for the last label
    col_w = max(2.0, step * 0.7)
    parts = [_svg_open(width, height)]
    x = left
    for n, name in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="4" width="10" height="10" fill="{colour}"></rect>'
            f'<text x="{x + 14}" y="13">{escape(name)}</text>'
        )
        x += 14 + 13 * len(name) + 16
    base = legend_h + plot_h
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#8a96a3"></line>'
        f'<text x="{left - 4}" y="{legend_h + 10}" text-anchor="end">{top}</text>'
        f'<text x="{left - 4}" y="{base}" text-anchor="end">0</text>'
    )
    every = max(1, len(buckets) // 8)  # at most about eight labels under the columns
    for i, (label, values) in enumerate(buckets):
        cx = left + i * step + (step - col_w) / 2
        y = float(base)
        for n, value in enumerate(values):
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(
                f'<rect x="{cx:.1f}" y="{y:.1f}" width="{col_w:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(label)} '
                f"{escape(series[n])}: {value}</title></rect>"
            )
        if i % every == 0:
            parts.append(
                f'<text x="{cx + col_w / 2:.1f}" y="{height - 4}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def _svg_open(width: int, height: int) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" font-size="12">'
    )
