"""The outages API (declare, move, lookup; 403, 409 with the allowed steps, 422 naming the field)
and announced outages on the public disclosure, in Chinese and English."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from outage_network import Network
from sqlalchemy.orm import Session

from quarterhour.kit import clock

pytestmark = pytest.mark.db


def _planned(days: float = 9) -> dict[str, object]:
    starts = (clock.now() + timedelta(days=days)).replace(microsecond=0)
    return {
        "kind": "planned",
        "cause": "10kV徽州线检修",
        "area": "徽州大道1号—3号",
        "starts_at": starts.isoformat(),
        "expected_restoration_at": (starts + timedelta(hours=8)).isoformat(),
        "feeders": ["BH-10-01"],
    }


def test_declare_publish_and_the_disclosure(
    client: TestClient,
    login: Callable[[str], dict[str, str]],
    session: Session,
    network: Network,
    frozen_clock: object,
) -> None:
    centre = login("dispatcher")
    agent = login("agent")
    assert client.post("/api/v1/outages", json=_planned(), headers=agent).status_code == 403
    created = client.post("/api/v1/outages", json=_planned(), headers=centre)
    assert created.status_code == 201, created.text
    body = created.json()
    outage_id = body["outage"]["id"]
    assert (body["outage"]["state"], body["transformers"]) == ("planned", 2)
    assert body["allowed_actions"] == ["publish", "reschedule", "cancel"]
    early = client.post(f"/api/v1/outages/{outage_id}/start", json={}, headers=centre)
    assert early.status_code == 409
    assert early.json()["allowed_actions"] == ["publish", "reschedule", "cancel"]
    page = client.get("/disclosure")
    assert "目前没有已公告的停电" in page.text
    published = client.post(
        f"/api/v1/outages/{outage_id}/publish", json={"text": "停电公告"}, headers=centre
    )
    assert published.status_code == 200, published.text
    (notice,) = published.json()["notices"]
    assert notice["days_ahead"] >= 7
    zh = client.get("/disclosure")
    assert "计划停电公告" in zh.text and "10kV徽州线检修" in zh.text and "徽州线" in zh.text
    en = client.get("/disclosure?lang=en")
    assert "Planned outages" in en.text and "announced" in en.text
    api = client.get("/api/v1/public/disclosure").json()
    assert [o["cause"] for o in api["outages"]] == ["10kV徽州线检修"]
    # The desk asks during the outage's window: the planned outage covers 3400100002.
    during = (clock.now() + timedelta(days=9, hours=1)).isoformat()
    found = client.get(
        "/api/v1/outages/lookup", params={"account": "3400100002", "at": during}, headers=agent
    )
    assert found.status_code == 200, found.text
    assert (found.json()["transformer"], found.json()["outage"]["id"]) == ("TA-001", outage_id)
    listed = client.get("/api/v1/outages", params={"state": "announced"}, headers=agent)
    assert [o["id"] for o in listed.json()] == [outage_id]


def test_refusals_name_the_field(
    client: TestClient,
    login: Callable[[str], dict[str, str]],
    network: Network,
    frozen_clock: object,
) -> None:
    centre = login("dispatcher")
    soon = client.post("/api/v1/outages", json=_planned(days=3), headers=centre)
    assert (soon.status_code, soon.json()["field"]) == (422, "starts_at")
    nul = client.post("/api/v1/outages", json=_planned() | {"cause": "检\x00修"}, headers=centre)
    assert nul.status_code == 422 and "cause" in nul.json()["field"]
    naive = client.post(
        "/api/v1/outages", json=_planned() | {"starts_at": "2026-12-10T08:00:00"}, headers=centre
    )
    assert naive.status_code == 422 and "starts_at" in naive.json()["field"]
    far = client.post(
        "/api/v1/outages", json=_planned() | {"transformers": ["TA-404"]}, headers=centre
    )
    assert (far.status_code, far.json()["field"]) == (422, "transformers")
    none = client.get("/api/v1/outages/lookup", headers=centre)
    assert (none.status_code, none.json()["field"]) == (422, "account")
    missing = client.get("/api/v1/outages/lookup", params={"account": "3499999999"}, headers=centre)
    assert (missing.status_code, missing.json()["field"]) == (404, "account")
    assert client.get("/api/v1/outages/99999", headers=centre).status_code == 404
    assert client.get("/api/v1/outages").status_code == 401


def test_a_fault_restored_through_the_api(
    client: TestClient,
    login: Callable[[str], dict[str, str]],
    network: Network,
    frozen_clock: object,
) -> None:
    centre = login("dispatcher")
    now = clock.now()
    fault = client.post(
        "/api/v1/outages",
        json={
            "kind": "fault",
            "cause": "电缆故障",
            "starts_at": (now - timedelta(minutes=20)).isoformat(),
            "expected_restoration_at": (now + timedelta(hours=2)).isoformat(),
            "transformers": ["TA-003"],
        },
        headers=centre,
    ).json()
    outage_id = fault["outage"]["id"]
    assert fault["outage"]["state"] == "active"
    lookup = client.get("/api/v1/outages/lookup", params={"account": "3400100003"}, headers=centre)
    assert lookup.json()["outage"]["kind"] == "fault"
    ahead = (now + timedelta(hours=1)).isoformat()
    future = client.post(f"/api/v1/outages/{outage_id}/restore", json={"at": ahead}, headers=centre)
    assert (future.status_code, future.json()["field"]) == (422, "at")
    restored = client.post(f"/api/v1/outages/{outage_id}/restore", json={}, headers=centre)
    assert restored.json()["outage"]["state"] == "restored"
    after = client.get("/api/v1/outages/lookup", params={"account": "3400100003"}, headers=centre)
    assert after.json()["outage"] is None
