"""A working day of each role on the demo data, in Chromium, through the console only.

Each person logs in, starts from the home page his role lands on and gets everywhere by the
menus, queues, links and the search box (never by typing an address); the assertions are on
what he sees: Chinese words, the customer's address, the step expected next already open.
The product's clock stands at the demo's last morning, so the queues look as they did then.
Screenshots: test-artifacts/console/day-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from browser.conftest import DEMO_ANCHOR, PHONE, screenshot
from quarterhour.kit import clock
from workorders.loop_client import LoopApi

AsUser = Callable[..., Page]
ORDER_NUMBER = re.compile(r"GD\d{14,}")
# The demo's addresses: a street's number (拱辰街99号楼…), or an estate's building (望湖城6栋…).
ADDRESS = re.compile(r"[路街巷道村区]\S*\d+号|\S+\d+栋")


@pytest.fixture(autouse=True)
def on_the_demos_last_morning() -> Iterator[None]:
    with clock.using(lambda: DEMO_ANCHOR):
        yield


def expected_step(page: Page) -> Locator:
    """The action form the order's page opened by itself: the step expected next."""
    opened = page.locator("details.action[open]")
    expect(opened.first).to_be_visible()
    return opened.first


def send(page: Page, form: Locator) -> None:
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash.ok")).to_contain_text("已完成")


def fill_what_it_needs(form: Locator) -> None:
    """The required fields of a step, filled as staff would."""
    for select in form.locator("select[required]").all():
        if not select.input_value():
            options = [o for o in select.locator("option").all() if o.get_attribute("value")]
            select.select_option(options[0].get_attribute("value") or "")
    for field in form.locator("textarea[required], input[required]:not([type=hidden])").all():
        if not field.input_value():
            field.fill("已按规定处理，情况已向客户说明")


def test_the_agents_day(as_user: AsUser) -> None:
    agent = as_user("agent")
    expect(agent.get_by_role("heading", level=1)).to_have_text("受理台")
    # A known caller: found by name, her address and account in view, the account kept.
    agent.locator("#lookup").fill("唐邦")
    agent.locator("#callers button").first.click()
    view = agent.locator("#customer-view")
    expect(view).to_contain_text(ADDRESS)
    account = agent.locator('select[name="account"]')
    if account.locator("option").count() == 2:  # one account: chosen for her
        expect(account).not_to_have_value("")
    agent.locator('select[name="m0_order_type"]').select_option("consultation")
    agent.locator('input[name="m0_title"]').fill("咨询峰谷分时电价")
    agent.locator('textarea[name="m0_answer"]').fill("已告知峰谷时段及电价，客户表示清楚")
    agent.get_by_role("button", name="保存受理").click()
    expect(agent.locator("#recorded")).to_contain_text("咨询")
    screenshot(agent, "day-agent-consultation")

    # An unknown caller with a fault: the check says where it goes and by when.
    agent.locator('input[name="caller_name"]').fill("钱先生")
    agent.locator('input[name="caller_phone"]').fill("13955106688")
    agent.locator('input[name="caller_address"]').fill("合肥市包河区望湖路8号望湖城3栋")
    agent.locator('select[name="caller_district_id"]').select_option(label="包河区")
    agent.locator('select[name="m0_order_type"]').select_option("fault_repair")
    agent.locator('select[name="m0_area_class"]').select_option("urban")
    agent.locator('input[name="m0_title"]').fill("望湖城3栋单元停电")
    agent.get_by_role("button", name="核对").click()
    expect(agent.locator(".preview")).to_contain_text("抢修")
    agent.get_by_role("button", name="保存受理").click()
    number = agent.locator("#recorded a").first.inner_text()
    assert ORDER_NUMBER.fullmatch(number)

    # The caller rings again: the top bar's search finds the order by its number.
    agent.locator("header.bar input[name=q]").fill(number)
    agent.locator("header.bar input[name=q]").press("Enter")  # one order: straight to it
    expect(agent.locator("h1")).to_contain_text(number)
    expect(agent.locator("main")).to_contain_text("望湖城3栋")
    expect(agent.locator("main")).not_to_contain_text("13955106688")  # masked
    screenshot(agent, "day-agent-order-found")


