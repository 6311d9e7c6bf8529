"""A console form that FastAPI refuses before its route runs (a field over its length) answers
with a page in the reader's language naming the field, and a way back to the form, not the
API's JSON."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from console.conftest import csrf_of
from console.refused import summary
from quarterhour.demo.organisation import DEMO_PASSWORD

Desk = Callable[[str], TestClient]


def _back_link(page: str) -> str:
    found = re.search(r'<p><a href="([^"]+)">返回</a></p>', page)
    assert found, "no way back"
    return found.group(1)


def test_an_overlong_username_is_refused_on_a_page_in_chinese(client: TestClient) -> None:
    refused = client.post(
        "/console/login",
        data={"username": "x" * 65, "password": DEMO_PASSWORD},
        headers={"referer": "http://testserver/console/login"},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    said = summary(refused.text)
    assert "用户名" in said and "64" in said, said
    assert _back_link(refused.text) == "/console/login"  # back to the form


def test_in_english_for_an_english_reader(client: TestClient) -> None:
    refused = client.post(
        "/console/login?lang=en", data={"username": "x" * 65, "password": DEMO_PASSWORD}
    )
    assert refused.status_code == 422
    said = summary(refused.text)
    assert "64" in said and "用户名" not in said, said


def test_the_back_link_never_leaves_the_console(desk: Desk) -> None:
    staff = desk("metering")
    token = csrf_of(staff.get("/console/billing").text)
    refused = staff.post(
        "/console/billing/held/1/review",
        data={"csrf": token, "decision": "x" * 11},
        headers={"referer": "https://elsewhere.example/console/x"},
    )
    assert refused.status_code == 422
    assert _back_link(refused.text) == "/console"


def test_the_api_keeps_its_json(client: TestClient) -> None:
    answer = client.post("/api/v1/auth/token", json={"username": "x" * 65, "password": "p"})
    assert answer.status_code == 422
    assert answer.json()["error"] == "validation_failed"
