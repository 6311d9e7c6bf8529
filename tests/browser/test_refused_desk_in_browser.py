"""The desk in a browser: a contact saved without its matter's title is refused in Chinese under
the title, the title is marked (a red border from the console's stylesheet), and what the agent
typed about the caller is still there."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import log_in, screenshot

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]


def test_an_empty_matter_is_refused_under_its_title(open_page: OpenPage, backend: str) -> None:
    page = open_page()
    log_in(page, "agent")
    page.goto("/console/desk")
    form = page.locator("#contact-form")
    form.locator('[name="caller_name"]').fill("钱先生")
    form.locator('[name="caller_phone"]').fill("13955500001")
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state("domcontentloaded")

    expect(page.locator("#error")).to_have_text("事项1的标题：必须填写")
    title = form.locator('[name="m0_title"]')
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_attribute("aria-describedby", "error-m0_title")
    message = page.locator("#error-m0_title")
    expect(message).to_have_text("必须填写")
    expect(message).to_be_visible()
    # Under the title: below it, and within its width.
    field, note = title.bounding_box(), message.bounding_box()
    assert field is not None and note is not None
    assert note["y"] >= field["y"] + field["height"] - 1
    assert abs(note["x"] - field["x"]) < 40
    # Marked by the stylesheet (no inline style): a red border.
    border = title.evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == "rgb(179, 38, 30)", border
    expect(form.locator('[name="caller_name"]')).to_have_value("钱先生")
    expect(form.locator('[name="caller_phone"]')).to_have_value("13955500001")
    if backend == "sqlite":
        screenshot(page, "desk-refused-title")
