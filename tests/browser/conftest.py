"""Console tests in a real browser: Playwright driving Debian's Chromium, headless.

Chromium comes from the system (`apt-get install chromium fonts-noto-cjk`; .ci/run does it),
never from Playwright's own download. Without it these tests are skipped, unless
QUARTERHOUR_REQUIRE_BROWSER=1 (CI), which makes a missing browser a failure.

Screenshots of the main pages go to test-artifacts/ (git-ignored) for people to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("QUARTERHOUR_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("QUARTERHOUR_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
# The flags a sandboxed, offline CI machine needs (no GPU, no sandbox as root, no calls home).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OFFICE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None  # type: ignore[assignment]


def _why_not() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    problem = _why_not()
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail(f"browser tests required: {problem}")
        pytest.skip(problem)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """A new browser context (its own cookies) per call, on the live server."""
    contexts = []

    def _open(viewport: dict[str, int] = OFFICE, lang: str = "zh-CN") -> Page:
        context = browser.new_context(base_url=live_server, viewport=viewport, locale=lang)  # type: ignore[arg-type]
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page: Page, username: str) -> None:
    from quarterhour.demo.organisation import DEMO_PASSWORD

    page.goto("/console/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")
