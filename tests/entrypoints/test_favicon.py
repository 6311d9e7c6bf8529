"""The tab shows the product's own icon, served from our static files (no 404 in the logs)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_icon_is_served_and_every_page_names_it(client: TestClient) -> None:
    asked = client.get("/favicon.ico", follow_redirects=False)
    assert asked.status_code == 301
    assert asked.headers["location"] == "/static/favicon.svg"
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in icon.content
    for page in ("/console/login", "/disclosure"):
        html = client.get(page).text
        assert '<link rel="icon" href="/static/favicon.svg"' in html, page