def test_the_dispatchers_day(as_user: AsUser) -> None:
    dispatcher = as_user("dispatcher")
    expect(dispatcher.get_by_role("heading", level=1)).to_have_text("工单")
    rows = dispatcher.locator("table.list tbody tr")
    expect(rows.first).to_be_visible()
    screenshot(dispatcher, "day-dispatcher-home")
    # The most urgent new order first: open it, 派单 is the step already open.
    rows.first.locator("a").first.click()
    step = expected_step(dispatcher)
    expect(step.locator("summary")).to_contain_text("派单")
    expect(dispatcher.locator("main .card").first).to_contain_text(ADDRESS)
    fill_what_it_needs(step)
    send(dispatcher, step)

    # Returned results to review.
    dispatcher.get_by_role("link", name="待审核").click()
    expect(dispatcher.locator("nav a[aria-current=page]")).to_have_text("待审核")
    dispatcher.locator("table.list tbody tr a").first.click()
    step = expected_step(dispatcher)
    expect(step.locator("summary")).to_contain_text("审核通过")
    expect(dispatcher.locator("main")).to_contain_text("处理结果")
    send(dispatcher, step)
    screenshot(dispatcher, "day-dispatcher-approved")

    dispatcher.get_by_role("link", name="督办").click()
    expect(dispatcher.locator("h1")).to_contain_text("督办")


def test_the_hall_handlers_day(as_user: AsUser) -> None:
    handler = as_user("hall-baohe")
    expect(handler.get_by_role("heading", level=1)).to_have_text("我的工单")
    handler.locator("table.list tbody tr a").first.click()
    expect(handler.locator("main .card").first).to_contain_text(ADDRESS)  # where the customer is
    step = expected_step(handler)
    first = step.locator("summary").inner_text()
    fill_what_it_needs(step)
    send(handler, step)
    # The page moves on to the next step, open in its turn.
    after = expected_step(handler)
    assert after.locator("summary").inner_text() != first
    screenshot(handler, "day-handler-next-step")


def test_the_follow_up_agents_day(as_user: AsUser) -> None:
    followup = as_user("followup")
    expect(followup.locator("nav a[aria-current=page]")).to_have_count(1)
    replies = followup.locator("table.list tbody tr", has_text="已审核")
    replies.first.locator("a").first.click()
    step = expected_step(followup)
    expect(step.locator("summary")).to_contain_text("答复客户")
    fill_what_it_needs(step)
    send(followup, step)
    # Straight on to the follow-up call: the script in Chinese, no outcome chosen for her.
    step = expected_step(followup)
    expect(step.locator("summary")).to_contain_text("回访")
    expect(step).to_contain_text("您好")
    assert "。。" not in step.inner_text()
    outcome = step.locator('select[name="outcome"]')
    expect(outcome).to_have_value("")
    outcome.select_option("satisfied")
    send(followup, step)
    step = expected_step(followup)
    expect(step.locator("summary")).to_contain_text("归档")
    send(followup, step)
    expect(followup.locator("h1")).to_contain_text("已归档")
    screenshot(followup, "day-followup-archived")


def test_the_repair_crews_day_on_a_phone(as_user: AsUser, demo_server: str) -> None:
    # Before the crew looks: a fault reported and sent to 包河区抢修班 (the office's work, by API).
    api = LoopApi(httpx.Client(base_url=demo_server, timeout=30), None)  # type: ignore[arg-type]
    districts = api.client.get("/api/v1/districts", headers=api.headers("dispatcher")).json()
    baohe = next(d["id"] for d in districts if d["name"] == "包河区")
    caller = {"name": "孙女士", "phone": "13955107711", "address": "合肥市包河区徽州大道18号"}
    matter = {"order_type": "fault_repair", "area_class": "urban", "title": "18号楼整栋停电"}
    body = {"channel": "hotline", "customer": {**caller, "district_id": baohe}, "matters": [matter]}
    contact = api.client.post("/api/v1/contacts", json=body, headers=api.headers("agent")).json()
    api.act("dispatcher", contact["orders"][0]["id"], "dispatch", crew="包河抢修一班")

    crew = as_user("repair-baohe", viewport=PHONE)
    # The crew lands on its jobs (the demo's active fault, sent to it), the rest of the
    # department's work one tap away.
    expect(crew.get_by_role("heading", level=1)).to_have_text("包河区抢修一班")
    expect(crew.locator("article.job")).to_have_count(1)
    screenshot(crew, "day-crew-jobs-phone")
    crew.locator("#other-work a").click()
    expect(crew.get_by_role("heading", level=1)).to_have_text("我的工单")
    bar = crew.locator("header.bar")
    expect(bar).to_contain_text("抢修人员")
    expect(bar).not_to_contain_text("电费核算")  # no billing desk on a crew's phone
    expect(crew.locator("main")).not_to_contain_text("导出")
    expect(crew.locator("#filter-panel")).not_to_have_attribute("open", "")  # folded
    expect(crew.locator("table.list tbody tr").first).to_contain_text(ADDRESS)  # where to go
    crew.locator("table.list tbody tr a").first.click()
    top = crew.locator("main").locator(".card").first
    expect(top).to_contain_text(ADDRESS)  # the address, at the top of the job
    expect(top).to_contain_text("联系人")
    box = top.bounding_box()
    assert box is not None and box["y"] < PHONE["height"], "the address is below the fold"
    expected_step(crew)
    screenshot(crew, "day-crew-job-phone")


