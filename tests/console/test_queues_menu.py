"""The menu marks the one page you are on, offers the dispatcher the results to review
(待审核), and the follow-up queue shows when the customer was answered and when the follow-up
call is due."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from quarterhour.kit import clock
from workorders.loop_client import LoopApi

Desk = Callable[[str], TestClient]


def _marked(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', html)


def _nav(html: str) -> str:
    return html.split("<nav", 1)[1].split("</nav>", 1)[0]


def test_the_menu_marks_only_the_page_one_is_on(desk: Desk) -> None:
    dispatcher = desk("dispatcher")
    assert _marked(dispatcher.get("/console/orders").text) == ["/console/orders"]
    assert _marked(dispatcher.get("/console/orders?state=replied").text) == [
        "/console/orders?state=replied"
    ]
    review = dispatcher.get("/console/orders?state=returned")
    assert _marked(review.text) == ["/console/orders?state=returned"]
    assert "待审核" in review.text
    # Not a reviewer: no 待审核 entry.
    assert "state=returned" not in _nav(desk("followup").get("/console/orders").text)


def test_the_follow_up_queue_shows_the_reply_and_the_follow_up_deadline(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=clock.SHANGHAI))
    order = loop.new_order("complaint", "replied")
    page = desk("followup").get("/console/orders?state=replied").text
    assert "答复时间" in page and "回访截止" in page
    replied = datetime.fromisoformat(loop.order(order["id"])["replied_at"])
    assert replied.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M") in page
    # Other queues keep their columns.
    assert "答复时间" not in desk("dispatcher").get("/console/orders?state=accepted").text
