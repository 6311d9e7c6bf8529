"""The served pages: health, OpenAPI, and API docs that load nothing from outside the machine."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/contacts" in spec["paths"]
    assert "/api/v1/orders/{order_id}/actions/{action}" in spec["paths"]


def test_docs_pages_use_only_local_assets(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
        assert external == [], f"{page} loads {external}"
        for asset in re.findall(r"""(?:src|href)=["'](/[^"']+)""", html):
            assert client.get(asset).status_code == 200, asset


def test_root_leads_to_the_console(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 307)
    assert response.headers["location"] == "/console"
    assert client.get("/docs").status_code == 200  # the API's docs stay where they were
