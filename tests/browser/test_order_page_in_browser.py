"""An order's page on an office screen and on a crew's phone, in Chromium (issue 13): where to go
and whom to call without scrolling, and a bill complaint's bills one click away. Screenshots go
to test-artifacts/console/order-page-*.png and bill-context-*.png."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, update

from billing.test_inquiry_and_payments import billed_household
from browser.conftest import ARTIFACTS, PHONE, log_in, screenshot
from quarterhour.billing import payments
from quarterhour.config import Settings
from quarterhour.customers.models import Customer
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.storage.engine import make_session_factory
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]
DESK = {"width": 1440, "height": 900}
WOMAN = "340104198001011242"


def _bill_complaint(engine: Engine, org: Organisation, settings: Settings, api: LoopApi) -> int:
    """刘晓燕's account, September paid and October not, and her complaint about October's
    bill, taken by the desk, sent to the business hall and under way there."""
    with make_session_factory(engine)() as session:
        account = billed_household(session, org, settings)
        session.execute(
            update(Customer)
            .where(Customer.id == account.customer_id)
            .values(name="刘晓燕", id_number=WOMAN, district_id=org.districts["baohe"])
        )
        payments.record_payment(
            session,
            account,
            amount="107.60",
            channel="counter",
            paid_at=datetime(2026, 10, 15, 10, 0, tzinfo=clock.SHANGHAI),
        )
        session.commit()
        number = account.number
    matter = {
        "order_type": "complaint",
        "subtype": "billing",
        "title": "十月电费比九月高很多",
        "description": "客户称十月用电习惯没有变化，电费却从107元涨到161元，怀疑抄表有误，要求核实示数并说明。",
    }
    order: dict[str, Any] = api.contact(matter, customer={"account": number})["orders"][0]
    api.act("dispatcher", order["id"], "dispatch")
    api.act("hall-baohe", order["id"], "acknowledge")
    api.act(
        "hall-baohe", order["id"], "contact_customer", note="已电话联系客户，约定明日上门核对表计"
    )
    return int(order["id"])


def test_the_order_page_on_a_desk_and_on_a_phone_with_its_bills_one_click_away(
    open_page: OpenPage,
    live_server: str,
    org: Organisation,
    engine: Engine,
    settings: Settings,
    frozen_clock: Any,
    backend: str,
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI))
    api = LoopApi(httpx.Client(base_url=live_server, timeout=30), org)
    order_id = _bill_complaint(engine, org, settings, api)
    shots = backend == "sqlite"

    phone = open_page(PHONE)
    log_in(phone, "hall-baohe")
    phone.goto(f"/console/orders/{order_id}")
    address, caller = phone.locator("#service-address"), phone.locator("#caller")
    expect(address).to_have_text("合肥市包河区拱辰街1号楼1室")
    expect(caller).to_contain_text("刘女士")
    expect(caller).to_contain_text("139****0001")
    # Seen on opening the page, before any scrolling: the address, whom to call, the bills.
    for where in (address, caller, phone.locator("#bill-context")):
        box = where.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    # The actions sit below the history on a phone: one tap takes the handler there.
    phone.get_by_role("link", name="可执行操作 ↓").click()
    expect(phone.locator("details.action").first).to_be_in_viewport()
    phone.evaluate("window.scrollTo(0, 0)")
    if shots:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "order-page-390-first-screen.png"))
        screenshot(phone, "order-page-390")

    desk = open_page(DESK)
    log_in(desk, "hall-baohe")
    desk.goto(f"/console/orders/{order_id}")
    expect(desk.locator("#service-address")).to_be_visible()
    if shots:
        screenshot(desk, "order-page-1440")
    desk.locator("#bill-context").click()
    desk.wait_for_load_state("domcontentloaded")
    table = desk.locator("table.bills")
    expect(table).to_be_in_viewport()  # the link's anchor brings the bills into view
    october = table.locator('tr[id$="-2026-10"]')
    expect(october).to_contain_text("200.00")  # previous register
    expect(october).to_contain_text("500.00")  # current
    expect(october).to_contain_text("逾期未缴")
    expect(table.locator('tr[id$="-2026-09"]')).to_contain_text("已缴清")
    expect(desk.locator("table.payments")).to_contain_text("营业厅柜台")
    if shots:
        screenshot(desk, "bill-context-1440")

    phone.locator("#bill-context").click()
    phone.wait_for_load_state("domcontentloaded")
    expect(phone.locator("table.bills")).to_be_visible()
    if shots:
        screenshot(phone, "bill-context-390")
