"""The closed loop through the API, step by step, with its history."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from quarterhour.demo.organisation import Organisation


def _intake(
    client: TestClient, headers: dict[str, str], org: Organisation, **matter: Any
) -> dict[str, Any]:
    body = {
        "channel": "hotline",
        "customer": {
            "name": "袁女士",
            "phone": "13855123456",
            "address": "芜湖路174号",
            "district_id": org.districts["baohe"],
        },
        "matters": [{"order_type": "complaint", "title": "抄表员态度差", **matter}],
    }
    response = client.post("/api/v1/contacts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_complaint_runs_the_whole_loop(client: TestClient, login: Any, org: Organisation) -> None:
    agent, dispatcher, handler = login("agent"), login("dispatcher"), login("hall-baohe")
    followup = login("followup")
    contact = _intake(client, agent, org)
    order = contact["orders"][0]
    assert order["state"] == "accepted"
    assert order["customer_phone"] == "138****3456"
    assert order["department_id"] == org.dept("hall-baohe")
    oid = order["id"]

    def act(headers: dict[str, str], action: str, **body: Any) -> dict[str, Any]:
        r = client.post(f"/api/v1/orders/{oid}/actions/{action}", json=body, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    assert act(dispatcher, "dispatch")["state"] == "dispatched"
    assert act(handler, "acknowledge")["state"] == "acknowledged"
    act(handler, "contact_customer", note="已电话联系客户")
    assert act(handler, "return_result", result="已批评教育抄表员")["state"] == "returned"
    assert act(dispatcher, "approve")["state"] == "reviewed"
    assert act(followup, "reply", reply_method="phone")["state"] == "replied"
    assert act(followup, "follow_up", outcome="satisfied")["state"] == "followed_up"
    assert act(followup, "archive")["state"] == "archived"

    detail = client.get(f"/api/v1/orders/{oid}", headers=dispatcher).json()
    actions = [e["action"] for e in detail["events"]]
    assert actions == [
        "accept",
        "dispatch",
        "acknowledge",
        "contact_customer",
        "return_result",
        "approve",
        "reply",
        "follow_up",
        "archive",
    ]
    assert detail["state"] == detail["events"][-1]["to_state"]
    assert all(d["met_at"] for d in detail["deadlines"])
