"""A complaint from the call to the archive through the console only, counting what people do.

Every person starts on the home page the console gives his role after login and finds the
order from there (menus, queues, links), never by typing an address. Each click, each field
typed into and each choice in a list is one user action; logging in is counted apart (staff
log in once a shift, not once an order). The issue this answers counted 37 actions for the
same complaint; the test holds the console to fewer and prints the count (`-s` shows it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import Engine, update

from billing.test_inquiry_and_payments import billed_household
from browser.conftest import log_in, screenshot
from quarterhour.config import Settings
from quarterhour.customers.models import Customer
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.storage.engine import make_session_factory
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]
BEFORE = 37  # the count the issue measured on the console before this work


@dataclass
class Tally:
    """User actions, by person and in all."""

    by_person: dict[str, int] = field(default_factory=dict)
    logins: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_person.values())


@dataclass
class User:
    """One person at his desk: the actions he takes, each counted."""

    page: Page
    name: str
    tally: Tally

    def _count(self) -> None:
        self.tally.by_person[self.name] = self.tally.by_person.get(self.name, 0) + 1

    def click(self, target: Locator) -> None:
        self._count()
        target.click()

    def type(self, target: Locator, text: str) -> None:
        self._count()
        target.fill(text)

    def choose(self, target: Locator, value: str) -> None:
        self._count()
        target.select_option(value)


def at(hhmm: str, day: str = "2026-11-16") -> datetime:  # a Monday
    return datetime.fromisoformat(f"{day} {hhmm}").replace(tzinfo=clock.SHANGHAI)


def open_step(user: User, action_label: str) -> Locator:
    """The form of the step the page offers; the expected next step is already open, any
    other costs the click that unfolds it."""
    form = user.page.locator(
        "details.action", has=user.page.locator("summary", has_text=action_label)
    )
    expect(form.first).to_be_visible()
    form = form.first
    if form.get_attribute("open") is None:
        user.click(form.locator("summary"))
    return form


def test_a_billing_complaint_from_call_to_archive_in_fewer_actions(
    open_page: OpenPage,
    live_server: str,
    org: Organisation,
    engine: Engine,
    settings: Settings,
    frozen_clock: Any,
    backend: str,
) -> None:
    api = LoopApi(httpx.Client(base_url=live_server, timeout=30), org)
    frozen_clock.set(at("08:30"))
    with make_session_factory(engine)() as session:  # a household with its bills
        account = billed_household(session, org, settings)
        session.execute(
            update(Customer)
            .where(Customer.id == account.customer_id)
            .values(name="刘晓燕", district_id=org.districts["baohe"])
        )
        session.commit()
    tally = Tally()

    def sign_in(username: str) -> User:
        page = open_page()
        log_in(page, username)
        tally.logins += 1
        return User(page, username, tally)

    # 09:00 the agent takes the call: finds the caller, keeps her account, types the matter.
    frozen_clock.set(at("09:00"))
    agent = sign_in("agent")
    desk = agent.page
    agent.type(desk.locator("#lookup"), "刘晓燕")
    pick = desk.locator("#callers button").first
    expect(pick).to_be_visible()
    agent.click(pick)
    expect(desk.locator("#customer-view")).to_be_visible()
    expect(desk.locator('select[name="account"]')).not_to_have_value("")  # his one account
    agent.choose(desk.locator('select[name="m0_order_type"]'), "complaint")
    agent.choose(desk.locator('select[name="m0_subtype"]'), "billing")
    agent.type(desk.locator('input[name="m0_title"]'), "对十月电费有异议")
    agent.type(desk.locator('textarea[name="m0_description"]'), "客户认为十月电量偏高，要求核查")
    agent.click(desk.get_by_role("button", name="保存受理"))
    recorded = desk.locator("#recorded")
    expect(recorded).to_contain_text("GD20261116")
    number = recorded.locator("a").first.inner_text()

    # 09:10 the dispatcher sees it at the top of his queue and sends it where routing says.
    frozen_clock.set(at("09:10"))
    dispatcher = sign_in("dispatcher")
    agent_link = dispatcher.page.get_by_role("link", name=number)
    dispatcher.click(agent_link)
    expect(dispatcher.page.locator("h1")).to_contain_text(number)
    dispatcher.click(open_step(dispatcher, "派单").locator("button[type=submit]"))
    expect(dispatcher.page.locator(".flash.ok")).to_be_visible()

    # 10:00 the hall's handler: his work, accept, call the customer, return the result.
    frozen_clock.set(at("10:00"))
    handler = sign_in("hall-baohe")
    handler.click(handler.page.get_by_role("link", name=number))
    handler.click(open_step(handler, "接单").locator("button[type=submit]"))
    expect(handler.page.locator(".flash.ok")).to_be_visible()
    frozen_clock.set(at("10:30"))
    contact = open_step(handler, "联系客户")
    handler.type(contact.locator('[name="note"]'), "已电话联系客户，约定现场核查电表")
    handler.click(contact.locator("button[type=submit]"))
    expect(handler.page.locator(".flash.ok")).to_be_visible()
    frozen_clock.set(at("15:00"))
    result = open_step(handler, "回单")
    handler.type(result.locator('[name="result"]'), "现场核查电表运行正常，已向客户解释阶梯电价")
    handler.click(result.locator("button[type=submit]"))
    expect(handler.page.locator(".flash.ok")).to_be_visible()

    # 15:30 the dispatcher reviews it from 待审核.
    frozen_clock.set(at("15:30"))
    dispatcher.click(dispatcher.page.get_by_role("link", name="待审核"))
    dispatcher.click(dispatcher.page.get_by_role("link", name=number))
    dispatcher.click(open_step(dispatcher, "审核通过").locator("button[type=submit]"))
    expect(dispatcher.page.locator(".flash.ok")).to_be_visible()

    # 16:00 the follow-up agent replies, next morning follows up and archives.
    frozen_clock.set(at("16:00"))
    followup = sign_in("followup")
    followup.click(followup.page.get_by_role("link", name=number))
    reply = open_step(followup, "答复客户")
    method = reply.locator('[name="reply_method"]')
    if method.input_value() == "":
        followup.choose(method, "phone")
    followup.click(reply.locator("button[type=submit]"))
    expect(followup.page.locator(".flash.ok")).to_be_visible()
    frozen_clock.set(at("10:00", "2026-11-17"))  # the next shift: a new login
    followup = sign_in("followup")  # her home lists replies to give and follow-ups to make
    followup.click(followup.page.get_by_role("link", name=number))
    visit = open_step(followup, "回访")
    followup.choose(visit.locator('[name="outcome"]'), "satisfied")
    followup.click(visit.locator("button[type=submit]"))
    expect(followup.page.locator(".flash.ok")).to_be_visible()
    followup.click(open_step(followup, "归档").locator("button[type=submit]"))

    last = followup.page
    expect(last.locator("h1")).to_contain_text("已归档")
    if backend == "sqlite":
        screenshot(last, "complaint-in-actions-archived")
    print(
        f"\ncomplaint from call to archive: {tally.total} user actions "
        f"({', '.join(f'{k} {v}' for k, v in tally.by_person.items())}), "
        f"plus {tally.logins} logins; before: {BEFORE}"
    )
    assert api.order(int((last.url.rsplit("/", 1)[1]).split("?")[0]))["state"] == "archived"
    assert tally.total < BEFORE
