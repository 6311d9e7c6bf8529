"""The pages under their Content-Security-Policy in Chromium: nothing on them is refused (a page
that still had an inline script or style would be broken, and Chromium says so on its console),
the console's own script still works (the caller search fills in as the agent types), the styles
that replaced style attributes apply, and the API documentation still renders."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from browser.conftest import log_in
from quarterhour.demo.organisation import Organisation
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]


def _refusals(page: Page) -> list[str]:
    refused: list[str] = []

    def heard(message: ConsoleMessage) -> None:
        text = message.text
        # ReDoc's footer asks for its maker's logo from the internet: refused, as it should be
        # (nothing is loaded from elsewhere); anything else refused is a page broken.
        if "'https://" in text and "Loading the image" in text:
            return
        if "Content Security Policy" in text or "Refused to" in text:
            refused.append(text)

    page.on("console", heard)
    return refused


def test_console_and_public_pages_work_under_their_policy(
    open_page: OpenPage, live_server: str, org: Organisation
) -> None:
    LoopApi(httpx.Client(base_url=live_server, timeout=30), org).intake("complaint")
    page = open_page()
    refused = _refusals(page)
    log_in(page, "agent")
    page.goto("/console/desk")
    page.get_by_label("查找来电客户").fill("3456")  # console.js asks as the agent types
    expect(page.locator("#caller-results")).to_contain_text("袁")
    assert page.locator("label.grow").first.evaluate("e => getComputedStyle(e).flexGrow") == "1"
    log_in(page, "supervisor")
    page.goto("/console/dashboard")
    expect(page.locator("svg.chart").first).to_be_visible()
    for path in ("/bill", "/status", "/disclosure"):
        page.goto(path)
        header = page.locator("header")
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 83, 148)"
    assert refused == []


def test_the_api_docs_render_under_their_own_policy(open_page: OpenPage) -> None:
    page = open_page()
    refused = _refusals(page)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Quarter Hour")
    expect(page.locator(".opblock").first).to_be_visible()
    page.goto("/redoc")
    expect(page.get_by_role("heading", name="Quarter Hour").first).to_be_visible()
    assert refused == []
