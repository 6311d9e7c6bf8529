"""Programme episodes: weekday mornings with a roster; calls on air belong to their episode."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Conflict, Forbidden, ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.programme import service as programme

WED = date(2026, 11, 25)


def _roster(org: Organisation) -> list[programme.RosterMember]:
    return [
        programme.RosterMember(org.staff["leader"].id, "leader"),
        programme.RosterMember(org.staff["specialist"].id, "specialist"),
    ]


def test_episode_airs_0740_to_0755_and_numbers_itself(session: Session, org: Organisation) -> None:
    first = programme.create_episode(session, by=system("test"), air_date=WED, roster=_roster(org))
    second = programme.create_episode(
        session, by=system("test"), air_date=date(2026, 11, 26), roster=_roster(org)
    )
    assert first.starts_at == datetime(2026, 11, 25, 7, 40, tzinfo=clock.SHANGHAI)
    assert first.ends_at == datetime(2026, 11, 25, 7, 55, tzinfo=clock.SHANGHAI)
    assert (first.number, second.number) == (1, 2)


def test_episode_rules(session: Session, org: Organisation) -> None:
    with pytest.raises(ValidationFailed) as raised:
        programme.create_episode(
            session, by=system("test"), air_date=date(2026, 11, 28), roster=_roster(org)
        )
    assert raised.value.field == "air_date"
    with pytest.raises(ValidationFailed) as raised:
        programme.create_episode(
            session,
            by=system("test"),
            air_date=WED,
            roster=[programme.RosterMember(org.staff["specialist"].id, "specialist")],
        )
    assert raised.value.field == "roster"
    programme.create_episode(session, by=system("test"), air_date=WED, roster=_roster(org))
    with pytest.raises(Conflict):
        programme.create_episode(session, by=system("test"), air_date=WED, roster=_roster(org))
    with pytest.raises(Forbidden):
        programme.create_episode(
            session,
            by=actor_of(org.staff["agent"]),
            air_date=date(2026, 11, 26),
            roster=_roster(org),
        )


def test_special_weekend_episode_is_allowed(session: Session, org: Organisation) -> None:
    episode = programme.create_episode(
        session,
        by=system("test"),
        air_date=date(2026, 11, 28),
        roster=_roster(org),
        is_special=True,
        title="百期特别节目",
    )
    assert episode.is_special


def _call(client: TestClient, headers: dict[str, str], received_at: str, **extra: Any) -> Any:
    body = {
        "channel": "programme",
        "received_at": received_at,
        "customer": {"name": "听众", "phone": "13955100001"},
        "matters": [{"order_type": "consultation", "title": "峰谷电价怎么算", "answer": "已解答"}],
        **extra,
    }
    response = client.post("/api/v1/contacts", json=body, headers=headers)
    return response


def test_calls_on_air_join_their_episode_and_are_listed(
    client: TestClient, login: Any, org: Organisation, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=clock.SHANGHAI))
    leader = login("leader")
    created = client.post(
        "/api/v1/episodes",
        json={
            "air_date": "2026-11-25",
            "roster": [
                {"staff_id": org.staff["leader"].id, "duty": "leader"},
                {"staff_id": org.staff["specialist"].id, "duty": "specialist"},
            ],
        },
        headers=leader,
    )
    assert created.status_code == 201, created.text
    episode_id = created.json()["id"]
    agent = login("agent")
    on_air = _call(client, agent, "2026-11-25T07:48:00+08:00")
    assert on_air.status_code == 201, on_air.text
    assert on_air.json()["episode_id"] == episode_id
    afternoon = _call(client, agent, "2026-11-25T08:50:00+08:00")
    assert afternoon.status_code == 201, afternoon.text
    assert afternoon.json()["episode_id"] is None
    hotline = client.post(
        "/api/v1/contacts",
        json={
            "channel": "hotline",
            "episode_id": episode_id,
            "customer": {"phone": "13955100002"},
            "matters": [{"order_type": "praise", "title": "表扬抢修班"}],
        },
        headers=agent,
    )
    assert hotline.status_code == 422
    assert hotline.json()["field"] == "episode_id"

    listed = client.get("/api/v1/episodes", headers=leader).json()
    [item] = [e for e in listed if e["id"] == episode_id]
    assert item["contacts"] == 1
    assert item["answered_on_air"] == 1
    assert {r["duty"] for r in item["roster"]} == {"leader", "specialist"}
    detail = client.get(f"/api/v1/episodes/{episode_id}", headers=leader).json()
    assert [c["title"] for c in detail["calls"]] == ["峰谷电价怎么算"]
    assert client.get("/api/v1/episodes", headers=login("hall-baohe")).status_code == 403
