"""停电 in the console (issue 14): the board (off now, coming with its notice and the 7-day rule,
restored lately), declaring, each step on an outage's page, refusals beside the field in the
reader's language, and a duty agent who sees outages but may not move them."""

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
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def dispatcher(desk: Desk, session: Session, org: Organisation, frozen_clock: Any) -> TestClient:
    load_network(session, org)
    return desk("dispatcher")


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _declare(c: TestClient, **fields: str) -> tuple[int, str]:
    board = c.get("/console/outages")
    response = c.post("/console/outages", data={"csrf": csrf_of(board.text), **fields})
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/console/outages/(\d+)\?done=declare", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1)), c.get(response.headers["location"]).text


def _fault(c: TestClient) -> tuple[int, str]:
    now = clock.now()
    return _declare(
        c,
        kind="fault",
        cause="台区变压器烧毁",
        area="徽州大道1号",
        starts_at=_minute(now - timedelta(minutes=10)),
        expected_restoration_at=_minute(now + timedelta(hours=3)),
        transformers="TA-001",
    )


def _planned(c: TestClient, days: int = 9) -> tuple[int, str]:
    starts = clock.now() + timedelta(days=days)
    return _declare(
        c,
        kind="planned",
        cause="10kV徽州线检修",
        area="徽州大道",
        starts_at=_minute(starts),
        expected_restoration_at=_minute(starts + timedelta(hours=8)),
        feeders="BH-10-01",
    )


def _step(c: TestClient, outage_id: int, action: str, **fields: str) -> Any:
    page = c.get(f"/console/outages/{outage_id}")
    return c.post(
        f"/console/outages/{outage_id}/{action}", data={"csrf": csrf_of(page.text), **fields}
    )


def _section(page: str, table_id: str) -> str:
    found = re.search(rf'<table class="list" id="{table_id}">(.*?)</table>', page, re.S)
    assert found, table_id
    return found.group(1)


def test_the_board_lists_what_is_off_what_is_coming_and_what_came_back(
    dispatcher: TestClient, frozen_clock: Any
) -> None:
    c = dispatcher
    empty = c.get("/console/outages")
    assert empty.status_code == 200
    assert "目前没有停电" in empty.text and 'href="/console/outages"' in empty.text  # the menu
    fault_id, page = _fault(c)
    assert "停电已登记" in page and "故障停电" in page and "停电中" in page
    planned_id, _ = _planned(c)

    board = c.get("/console/outages").text
    active, coming = _section(board, "outages-active"), _section(board, "outages-coming")
    assert f"#{fault_id}" in active and f"#{planned_id}" not in active
    assert "台区变压器烧毁" in active and "TA-001" in active
    assert "2026-11-27 08:50" in active and "2026-11-27 12:00" in active
    assert "10分钟" in active  # off for ten minutes
    assert f"#{planned_id}" in coming and "已登记" in coming and "未公告" in coming
    assert "BH-10-01" in coming and "TA-001, TA-002" in coming  # the feeder's areas
    assert "最近7天没有复电的停电" in board

    assert _step(c, planned_id, "publish", text="停电公告").status_code == 303
    coming = _section(c.get("/console/outages").text, "outages-coming")
    assert "已公告" in coming and "2026-11-27 09:00" in coming and "提前7天以上" in coming

    en = c.get("/console/outages?lang=en").text
    assert "Supply off now" in en and "7 days ahead or more" in en and "Off for" in en


def test_each_step_on_the_outage_page_in_lifecycle_order(
    dispatcher: TestClient, desk: Desk, frozen_clock: Any
) -> None:
    c = dispatcher
    fault_id, page = _fault(c)
    # An active outage offers the new expected restoration, then the restoration, open.
    assert page.index('id="step-update_restoration"') < page.index('id="step-restore"')
    assert re.search(r'<details class="action" id="step-restore" open', page)
    assert 'id="step-publish"' not in page and 'id="step-cancel"' not in page

    later = NOW + timedelta(hours=5)
    moved = _step(
        c,
        fault_id,
        "update_restoration",
        expected_restoration_at=_minute(later),
        note="电缆头需更换",
    )
    assert moved.status_code == 303
    page = c.get(moved.headers["location"]).text
    assert "已更新预计复电时间" in page
    assert re.search(r'id="expected">2026-11-27 14:00<', page)
    assert "2026-11-27 12:00 → 2026-11-27 14:00: 电缆头需更换" in page

    frozen_clock.advance(hours=2)
    assert _step(c, fault_id, "restore").status_code == 303
    page = c.get(f"/console/outages/{fault_id}").text
    assert re.search(r'id="restored">2026-11-27 11:00<', page)
    assert "停电中 → 已复电" in page and "该停电现在没有可执行的操作" in page
    restored = _section(c.get("/console/outages").text, "outages-restored")
    assert f"#{fault_id}" in restored

    planned_id, page = _planned(c)
    assert re.search(r'<details class="action" id="step-publish" open', page)
    assert page.index('id="step-publish"') < page.index('id="step-cancel"')
    assert 'id="step-start"' not in page  # a planned outage starts only once announced
    assert _step(c, planned_id, "publish").status_code == 303
    page = c.get(f"/console/outages/{planned_id}").text
    assert re.search(r'<details class="action" id="step-start" open', page)
    frozen_clock.advance(days=9)
    c = desk("dispatcher")  # nine days on: a new session
    assert _step(c, planned_id, "start").status_code == 303
    assert _step(c, planned_id, "restore").status_code == 303
    page = c.get(f"/console/outages/{planned_id}").text
    for step in ("登记", "发布公告", "开始停电", "复电"):
        assert f"<strong>{step}</strong>" in page

    other_id, _ = _planned(c)
    assert _step(c, other_id, "cancel", reason="施工计划调整").status_code == 303
    page = c.get(f"/console/outages/{other_id}").text
    assert "已取消" in page and "施工计划调整" in page


