"""The live board's map as a pure function: the projection (fitted, north up, a kilometre the same
length both ways), every text escaped, the drawing bounded however large the network, and what
has no coordinates listed instead of drawn."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from quarterhour.entrypoints.web import network_map
from quarterhour.entrypoints.web.network_map import AreaPoint, CrewPoint, OutageRing

WORDS = {
    "title": "供电网络",
    "desc": "说明",
    "supplied": "正常供电",
    "active": "停电中",
    "planned": "今日计划停电",
    "ring": "停电范围",
    "cell_count": "{n}个台区",
    "available": "待命",
    "en_route": "出发",
    "on_site": "到场",
    "off_duty": "下班",
}
SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_the_projection_fits_the_box_north_up_with_the_cosine_correction() -> None:
    points = [(31.80, 117.20), (31.90, 117.40)]
    project = network_map.fit(points, 720, 416)
    (x1, y1), (x2, y2) = (project(*p) for p in points)
    assert x2 > x1 and y2 < y1  # east is right, north is up
    for x, y in ((x1, y1), (x2, y2)):
        assert network_map.MARGIN - 0.1 <= x <= 720 - network_map.MARGIN + 0.1
        assert network_map.MARGIN - 0.1 <= y <= 416 - network_map.MARGIN + 0.1
    # 0.1° of latitude against 0.2° of longitude shrunk by cos(31.85°).
    ratio = (x2 - x1) / (y1 - y2)
    assert math.isclose(ratio, 2 * math.cos(math.radians(31.85)), rel_tol=0.01)
    # One point alone sits in the middle, not blown up to infinity.
    alone = network_map.fit([(31.8, 117.3)], 720, 416)
    assert alone(31.8, 117.3) == (360.0, 208.0)


def test_areas_crews_and_rings_are_drawn_with_a_legend_and_every_text_escaped() -> None:
    areas = [
        AreaPoint("T1", "<script>alert(1)</script>", 31.80, 117.30, "active", "F1"),
        AreaPoint("T2", "二号&台区", 31.81, 117.31, "supplied", "F1"),
        AreaPoint("T3", "三号", 31.82, 117.28, "planned", "F2"),
    ]
    crews = [CrewPoint("BH-1", '"班组"<b>', "en_route", 31.805, 117.305)]
    drawn = network_map.draw(
        areas, crews, [OutageRing("#7 <i>", "active", ["T1"])], words=WORDS | {"title": "a<b"}
    )
    root = _parse(drawn.svg)  # well formed: nothing unescaped broke it
    assert "<script>" not in drawn.svg and "<b>" not in drawn.svg and "<i>" not in drawn.svg
    assert "&lt;script&gt;" in drawn.svg and "二号&amp;台区" in drawn.svg
    assert root.find(f"{SVG}title").text == "a<b"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc") is not None
    assert root.get("role") == "img"
    circles = root.findall(f".//{SVG}circle")
    fills = {c.get("fill") for c in circles}
    assert {network_map.VERMILLION, network_map.BLUE, network_map.GREY} <= fills
    assert len(root.findall(f".//{SVG}polyline")) == 1  # F1 has two areas; F2 only one
    # The crew on its way is a triangle (a path), labelled with its code.
    assert "BH-1" in drawn.svg
    legend = root.find(f".//{SVG}g[@class='legend']")
    assert legend is not None
    assert {"正常供电", "停电中", "今日计划停电", "待命", "出发", "到场", "下班"} <= {
        t.text for t in legend.iter(f"{SVG}text")
    }
    assert "style=" not in drawn.svg  # presentation attributes only (CSP)
    assert not drawn.aggregated and drawn.missing_areas == [] and drawn.missing_crews == []


def test_crew_markers_differ_in_shape_not_only_colour() -> None:
    shapes = {
        status: re.match(r"<(\w+)", network_map.crew_marker(status, 10, 10)).group(1)  # type: ignore[union-attr]
        for status in ("available", "en_route", "on_site")
    }
    assert len(set(shapes.values())) == 3


def test_a_large_network_is_counted_into_a_bounded_grid() -> None:
    areas = [
        AreaPoint(
            f"T{i}",
            f"台区{i}",
            31.7 + (i % 150) * 0.002,
            117.1 + (i // 150) * 0.002,
            "active" if i == 77 else "supplied",
            f"F{i // 10}",
        )
        for i in range(30_000)
    ]
    drawn = network_map.draw(areas, [], [OutageRing("#1", "active", ["T77"])], words=WORDS)
    assert drawn.aggregated
    assert drawn.elements <= network_map.GRID**2 + 1
    assert len(drawn.svg) < 400_000
    root = _parse(drawn.svg)
    assert root.findall(f".//{SVG}polyline") == []  # no feeders over a grid
    assert any(r.get("fill") == network_map.VERMILLION for r in root.iter(f"{SVG}rect"))
    assert "台区" in drawn.svg  # a cell says how many areas it holds


def test_what_has_no_coordinates_is_listed_not_drawn() -> None:
    areas = [
        AreaPoint("T1", "有坐标", 31.8, 117.3, "supplied", "F1"),
        AreaPoint("T2", "停电无坐标", None, None, "active", "F1"),
        AreaPoint("T3", "无坐标", None, None, "supplied", "F1"),
    ]
    crews = [CrewPoint("C1", "一班", "available", None, None)]
    drawn = network_map.draw(areas, crews, [OutageRing("#1", "active", ["T2"])], words=WORDS)
    assert [a.code for a in drawn.missing_areas] == ["T2"]
    assert [c.code for c in drawn.missing_crews] == ["C1"]
    assert drawn.unplaced == 1
    assert "停电无坐标" not in drawn.svg and "C1" not in drawn.svg
    _parse(drawn.svg)
    # Nothing at all to place still makes a picture with its legend.
    empty = network_map.draw([], [], [], words=WORDS)
    assert _parse(empty.svg).find(f".//{SVG}g[@class='legend']") is not None
