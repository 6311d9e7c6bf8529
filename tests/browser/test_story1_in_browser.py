"""Story 1 of PRODUCT.md through the console, in Chromium, up to the new meter.

An 82-year-old caller at 拱辰街99号楼 rings the programme at 07:46: his shared meter (合表) causes
constant bill disputes and he wants his own. The specialist finds him at the intake desk by the
last four digits of his phone and records a 分户装表 request, checked before saving (the business
hall, five working days). The dispatcher sends it to the hall; its team leader acknowledges,
phones him, goes with a meter installer in the afternoon and records the meter split from the
order's page at 17:30: a new meter and account for his flat, the shared meter serving one flat
fewer. (The rest of the story — reply, follow-up, the next bill run — runs through the API in
tests/stories/test_story1_shared_meter.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select

from browser.conftest import act as act_on
from browser.conftest import log_in, schedule_episode, screenshot
from quarterhour.customers import accounts
from quarterhour.customers.models import Account, Customer, Meter
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.storage.engine import make_session_factory
from stories.building import shared_building
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]
DAY = "2026-11-09"  # a Monday


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day} {hhmm}").replace(tzinfo=clock.SHANGHAI)


def test_story1_through_the_console_to_the_new_meter(
    open_page: OpenPage,
    live_server: str,
    org: Organisation,
    engine: Engine,
    frozen_clock: Any,
    backend: str,
) -> None:
    factory = make_session_factory(engine)
    frozen_clock.set(at("2026-11-01", "09:00"))
    with factory() as session:
        shared, flats = shared_building(session, org.districts["baohe"])
        shared_number = shared.number
    api = LoopApi(httpx.Client(base_url=live_server, timeout=30), org)
    frozen_clock.set(at("2026-11-06", "17:00"))
    schedule_episode(api.client, api.headers("leader"), DAY, org)

    # 07:46 on air: the specialist finds the caller by his phone's last four digits.
    frozen_clock.set(at(DAY, "07:46"))
    desk = open_page()
    log_in(desk, "specialist")
    expect(desk.locator("#on-air")).to_be_visible()
    # She types what he says while looking him up: choosing him keeps it.
    desk.locator('input[name="m0_title"]').fill("合表电费纠纷，申请一户一表")
    desk.locator('textarea[name="m0_description"]').fill("82岁独居老人，行动不便，不熟悉办理手续")
    desk.locator("#lookup").fill("9909")
    row = desk.locator("#callers tbody tr").filter(has_text="唐**")
    expect(row).to_be_visible()  # answered as he typed, masked
    expect(desk.locator("#callers")).not_to_contain_text("13905519909")
    row.get_by_role("button", name="选择").click()
    expect(desk.locator("#customer-view")).to_contain_text("唐**")
    expect(desk.locator("#addressed-as")).to_contain_text("唐")
    expect(desk.locator('input[name="m0_title"]')).to_have_value("合表电费纠纷，申请一户一表")
    desk.locator('select[name="m0_order_type"]').select_option("service_request")
    desk.locator('select[name="m0_subtype"]').select_option("meter_split")
    desk.get_by_role("button", name="核对").click()
    preview = desk.locator('.preview[data-matter="0"]')
    expect(preview).to_contain_text("包河区供电营业厅")
    expect(preview).to_contain_text("2026-11-16 23:59")  # five working days, Monday to Monday
    desk.get_by_role("button", name="保存受理").click()
    link = desk.locator("#recorded a").first
    expect(link).to_contain_text("GD20261109")
    order_id = int((link.get_attribute("href") or "").rsplit("/", 1)[1])

    def act(hhmm: str, who: str, action: str, **fields: str) -> Page:
        frozen_clock.set(at(DAY, hhmm))
        page = open_page()
        log_in(page, who)
        return act_on(page, order_id, action, **fields)

    act("08:30", "dispatcher", "dispatch", note="老人独居，请当日上门")
    act("13:30", "hall-baohe", "acknowledge")
    act("13:40", "hall-baohe", "contact_customer", note="班长电话联系客户，约定下午上门")
    act("15:00", "hall-baohe", "record_progress", note="携装表工上门，现场受理申请，代填资料")

    # 17:30: done on site; the team leader records it from the order's page.
    frozen_clock.set(at(DAY, "17:30"))
    hall = open_page()
    log_in(hall, "hall-baohe")
    hall.goto(f"/console/orders/{order_id}")
    split = hall.locator("#meter-split")
    split.locator("summary").click()
    split.get_by_label("住户").select_option(f"{shared_number}|{flats['201']}")
    split.get_by_label("新表表号").fill("HB-99-201")
    split.get_by_label("电价").select_option("AH-RES")
    split.get_by_label("新表起码").fill("0")
    split.get_by_label("合表当前读数").fill("5100")
    if backend == "sqlite":
        screenshot(hall, "story1-meter-split-form")
    split.get_by_role("button", name="登记分户装表").click()
    expect(hall.locator(".flash.ok")).to_contain_text("分户装表")
    expect(hall.locator("ol.timeline")).to_contain_text("17:30")
    if backend == "sqlite":
        screenshot(hall, "story1-meter-split-done")

    with factory() as session:
        meter = session.scalar(select(Meter).where(Meter.number == "HB-99-201"))
        assert meter is not None and not meter.is_shared
        account = session.get_one(Account, meter.account_id)
        assert account.premises_id == flats["201"]
        assert session.get_one(Customer, account.customer_id).name == "唐邦铮"
        old = session.scalar(select(Meter).where(Meter.number == shared_number))
        assert old is not None
        assert sorted(accounts.households_of(session, old.id)) == sorted(
            flats[f] for f in ("101", "102", "202")
        )
