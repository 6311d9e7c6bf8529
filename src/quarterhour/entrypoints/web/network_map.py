"""The dispatcher's map, drawn on the server as inline SVG: no tile server, no script, nothing
fetched from anywhere — the transformer areas (台区) as dots, the feeders as thin lines through
them, the outages circled, the crews at their last known position.

A pure function from data to an SVG string (`draw`), so it is tested without a database or a
browser. The projection is equirectangular, fitted to the bounding box of what is shown, with
the longitudes shrunk by cos(latitude) so a kilometre east is as long as a kilometre north at a
city's scale. The drawing stays bounded whatever the network: past `MAX_AREAS` transformer areas
they are counted into a grid of at most `GRID` × `GRID` cells (and the feeders left out), since
one element per area — let alone per premises — would make a page of megabytes. Every text is
escaped here; the page passes words, never markup.

Told apart by more than colour (WCAG 1.4.1): an area's state by colour and size, a crew's
status by the marker's shape, an outage by a dashed ring (planned) or a solid one (active).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Literal

AreaState = Literal["supplied", "active", "planned"]

# Okabe & Ito (2008), as in charts.py; grey for what is simply supplied, so the outages stand out.
VERMILLION = "#D55E00"
BLUE = "#0072B2"
GREY = "#8a949e"
INK = "#1f2933"
FEEDER = "#b8c0c8"
COLOURS: dict[AreaState, str] = {"supplied": GREY, "active": VERMILLION, "planned": BLUE}
RADIUS: dict[AreaState, float] = {"supplied": 3.0, "active": 5.0, "planned": 4.5}
# Worst first: a grid cell takes the colour of its worst area.
SEVERITY: dict[AreaState, int] = {"supplied": 0, "planned": 1, "active": 2}

WIDTH, HEIGHT = 720, 480
MARGIN = 28  # room for the labels at the edge
LEGEND_HEIGHT = 64
MAX_AREAS = 2000  # one dot each up to here; above, the grid
GRID = 40
# The smallest span drawn, in degrees (about 1 km): one point alone is not blown up to the page.
MIN_SPAN = 0.01
FONT = 11


@dataclass(frozen=True)
class AreaPoint:
    code: str
    name: str
    latitude: float | None
    longitude: float | None
    state: AreaState = "supplied"
    feeder: str | None = None


@dataclass(frozen=True)
class CrewPoint:
    code: str
    name: str
    status: str  # crews.models.CrewStatus
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class OutageRing:
    label: str  # what the ring says (#12)
    state: AreaState  # active or planned
    areas: Sequence[str]  # codes of the transformer areas it covers


@dataclass(frozen=True)
class Drawn:
    svg: str
    aggregated: bool  # the areas were counted into grid cells
    elements: int  # the drawn marks (dots or cells, lines, rings, crews): bounded
    missing_areas: list[AreaPoint] = field(default_factory=list)  # in an outage, no coordinates
    missing_crews: list[CrewPoint] = field(default_factory=list)  # no position known
    unplaced: int = 0  # supplied areas without coordinates, only counted


@dataclass(frozen=True)
class Projection:
    """Degrees to the drawing's pixels: x east, y down."""

    west: float
    north: float
    scale: float  # pixels per degree of latitude
    shrink: float  # cos(mid-latitude)
    left: float
    top: float

    def __call__(self, latitude: float, longitude: float) -> tuple[float, float]:
        x = self.left + (longitude - self.west) * self.shrink * self.scale
        y = self.top + (self.north - latitude) * self.scale
        return round(x, 1), round(y, 1)


def fit(points: Sequence[tuple[float, float]], width: float, height: float) -> Projection:
    """The projection that fits `points` (latitude, longitude) inside width × height less the
    margin, centred, one scale for both axes."""
    if not points:
        return Projection(0.0, 0.0, 1.0, 1.0, width / 2, height / 2)
    south = min(p[0] for p in points)
    north = max(p[0] for p in points)
    west = min(p[1] for p in points)
    east = max(p[1] for p in points)
    shrink = math.cos(math.radians((south + north) / 2))
    lat_span = max(north - south, MIN_SPAN)
    lon_span = max((east - west) * shrink, MIN_SPAN)
    usable_w, usable_h = width - 2 * MARGIN, height - 2 * MARGIN
    scale = min(usable_w / lon_span, usable_h / lat_span)
    # Centre the box: the spare room on each side of whichever axis is not the tight one.
    left = MARGIN + (usable_w - (east - west) * shrink * scale) / 2
    top = MARGIN + (usable_h - (north - south) * scale) / 2
    return Projection(west, north, scale, shrink, left, top)


