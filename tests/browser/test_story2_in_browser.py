"""Story 2 of PRODUCT.md through the console, in Chromium: the missing phase.

The specialist on duty takes Ms Yuan's call on the programme at the intake desk (07:50), the
dispatcher sends the repair crew, the crew acknowledges, arrives (08:25), restores supply at
10:20 and returns the result, the dispatcher approves, the specialist replies on the next
morning's programme, the follow-up agent follows up and archives. Each step in its own browser
session, as each person works at his own desk; the clock is set to the story's times.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from browser.conftest import PNG, log_in, schedule_episode, screenshot
from browser.conftest import act as act_on
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]
DAY, NEXT_DAY = "2026-08-12", "2026-08-13"


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day} {hhmm}").replace(tzinfo=clock.SHANGHAI)


def test_story2_through_the_console(
    open_page: OpenPage, live_server: str, org: Organisation, frozen_clock: Any, backend: str
) -> None:
    api = LoopApi(httpx.Client(base_url=live_server, timeout=30), org)
    frozen_clock.set(at("2026-08-11", "16:00"))
    schedule_episode(api.client, api.headers("leader"), DAY, org)

    # 07:50, on air: the specialist at the intake desk.
    frozen_clock.set(at(DAY, "07:50"))
    desk = open_page()
    log_in(desk, "specialist")
    expect(desk.get_by_role("heading", level=1)).to_have_text("受理台")
    expect(desk.locator("#on-air")).to_contain_text("直播中")
    expect(desk.locator('select[name="channel"]')).to_have_value("programme")
    desk.locator('input[name="caller_name"]').fill("袁女士")
    desk.locator('input[name="caller_phone"]').fill("13805510174")
    desk.locator('input[name="caller_address"]').fill("芜湖路174号宿舍楼")
    desk.locator('select[name="caller_district_id"]').select_option(str(org.districts["baohe"]))
    desk.locator('select[name="m0_order_type"]').select_option("fault_repair")
    desk.locator('select[name="m0_area_class"]').select_option("urban")
    desk.locator('input[name="m0_title"]').fill("芜湖路174号宿舍楼整栋停电")
    desk.locator('textarea[name="m0_description"]').fill("凌晨1点左右停电，整栋楼受影响")
    desk.get_by_role("button", name="核对").click()
    preview = desk.locator('.preview[data-matter="0"]')
    expect(preview).to_contain_text("包河区抢修班")
    expect(preview).to_contain_text("2026-08-12 08:35")  # 45 minutes, urban
    if backend == "sqlite":
        screenshot(desk, "story2-desk-checked")
    desk.get_by_role("button", name="保存受理").click()
    recorded = desk.locator("#recorded")
    expect(recorded).to_contain_text("GD20260812")
    number = recorded.locator("a").first.inner_text()
    order_id = int((recorded.locator("a").first.get_attribute("href") or "").rsplit("/", 1)[1])

    def act(hhmm: str, day: str, who: str, action: str, **fields: str) -> Page:
        frozen_clock.set(at(day, hhmm))
        page = open_page()
        log_in(page, who)
        return act_on(page, order_id, action, **fields)

    act("07:55", DAY, "dispatcher", "dispatch", crew="包河抢修班（带电作业车）")
    act("07:58", DAY, "repair-baohe", "acknowledge")
    act("08:25", DAY, "repair-baohe", "arrive", note="抢修人员到达现场")
    act(
        "08:40",
        DAY,
        "repair-baohe",
        "record_progress",
        note="一相缺失，接户线严重老化；带电作业更换",
    )
    act("10:20", DAY, "repair-baohe", "restore", note="恢复供电", photo="更换后的接户线.png")
    act("10:30", DAY, "repair-baohe", "return_result", result="带电更换老化接户线，10:20恢复供电")
    act("11:00", DAY, "dispatcher", "approve")
    act("07:45", NEXT_DAY, "specialist", "reply", reply_method="programme", note="节目中答复")
    act("15:00", NEXT_DAY, "followup", "follow_up", outcome="satisfied", note="客户满意")
    last = act("15:05", NEXT_DAY, "followup", "archive")

    expect(last.locator("h1")).to_contain_text(number)
    expect(last.locator("h1")).to_contain_text("已归档")
    timeline = last.locator("ol.timeline li")
    expect(timeline).to_have_count(11)
    expect(timeline.nth(5)).to_contain_text("2026-08-12 10:20")
    expect(timeline.nth(5)).to_contain_text("恢复供电")
    photo = timeline.nth(5).locator("a.attachment")
    expect(photo).to_contain_text("更换后的接户线.png")
    assert last.request.get(photo.get_attribute("href") or "").body() == PNG
    expect(last.locator("table").first).not_to_contain_text("超时")  # every limit met in time
    if backend == "sqlite":
        screenshot(last, "story2-archived")
    order = api.order(order_id)
    assert order["state"] == "archived" and order["episode_id"] is not None
    assert (order["arrived_at"], order["restored_at"]) == (
        "2026-08-12T08:25:00+08:00",
        "2026-08-12T10:20:00+08:00",
    )
