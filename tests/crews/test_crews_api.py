"""The crews' API, on every configured database: an administrator sets a crew up, the
dispatcher rosters it and sends it, the crew reports from its phone; refusals name the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock

Login = Callable[[str], dict[str, str]]


def _set_up(client: TestClient, login: Login, org: Organisation) -> int:
    admin = login("admin")
    created = client.post(
        "/api/v1/crews",
        json={"code": "BH-1", "name": "包河区抢修一班", "department_id": org.dept("repair-baohe")},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    crew_id: int = created.json()["id"]
    member = client.post(
        f"/api/v1/crews/{crew_id}/members",
        json={"staff_id": org.staff["repair-baohe"].id, "is_leader": True},
        headers=admin,
    )
    assert member.status_code == 201, member.text
    van = client.post(
        "/api/v1/crews/vehicles",
        json={"plate": "皖A·D1234", "kind": "repair", "crew_id": crew_id},
        headers=admin,
    )
    assert van.status_code == 201, van.text
    return crew_id


def test_a_crew_set_up_rostered_sent_and_suggested(
    client: TestClient, login: Login, org: Organisation, frozen_clock: Any
) -> None:
    crew_id = _set_up(client, login, org)
    dispatcher = login("dispatcher")
    now = frozen_clock.now
    start = clock.at(now.date(), datetime.min.time()) + timedelta(hours=8)
    shift = client.post(
        f"/api/v1/crews/{crew_id}/roster",
        json={"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=12)).isoformat()},
        headers=dispatcher,
    )
    assert shift.status_code == 201, shift.text
    overlap = client.post(
        f"/api/v1/crews/{crew_id}/roster",
        json={
            "starts_at": (start + timedelta(hours=11)).isoformat(),
            "ends_at": (start + timedelta(hours=13)).isoformat(),
        },
        headers=dispatcher,
    )
    assert (overlap.status_code, overlap.json()["field"]) == (409, "starts_at")

    # The crew reports from its phone: on standby, and where it is.
    crew = login("repair-baohe")
    ready = client.post(
        f"/api/v1/crews/{crew_id}/status", json={"status": "available"}, headers=crew
    )
    assert ready.status_code == 200, ready.text
    assert ready.json()["next_statuses"] == ["en_route", "off_duty"]
    position = client.post(
        f"/api/v1/crews/{crew_id}/position",
        json={"latitude": 31.81, "longitude": 117.30},
        headers=crew,
    )
    assert position.json()["position"]["latitude"] == "31.810000"

    suggested = client.get(
        "/api/v1/crews/suggest",
        params={"district_id": org.districts["baohe"], "latitude": 31.79, "longitude": 117.30},
        headers=dispatcher,
    ).json()
    assert suggested["crew"]["id"] == crew_id
    assert (suggested["reason"], suggested["explanation"]) == ("distance", "距离2.2公里")

    sent = client.post(
        f"/api/v1/crews/{crew_id}/status", json={"status": "en_route"}, headers=dispatcher
    )
    assert sent.json()["status_label"] == "出发"
    wrong = client.post(
        f"/api/v1/crews/{crew_id}/status", json={"status": "off_duty"}, headers=dispatcher
    )
    assert wrong.status_code == 409
    assert wrong.json()["allowed_actions"] == ["on_site", "available"]

    listed = client.get("/api/v1/crews", headers=dispatcher).json()
    [mine] = [c for c in listed if c["id"] == crew_id]
    assert mine["status"] == "en_route"
    assert [v["plate"] for v in mine["vehicles"]] == ["皖A·D1234"]
    assert [m["name"] for m in mine["members"]] == ["邓师傅"]
    assert len(mine["shifts_today"]) == 1
    detail = client.get(f"/api/v1/crews/{crew_id}", headers=dispatcher).json()
    assert [(h["from_status"], h["to_status"], h["by_name"]) for h in detail["history"]] == [
        ("available", "en_route", "刘洋"),
        ("off_duty", "available", "邓师傅"),
    ]
    on_duty = client.get(
        "/api/v1/crews/on-duty",
        params={
            "district_id": org.districts["baohe"],
            "at": (start + timedelta(hours=1)).isoformat(),
        },
        headers=dispatcher,
    ).json()
    assert [c["id"] for c in on_duty] == [crew_id]


def test_who_may_do_what(
    client: TestClient, login: Login, org: Organisation, frozen_clock: Any
) -> None:
    crew_id = _set_up(client, login, org)
    body = {"code": "X", "name": "X", "department_id": org.dept("repair-baohe")}
    for username in ("dispatcher", "supervisor", "agent", "repair-baohe"):
        assert client.post("/api/v1/crews", json=body, headers=login(username)).status_code == 403
    for username in ("agent", "followup", "hall-baohe", "repair-baohe"):
        assert client.get("/api/v1/crews", headers=login(username)).status_code == 403, username
    for username in ("dispatcher", "supervisor", "admin"):
        assert client.get("/api/v1/crews", headers=login(username)).status_code == 200
    # Another district's crew member reports for his own crew only.
    other = client.post(
        f"/api/v1/crews/{crew_id}/status",
        json={"status": "available"},
        headers=login("repair-shushan"),
    )
    assert other.status_code == 403
    assert client.get("/api/v1/crews").status_code == 401


def test_bad_input_is_refused_naming_the_field(
    client: TestClient, login: Login, org: Organisation, frozen_clock: Any
) -> None:
    crew_id = _set_up(client, login, org)
    admin = login("admin")
    now = frozen_clock.now

    def refused(method: str, path: str, field: str, **kwargs: object) -> None:
        answer = client.request(method, path, headers=admin, **kwargs)  # type: ignore[arg-type]
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field, answer.text

    refused(
        "POST",
        f"/api/v1/crews/{crew_id}/position",
        "latitude",
        json={"latitude": 91, "longitude": 117},
    )
    refused(
        "POST",
        f"/api/v1/crews/{crew_id}/position",
        "longitude",
        json={"latitude": 31, "longitude": -181},
    )
    refused(
        "POST",
        f"/api/v1/crews/{crew_id}/position",
        "reported_at",
        json={
            "latitude": 31,
            "longitude": 117,
            "reported_at": (now + timedelta(hours=1)).isoformat(),
        },
    )
    refused(
        "POST",
        f"/api/v1/crews/{crew_id}/status",
        "at",
        json={"status": "available", "at": (now + timedelta(minutes=30)).isoformat()},
    )
    refused(
        "POST",
        f"/api/v1/crews/{crew_id}/status",
        "at",
        json={"status": "available", "at": "2026-11-27T09:00:00"},
    )
    refused("POST", f"/api/v1/crews/{crew_id}/status", "status", json={"status": "asleep"})
    refused("POST", "/api/v1/crews/vehicles", "plate", json={"plate": "ABC123", "kind": "repair"})
    refused("POST", "/api/v1/crews/vehicles", "kind", json={"plate": "皖A·D5678", "kind": "tank"})
    refused(
        "POST",
        "/api/v1/crews",
        "name",
        json={"code": "C", "name": "a\x00b", "department_id": org.dept("repair-baohe")},
    )
    refused(
        "POST",
        "/api/v1/crews",
        "department_id",
        json={"code": "C", "name": "C", "department_id": org.dept("hall-baohe")},
    )
    refused(
        "POST",
        f"/api/v1/crews/{crew_id}/roster",
        "ends_at",
        json={"starts_at": now.isoformat(), "ends_at": (now - timedelta(hours=1)).isoformat()},
    )
    refused(
        "GET",
        "/api/v1/crews/suggest",
        "latitude",
        params={"district_id": 1, "latitude": "nan", "longitude": 117},
    )
    refused(
        "GET",
        "/api/v1/crews/suggest",
        "district_id",
        params={"district_id": 9999, "latitude": 31, "longitude": 117},
    )
    assert client.get("/api/v1/crews/9999", headers=admin).status_code == 404
