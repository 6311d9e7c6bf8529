"""The supervisor's dashboard agrees with the order list: each figure links to the orders it
counted (issue 13: "已超期 0 while three escalated orders were overdue")."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from quarterhour.kit import clock
from workorders.loop_client import LoopApi

Desk = Callable[[str], TestClient]


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=clock.SHANGHAI)


def figures(page: str) -> list[tuple[str, str, int]]:
    """Every linked figure of the page: (name, link, the number shown)."""
    return [
        (name, html.unescape(href), int(count))
        for href, name, count in re.findall(
            r'<a (?:class="figure" )?href="([^"]+)" data-figure="(\w+)" data-count="(\d+)"', page
        )
    ]


def bars(page: str) -> dict[str, tuple[str, int]]:
    """The overdue chart's bars (the wide drawing): department → (link, number)."""
    chart = page.split('id="overdue-chart"', 1)[1].split('class="chart-narrow"', 1)[0]
    return {
        name: (html.unescape(href), int(count))
        for href, name, count in re.findall(
            r'<a href="([^"]+)">.*?<title>([^<:]+): (\d+) [^<]*</title></a>', chart
        )
    }


def listed(browser: TestClient, link: str) -> tuple[set[int], int]:
    """The orders a list page shows (one page is enough here) and the total it states."""
    page = browser.get(link)
    assert page.status_code == 200, page.text
    ids = {int(i) for i in re.findall(r'<td><a href="/console/orders/(\d+)">', page.text)}
    total = re.search(r'class="matched" data-total="(\d+)"', page.text)
    assert total, f"{link} states no total"
    return ids, int(total.group(1))


def test_escalated_orders_past_their_deadline_are_the_overdue_card_bar_and_list(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    # Accepted last month: the dashboard's period (this month so far) holds none of them, and
    # overdue work is still overdue work.
    frozen_clock.set(at("2026-02-27 09:00"))
    late = [loop.intake("complaint", title=f"第{n}次投诉")["id"] for n in range(3)]
    for order_id in late:
        loop.act("dispatcher", order_id, "dispatch")
    closed = loop.intake("complaint", title="已办结")["id"]
    frozen_clock.set(at("2026-03-03 09:30"))  # first contact (24 h) long past
    loop.drive(closed, "complaint", "archived")  # late, but done: not overdue any more
    not_due = loop.intake("complaint", title="刚受理")["id"]
    loop.act("dispatcher", not_due, "dispatch")
    swept = loop.client.post("/api/v1/admin/sweep", headers=loop.headers("supervisor"))
    assert swept.json()["escalated"] == 3
    assert all(loop.order(i)["is_escalated"] for i in late)
    assert loop.order(closed)["is_overdue"] and not loop.order(not_due)["is_overdue"]

    supervisor = desk("supervisor")
    page = supervisor.get("/console/dashboard").text
    card = {name: (link, count) for name, link, count in figures(page)}["overdue_now"]
    assert card[1] == 3
    assert listed(supervisor, card[0]) == (set(late), 3)
    [(department, (link, count))] = bars(page).items()
    assert (department, count) == ("包河区供电营业厅", 3)
    assert listed(supervisor, link) == (set(late), 3)
    # The queue's own overdue box lists the same three; the API's filter is the same condition.
    assert listed(supervisor, "/console/orders?overdue=true")[1] == 3
    api = loop.client.get(
        "/api/v1/orders", params={"overdue": "true"}, headers=loop.headers("dispatcher")
    )
    assert {o["id"] for o in api.json()["items"]} == set(late)


def test_every_figure_on_the_dashboard_lists_as_many_orders_as_it_shows(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))
    satisfied = loop.new_order("complaint", "archived")
    loop.new_order("complaint", "replied")
    dissatisfied = loop.new_order("complaint", "replied")
    loop.act("followup", dissatisfied["id"], "follow_up", outcome="dissatisfied")  # 重办
    loop.new_order("fault_repair", "followed_up")
    loop.new_order("complaint", "dispatched")
    loop.intake("consultation")
    cancelled = loop.intake("complaint", title="重复来电")
    loop.act("dispatcher", cancelled["id"], "cancel", note="重复")
    frozen_clock.set(at("2026-03-04 10:00"))  # the dispatched complaint is now late

    supervisor = desk("supervisor")
    page = supervisor.get("/console/dashboard?start=2026-03-01&end=2026-03-31").text
    found = figures(page)
    names = {name for name, _, _ in found}
    assert names >= {
        "overdue_now",
        "accepted",
        "handled",
        "followed_up",
        "follow_up_due",
        "answered_orders",
        "dissatisfied_orders",
        "on_time",
        "completed",
        "reworked_orders",
    }
    shown = {name: count for name, link, count in found if "order_type=" not in link}
    assert (shown["accepted"], shown["dissatisfied_orders"], shown["reworked_orders"]) == (6, 1, 1)
    assert satisfied["state"] == "archived"
    for name, link, count in found:
        ids, total = listed(supervisor, link)
        assert (len(ids), total) == (count, count), (name, link)
    # Each part of the call mix's columns links to its orders: that type, that day.
    mix = page.split('id="mix-chart"', 1)[1].split('class="chart-narrow"', 1)[0]
    parts = re.findall(r'<a href="([^"]+)"><rect [^>]*><title>([^<]+): (\d+) [^<]*</title>', mix)
    assert {title for _, title, _ in parts} == {"03-02 投诉", "03-02 故障报修", "03-02 咨询"}
    for href, title, count in parts:
        assert listed(supervisor, html.unescape(href))[1] == int(count), title
