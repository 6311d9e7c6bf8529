"""The supervisor's dashboard in Chromium, at an office screen and a phone: the overdue card
leads to its orders, the chart drawn for the width it is shown at, screenshots to look at."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from browser.conftest import log_in, screenshot
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]
WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _a_fortnight(loop: LoopApi, frozen_clock: Any) -> None:
    """Two weeks of calls of several types: most complaints answered, the rest left waiting
    (late by the end)."""
    start = datetime(2026, 2, 23, 9, 0, tzinfo=clock.SHANGHAI)
    kinds = ["complaint", "fault_repair", "consultation", "opinion", "service_request"]
    for day in range(10):
        frozen_clock.set(start + timedelta(days=day))
        for n in range(day % 4 + 1):
            kind = kinds[(day + n) % len(kinds)]
            order = loop.intake(kind)
            if kind == "complaint":
                loop.drive(order["id"], kind, "replied" if day % 3 else "dispatched")
    frozen_clock.set(start + timedelta(days=10, hours=1))


def test_the_dashboard_at_the_office_and_on_a_phone(
    open_page: OpenPage, live_server: str, org: Organisation, frozen_clock: Any
) -> None:
    loop = LoopApi(httpx.Client(base_url=live_server, timeout=30), org)
    _a_fortnight(loop, frozen_clock)
    swept = loop.client.post("/api/v1/admin/sweep", headers=loop.headers("supervisor"))
    assert swept.status_code == 200

    page = open_page(viewport=WIDE)
    log_in(page, "supervisor")
    page.goto("/console/dashboard?start=2026-02-23&end=2026-03-05")
    expect(page.locator(".chart-wide svg.chart").first).to_be_visible()
    expect(page.locator(".chart-narrow svg.chart").first).to_be_hidden()
    screenshot(page, "dashboard-1440")
    overdue = page.locator('[data-figure="overdue_now"]')
    count = int(overdue.get_attribute("data-count") or "0")
    assert count > 0 and overdue.inner_text() == str(count)
    overdue.click()
    expect(page.locator(".matched")).to_have_attribute("data-total", str(count))
    expect(page.locator("table.list tbody tr")).to_have_count(min(count, 50))
    screenshot(page, "dashboard-overdue-list-1440")

    phone = open_page(viewport=PHONE)
    log_in(phone, "supervisor")
    phone.goto("/console/dashboard?start=2026-02-23&end=2026-03-05")
    expect(phone.locator(".chart-narrow svg.chart").first).to_be_visible()
    expect(phone.locator(".chart-wide svg.chart").first).to_be_hidden()
    # Nothing wider than the phone but the tables that scroll on their own.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    screenshot(phone, "dashboard-390")