def test_refusals_beside_the_field_in_the_readers_language(
    dispatcher: TestClient, frozen_clock: Any
) -> None:
    c = dispatcher
    board = c.get("/console/outages")
    starts = NOW + timedelta(days=3)
    typed = {
        "csrf": csrf_of(board.text),
        "kind": "planned",
        "cause": "10kV徽州线检修",
        "starts_at": _minute(starts),
        "expected_restoration_at": _minute(starts + timedelta(hours=8)),
        "feeders": "BH-10-01",
    }
    refused = c.post("/console/outages", data=typed)
    assert refused.status_code == 422
    assert summary(refused.text).startswith("开始时间：计划停电须至少提前7天公告")
    assert "最早的停电开始时间为2026-12-04 09:00" in next_to(refused.text, "starts_at")
    assert 'value="10kV徽州线检修"' in refused.text  # what was typed stays
    en = c.post("/console/outages?lang=en", data=typed)
    assert en.status_code == 422
    assert next_to(en.text, "starts_at").startswith("a planned outage is announced at least 7")

    # A temporary outage needs no notice; the feeder is unknown. (The language switch back.)
    unknown = c.post(
        "/console/outages?lang=zh", data={**typed, "kind": "temporary", "feeders": "XX-9"}
    )
    assert unknown.status_code == 422
    assert "没有这些编码：XX-9" in next_to(unknown.text, "feeders")

    planned_id, _ = _planned(c)
    illegal = _step(c, planned_id, "start")
    assert illegal.status_code == 409
    said = summary(illegal.text)
    assert said == "该停电现为“已登记”，不能开始停电；可执行的下一步：发布公告、改期、取消停电。"
    illegal_en = c.post(
        f"/console/outages/{planned_id}/start?lang=en",
        data={"csrf": csrf_of(board.text)},
    )
    assert "what may be done next: publish the notice, reschedule, cancel." in summary(
        illegal_en.text
    )
    c.get("/console/outages?lang=zh")

    no_reason = _step(c, planned_id, "cancel", reason=" ")
    assert no_reason.status_code == 422
    assert next_to(no_reason.text, "reason") == "请填写取消原因"
    assert re.search(r'<details class="action" id="step-cancel" open', no_reason.text)


def test_a_duty_agent_sees_outages_but_may_not_move_them(
    dispatcher: TestClient, desk: Desk, frozen_clock: Any
) -> None:
    fault_id, _ = _fault(dispatcher)
    agent = desk("agent")
    board = agent.get("/console/outages")
    assert board.status_code == 200
    assert 'href="/console/outages"' in board.text and f"#{fault_id}" in board.text
    assert 'id="declare"' not in board.text
    page = agent.get(f"/console/outages/{fault_id}").text
    assert "台区变压器烧毁" in page and "<details" not in page
    assert 'action="/console/outages/' not in page and "调度人员" in page
    token = csrf_of(page)
    declared = agent.post(
        "/console/outages",
        data={
            "csrf": token,
            "kind": "fault",
            "cause": "x",
            "starts_at": _minute(NOW),
            "expected_restoration_at": _minute(NOW + timedelta(hours=1)),
            "transformers": "TA-003",
        },
    )
    assert declared.status_code == 403
    restored = agent.post(f"/console/outages/{fault_id}/restore", data={"csrf": token})
    assert restored.status_code == 403
    assert "停电中" in agent.get(f"/console/outages/{fault_id}").text


def test_a_done_the_page_does_not_know_shows_no_flash(dispatcher: TestClient) -> None:
    fault_id, _ = _fault(dispatcher)
    for done in ("bogus", "restore"):
        page = dispatcher.get(f"/console/outages/{fault_id}", params={"done": done})
        assert page.status_code == 200
        assert ('class="flash ok"' in page.text) == (done == "restore")
