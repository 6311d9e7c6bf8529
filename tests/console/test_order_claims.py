"""The order page: a claimed time shown next to when it was entered, a late claim flagged, and
exactly the actions that would succeed offered as forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.conftest import csrf_of
from quarterhour.kit import clock
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]
ACCEPTED = datetime(2026, 3, 3, 1, 0, tzinfo=clock.SHANGHAI)


def offered(page: str) -> list[str]:
    return re.findall(r'name="action" value="([a-z_]+)"', page)


def test_a_crew_enters_its_arrival_late_and_the_page_says_so(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(ACCEPTED)
    order_id = loop.intake("fault_repair")["id"]
    frozen_clock.advance(minutes=3)
    loop.act("dispatcher", order_id, "dispatch", crew="包河抢修一班")
    loop.act("repair-baohe", order_id, "acknowledge")
    crew = desk("repair-baohe")
    page = crew.get(f"/console/orders/{order_id}")
    assert offered(page.text) == ["arrive", "contact_customer", "record_progress", "comment"]

    frozen_clock.set(ACCEPTED + timedelta(hours=2))
    posted = crew.post(
        f"/console/orders/{order_id}/act",
        data={"csrf": csrf_of(page.text), "action": "arrive", "at": "2026-03-03T01:40"},
    )
    assert posted.status_code == 303, posted.text
    page = crew.get(f"/console/orders/{order_id}")
    assert "所报时间 2026-03-03 01:40" in page.text
    assert "补录超过 30 分钟，时限按录入时间计" in page.text
    # Arrived: no second arrival offered, restoration is; the page offers what the API allows.
    assert offered(page.text) == ["restore", "contact_customer", "record_progress", "comment"]
    assert offered(page.text) == loop.order(order_id, by="repair-baohe")["allowed_actions"]

    # A restoration claimed before the arrival is refused on the page, naming the field's problem.
    refused = crew.post(
        f"/console/orders/{order_id}/act",
        data={"csrf": csrf_of(page.text), "action": "restore", "at": "2026-03-03T01:20"},
    )
    assert refused.status_code == 422
    assert "恢复送电不能早于到达现场" in refused.text
    assert 'aria-describedby="error-restore-at"' in refused.text


def test_the_desk_offers_complaint_classes_and_connection_classes(desk: Desk) -> None:
    page = desk("agent").get("/console/desk")
    assert page.status_code == 200
    assert '<optgroup label="投诉">' in page.text
    for code, label in (
        ("power_quality", "供电质量投诉"),
        ("billing", "营业投诉·电费电价"),
        ("metering", "营业投诉·电能计量"),
        ("new_connection_hv_dual", "高压双电源报装"),
    ):
        assert f'<option value="{code}" >{label}</option>' in page.text
    # Within a class, the matters chosen by name follow it.
    complaints = page.text.index('<option value="business" >')
    assert complaints < page.text.index('<option value="billing" >')
    assert page.text.index('<option value="metering" >') < page.text.index('value="outage"')


def test_a_connection_waiting_for_the_customer_shows_it(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(ACCEPTED.replace(hour=9))
    order_id = loop.intake("service_request", subtype="new_connection")["id"]
    loop.act("dispatcher", order_id, "dispatch")
    loop.act("hall-baohe", order_id, "acknowledge")
    hall = desk("hall-baohe")
    page = hall.get(f"/console/orders/{order_id}")
    assert "pause" in offered(page.text)
    posted = hall.post(
        f"/console/orders/{order_id}/act",
        data={"csrf": csrf_of(page.text), "action": "pause", "note": "等待客户提供房产证明"},
    )
    assert posted.status_code == 303, posted.text
    page = hall.get(f"/console/orders/{order_id}")
    assert 'id="paused"' in page.text and "等待客户办理，计时暂停自" in page.text
    # Returning the work ends the customer's stage too, so it stays offered.
    assert offered(page.text) == [
        "resume",
        "contact_customer",
        "return_result",
        "record_progress",
        "comment",
    ]
