"""Each role's day in the console, in Chromium: logging in, the loop role by role, refusals, a
stale page. The orders are taken through the API (the intake desk page comes next)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from browser.conftest import PHONE, action_form, log_in, screenshot
from quarterhour.demo.organisation import Organisation
from workorders.loop_client import CUSTOMER_PHONE, LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]


@pytest.fixture
def api(live_server: str, org: Organisation) -> LoopApi:
    return LoopApi(httpx.Client(base_url=live_server, timeout=30), org)


@pytest.mark.parametrize(
    ("username", "heading"),
    [
        ("agent", "受理台"),
        ("dispatcher", "工单"),
        ("hall-baohe", "我的工单"),
        ("followup", "工单"),
        ("supervisor", "质量看板"),
        ("admin", "系统管理"),
    ],
)
def test_each_role_logs_in_to_its_own_home(
    open_page: OpenPage, api: LoopApi, username: str, heading: str, backend: str
) -> None:
    api.intake("complaint")
    page = open_page()
    log_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("header.bar .who")).to_contain_text("退出")
    if backend == "sqlite":
        screenshot(page, f"home-{username}")


def test_a_complaint_through_the_console_from_dispatch_to_archive(
    open_page: OpenPage, api: LoopApi, backend: str
) -> None:
    order = api.intake("complaint")
    number = order["number"]

    def step(username: str, action: str, fill: Callable[[Page], None] | None = None) -> Page:
        page = open_page()
        log_in(page, username)
        page.goto(f"/console/orders/{order['id']}")
        form = action_form(page, action)
        if fill is not None:
            fill(form)
        form.locator("button[type=submit]").click()
        expect(page.locator(".flash.ok")).to_be_visible()
        return page

    dispatcher = open_page()
    log_in(dispatcher, "dispatcher")
    expect(dispatcher.get_by_role("link", name=number)).to_be_visible()
    expect(dispatcher.locator("table.list")).not_to_contain_text(CUSTOMER_PHONE)
    if backend == "sqlite":
        screenshot(dispatcher, "dispatcher-queue")

    step("dispatcher", "dispatch")
    handler = open_page()
    log_in(handler, "hall-baohe")
    expect(handler.get_by_role("link", name=number)).to_be_visible()
    expect(handler.locator("table.list")).to_contain_text("剩")
    if backend == "sqlite":
        screenshot(handler, "handler-my-work")
    step("hall-baohe", "acknowledge")
    step(
        "hall-baohe",
        "return_result",
        lambda form: form.get_by_label("处理结果").fill("已核实并向客户致歉，已整改。"),
    )
    step("dispatcher", "approve")
    step("followup", "reply", lambda form: form.get_by_label("答复方式").select_option("phone"))
    step(
        "followup",
        "follow_up",
        lambda form: form.get_by_label("回访结果").select_option("satisfied"),
    )
    last = step("followup", "archive")
    expect(last.locator("h1")).to_contain_text("已归档")
    expect(last.locator("ol.timeline li")).to_have_count(8)
    if backend == "sqlite":
        screenshot(last, "order-archived")
    assert api.order(order["id"])["state"] == "archived"


def test_a_dispatcher_is_not_shown_nor_let_into_the_administration(open_page: OpenPage) -> None:
    page = open_page()
    log_in(page, "dispatcher")
    expect(page.locator("header.bar nav")).not_to_contain_text("系统管理")
    response = page.goto("/console/admin/staff")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("无权访问")
    expect(page.locator(".flash.error")).to_contain_text("您的角色不能")


def test_a_handler_on_a_stale_page_is_told_and_keeps_what_he_typed(
    open_page: OpenPage, api: LoopApi, backend: str
) -> None:
    order = api.intake("complaint")
    api.act("dispatcher", order["id"], "dispatch")
    page = open_page()
    log_in(page, "hall-baohe")
    page.goto(f"/console/orders/{order['id']}")
    api.act("hall-baohe", order["id"], "acknowledge")  # a colleague acknowledges first

    form = action_form(page, "acknowledge")
    typed = "已与客户约定明天上午九点上门核实。"
    form.get_by_label("备注").fill(typed)
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash.error")).to_contain_text("已被他人更新")
    expect(page.locator(".flash.error")).to_contain_text("已接单")
    expect(page.locator("#draft textarea")).to_have_value(typed)
    if backend == "sqlite":
        screenshot(page, "handler-stale-page")


def test_the_handler_queue_fits_a_phone(open_page: OpenPage, api: LoopApi, backend: str) -> None:
    order = api.intake("fault_repair")
    api.act("dispatcher", order["id"], "dispatch", crew="包河抢修一班")
    page = open_page(viewport=PHONE)
    log_in(page, "repair-baohe")
    # Not on a crew here: the crew page sends him to his department's work.
    page.locator("#no-crew a").click()
    expect(page.get_by_role("link", name=order["number"])).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page is {width}px wide on a {PHONE['width']}px phone"
    if backend == "sqlite":
        screenshot(page, "repair-my-work-phone")
    # The crew works the order from the phone too: its page fits, and acknowledging works.
    page.get_by_role("link", name=order["number"]).click()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the order page is {width}px wide on a phone"
    action_form(page, "acknowledge").locator("button[type=submit]").click()
    expect(page.locator(".flash.ok")).to_be_visible()
    if backend == "sqlite":
        screenshot(page, "repair-order-phone")


def test_english_switch(open_page: OpenPage) -> None:
    page = open_page()
    log_in(page, "dispatcher")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Work orders")
    page.goto("/console/orders")
    expect(page.get_by_role("heading", level=1)).to_have_text("Work orders")


def test_new_work_appears_in_the_queue_without_a_reload(open_page: OpenPage, api: LoopApi) -> None:
    api.intake("complaint")
    page = open_page()
    # The page asks every 20 s; here every 0.3 s, by speeding up the page's own timer.
    page.add_init_script(
        "const slow = window.setInterval;"
        " window.setInterval = (f, ms) => slow(f, Math.min(ms, 300));"
    )
    log_in(page, "dispatcher")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    page.evaluate("window.stillTheSamePage = true")
    newer = api.intake("fault_repair")
    expect(page.get_by_role("link", name=newer["number"])).to_be_visible(timeout=5_000)
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    assert page.evaluate("window.stillTheSamePage") is True  # rows swapped in, not reloaded


def test_revealing_the_number_keeps_the_form_being_filled_in(
    open_page: OpenPage, api: LoopApi, backend: str
) -> None:
    order = api.intake("complaint")
    api.drive(order["id"], "complaint", "reviewed")
    page = open_page()
    log_in(page, "followup")
    page.goto(f"/console/orders/{order['id']}")
    page.evaluate("window.notReloaded = true")
    form = action_form(page, "reply")
    typed = "已电话告知客户处理结果，客户表示理解。"
    form.get_by_label("备注").fill(typed)
    page.get_by_role("button", name="显示完整号码（将记录）").click()
    expect(page.locator("#full-phone")).to_have_text(CUSTOMER_PHONE)
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded"
    expect(form).to_have_attribute("open", "")
    expect(form.get_by_label("备注")).to_have_value(typed)
