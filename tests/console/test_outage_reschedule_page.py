"""改期 and 更新预计复电时间 on an outage's page: offered in the states the lifecycle allows them,
done with the reason kept in the history, and refused beside the field in Chinese (the 7-day
notice rule beside the new start)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from console.conftest import csrf_of
from console.refused import next_to, summary
from outages.outage_network import load_network
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]


@pytest.fixture
def dispatcher(desk: Desk, session: Session, org: Organisation, frozen_clock: Any) -> TestClient:
    load_network(session, org)
    return desk("dispatcher")


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _declare(c: TestClient, kind: str, starts: datetime, hours: int = 8) -> int:
    board = c.get("/console/outages")
    response = c.post(
        "/console/outages",
        data={
            "csrf": csrf_of(board.text),
            "kind": kind,
            "cause": "10kV徽州线检修",
            "area": "徽州大道",
            "starts_at": _minute(starts),
            "expected_restoration_at": _minute(starts + timedelta(hours=hours)),
            "feeders": "BH-10-01",
        },
    )
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/console/outages/(\d+)\?done=declare", response.headers["location"])
    assert found
    return int(found.group(1))


def _step(c: TestClient, outage_id: int, action: str, **fields: str) -> Any:
    page = c.get(f"/console/outages/{outage_id}")
    return c.post(
        f"/console/outages/{outage_id}/{action}", data={"csrf": csrf_of(page.text), **fields}
    )


def _offered(page: str) -> list[str]:
    return re.findall(r'<details class="action" id="step-(\w+)"', page)


def test_a_planned_outage_is_rescheduled_with_its_reason(dispatcher: TestClient) -> None:
    now = clock.now()
    outage_id = _declare(dispatcher, "planned", now + timedelta(days=9))
    page = dispatcher.get(f"/console/outages/{outage_id}").text
    assert _offered(page) == ["publish", "reschedule", "cancel"]
    assert "新的开始时间" in page and "改期原因（可选）" in page

    later = now + timedelta(days=12)
    moved = _step(
        dispatcher,
        outage_id,
        "reschedule",
        starts_at=_minute(later),
        expected_restoration_at=_minute(later + timedelta(hours=6)),
        reason="配合市政施工",
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/console/outages/{outage_id}?done=reschedule"
    shown = dispatcher.get(moved.headers["location"]).text
    assert "已改期。" in shown
    assert "2026-12-09 09:00" in shown and "2026-12-09 15:00" in shown
    assert "2026-12-06 09:00 → 2026-12-09 09:00: 配合市政施工" in shown  # the history keeps why

    # Announced, the times are what customers were told: no more rescheduling.
    assert _step(dispatcher, outage_id, "publish", text="").status_code == 303
    announced = dispatcher.get(f"/console/outages/{outage_id}").text
    assert "reschedule" not in _offered(announced)
    late = _step(
        dispatcher,
        outage_id,
        "reschedule",
        starts_at=_minute(later),
        expected_restoration_at=_minute(later + timedelta(hours=6)),
        reason="",
    )
    assert late.status_code == 409
    assert "不能改期" in summary(late.text)


def test_a_reschedule_is_refused_beside_its_field(dispatcher: TestClient) -> None:
    now = clock.now()
    outage_id = _declare(dispatcher, "planned", now + timedelta(days=9))
    soon = now + timedelta(days=3)
    early = _step(
        dispatcher,
        outage_id,
        "reschedule",
        starts_at=_minute(soon),
        expected_restoration_at=_minute(soon + timedelta(hours=4)),
        reason="提前",
    )
    assert early.status_code == 422
    assert next_to(early.text, "starts_at").startswith("计划停电须至少提前7天公告")
    assert f'value="{_minute(soon)}"' in early.text and "提前</textarea>" in early.text
    assert 'id="step-reschedule" open' in early.text

    later = now + timedelta(days=10)
    backwards = _step(
        dispatcher,
        outage_id,
        "reschedule",
        starts_at=_minute(later),
        expected_restoration_at=_minute(later - timedelta(hours=1)),
        reason="",
    )
    assert backwards.status_code == 422
    assert next_to(backwards.text, "expected_restoration_at") == "预计复电时间须晚于停电开始时间"
    empty = _step(
        dispatcher, outage_id, "reschedule", starts_at="", expected_restoration_at="", reason=""
    )
    assert empty.status_code == 422
    assert next_to(empty.text, "starts_at") == "请填写日期和时间"
    wordy = _step(
        dispatcher,
        outage_id,
        "reschedule",
        starts_at=_minute(later),
        expected_restoration_at=_minute(later + timedelta(hours=1)),
        reason="长" * 401,
    )
    assert wordy.status_code == 422
    assert next_to(wordy.text, "reason") == "最多400个字符"
    english = dispatcher.post(
        f"/console/outages/{outage_id}/reschedule?lang=en",
        data={
            "csrf": csrf_of(early.text),
            "starts_at": _minute(soon),
            "expected_restoration_at": _minute(soon + timedelta(hours=4)),
            "reason": "",
        },
    )
    assert "a planned outage is announced at least 7 days" in next_to(english.text, "starts_at")


def test_the_expected_restoration_of_an_active_outage_is_updated(dispatcher: TestClient) -> None:
    now = clock.now()
    outage_id = _declare(dispatcher, "fault", now - timedelta(minutes=10), hours=3)
    page = dispatcher.get(f"/console/outages/{outage_id}").text
    assert _offered(page) == ["update_restoration", "restore"]
    updated = _step(
        dispatcher,
        outage_id,
        "update_restoration",
        expected_restoration_at=_minute(now + timedelta(hours=5)),
        note="电缆头需更换",
    )
    assert updated.status_code == 303
    shown = dispatcher.get(updated.headers["location"]).text
    assert "已更新预计复电时间。" in shown and "2026-11-27 14:00" in shown
    assert "电缆头需更换" in shown
    before = _step(
        dispatcher,
        outage_id,
        "update_restoration",
        expected_restoration_at=_minute(now - timedelta(hours=1)),
        note="",
    )
    assert before.status_code == 422
    assert next_to(before.text, "expected_restoration_at") == "预计复电时间须晚于停电开始时间"


def test_a_duty_agent_may_not_reschedule(
    dispatcher: TestClient, desk: Desk, frozen_clock: Any
) -> None:
    now = clock.now()
    outage_id = _declare(dispatcher, "planned", now + timedelta(days=9))
    agent = desk("agent")
    page = agent.get(f"/console/outages/{outage_id}").text
    assert _offered(page) == []
    later = now + timedelta(days=12)
    refused = agent.post(
        f"/console/outages/{outage_id}/reschedule",
        data={
            "csrf": csrf_of(page),
            "starts_at": _minute(later),
            "expected_restoration_at": _minute(later + timedelta(hours=1)),
            "reason": "",
        },
    )
    assert refused.status_code == 403
