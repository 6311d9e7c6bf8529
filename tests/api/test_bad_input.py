"""Bad input gets a 4xx naming the field (or the allowed next actions) and changes nothing.

Every case counts the rows of the loop's tables before and after; an action also checks that the
order kept its state and version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from quarterhour.kit import clock
from workorders.loop_client import LoopApi, row_counts

NOW = datetime(2026, 11, 9, 10, 0, tzinfo=clock.SHANGHAI)
NAIVE = "2026-11-09T09:30:00"
FUTURE = (NOW + timedelta(hours=2)).isoformat()


def _contact(loop: LoopApi, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "hotline",
        "customer": loop.customer(),
        "matters": [{"order_type": "complaint", "title": "抄表员态度差"}],
    }
    body.update(changes)
    return body


def _matter(**fields: Any) -> list[dict[str, Any]]:
    return [{"order_type": "complaint", "title": "抄表员态度差", **fields}]


# name → (body maker, expected status, expected field)
INTAKE_CASES: dict[str, tuple[Callable[[LoopApi], Any], int, str]] = {
    "unknown type": (
        lambda lp: _contact(lp, matters=[{"order_type": "grievance", "title": "x"}]),
        422,
        "matters[0].order_type",
    ),
    "unknown sub-type": (
        lambda lp: _contact(
            lp, matters=[{"order_type": "service_request", "subtype": "teleport", "title": "x"}]
        ),
        422,
        "matters[0].subtype",
    ),
    "sub-type on a type without sub-types": (
        lambda lp: _contact(lp, matters=_matter(subtype="meter_split")),
        422,
        "matters[0].subtype",
    ),
    "missing customer reference": (
        lambda lp: {k: v for k, v in _contact(lp).items() if k != "customer"},
        422,
        "customer",
    ),
    "customer without phone or address": (
        lambda lp: _contact(lp, customer={"name": "袁女士"}),
        422,
        "customer",
    ),
    "unknown customer id": (lambda lp: _contact(lp, customer={"id": 999_999}), 404, "customer.id"),
    "unknown district": (
        lambda lp: _contact(lp, customer=lp.customer(district_id=999_999)),
        422,
        "customer.district_id",
    ),
    "malformed phone": (
        lambda lp: _contact(lp, customer=lp.customer(phone="call me maybe")),
        422,
        "customer.phone",
    ),
    "fault repair without area class": (
        lambda lp: _contact(lp, matters=[{"order_type": "fault_repair", "title": "停电"}]),
        422,
        "matters[0].area_class",
    ),
    "area class on a complaint": (
        lambda lp: _contact(lp, matters=_matter(area_class="urban")),
        422,
        "matters[0].area_class",
    ),
    "answer on a complaint": (
        lambda lp: _contact(lp, matters=_matter(answer="已解答")),
        422,
        "matters[0].answer",
    ),
    "title over 200 characters": (
        lambda lp: _contact(lp, matters=[{"order_type": "complaint", "title": "长" * 201}]),
        422,
        "matters[0].title",
    ),
    "empty title": (
        lambda lp: _contact(lp, matters=[{"order_type": "complaint", "title": "   "}]),
        422,
        "matters[0].title",
    ),
    "description over 4000 characters": (
        lambda lp: _contact(lp, matters=_matter(description="长" * 4001)),
        422,
        "matters[0].description",
    ),
    "more than 20 matters": (
        lambda lp: _contact(lp, matters=_matter() * 21),
        422,
        "matters",
    ),
    "no matter at all": (lambda lp: _contact(lp, matters=[]), 422, "matters"),
    "the second matter is bad": (
        lambda lp: _contact(
            lp, matters=[*_matter(), {"order_type": "fault_repair", "title": "停电"}]
        ),
        422,
        "matters[1].area_class",
    ),
    "unknown channel": (lambda lp: _contact(lp, channel="pigeon"), 422, "channel"),
    "unknown field": (
        lambda lp: _contact(lp, matters=_matter(colour="red")),
        422,
        "matters[0].colour",
    ),
    "received_at without timezone": (
        lambda lp: _contact(lp, received_at=NAIVE),
        422,
        "received_at",
    ),
    "received_at in the future": (
        lambda lp: _contact(lp, received_at=FUTURE),
        422,
        "received_at",
    ),
    "episode on a hotline contact": (lambda lp: _contact(lp, episode_id=1), 422, "episode_id"),
}


@pytest.fixture
def now(frozen_clock: Any) -> datetime:
    frozen_clock.set(NOW)
    return NOW


def test_bad_intake_is_refused_and_writes_nothing(
    loop: LoopApi, engine: Engine, now: datetime
) -> None:
    loop.intake("complaint")  # the tables are not empty: "nothing changed" means something
    wrong = []
    for case, (make, status, field) in sorted(INTAKE_CASES.items()):
        before = row_counts(engine)
        response = loop.client.post(
            "/api/v1/contacts",
            json=make(loop),
            headers=loop.headers("agent") | {"Idempotency-Key": f"bad-{case}"},
        )
        body = response.json()
        got = (response.status_code, body.get("field"), bool(body.get("message")))
        if got != (status, field, True):
            wrong.append(f"{case}: {got}, expected {(status, field, True)}: {response.text}")
        if row_counts(engine) != before:
            wrong.append(f"{case}: wrote {row_counts(engine)} (was {before})")
    assert not wrong, "\n".join(wrong)


def test_malformed_json_names_the_body(loop: LoopApi, engine: Engine, now: datetime) -> None:
    order = loop.intake("complaint")
    before = row_counts(engine)
    for path in ("/api/v1/contacts", f"/api/v1/orders/{order['id']}/actions/dispatch"):
        response = loop.client.post(
            path,
            content=b'{"channel": "hotline", "matters": [',
            headers=loop.headers("dispatcher") | {"Content-Type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "body"
        assert "JSON" in response.json()["message"]
    assert row_counts(engine) == before
    assert loop.order(order["id"])["version"] == order["version"]


# name → (who, action, body, expected status, expected field or None)
ACTION_CASES: dict[str, tuple[str, str, dict[str, Any], int, str | None]] = {
    "unknown action": ("dispatcher", "teleport", {}, 422, "action"),
    "note over 4000 characters": ("dispatcher", "dispatch", {"note": "长" * 4001}, 422, "note"),
    "more than 20 attachments": (
        "dispatcher",
        "dispatch",
        {"attachments": [{"name": "a.jpg", "content_type": "image/jpeg", "size": 10}] * 21},
        422,
        "attachments",
    ),
    "at without timezone": ("dispatcher", "dispatch", {"at": NAIVE}, 422, "at"),
    "at in the future": ("dispatcher", "dispatch", {"at": FUTURE}, 422, "at"),
    "at before the order existed": (
        "dispatcher",
        "dispatch",
        {"at": (NOW - timedelta(days=1)).isoformat()},
        422,
        "at",
    ),
    "version zero": ("dispatcher", "dispatch", {"version": 0}, 422, "version"),
    "unknown department": (
        "dispatcher",
        "dispatch",
        {"department_id": 999_999},
        422,
        "department_id",
    ),
    "unknown outcome": ("dispatcher", "dispatch", {"outcome": "delighted"}, 422, "outcome"),
    "unknown field": ("dispatcher", "dispatch", {"priority": "high"}, 422, "priority"),
    "cancel without a reason": ("dispatcher", "cancel", {}, 422, "note"),
    "illegal for the state": ("dispatcher", "approve", {}, 409, None),
    "not for this role": ("agent", "dispatch", {}, 403, None),
}


def test_bad_action_is_refused_and_writes_nothing(
    loop: LoopApi, engine: Engine, now: datetime
) -> None:
    wrong = []
    for case, (who, action, payload, status, field) in sorted(ACTION_CASES.items()):
        order = loop.order(loop.intake("complaint")["id"])
        before = row_counts(engine)
        response = loop.client.post(
            f"/api/v1/orders/{order['id']}/actions/{action}",
            json=payload,
            headers=loop.headers(who),
        )
        body = response.json()
        got = (response.status_code, body.get("field") if field else None, bool(body["message"]))
        if got != (status, field, True):
            wrong.append(f"{case}: {got}, expected {(status, field, True)}: {response.text}")
        after = loop.order(order["id"])
        if row_counts(engine) != before or after["version"] != order["version"]:
            wrong.append(f"{case}: the order or the tables changed")
    assert not wrong, "\n".join(wrong)


def test_illegal_action_names_the_allowed_ones(
    loop: LoopApi, engine: Engine, now: datetime
) -> None:
    order = loop.order(loop.intake("complaint")["id"])
    before = row_counts(engine)
    response = loop.client.post(
        f"/api/v1/orders/{order['id']}/actions/approve", json={}, headers=loop.headers("dispatcher")
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "illegal_transition"
    assert body["state"] == "accepted"
    assert body["version"] == order["version"]
    # What the dispatcher may do next, in lifecycle order.
    allowed = body["allowed_actions"]
    assert {"dispatch", "cancel", "comment"} <= set(allowed)
    assert allowed.index("dispatch") < allowed.index("cancel")
    assert "approve" not in allowed
    assert "approve" in body["message"] and "accepted" in body["message"]
    assert row_counts(engine) == before


def test_stale_version_gets_the_current_state_and_version(
    loop: LoopApi, engine: Engine, now: datetime
) -> None:
    order = loop.order(loop.intake("complaint")["id"])
    seen = order["version"]
    moved = loop.act("dispatcher", order["id"], "dispatch", version=seen)
    before = row_counts(engine)
    for how in ({"json": {"version": seen}}, {"json": {}, "headers": {"If-Match": f'"{seen}"'}}):
        response = loop.client.post(
            f"/api/v1/orders/{order['id']}/actions/redispatch",
            json=how["json"],
            headers=loop.headers("supervisor") | how.get("headers", {}),
        )
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["error"] == "stale_version"
        assert body["field"] == "version"
        assert (body["state"], body["version"]) == ("dispatched", moved["version"])
        assert "redispatch" in body["allowed_actions"]
    assert row_counts(engine) == before


def test_garbage_if_match_names_the_header(loop: LoopApi, engine: Engine, now: datetime) -> None:
    order = loop.intake("complaint")
    before = row_counts(engine)
    response = loop.client.post(
        f"/api/v1/orders/{order['id']}/actions/dispatch",
        json={},
        headers=loop.headers("dispatcher") | {"If-Match": "yesterday"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "If-Match"
    assert row_counts(engine) == before


# (state, who, action, field the refusal must name)
NEEDS = [
    ("dispatched", "hall-baohe", "decline", "note"),
    ("acknowledged", "hall-baohe", "record_progress", "note"),
    ("in_progress", "hall-baohe", "return_result", "result"),
    ("returned", "dispatcher", "send_back", "note"),
    ("reviewed", "followup", "reply", "reply_method"),
    ("replied", "followup", "follow_up", "outcome"),
]


def test_an_action_missing_what_it_needs_names_the_field(
    loop: LoopApi, engine: Engine, now: datetime
) -> None:
    wrong = []
    for state, who, action, field in NEEDS:
        order = loop.new_order("complaint", state)
        before = row_counts(engine)
        response = loop.client.post(
            f"/api/v1/orders/{order['id']}/actions/{action}", json={}, headers=loop.headers(who)
        )
        got = (response.status_code, response.json().get("field"))
        if got != (422, field):
            wrong.append(f"{action} in {state}: {got}, expected {(422, field)}")
        after = loop.order(order["id"])
        if row_counts(engine) != before or after["version"] != order["version"]:
            wrong.append(f"{action} in {state}: the order or the tables changed")
    assert not wrong, "\n".join(wrong)


def test_a_move_the_type_of_work_does_not_have_is_409_with_what_it_has(
    loop: LoopApi, engine: Engine, now: datetime
) -> None:
    order = loop.new_order("complaint", "acknowledged")
    before = row_counts(engine)
    response = loop.client.post(
        f"/api/v1/orders/{order['id']}/actions/arrive", json={}, headers=loop.headers("hall-baohe")
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "illegal_transition"
    assert "arrive" not in body["allowed_actions"]
    assert "return_result" in body["allowed_actions"]
    assert row_counts(engine) == before
    detail = loop.order(order["id"])
    assert "arrive" not in detail["allowed_actions"]
    assert "restore" not in detail["allowed_actions"]


def test_unknown_order_is_404(loop: LoopApi, engine: Engine, now: datetime) -> None:
    before = row_counts(engine)
    response = loop.client.post(
        "/api/v1/orders/999999/actions/dispatch", json={}, headers=loop.headers("dispatcher")
    )
    assert response.status_code == 404
    assert response.json()["field"] == "order_id"
    assert row_counts(engine) == before


def test_pressing_work_not_with_a_department_names_what_is_possible(
    loop: LoopApi, engine: Engine, now: datetime
) -> None:
    order = loop.order(loop.intake("complaint")["id"])
    before = row_counts(engine)
    refused = loop.act("dispatcher", order["id"], "press", expect=409, note="请尽快处理")
    assert refused["error"] == "illegal_transition"
    assert refused["state"] == "accepted"
    assert "dispatch" in refused["allowed_actions"]
    assert "press" not in refused["allowed_actions"]
    assert row_counts(engine) == before
    assert loop.order(order["id"])["version"] == order["version"]


def test_an_idempotency_key_reused_for_another_contact_is_refused(
    loop: LoopApi, engine: Engine, now: datetime
) -> None:
    headers = loop.headers("agent") | {"Idempotency-Key": "call-0750"}
    first = _contact(loop)
    assert loop.client.post("/api/v1/contacts", json=first, headers=headers).status_code == 201
    before = row_counts(engine)
    other = _contact(loop, matters=_matter(title="另一件事"))
    response = loop.client.post("/api/v1/contacts", json=other, headers=headers)
    assert response.status_code == 409
    assert response.json()["field"] == "Idempotency-Key"
    too_long = loop.headers("agent") | {"Idempotency-Key": "k" * 129}
    response = loop.client.post("/api/v1/contacts", json=first, headers=too_long)
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert row_counts(engine) == before
