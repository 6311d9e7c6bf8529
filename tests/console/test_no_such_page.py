"""A console address that is no page answers with a console page in the reader's language, not
the API's JSON; the API's own unknown addresses stay JSON."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_a_mistyped_console_address_is_a_page_with_the_way_back(
    desk: Callable[[str], TestClient],
) -> None:
    agent = desk("agent")
    page = agent.get("/console/dashbord")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "没有这个页面" in page.text and 'href="/console"' in page.text
    english = agent.get("/console/dashbord?lang=en")
    assert "There is no such page" in english.text
    api = agent.get("/api/v1/nowhere")
    assert api.status_code == 404 and api.json()["error"] == "not_found"