def _position(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    return None if lat is None or lon is None else (float(lat), float(lon))


def _placed(lat: float | None, lon: float | None) -> bool:
    return _position(lat, lon) is not None


def _text(
    x: float, y: float, words: str, *, anchor: str = "start", size: int = FONT, halo: bool = False
) -> str:
    # A label over the map gets a white outline, so a feeder's line under it does not cross it.
    outline = ' stroke="#fff" stroke-width="3" paint-order="stroke"' if halo else ""
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" fill="{INK}" text-anchor="{anchor}"{outline}>'
        f"{escape(words)}</text>"
    )


def crew_marker(status: str, x: float, y: float) -> str:
    """A crew's marker: its shape says its status (circle standby, triangle on the way, square
    on site, hollow diamond off duty)."""
    common = f'stroke="{INK}" stroke-width="1.5"'
    if status == "en_route":
        return f'<path d="M{x},{y - 7} L{x + 7},{y + 5} L{x - 7},{y + 5} Z" fill="#fff" {common}/>'
    if status == "on_site":
        return f'<rect x="{x - 6}" y="{y - 6}" width="12" height="12" fill="#fff" {common}/>'
    if status == "off_duty":
        return f'<path d="M{x},{y - 7} L{x + 7},{y} L{x},{y + 7} L{x - 7},{y} Z" fill="none" {common}/>'
    return f'<circle cx="{x}" cy="{y}" r="6" fill="#fff" {common}/>'


