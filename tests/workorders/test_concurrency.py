"""Two people acting on one order at once, through real concurrent HTTP requests.

A real uvicorn server (`live_server`) takes the requests on its worker threads, each with its own
database connection: on PostgreSQL the write guarded by the version read (UPDATE … WHERE version =
:seen) decides who goes first, on SQLite the write lock taken at BEGIN IMMEDIATE does. Either
way exactly one wins, the other gets 409 with the current state and version, and nothing is lost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from quarterhour.demo.organisation import Organisation
from quarterhour.workorders.models import Contact, WorkOrder
from workorders.loop_client import LoopApi

ROUNDS = 6

Call = tuple[str, str, dict[str, Any], dict[str, str]]  # (username, path, json, extra headers)


@pytest.fixture
def live(live_server: str, org: Organisation) -> Iterator[LoopApi]:
    with httpx.Client(base_url=live_server, timeout=60) as client:
        yield LoopApi(client, org)


def race(live: LoopApi, calls: list[Call]) -> list[httpx.Response]:
    """Sends the calls at the same moment, one thread and one connection each."""
    base = str(live.client.base_url)
    barrier = threading.Barrier(len(calls))
    results: list[httpx.Response | None] = [None] * len(calls)
    failures: list[BaseException] = []
    prepared = [(live.headers(who) | extra, path, body) for who, path, body, extra in calls]

    def run(index: int) -> None:
        headers, path, body = prepared[index]
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                client.get("/healthz")  # the connection is open before the start line
                barrier.wait(timeout=30)
                results[index] = client.post(path, json=body, headers=headers)
        except BaseException as exc:  # reported in the test's own thread
            failures.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not failures, failures
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def _winner_and_loser(responses: list[httpx.Response]) -> tuple[int, httpx.Response]:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    return winner, responses[1 - winner]


def test_two_dispatchers_dispatch_one_order_at_once(live: LoopApi) -> None:
    departments = (live.org.dept("hall-baohe"), live.org.dept("hall-shushan"))
    for round_ in range(ROUNDS):
        order = live.intake("complaint")
        path = f"/api/v1/orders/{order['id']}/actions/dispatch"
        # Half the rounds send the version they saw (stale check), half none (state check).
        version = {"version": order["version"]} if round_ % 2 == 0 else {}
        calls: list[Call] = [
            ("dispatcher", path, {"department_id": departments[0], **version}, {}),
            ("supervisor", path, {"department_id": departments[1], **version}, {}),
        ]
        winner, loser = _winner_and_loser(race(live, calls))

        after = live.order(order["id"])
        body = loser.json()
        assert body["error"] == ("stale_version" if version else "illegal_transition")
        assert (body["state"], body["version"]) == ("dispatched", after["version"])
        assert "redispatch" in body["allowed_actions"]
        assert after["department_id"] == departments[winner]
        assert [e["action"] for e in after["events"]] == ["accept", "dispatch"]
        assert after["events"][-1]["data"]["department_id"] == departments[winner]


def test_approve_and_send_back_at_once(live: LoopApi) -> None:
    for _ in range(ROUNDS):
        order = live.new_order("complaint", "returned")
        base = f"/api/v1/orders/{order['id']}/actions"
        calls: list[Call] = [
            ("dispatcher", f"{base}/approve", {"version": order["version"]}, {}),
            (
                "supervisor",
                f"{base}/send_back",
                {"version": order["version"], "note": "未回访客户，重办"},
                {},
            ),
        ]
        winner, loser = _winner_and_loser(race(live, calls))

        after = live.order(order["id"])
        won = ("approve", "reviewed") if winner == 0 else ("send_back", "dispatched")
        assert after["state"] == won[1]
        assert loser.json()["error"] == "stale_version"
        assert (loser.json()["state"], loser.json()["version"]) == (won[1], after["version"])
        actions = [e["action"] for e in after["events"]]
        assert actions[: len(order["events"])] == [e["action"] for e in order["events"]]
        assert actions[len(order["events"]) :] == [won[0]]
        assert after["rework_count"] == (1 if won[0] == "send_back" else 0)


def test_concurrent_comments_are_all_kept(live: LoopApi) -> None:
    order = live.new_order("complaint", "dispatched")
    path = f"/api/v1/orders/{order['id']}/actions/comment"
    people = ("agent", "dispatcher", "followup", "supervisor", "hall-baohe")
    responses = race(live, [(who, path, {"note": f"{who} 来电记录"}, {}) for who in people])
    assert [r.status_code for r in responses] == [200] * len(people), [r.text for r in responses]
    after = live.order(order["id"])
    comments = [e["note"] for e in after["events"] if e["action"] == "comment"]
    assert sorted(comments) == sorted(f"{who} 来电记录" for who in people)
    # Each writer saw the one before: versions were handed out one by one.
    assert sorted(r.json()["version"] for r in responses) == list(
        range(order["version"] + 1, order["version"] + 1 + len(people))
    )
    assert after["version"] == order["version"] + len(people)


def test_the_same_idempotency_key_at_once_creates_one_contact(
    live: LoopApi, engine: Engine
) -> None:
    for round_ in range(ROUNDS):
        key = f"retry-{round_}"
        body = {
            "channel": "hotline",
            "customer": live.customer(phone=f"1390551{round_:04d}"),
            "matters": [{"order_type": "complaint", "title": "多次来电催问"}],
        }
        calls: list[Call] = [
            ("agent", "/api/v1/contacts", body, {"Idempotency-Key": key}) for _ in range(3)
        ]
        responses = race(live, calls)
        statuses = sorted(r.status_code for r in responses)
        assert statuses.count(201) == 1, [r.text for r in responses]
        # The others either saw the first contact (200) or collided with it while it was being
        # written (409, "retry"); none created a second one.
        assert set(statuses) <= {200, 201, 409}, [r.text for r in responses]
        created = next(r.json() for r in responses if r.status_code == 201)
        for r in responses:
            if r.status_code == 200:
                assert r.json()["id"] == created["id"]

        retry = live.client.post(
            "/api/v1/contacts", json=body, headers=live.headers("agent") | {"Idempotency-Key": key}
        )
        assert retry.status_code == 200 and retry.json()["id"] == created["id"]
        with engine.connect() as connection:
            contacts = connection.scalar(
                select(func.count()).select_from(Contact).where(Contact.idempotency_key == key)
            )
            orders = connection.scalar(
                select(func.count())
                .select_from(WorkOrder)
                .where(WorkOrder.contact_id == created["id"])
            )
        assert (contacts, orders) == (1, 1)
