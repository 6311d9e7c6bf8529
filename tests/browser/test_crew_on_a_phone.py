"""A repair crew on a phone (390×844), in Chromium (issue 13): named 抢修人员, no exports or
billing in its menus, the order list's filters folded, and a job's address and whom to call at
the top of its page; and the public disclosure read on a phone, with the way back for staff.
Screenshots go to test-artifacts/console/crew-*.png and disclosure-390.png."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from browser.conftest import ARTIFACTS, PHONE, log_in, screenshot
from quarterhour.access.actor import system
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.tariffs import tariff_book
from workorders.loop_client import MATTERS, LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]


def _no_page_wide_scroll(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"the page is {wide}px wide on a {PHONE['width']}px phone"


def test_a_repair_crew_works_a_job_from_a_phone(
    open_page: OpenPage, live_server: str, org: Organisation, frozen_clock: Any, backend: str
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI))
    api = LoopApi(httpx.Client(base_url=live_server, timeout=30), org)
    matter = {**MATTERS["fault_repair"], "title": "整栋楼停电，电梯停运"}
    order = api.contact(matter, customer=api.customer(address="包河区芜湖路174号宿舍楼3栋"))
    order_id = order["orders"][0]["id"]
    api.act("dispatcher", order_id, "dispatch", crew="包河抢修一班")
    shots = backend == "sqlite"

    phone = open_page(PHONE)
    log_in(phone, "repair-baohe")
    phone.goto("/console/my-work")
    expect(phone.locator("#who-role")).to_have_text("抢修人员")
    menu = phone.locator("header.bar nav")
    expect(menu).not_to_contain_text("电费核算")
    expect(menu).not_to_contain_text("导出")
    expect(phone.get_by_text("导出 CSV")).to_have_count(0)
    # The filters fold away on a phone: the list comes first, the panel opens on a tap.
    panel = phone.locator("#filter-panel")
    expect(panel).not_to_have_attribute("open", "")
    expect(phone.locator("form.filters select[name=order_type]")).to_be_hidden()
    expect(phone.locator("table.list")).to_contain_text("整栋楼停电")
    _no_page_wide_scroll(phone)
    if shots:
        screenshot(phone, "crew-my-work-390")
    panel.locator("summary").click()
    expect(phone.locator("form.filters select[name=order_type]")).to_be_visible()
    if shots:
        screenshot(phone, "crew-my-work-filters-390")

    phone.locator("table.list").get_by_role("link", name=order["orders"][0]["number"]).click()
    phone.wait_for_load_state("domcontentloaded")
    address, caller = phone.locator("#service-address"), phone.locator("#caller")
    expect(address).to_have_text("包河区芜湖路174号宿舍楼3栋")
    expect(caller).to_contain_text("袁女士")
    # Where to go and whom to call: on the first screen, before any scrolling.
    for where in (address, caller):
        box = where.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    _no_page_wide_scroll(phone)
    if shots:
        phone.screenshot(path=str(screenshot_path("crew-order-390-first-screen")))
        screenshot(phone, "crew-order-390")


def screenshot_path(name: str) -> Path:
    """Where a shot of the first screen only (not the whole page) goes."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def test_the_disclosure_on_a_phone_reads_without_scrolling_sideways(
    open_page: OpenPage, session: Session, backend: str
) -> None:
    tariff_book.install_samples(session, by=system("test"))
    session.commit()
    phone = open_page(PHONE)
    phone.goto("/disclosure")
    expect(phone.locator("#tariffs")).to_contain_text("元/千瓦时")
    if backend == "sqlite":
        screenshot(phone, "disclosure-390")
        phone.screenshot(path=str(screenshot_path("disclosure-390-first-screen")))
        phone.locator("#commitments").scroll_into_view_if_needed()
        phone.screenshot(path=str(screenshot_path("disclosure-390-commitments")))
        phone.locator("#staff-console").scroll_into_view_if_needed()
        phone.screenshot(path=str(screenshot_path("disclosure-390-footer")))
    _no_page_wide_scroll(phone)
    expect(phone.locator("#staff-console")).to_have_text("工作人员入口")
    phone.goto("/disclosure?lang=en")
    if backend == "sqlite":
        screenshot(phone, "disclosure-390-en")
    _no_page_wide_scroll(phone)
    phone.locator("#staff-console").click()
    phone.wait_for_load_state("domcontentloaded")
    expect(phone.get_by_label("Username")).to_be_visible()  # the console's login, in English
