"""Crew jobs through the API, on every configured database: the dispatcher asks which crew to
send and sends it, the crew lists its jobs and records its steps from the phone; refusals name
the field (bounds, times) or the next steps allowed (409)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from quarterhour.demo.organisation import Organisation
from workorders.loop_client import LoopApi

Login = Callable[[str], dict[str, str]]


def _crew(client: TestClient, login: Login, org: Organisation, now: Any) -> int:
    admin, dispatcher = login("admin"), login("dispatcher")
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
    start = now - timedelta(hours=1)
    shift = client.post(
        f"/api/v1/crews/{crew_id}/roster",
        json={"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=12)).isoformat()},
        headers=dispatcher,
    )
    assert shift.status_code == 201, shift.text
    ready = client.post(
        f"/api/v1/crews/{crew_id}/status", json={"status": "available"}, headers=dispatcher
    )
    assert ready.status_code == 200, ready.text
    return crew_id


def test_a_repair_sent_to_the_suggested_crew_and_its_steps_from_the_phone(
    client: TestClient, login: Login, org: Organisation, frozen_clock: Any
) -> None:
    crew_id = _crew(client, login, org, frozen_clock.now)
    loop = LoopApi(client, org)
    order = loop.intake("fault_repair")
    dispatcher, crew = login("dispatcher"), login("repair-baohe")

    suggested = client.get(f"/api/v1/orders/{order['id']}/crew-suggestion", headers=dispatcher)
    assert suggested.status_code == 200, suggested.text
    assert suggested.json()["crew"]["id"] == crew_id
    assert (suggested.json()["reason"], suggested.json()["explanation"]) == ("district", "本区值班")
    # The crew itself does not choose who goes.
    assert (
        client.post(f"/api/v1/orders/{order['id']}/crew", json={}, headers=crew).status_code == 403
    )

    sent = client.post(f"/api/v1/orders/{order['id']}/crew", json={}, headers=dispatcher)
    assert sent.status_code == 201, sent.text
    job = sent.json()
    assert (job["crew_id"], job["step"], job["chosen_by"]) == (crew_id, "dispatched", "district")
    assert job["next_steps"] == ["accepted", "departed"]
    assert loop.order(order["id"])["state"] == "dispatched"

    listed = client.get(f"/api/v1/crews/{crew_id}/jobs?open_only=true", headers=crew)
    assert [j["id"] for j in listed.json()] == [job["id"]]

    steps = f"/api/v1/crew-jobs/{job['id']}/steps"
    frozen_clock.advance(minutes=2)
    accepted = client.post(
        steps, json={"step": "accepted", "version": job["version"]}, headers=crew
    )
    assert accepted.status_code == 200, accepted.text
    # A second tap of the same button, from the page it was shown on.
    again = client.post(steps, json={"step": "accepted", "version": job["version"]}, headers=crew)
    assert again.status_code == 409
    ahead = client.post(
        steps,
        json={"step": "departed", "at": (frozen_clock.now + timedelta(minutes=30)).isoformat()},
        headers=crew,
    )
    assert (ahead.status_code, ahead.json()["field"]) == (422, "at")
    before = client.post(
        steps,
        json={"step": "departed", "at": (frozen_clock.now - timedelta(minutes=5)).isoformat()},
        headers=crew,
    )
    assert (before.status_code, before.json()["field"]) == (422, "at")
    off_the_map = client.post(steps, json={"step": "departed", "latitude": 91}, headers=crew)
    assert (off_the_map.status_code, off_the_map.json()["field"]) == (422, "latitude")
    jumped = client.post(steps, json={"step": "restored"}, headers=crew)
    assert jumped.status_code == 409
    assert jumped.json()["allowed_actions"] == ["departed"]

    frozen_clock.advance(minutes=1)
    departed = client.post(
        steps, json={"step": "departed", "latitude": 31.8, "longitude": 117.3}, headers=crew
    )
    assert departed.status_code == 200, departed.text
    assert departed.json()["steps"][-1]["latitude"] == "31.800000"
    frozen_clock.advance(minutes=20)
    arrived = client.post(steps, json={"step": "arrived"}, headers=crew)
    assert arrived.status_code == 200, arrived.text
    assert loop.order(order["id"])["state"] == "in_progress"
    frozen_clock.advance(minutes=30)
    restored = client.post(steps, json={"step": "restored", "note": "更换熔丝"}, headers=crew)
    assert restored.status_code == 200, restored.text
    assert restored.json()["next_steps"] == []
    detail = loop.order(order["id"])
    assert detail["restored_at"] is not None
    crew_view = client.get(f"/api/v1/crews/{crew_id}", headers=dispatcher).json()
    assert crew_view["status"] == "available"
    done = client.post(f"/api/v1/crew-jobs/{job['id']}/withdraw", json={}, headers=dispatcher)
    assert done.status_code == 409  # restored: nothing to withdraw


def test_a_job_withdrawn_puts_the_crew_back_on_standby(
    client: TestClient, login: Login, org: Organisation, frozen_clock: Any
) -> None:
    crew_id = _crew(client, login, org, frozen_clock.now)
    order = LoopApi(client, org).intake("fault_repair")
    dispatcher, crew = login("dispatcher"), login("repair-baohe")
    job = client.post(f"/api/v1/orders/{order['id']}/crew", json={}, headers=dispatcher).json()
    frozen_clock.advance(minutes=1)
    client.post(
        f"/api/v1/crew-jobs/{job['id']}/steps", json={"step": "departed"}, headers=crew
    ).raise_for_status()
    assert (
        client.post(f"/api/v1/crew-jobs/{job['id']}/withdraw", json={}, headers=crew).status_code
        == 403
    )
    withdrawn = client.post(
        f"/api/v1/crew-jobs/{job['id']}/withdraw",
        json={"note": "客户已自行恢复"},
        headers=dispatcher,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["step"] == "withdrawn"
    assert withdrawn.json()["steps"][-1]["note"] == "客户已自行恢复"
    assert (
        client.get(f"/api/v1/crews/{crew_id}", headers=dispatcher).json()["status"] == "available"
    )


def test_refusals_name_the_field(
    client: TestClient, login: Login, org: Organisation, frozen_clock: Any
) -> None:
    dispatcher = login("dispatcher")
    loop = LoopApi(client, org)
    complaint = loop.intake("complaint")
    not_repair = client.post(f"/api/v1/orders/{complaint['id']}/crew", json={}, headers=dispatcher)
    assert (not_repair.status_code, not_repair.json()["field"]) == (422, "order_id")
    repair = loop.intake("fault_repair")
    nobody = client.post(f"/api/v1/orders/{repair['id']}/crew", json={}, headers=dispatcher)
    assert (nobody.status_code, nobody.json()["field"]) == (409, "crew_id")
    unknown = client.post(
        f"/api/v1/orders/{repair['id']}/crew", json={"crew_id": 999999}, headers=dispatcher
    )
    assert (unknown.status_code, unknown.json()["field"]) == (404, "crew_id")
    extra = client.post(
        f"/api/v1/orders/{repair['id']}/crew", json={"crew": "x"}, headers=dispatcher
    )
    assert extra.status_code == 422
    assert client.get("/api/v1/crew-jobs/999999", headers=dispatcher).status_code == 404
    assert (
        client.get("/api/v1/outages/999999/crew-suggestion", headers=dispatcher).status_code == 404
    )
    bad_step = client.post(
        "/api/v1/crew-jobs/1/steps", json={"step": "withdrawn"}, headers=dispatcher
    )
    assert (bad_step.status_code, bad_step.json()["field"]) == (422, "step")


def test_a_rule_that_dispatches_to_the_crew_and_the_desk_is_told(
    client: TestClient, login: Login, org: Organisation, frozen_clock: Any
) -> None:
    admin = login("admin")
    rule = client.post(
        "/api/v1/routing-rules",
        json={
            "order_type": "fault_repair",
            "department_id": org.dept("repair-baohe"),
            "district_id": org.districts["baohe"],
            "priority": 1,
            "dispatch_to_crew": True,
        },
        headers=admin,
    )
    assert rule.status_code == 201, rule.text
    assert rule.json()["dispatch_to_crew"] is True
    wrong = client.post(
        "/api/v1/routing-rules",
        json={
            "order_type": "complaint",
            "department_id": org.dept("hall-baohe"),
            "dispatch_to_crew": True,
        },
        headers=admin,
    )
    assert (wrong.status_code, wrong.json()["field"]) == (422, "dispatch_to_crew")
    loop = LoopApi(client, org)
    waiting = loop.contact({"order_type": "fault_repair", "title": "停电", "area_class": "urban"})
    told = waiting["orders"][0]["automatic_dispatch"]
    assert told == {
        "crew": None,
        "explanation": "本区暂无待命的值班班组",
        "explanation_en": "no crew of the district is on duty and available",
    }
    assert waiting["orders"][0]["state"] == "accepted"

    crew_id = _crew(client, login, org, frozen_clock.now)
    sent = loop.contact({"order_type": "fault_repair", "title": "又停电", "area_class": "urban"})
    order = sent["orders"][0]
    assert order["automatic_dispatch"]["crew"] == "包河区抢修一班"
    assert order["state"] == "dispatched"
    jobs = client.get(f"/api/v1/crews/{crew_id}/jobs", headers=login("repair-baohe")).json()
    assert [(j["work_order_id"], j["chosen_by"], j["dispatched_by_id"]) for j in jobs] == [
        (order["id"], "automatic", None)
    ]
    complaint = loop.contact({"order_type": "complaint", "title": "抄表员态度差"})
    assert complaint["orders"][0]["automatic_dispatch"] is None
