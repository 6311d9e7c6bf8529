"""The crew's phone page in Chromium (390×844): the crew lands on its job, the page is no wider
than the phone, one big button is open at a time, and the phone's position goes with the step
(crew.js, the phone's permission granted). Screenshots: test-artifacts/console/crew-job-*.png."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from browser.conftest import PHONE, log_in, screenshot
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from workorders.loop_client import MATTERS, LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]


def test_the_crew_takes_its_job_from_the_phone(
    open_page: OpenPage, live_server: str, org: Organisation, frozen_clock: Any, backend: str
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 7, 55, tzinfo=clock.SHANGHAI))
    api = LoopApi(httpx.Client(base_url=live_server, timeout=30), org)
    client = api.client
    admin, dispatcher = api.headers("admin"), api.headers("dispatcher")
    crew = client.post(
        "/api/v1/crews",
        json={"code": "BH-1", "name": "包河区抢修一班", "department_id": org.dept("repair-baohe")},
        headers=admin,
    ).json()
    client.post(
        f"/api/v1/crews/{crew['id']}/members",
        json={"staff_id": org.staff["repair-baohe"].id},
        headers=admin,
    ).raise_for_status()
    start = frozen_clock.now - timedelta(hours=1)
    client.post(
        f"/api/v1/crews/{crew['id']}/roster",
        json={"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=12)).isoformat()},
        headers=dispatcher,
    ).raise_for_status()
    client.post(
        f"/api/v1/crews/{crew['id']}/status", json={"status": "available"}, headers=dispatcher
    ).raise_for_status()
    order = api.contact(
        {**MATTERS["fault_repair"], "title": "台区变压器冒烟，整片停电"},
        customer=api.customer(address="包河区芜湖路174号宿舍楼3栋"),
    )["orders"][0]
    client.post(
        f"/api/v1/orders/{order['id']}/crew", json={}, headers=dispatcher
    ).raise_for_status()

    phone = open_page(PHONE)
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 31.8512, "longitude": 117.2805})
    log_in(phone, "repair-baohe")
    expect(phone).to_have_url(f"{live_server}/console/crew")
    job = phone.locator("article.job")
    expect(job).to_contain_text("包河区芜湖路174号宿舍楼3栋")
    expect(job).to_contain_text(order["number"])
    expect(job.get_by_role("button", name="接单")).to_be_enabled()
    expect(job.get_by_role("button", name="到场")).to_be_disabled()
    wide = phone.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"the page is {wide}px wide on a {PHONE['width']}px phone"
    if backend == "sqlite":
        screenshot(phone, "crew-job-390")
    job.get_by_role("button", name="接单").click()
    expect(phone.locator(".flash.ok")).to_have_text("已记录：接单。")
    frozen_clock.advance(minutes=2)
    # The position fix arrives after the page loads: wait for crew.js to fill it in.
    expect(phone.locator('input[data-geo="latitude"]')).to_have_value("31.851200")
    phone.locator("article.job").get_by_role("button", name="出发").click()
    expect(phone.locator(".flash.ok")).to_have_text("已记录：出发。")
    expect(phone.locator("article.job").get_by_role("button", name="到场")).to_be_enabled()
    if backend == "sqlite":
        screenshot(phone, "crew-job-departed-390")
    seen = client.get(f"/api/v1/crews/{crew['id']}", headers=dispatcher).json()
    assert seen["status"] == "en_route"
    assert seen["position"]["latitude"] == "31.851200"
