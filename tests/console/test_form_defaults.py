"""Defaults must not skew the figures: the follow-up outcome is never chosen for the agent, the
reply offers the contact channel's natural way first, and the follow-up script reads as said."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from quarterhour.kit import clock
from workorders.loop_client import LoopApi

Desk = Callable[[str], TestClient]


def _select(page: str, name: str) -> str:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, name
    return found.group(1)


def _selected(options: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"\s+selected', options)


def test_the_reply_offers_the_channels_way_and_the_follow_up_chooses_nothing(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=clock.SHANGHAI))
    reviewed = loop.new_order("complaint", "reviewed")  # taken on the hotline
    page = desk("followup").get(f"/console/orders/{reviewed['id']}").text
    assert _selected(_select(page, "reply_method")) == ["phone"]

    replied = loop.new_order("complaint", "replied")
    page = desk("followup").get(f"/console/orders/{replied['id']}").text
    outcome = _select(page, "outcome")
    assert _selected(outcome) == [""]  # 请选择, which cannot be sent
    assert "请选择" in outcome


def test_the_follow_up_script_reads_as_said(desk: Desk, loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=clock.SHANGHAI))
    order = loop.new_order("complaint", "in_progress")
    # The hall ends its result with a full stop, as people write: the script must not double it.
    loop.act("hall-baohe", order["id"], "return_result", result="已向客户解释并纠正。")
    loop.act("dispatcher", order["id"], "approve")
    loop.act("followup", order["id"], "reply", reply_method="phone")
    script = re.search(
        r'id="follow-up-script">(.*?)<br>',
        desk("followup").get(f"/console/orders/{order['id']}").text,
        re.S,
    )
    assert script
    said = script.group(1)
    assert "2026年3月3日" in said
    assert "。。" not in said and "处理结果是：已向客户解释并纠正。" in said


def _offered(page: str) -> list[tuple[str, bool]]:
    """The action forms of an order's page in their order, and whether each is open."""
    return [
        (action, bool(opened))
        for opened, action in re.findall(
            r'<details class="action" (open)?\s*>.*?name="action" value="([a-z_]+)"', page, re.S
        )
    ]


def test_the_expected_step_comes_first_and_open(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=clock.SHANGHAI))
    repair = loop.new_order("fault_repair", "dispatched")
    offered = _offered(desk("repair-baohe").get(f"/console/orders/{repair['id']}").text)
    assert offered[0] == ("acknowledge", True)  # 接单 before 退单, and open
    assert [a for a, _ in offered].index("decline") > 0
    assert [opened for _, opened in offered].count(True) == 1
    loop.act("repair-baohe", repair["id"], "acknowledge")
    loop.act("repair-baohe", repair["id"], "arrive")
    offered = _offered(desk("repair-baohe").get(f"/console/orders/{repair['id']}").text)
    names = [a for a, _ in offered]
    assert offered[0] == ("restore", True)
    assert "arrive" not in names  # done once for this visit
    if "return_result" in names:
        assert names.index("restore") < names.index("return_result")


def test_work_in_progress_expects_its_result_not_another_call(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=clock.SHANGHAI))
    order = loop.new_order("complaint", "acknowledged")
    offered = _offered(desk("hall-baohe").get(f"/console/orders/{order['id']}").text)
    assert offered[0] == ("contact_customer", True)  # the 24-hour first contact is next
    loop.act("hall-baohe", order["id"], "contact_customer", note="已电话联系")
    offered = _offered(desk("hall-baohe").get(f"/console/orders/{order['id']}").text)
    assert offered[0] == ("return_result", True)  # contacted: the result is what is expected
