"""A walk through the console on the demo data, in Chromium: every main page of every role
answers, shows real content, and leaves a screenshot in test-artifacts/console/tour-*.png for
people to look at (the test of record for what users see)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import PHONE, screenshot


def _visit(page: Page, path: str, name: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (
        f"{path}: {response and response.status}"
    )
    screenshot(page, f"tour-{name}")


def test_a_tour_of_every_role_on_the_demo_data(as_user: Callable[..., Page]) -> None:
    agent = as_user("agent")
    agent.locator("#lookup").fill("唐邦")
    expect(agent.locator("#callers")).to_be_visible()
    screenshot(agent, "tour-agent-desk-lookup")
    agent.locator("#callers button").first.click()
    expect(agent.locator("#customer-view")).to_be_visible()
    screenshot(agent, "tour-agent-desk-customer")

    dispatcher = as_user("dispatcher")
    expect(dispatcher.locator("table.list tbody tr")).not_to_have_count(0)
    screenshot(dispatcher, "tour-dispatcher-new-contacts")
    _visit(dispatcher, "/console/orders", "dispatcher-all-open")
    _visit(dispatcher, "/console/orders?escalated=true&open=true", "dispatcher-escalated")
    _visit(dispatcher, "/console/crews", "dispatcher-crews")
    expect(dispatcher.locator("main")).to_contain_text("BAOHE-1")
    dispatcher.get_by_role("link", name="包河区抢修一班").click()
    expect(dispatcher.get_by_role("heading", level=1)).to_contain_text("BAOHE-1")
    screenshot(dispatcher, "tour-crew-page")
    _visit(dispatcher, "/console/outages/live", "dispatcher-live-board")
    dispatcher.goto("/console/orders")
    dispatcher.locator("table.list tbody a").first.click()
    expect(dispatcher.locator("ol.timeline li").first).to_be_visible()
    screenshot(dispatcher, "tour-order-page")

    handler = as_user("hall-baohe")
    screenshot(handler, "tour-handler-my-work")
    crew = as_user("repair-baohe", viewport=PHONE)
    expect(crew.locator("article.job")).not_to_have_count(0)  # the demo's active fault
    screenshot(crew, "tour-repair-crew-jobs-phone")
    crew.locator("header.bar nav").get_by_role("link", name="我的工单").click()
    screenshot(crew, "tour-repair-my-work-phone")

    followup = as_user("followup")
    screenshot(followup, "tour-followup-queue")

    supervisor = as_user("supervisor")
    expect(supervisor.locator(".tile").first).to_be_visible()
    _visit(supervisor, "/console/dashboard?start=2026-10-28&end=2026-11-27", "supervisor-dashboard")
    expect(supervisor.locator("svg.chart").first).to_be_visible()
    _visit(supervisor, "/console/billing", "billing")
    _visit(supervisor, "/console/customers?q=唐邦", "customers-search")
    supervisor.locator("table.list a").first.click()
    expect(supervisor.get_by_role("heading", level=1)).to_contain_text("客户")
    screenshot(supervisor, "tour-customer-page")
    # A customer with bills (the story's caller has a new account): the first of the 王 family.
    _visit(supervisor, "/console/customers?q=王", "customers-search-wang")
    people = [a.get_attribute("href") or "" for a in supervisor.locator("table.list a").all()[:8]]
    for href in people:
        supervisor.goto(href)
        bill = supervisor.locator('a[href*="/bills/"]').first
        if bill.count():
            screenshot(supervisor, "tour-customer-with-bills")
            bill.click()
            expect(supervisor.locator("#bill-lines tbody tr").first).to_be_visible()
            screenshot(supervisor, "tour-bill")
            break
    else:
        pytest.fail(f"none of {people} has a bill")

    admin = as_user("admin")
    expect(admin.locator("table.list tbody tr")).not_to_have_count(0)
    screenshot(admin, "tour-admin-staff")
    # The demo's implausible reading, held by the bill run: its account's readings, to void it.
    _visit(admin, "/console/billing", "admin-billing")
    admin.locator("#held a").first.click()
    expect(admin.locator("form.void-reading").first).to_be_visible()
    screenshot(admin, "tour-admin-readings")

    public = as_user("agent")
    _visit(public, "/disclosure", "public-disclosure")
    _visit(public, "/bill", "public-bill")
    _visit(public, "/status", "public-status")
    assert re.search(r"查询", public.content())
