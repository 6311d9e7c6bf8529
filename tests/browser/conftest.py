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
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from quarterhour.kit.clock import SHANGHAI

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
    from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
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


@contextmanager
def pages_on(browser: Browser, base: str) -> Iterator[Callable[..., Page]]:
    """Opens pages on `base`, each in a new browser context (its own cookies, as a person at
    his own desk); they are all closed when the block ends."""
    contexts = []

    def _open(viewport: dict[str, int] = OFFICE, lang: str = "zh-CN") -> Page:
        context = browser.new_context(base_url=base, viewport=viewport, locale=lang)  # type: ignore[arg-type]
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    try:
        yield _open
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def open_page(browser: Browser, live_server: str) -> Iterator[Callable[..., Page]]:
    """A new browser context per call, on the live server."""
    with pages_on(browser, live_server) as opener:
        yield opener


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


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # enough of a PNG for the type check


def action_form(page: Page, action: str) -> Locator:
    """The form of one action on an order's page, unfolded."""
    form = page.locator("details.action", has=page.locator(f'input[name=action][value="{action}"]'))
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    return form


def act(page: Page, order_id: int, action: str, **fields: str) -> Page:
    """Take an action from the order's page as its user would: fill the fields (a select by
    value; `photo` attaches a picture by that name) and send; the page confirms it."""
    page.goto(f"/console/orders/{order_id}")
    form = action_form(page, action)
    for name, value in fields.items():
        if name == "photo":
            form.locator('input[type="file"]').set_input_files(
                {"name": value, "mimeType": "image/png", "buffer": PNG}
            )
            continue
        field = form.locator(f'[name="{name}"]')
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash.ok")).to_be_visible()
    return page


def schedule_episode(client: httpx.Client, headers: dict[str, str], day: str, org: Any) -> None:
    """The programme's episode on `day`, its roster a company leader and a specialist."""
    response = client.post(
        "/api/v1/episodes",
        json={
            "air_date": day,
            "roster": [
                {"staff_id": org.staff["leader"].id, "duty": "leader"},
                {"staff_id": org.staff["specialist"].id, "duty": "specialist"},
            ],
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text


# --- the demo data behind a live server, shared by the tour and the accessibility check -------
DEMO_ANCHOR = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)  # a Friday morning


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Thirty days of demo history behind a real HTTP server, one per test module (a module
    that works through the demo's data leaves the next one its own)."""
    from quarterhour.config import Settings
    from quarterhour.demo import generator
    from quarterhour.demo.organisation import FAST_HASH
    from quarterhour.entrypoints.app import create_app
    from quarterhour.storage.engine import make_engine
    from quarterhour.storage.migrate import upgrade
    from serving import serving

    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    settings = Settings(database_url=f"sqlite:///{path}", run_background_sweep=False)
    engine = make_engine(settings)
    upgrade(engine)
    engine.dispose()
    generator.generate(settings, days=30, now=DEMO_ANCHOR, password_cost=FAST_HASH)
    with serving(create_app(settings)) as base:
        yield base


@pytest.fixture
def as_user(browser: Browser, demo_server: str) -> Iterator[Callable[..., Page]]:
    """Logs a demo user in, each in his own browser context."""
    with pages_on(browser, demo_server) as open_page:

        def _as(username: str, viewport: dict[str, int] = OFFICE) -> Page:
            page = open_page(viewport)
            log_in(page, username)
            return page

        yield _as
