"""A transformer fails (issue 14), in Chromium: the dispatcher opens 停电 from the menu, declares
a fault on the transformer area, gives a later expected restoration with a note, and restores
it; the board then lists it as restored. The outage's page with its forms is checked with
axe-core. Screenshots go to test-artifacts/console/outage-*.png."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from browser.conftest import log_in, screenshot
from browser.test_accessibility import AXE, violations
from outages.outage_network import load_network
from quarterhour.access.actor import system
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.outages import service as outages

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]


def test_a_dispatcher_declares_a_transformer_fault_and_restores_it(
    open_page: OpenPage,
    live_server: str,
    session: Session,
    org: Organisation,
    frozen_clock: Any,
    backend: str,
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 7, 55, tzinfo=clock.SHANGHAI))
    load_network(session, org)
    shots = backend == "sqlite"

    page = open_page()
    log_in(page, "dispatcher")
    page.locator("header.bar nav").get_by_role("link", name="停电", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("h1")).to_have_text("停电")
    expect(page.locator("#outages-active")).to_contain_text("目前没有停电")

    form = page.locator("#declare")
    form.get_by_label("停电类型").select_option("fault")
    form.get_by_label("停电原因").fill("台区变压器烧毁")
    form.get_by_label("停电区域（可选）").fill("徽州大道1号")
    form.get_by_label("开始时间").fill("2026-11-27T07:50")
    form.get_by_label("预计复电时间").fill("2026-11-27T11:30")
    form.get_by_label("台区编码").fill("TA-001")
    if shots:
        screenshot(page, "outage-declare-form")
    form.get_by_role("button", name="登记停电").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator(".flash.ok")).to_have_text("停电已登记。")
    expect(page.locator("#outage-state")).to_have_text("停电中")
    expect(page.locator("#expected")).to_have_text("2026-11-27 11:30")
    expect(page.locator("#history")).to_contain_text("登记")
    # The next step expected is open; the new expected restoration unfolds on a click.
    expect(page.locator("#step-restore")).to_have_attribute("open", "")
    expect(page.locator("#step-update_restoration")).not_to_have_attribute("open", "")
    if shots:
        screenshot(page, "outage-declared")

    step = page.locator("#step-update_restoration")
    step.locator("summary").click()
    step.get_by_label("预计复电时间").fill("2026-11-27T12:30")
    step.get_by_label("说明").fill("需更换变压器，抢修车已到场")
    if AXE.exists():  # the page with every form open
        assert violations(page, AXE.read_text(encoding="utf-8")) == []
    step.get_by_role("button", name="更新预计复电时间").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator(".flash.ok")).to_have_text("已更新预计复电时间。")
    expect(page.locator("#expected")).to_have_text("2026-11-27 12:30")
    expect(page.locator("#history")).to_contain_text(
        "2026-11-27 11:30 → 2026-11-27 12:30: 需更换变压器，抢修车已到场"
    )

    frozen_clock.set(datetime(2026, 11, 27, 9, 40, tzinfo=clock.SHANGHAI))
    page.goto("/console/outages")
    expect(page.locator("#outages-active")).to_contain_text("110分钟")  # off since 07:50
    expect(page.locator("#outages-active")).to_contain_text("TA-001")
    if shots:
        screenshot(page, "outage-board-active")
    page.locator("#outages-active").get_by_role("link").first.click()
    page.wait_for_load_state("domcontentloaded")
    page.locator("#step-restore").get_by_role("button", name="复电").click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("#outage-state")).to_have_text("已复电")
    expect(page.locator("#restored")).to_have_text("2026-11-27 09:40")
    expect(page.locator("#no-steps")).to_be_visible()
    if shots:
        screenshot(page, "outage-restored")

    page.goto("/console/outages?lang=en")
    expect(page.locator("#outages-restored")).to_contain_text("Transformer area TA-001")
    expect(page.locator("#outages-active")).to_contain_text("No supply is off at present.")
    if shots:
        screenshot(page, "outage-board-en")


def test_the_live_board_shows_the_fault_on_its_map(
    open_page: OpenPage,
    live_server: str,
    session: Session,
    org: Organisation,
    frozen_clock: Any,
    backend: str,
) -> None:
    """The dispatcher opens 实时看板 from the menu: the fault in the list, its 台区 on the map
    with the legend, the pause button working; no serious axe violation."""
    load_network(session, org)
    outages.declare(
        session,
        by=system("test"),
        kind="fault",
        cause="台区变压器烧毁",
        starts_at=clock.now() - timedelta(minutes=20),
        expected_restoration_at=clock.now() + timedelta(hours=2),
        transformers=["TA-001"],
    )
    session.commit()
    page = open_page()
    log_in(page, "dispatcher")
    page.locator("header.bar nav").get_by_role("link", name="实时看板", exact=True).click()
    page.wait_for_load_state("domcontentloaded")
    expect(page.locator("h1")).to_have_text("实时看板")
    expect(page.locator("#live-outages")).to_contain_text("台区变压器烧毁")
    svg = page.locator("figure.network-map svg")
    expect(svg).to_be_visible()
    assert svg.locator("circle[fill='#D55E00']").count() >= 1
    expect(page.locator("#map-areas")).to_contain_text("TA-001")
    pause = page.locator("#live-pause")
    expect(pause).to_be_visible()
    pause.click()
    expect(pause).to_have_attribute("aria-pressed", "true")
    expect(pause).to_have_text("恢复自动刷新")
    if backend == "sqlite":
        screenshot(page, "outage-live-board")
    if AXE.exists():
        assert violations(page, AXE.read_text(encoding="utf-8")) == []