def test_the_supervisors_day(as_user: AsUser) -> None:
    supervisor = as_user("supervisor")
    expect(supervisor.get_by_role("heading", level=1)).to_have_text("质量看板")
    # The overdue card and the list behind it say the same number.
    overdue = supervisor.locator('[data-figure="overdue_now"]')
    count = int(overdue.get_attribute("data-count") or "0")
    assert count > 0, "the demo's last morning has overdue work"
    overdue.click()
    expect(supervisor.locator(".matched")).to_have_attribute("data-total", str(count))
    expect(supervisor.locator("table.list tbody tr")).to_have_count(min(count, 50))
    screenshot(supervisor, "day-supervisor-overdue")
    # One of them: where it is, and what has happened to it.
    supervisor.locator("table.list tbody tr a").first.click()
    expect(supervisor.locator("main .card").first).to_contain_text(ADDRESS)
    expect(supervisor.locator("ol.timeline li").first).to_be_visible()
    # Accepted this period, by type: the first type's figure leads to as many orders.
    supervisor.get_by_role("link", name="质量看板").click()
    accepted = supervisor.locator('td a[data-figure="accepted"]').first
    count = int(accepted.get_attribute("data-count") or "0")
    accepted.click()
    expect(supervisor.locator(".matched")).to_have_attribute("data-total", str(count))


def test_the_metering_staffs_day_on_held_readings(as_user: AsUser) -> None:
    metering = as_user("metering")
    metering.get_by_role("link", name="电费核算").click()
    held = metering.locator("#held tbody tr")
    expect(held.first).to_be_visible()
    account = held.first.locator("td").first.inner_text()
    held.first.get_by_role("link", name="审核").click()
    expect(metering.locator("h1")).to_contain_text("审核待出账的抄表")
    expect(metering.locator("main")).to_contain_text("常量")  # the usual month beside this one
    accept = metering.locator("#accept-held")
    accept.get_by_label("审核说明").fill("现场核实：新增电采暖，用电属实")
    accept.get_by_role("button", name="确认读数无误").click()
    # On to the next held month, or back to the list when none is left.
    expect(metering.locator("#review-done")).to_contain_text("确认")
    screenshot(metering, "day-metering-reviewed")
    metering.get_by_role("link", name="电费核算").click()
    expect(metering.locator("#held")).not_to_contain_text(account)
    expect(metering.locator("main")).to_contain_text(account)  # among the decisions
    expect(metering.locator("main")).to_contain_text("现场核实")  # the decision, on record


def test_the_administrators_day(as_user: AsUser) -> None:
    admin = as_user("admin")
    expect(admin.get_by_role("heading", level=1)).to_have_text("系统管理")
    # A new crew member for 包河区抢修班; a password too weak is refused beside its field.
    form = admin.locator("form", has=admin.locator('input[name="full_name"]'))
    form.get_by_label("用户名", exact=True).fill("repair-baohe-2")
    form.get_by_label("姓名", exact=True).fill("邓小兵")
    form.locator('select[name="role"]').select_option(label="部门处理人")
    form.locator('select[name="department_id"]').select_option(label="包河区抢修班")
    form.get_by_label("密码", exact=True).fill("abcdefgh")
    form.get_by_role("button").click()
    password = admin.locator('form.card input[name="password"]')
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(admin.locator(f"#{password.get_attribute('aria-describedby')}")).to_contain_text(
        "字母和数字"
    )
    expect(admin.locator('form.card input[name="full_name"]')).to_have_value("邓小兵")  # kept
    password.fill("Baohe2026x")
    admin.locator("form.card").get_by_role("button").click()
    row = admin.locator("tr", has=admin.get_by_text("repair-baohe-2", exact=True))
    expect(row).to_contain_text("抢修人员")  # named as his crew's people are
    screenshot(admin, "day-admin-staff-added")
    # The deadlines the centre works to, and the calendar they are counted on.
    admin.get_by_role("link", name="时限标准").click()
    expect(admin.locator("main")).to_contain_text("故障报修")
    admin.get_by_role("link", name="工作日历").click()
    expect(admin.locator("h1")).to_have_text("系统管理")