def _path(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A feeder's areas in a stable order that reads like a line: from the westernmost, each
    time the nearest not yet visited (a file's code order zigzags across the map)."""
    if not points:
        return []
    rest = sorted(points)
    path = [rest.pop(0)]
    while rest:
        x, y = path[-1]
        nearest = min(range(len(rest)), key=lambda i: (rest[i][0] - x) ** 2 + (rest[i][1] - y) ** 2)
        path.append(rest.pop(nearest))
    return path


def draw(
    areas: Sequence[AreaPoint],
    crews: Sequence[CrewPoint],
    outages: Sequence[OutageRing],
    *,
    words: Mapping[str, str],
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Drawn:
    """The map. `words` holds the page's language: title, desc, the legend's entries
    (supplied, active, planned, cell, the four crew statuses), and `cell_count` with {n}."""
    area_spots = [(a, p) for a in areas if (p := _position(a.latitude, a.longitude))]
    crew_spots = [(c, p) for c in crews if (p := _position(c.latitude, c.longitude))]
    placed_areas = [a for a, _ in area_spots]
    map_height = height - LEGEND_HEIGHT
    project = fit([p for _, p in area_spots] + [p for _, p in crew_spots], width, map_height)
    at = {a.code: project(*p) for a, p in area_spots}
    parts: list[str] = []
    elements = 0
    aggregated = len(placed_areas) > MAX_AREAS
    if aggregated:
        body, elements = _cells(placed_areas, at, width, map_height, words)
        parts.extend(body)
    else:
        lines: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for a in placed_areas:
            if a.feeder is not None:
                lines[a.feeder].append(at[a.code])
        for feeder in sorted(lines):
            path = _path(lines[feeder])
            if len(path) > 1:
                d = " ".join(f"{x},{y}" for x, y in path)
                parts.append(
                    f'<polyline points="{d}" fill="none" stroke="{FEEDER}" stroke-width="1"/>'
                )
                elements += 1
        # Supplied first, so the areas that are out are drawn over them.
        for a in sorted(placed_areas, key=lambda a: SEVERITY[a.state]):
            x, y = at[a.code]
            parts.append(
                f'<circle cx="{x}" cy="{y}" r="{RADIUS[a.state]}" fill="{COLOURS[a.state]}"'
                f' stroke="{INK}" stroke-width="0.5"><title>{escape(a.code)} {escape(a.name)}'
                "</title></circle>"
            )
            elements += 1
    for ring in outages:
        spots = [at[code] for code in ring.areas if code in at]
        if not spots:
            continue
        cx = round(sum(x for x, _ in spots) / len(spots), 1)
        cy = round(sum(y for _, y in spots) / len(spots), 1)
        r = round(max(math.hypot(x - cx, y - cy) for x, y in spots) + 12, 1)
        dash = ' stroke-dasharray="6 4"' if ring.state == "planned" else ""
        parts.append(
            f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{COLOURS[ring.state]}"'
            f' stroke-width="2"{dash}/>'
        )
        parts.append(_text(cx, round(cy - r - 4, 1), ring.label, anchor="middle", halo=True))
        elements += 1
    for c, p in crew_spots:
        x, y = project(*p)
        parts.append(
            f"<g>{crew_marker(c.status, x, y)}<title>{escape(c.code)} {escape(c.name)}</title>"
            f"</g>{_text(round(x + 9, 1), round(y + 4, 1), c.code, halo=True)}"
        )
        elements += 1
    legend = _legend(words, map_height, aggregated)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" class="network-map"'
        ' aria-labelledby="map-title map-desc">'
        f'<title id="map-title">{escape(words["title"])}</title>'
        f'<desc id="map-desc">{escape(words["desc"])}</desc>'
        f'<rect x="0" y="0" width="{width}" height="{map_height}" fill="#fbfcfd"'
        f' stroke="{FEEDER}"/>' + "".join(parts) + legend + "</svg>"
    )
    return Drawn(
        svg,
        aggregated,
        elements,
        missing_areas=[
            a for a in areas if a.state != "supplied" and not _placed(a.latitude, a.longitude)
        ],
        missing_crews=[c for c in crews if not _placed(c.latitude, c.longitude)],
        unplaced=sum(
            1 for a in areas if a.state == "supplied" and not _placed(a.latitude, a.longitude)
        ),
    )


def _cells(
    areas: Sequence[AreaPoint],
    at: Mapping[str, tuple[float, float]],
    width: int,
    height: int,
    words: Mapping[str, str],
) -> tuple[list[str], int]:
    """The areas counted into at most GRID × GRID squares, each as dark as its worst area."""
    size_w, size_h = width / GRID, height / GRID
    count: dict[tuple[int, int], int] = defaultdict(int)
    worst: dict[tuple[int, int], AreaState] = {}
    for a in areas:
        x, y = at[a.code]
        cell = (min(GRID - 1, max(0, int(x // size_w))), min(GRID - 1, max(0, int(y // size_h))))
        count[cell] += 1
        if SEVERITY[a.state] >= SEVERITY[worst.get(cell, "supplied")]:
            worst[cell] = a.state
    parts = []
    for (i, j), n in sorted(count.items()):
        state = worst[(i, j)]
        parts.append(
            f'<rect x="{round(i * size_w, 1)}" y="{round(j * size_h, 1)}"'
            f' width="{round(size_w, 1)}" height="{round(size_h, 1)}" fill="{COLOURS[state]}"'
            f' fill-opacity="{0.45 if state == "supplied" else 0.9}" stroke="{INK}"'
            f' stroke-width="0.3"><title>{escape(words["cell_count"].format(n=n))}</title></rect>'
        )
    return parts, len(parts)


def _legend(words: Mapping[str, str], top: int, aggregated: bool) -> str:
    y1, y2 = top + 20, top + 46
    items: list[str] = []
    x = 10.0
    states: tuple[AreaState, ...] = ("supplied", "active", "planned")
    for state in states:
        if aggregated:
            mark = f'<rect x="{x}" y="{y1 - 6}" width="12" height="12" fill="{COLOURS[state]}"/>'
        else:
            mark = (
                f'<circle cx="{x + 6}" cy="{y1}" r="{RADIUS[state]}" fill="{COLOURS[state]}"'
                f' stroke="{INK}" stroke-width="0.5"/>'
            )
        items.append(mark + _text(x + 18, y1 + 4, words[state]))
        x += 150
    items.append(
        f'<circle cx="{x + 6}" cy="{y1}" r="7" fill="none" stroke="{VERMILLION}" stroke-width="2"/>'
        + _text(x + 18, y1 + 4, words["ring"])
    )
    x = 10.0
    for status in ("available", "en_route", "on_site", "off_duty"):
        items.append(crew_marker(status, x + 6, y2) + _text(x + 18, y2 + 4, words[status]))
        x += 150
    return f'<g class="legend">{"".join(items)}</g>'
