"""The top bar's search box in Chromium (issue 13): an order's number typed in the bar lands on
the order, archived or not, at an office screen's width and a phone's; a phone number lists the
caller's orders and the customer, masked. Screenshots in test-artifacts/console/search-*.png."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import Page, expect

from browser.conftest import PHONE, log_in, screenshot
from quarterhour.demo.organisation import Organisation
from workorders.loop_client import CUSTOMER_PHONE, MATTERS, LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]
WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def api(live_server: str, org: Organisation) -> LoopApi:
    return LoopApi(httpx.Client(base_url=live_server, timeout=30), org)


def _calls(api: LoopApi) -> dict[str, dict[str, object]]:
    """An archived complaint, a cancelled call and an open fault of the same caller, and another
    caller's order."""
    archived = api.intake(
        "complaint", description="上月抄表数字明显偏大", address="合肥市包河区芜湖路174号宿舍楼"
    )
    api.drive(int(archived["id"]), "complaint", "archived")
    cancelled = api.contact({**MATTERS["consultation"], "title": "重复来电"})["orders"][0]
    api.act("dispatcher", cancelled["id"], "cancel", note="重复来电")
    fault = api.intake("fault_repair", address="合肥市包河区芜湖路174号宿舍楼3单元")
    api.act("dispatcher", fault["id"], "dispatch", crew="包河抢修一班")
    api.contact(
        MATTERS["opinion"],
        customer=api.customer(name="王建国", phone="13966001122", address="长江西路88号"),
    )
    return {"archived": archived, "cancelled": cancelled, "fault": fault}


@pytest.mark.parametrize(("size", "viewport"), [("wide", WIDE), ("phone", PHONE)])
def test_an_order_number_typed_in_the_top_bar_lands_on_the_order(
    open_page: OpenPage, api: LoopApi, backend: str, size: str, viewport: dict[str, int]
) -> None:
    orders = _calls(api)
    archived = orders["archived"]
    page = open_page(viewport=viewport)
    log_in(page, "agent")  # the desk: the caller asks "where is my order GD…?"
    box = page.get_by_role("searchbox", name="搜索工单和客户")
    expect(box).to_be_visible()
    if backend == "sqlite":
        screenshot(page, f"search-top-bar-{size}")
    box.fill(str(archived["number"]).lower())  # typed as it was read out
    box.press("Enter")
    page.wait_for_url(f"**/console/orders/{archived['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(archived["number"]))
    expect(page.locator("main")).to_contain_text("归档")
    if backend == "sqlite":
        screenshot(page, f"search-landed-on-order-{size}")

    # A phone finds the caller and all his orders, closed ones too; nothing whole. "/" puts
    # the cursor in the box from anywhere on the page.
    page.locator("main h1").click()
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="搜索工单和客户")
    expect(box).to_be_focused()
    page.keyboard.type(CUSTOMER_PHONE)
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("搜索结果")
    for order in orders.values():
        expect(page.get_by_role("link", name=str(order["number"]))).to_be_visible()
    tables = page.locator("table.list")
    expect(tables).to_have_count(2)
    for table in tables.all():
        expect(table).not_to_contain_text(CUSTOMER_PHONE)
    expect(page.get_by_role("link", name="袁**")).to_be_visible()
    if backend == "sqlite":
        screenshot(page, f"search-results-{size}")

    # Words: part of an address finds the orders there.
    box = page.get_by_role("searchbox", name="搜索工单和客户")
    box.fill("芜湖路174号")
    box.press("Enter")
    expect(page.get_by_role("link", name=str(orders["fault"]["number"]))).to_be_visible()
    if backend == "sqlite":
        screenshot(page, f"search-words-{size}")


def test_the_order_list_shows_archived_orders_on_its_own_tab(
    open_page: OpenPage, api: LoopApi, backend: str
) -> None:
    orders = _calls(api)
    page = open_page(viewport=WIDE)
    log_in(page, "dispatcher")
    page.goto("/console/orders")
    page.get_by_role("link", name="已归档", exact=True).click()
    expect(page.get_by_role("link", name=str(orders["archived"]["number"]))).to_be_visible()
    expect(page.get_by_role("link", name=str(orders["fault"]["number"]))).to_have_count(0)
    if backend == "sqlite":
        screenshot(page, "orders-archived-tab-wide")
    page.get_by_role("link", name="已撤销", exact=True).click()
    expect(page.get_by_role("link", name=str(orders["cancelled"]["number"]))).to_be_visible()
