"""The dashboard's charts: round ticks, told apart without colour, described in text."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from quarterhour.entrypoints.web import charts


@pytest.mark.parametrize(
    ("top", "ticks"),
    [
        (0, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (13, [0, 5, 10, 15]),
        (99, [0, 20, 40, 60, 80, 100]),
        (101, [0, 50, 100, 150]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_ticks_are_whole_steps_of_one_two_or_five(top: int, ticks: list[int]) -> None:
    assert charts.nice_ticks(top) == ticks


def test_ticks_never_crowd_and_always_cover_the_top() -> None:
    for top in range(1, 3000, 7):
        ticks = charts.nice_ticks(top)
        step = ticks[1]
        assert 2 <= len(ticks) <= 6 and ticks[-1] >= top > ticks[-2]
        assert int(str(step)[0]) in (1, 2, 5) and set(str(step)[1:]) <= {"0"}


def test_stacked_columns_tell_series_apart_and_say_what_they_show() -> None:
    columns = [
        charts.Column("03-02", [12, 3, 0], ["/a", "/b", "/c"]),
        charts.Column("03-03", [4, 0, 9], ["/d", "/e", "/f"]),
    ]
    svg = str(
        charts.stacked_columns(
            columns, ["投诉", "故障报修", "咨询"], title="来电构成", unit="单", chart_id="t"
        )
    )
    assert "<title>来电构成</title>" in svg and "<desc>单. 03-02: 15; 03-03: 13</desc>" in svg
    # Each series its own colour and its own hatching (or none), in the legend and the parts.
    patterns = re.findall(
        r'<pattern id="t-s\d"[^>]*><rect [^>]*fill="(#\w+)"/>(.*?)</pattern>', svg
    )
    assert len({colour for colour, _ in patterns}) == 3
    assert len({hatch for _, hatch in patterns}) == 3
    # The y-axis: 0 5 10 15, its unit above it, labels far enough apart to read.
    labels = re.findall(r'<text x="34" y="([\d.]+)" text-anchor="end" [^>]*>(\d+)</text>', svg)
    assert [int(v) for _, v in labels] == [0, 5, 10, 15]
    ys = sorted(float(y) for y, _ in labels)
    assert min(b - a for a, b in pairwise(ys)) >= 24
    assert '<a href="/a"><rect' in svg and '<a href="/b">' in svg and '"/c"' not in svg


def test_bars_link_to_their_orders_and_shorten_long_names() -> None:
    svg = str(
        charts.hbars(
            [charts.Bar("包河区供电公司营销部客户服务中心", 3, "/console/orders?x=1")],
            title="超期",
            unit="单",
        )
    )
    assert '<a href="/console/orders?x=1">' in svg
    assert "…</text>" in svg and "<title>包河区供电公司营销部客户服务中心: 3 单</title>" in svg


def test_a_duration_chart_marks_the_commitment_and_says_every_number() -> None:
    rows = [
        charts.Span("城区", 45.0, 50.0, 45.0, "/console/orders?area_class=urban"),
        charts.Span("<农村>", 80.0, 100.0, 90.0),
        charts.Span("包河区", None),
    ]
    svg = str(
        charts.spans(rows, title="到达现场时间", unit="分钟", legend=("中位数", "P90", "承诺时限"))
    )
    # A round axis from 0 past the longest whisker, in the unit named.
    assert re.findall(r'fill="#5b6670">(\d+)</text>', svg) == ["0", "50", "100"]
    assert "分钟" in svg
    # The commitment is a dashed mark per row that has one, and the legend's.
    assert svg.count('stroke-dasharray="3,2"') == 3
    assert 'href="/console/orders?area_class=urban"' in svg
    assert "&lt;农村&gt;" in svg and "<农村>" not in svg
    assert "城区: 中位数 45, P90 50, 承诺时限 45 分钟" in svg
    assert "包河区: 中位数 — 分钟" in svg
