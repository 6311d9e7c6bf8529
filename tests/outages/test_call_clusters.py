"""疑似故障停电 (issue 14): recent fault calls grouped by transformer area, rolled up to the
feeder, or by distance where the network does not know the premises; and the open calls linked
to a fault outage once it is declared."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, system
from quarterhour.config import Settings
from quarterhour.customers import register_import
from quarterhour.customers.models import Account, Premises
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Forbidden, ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.outages import network_import
from quarterhour.outages import service as outages
from quarterhour.tariffs import tariff_book
from quarterhour.workorders import call_clusters, outage_calls
from quarterhour.workorders.intake import take_contact
from quarterhour.workorders.lifecycle import Step, replay
from quarterhour.workorders.models import Deadline, OrderEvent, WorkOrder
from quarterhour.workorders.schemas import ContactIn

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI)
CENTRE = system("test")

# Feeder F1 has areas A1, A2; feeder F2 has B1. Accounts 01-04 on A1, 05-06 on A2, 07-09 on B1;
# 10-13 are known to no network file (10-12 close together, 13 a kilometre off).
FEEDERS = "feeder,name,district\nF1,一号线,baohe\nF2,二号线,baohe\n"
TRANSFORMERS = """transformer,name,feeder,latitude,longitude
A1,甲一台区,F1,,
A2,甲二台区,F1,,
B1,乙一台区,F2,,
"""
SUPPLY_OF = {
    **dict.fromkeys(range(1, 5), "A1"),
    **dict.fromkeys(range(5, 7), "A2"),
    **dict.fromkeys(range(7, 10), "B1"),
}
# About 100 m apart, then one a kilometre north.
COORDINATES = {
    10: ("31.820000", "117.290000"),
    11: ("31.820900", "117.290000"),
    12: ("31.820000", "117.291000"),
    13: ("31.829000", "117.290000"),
}


def number(n: int) -> str:
    return f"34002000{n:02d}"


@pytest.fixture
def area(session: Session, org: Organisation) -> Organisation:
    cli = system("test")
    tariff_book.install_samples(session, by=cli)
    rows = "\n".join(
        f"{number(n)},用户{n},合肥市包河区测试路{n}号,baohe,ZJ-RES,2026-08-01" for n in range(1, 14)
    )
    customers = f"account,name,address,district,tariff,opened_on\n{rows}\n"
    register_import.import_customers(session, customers.encode(), file_name="c.csv", by=cli)
    supply = "account,transformer\n" + "".join(f"{number(n)},{t}\n" for n, t in SUPPLY_OF.items())
    for importer, text in (
        (network_import.import_feeders, FEEDERS),
        (network_import.import_transformers, TRANSFORMERS),
        (network_import.import_supply, supply),
    ):
        report = importer(session, text.encode(), file_name="n.csv", by=cli)
        assert not report.problems, report.problems
    for n, (lat, lon) in COORDINATES.items():
        premises = select(Account.premises_id).where(Account.number == number(n))
        session.execute(
            update(Premises)
            .where(Premises.id == premises.scalar_subquery())
            .values(latitude=Decimal(lat), longitude=Decimal(lon))
        )
    session.commit()
    return org


@pytest.fixture
def agent(area: Organisation) -> Actor:
    return actor_of(area.staff["agent"])


@pytest.fixture
def dispatcher(area: Organisation) -> Actor:
    return actor_of(area.staff["dispatcher"])


def call(session: Session, n: int, agent: Actor, settings: Settings) -> int:
    data = ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {"account": number(n)},
            "matters": [{"order_type": "fault_repair", "area_class": "urban", "title": "停电"}],
        }
    )
    order_id = take_contact(session, data, by=agent, settings=settings).orders[0].id
    session.flush()
    return order_id


def calls(
    session: Session, ns: list[int], agent: Actor, settings: Settings, frozen_clock: object
) -> dict[int, int]:
    """One call a minute from each account, in order."""
    out = {}
    for n in ns:
        frozen_clock.advance(minutes=1)  # type: ignore[attr-defined]
        out[n] = call(session, n, agent, settings)
    return out


def by_scope(found: list[call_clusters.SuggestedOutage]) -> dict[str, list[object]]:
    grouped: dict[str, list[object]] = {}
    for s in found:
        grouped.setdefault(s.scope, []).append(s)
    return grouped


def test_calls_group_by_transformer_and_roll_up_to_the_feeder(
    session: Session,
    agent: Actor,
    dispatcher: Actor,
    settings: Settings,
    frozen_clock: object,
) -> None:
    ids = calls(session, [1, 2, 3, 7, 8, 9, 5], agent, settings, frozen_clock)
    found = call_clusters.suggested(session, by=dispatcher)
    assert [(s.scope, s.feeder, s.transformers, s.calls) for s in found] == [
        ("feeder", "F1", ["A1", "A2"], 4),
        ("transformer", "F2", ["B1"], 3),
    ]
    line = found[0]
    assert line.order_ids == [ids[1], ids[2], ids[3], ids[5]]
    assert line.first_call_at == NOW + timedelta(minutes=1)
    assert line.last_call_at == NOW + timedelta(minutes=7)
    assert line.district_id is not None
    assert "甲一台区" in line.area and "甲二台区" in line.area
    assert found[1].area == "乙一台区"
    assert all(number.startswith("GD") for number in line.order_numbers)


def test_threshold_and_window(
    session: Session,
    area: Organisation,
    agent: Actor,
    dispatcher: Actor,
    settings: Settings,
    frozen_clock: object,
) -> None:
    calls(session, [1, 2], agent, settings, frozen_clock)
    assert call_clusters.suggested(session, by=dispatcher) == []
    assert len(call_clusters.suggested(session, by=dispatcher, threshold=2)) == 1
    frozen_clock.advance(minutes=40)  # type: ignore[attr-defined]
    calls(session, [3], agent, settings, frozen_clock)
    # The first two are older than the window now.
    assert call_clusters.suggested(session, by=dispatcher, threshold=2) == []
    wide = call_clusters.suggested(session, by=dispatcher, window=timedelta(hours=1))
    assert [s.calls for s in wide] == [3]
    with pytest.raises(ValidationFailed) as refused:
        call_clusters.suggested(session, by=dispatcher, threshold=1)
    assert refused.value.field == "threshold"
    with pytest.raises(ValidationFailed) as refused:
        call_clusters.suggested(session, by=dispatcher, window=timedelta(days=2))
    assert refused.value.field == "window"
    with pytest.raises(Forbidden):
        call_clusters.suggested(session, by=actor_of(area.staff["repair-baohe"]))


def test_premises_unknown_to_the_network_group_by_distance(
    session: Session,
    agent: Actor,
    dispatcher: Actor,
    settings: Settings,
    frozen_clock: object,
) -> None:
    ids = calls(session, [10, 11, 13, 12], agent, settings, frozen_clock)
    found = call_clusters.suggested(session, by=dispatcher)
    assert len(found) == 1
    near = found[0]
    assert near.scope == "distance"
    assert near.order_ids == [ids[10], ids[11], ids[12]]
    assert near.radius_m is not None and 300 <= near.radius_m < 400
    assert near.latitude is not None and Decimal("31.8200") < near.latitude < Decimal("31.8210")
    assert near.area.endswith("附近")
    assert near.transformers == [] and near.feeder is None


def test_areas_already_out_are_left_out_and_linked_calls_too(
    session: Session,
    agent: Actor,
    dispatcher: Actor,
    settings: Settings,
    frozen_clock: object,
) -> None:
    calls(session, [7, 8, 9], agent, settings, frozen_clock)
    # Urgent work on B1, registered but not started: not out yet, the calls still suggest.
    urgent = outages.declare(
        session,
        by=CENTRE,
        kind="temporary",
        cause="抢修",
        starts_at=NOW - timedelta(hours=1),
        expected_restoration_at=NOW + timedelta(hours=5),
        transformers=["B1"],
    )
    assert len(call_clusters.suggested(session, by=dispatcher)) == 1
    outages.start(session, urgent.id, by=CENTRE)
    assert call_clusters.suggested(session, by=dispatcher) == []


def test_declaring_the_fault_links_the_open_calls_and_stops_their_clocks(
    session: Session,
    agent: Actor,
    dispatcher: Actor,
    settings: Settings,
    frozen_clock: object,
) -> None:
    ids = calls(session, [1, 2, 3, 5, 7], agent, settings, frozen_clock)
    [line, *_] = call_clusters.suggested(session, by=dispatcher, threshold=3)
    declared = outage_calls.declare_outage(
        session,
        by=dispatcher,
        kind="fault",
        cause="线路故障",
        starts_at=line.first_call_at,
        expected_restoration_at=clock.now() + timedelta(hours=3),
        feeders=[line.feeder or ""],
    )
    session.flush()
    assert declared.linked == 4
    for n in (1, 2, 3, 5):
        order = session.get_one(WorkOrder, ids[n])
        assert order.outage_id == declared.outage.id
        assert order.due_at is None
        unmet = session.scalars(
            select(Deadline).where(Deadline.order_id == order.id, Deadline.met_at.is_(None))
        ).all()
        assert unmet == []
        events = session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
        ).all()
        assert [e.action for e in events] == ["accept", "link_outage"]
        assert events[-1].data == {
            "outage_id": declared.outage.id,
            "expected_restoration_at": declared.outage.expected_restoration_at.isoformat(),
        }
        assert replay([Step(e.action, e.from_state, e.to_state) for e in events]) == order.state
    other = session.get_one(WorkOrder, ids[7])
    assert other.outage_id is None and other.due_at is not None
    # Nothing left to suggest on F1; a second pass links nothing more.
    assert all(s.feeder != "F1" for s in call_clusters.suggested(session, by=dispatcher))
    assert outage_calls.link_open_calls(session, declared.outage.id, by=dispatcher) == 0
    # Restoration replies to them all.
    restored = outage_calls.restore_outage(
        session, declared.outage.id, by=dispatcher, settings=settings
    )
    assert restored.replied == 4


def test_calls_before_the_start_and_planned_outages_are_not_linked(
    session: Session,
    agent: Actor,
    dispatcher: Actor,
    settings: Settings,
    frozen_clock: object,
) -> None:
    ids = calls(session, [1, 2], agent, settings, frozen_clock)
    declared = outage_calls.declare_outage(
        session,
        by=dispatcher,
        kind="fault",
        cause="台区故障",
        starts_at=clock.now() - timedelta(seconds=30),
        expected_restoration_at=clock.now() + timedelta(hours=3),
        transformers=["A1"],
    )
    assert declared.linked == 1
    assert session.get_one(WorkOrder, ids[1]).outage_id is None
    assert session.get_one(WorkOrder, ids[2]).outage_id == declared.outage.id
    starts = clock.now() + timedelta(days=8)
    planned = outage_calls.declare_outage(
        session,
        by=dispatcher,
        kind="planned",
        cause="检修",
        starts_at=starts,
        expected_restoration_at=starts + timedelta(hours=8),
        transformers=["A1"],
    )
    assert planned.linked == 0


def test_suggestions_through_the_api_and_the_board(
    client: TestClient,
    login: object,
    session: Session,
    agent: Actor,
    settings: Settings,
    frozen_clock: object,
) -> None:
    calls(session, [1, 2, 3], agent, settings, frozen_clock)
    session.commit()
    centre = login("dispatcher")  # type: ignore[operator]
    answer = client.get("/api/v1/outages/suggested", headers=centre)
    assert answer.status_code == 200, answer.text
    [one] = answer.json()
    assert one["scope"] == "transformer" and one["transformers"] == ["A1"] and one["calls"] == 3
    wide = client.get(
        "/api/v1/outages/suggested", params={"minutes": 5, "threshold": 2}, headers=centre
    )
    assert wide.status_code == 200 and wide.json()[0]["calls"] == 3
    bad = client.get("/api/v1/outages/suggested", params={"threshold": 1}, headers=centre)
    assert bad.status_code == 422 and "threshold" in bad.text
    crew = login("repair-baohe")  # type: ignore[operator]
    assert client.get("/api/v1/outages/suggested", headers=crew).status_code == 403
    # Declared through the API, the fault takes the calls in.
    declared = client.post(
        "/api/v1/outages",
        json={
            "kind": "fault",
            "cause": "台区变压器故障",
            "starts_at": one["first_call_at"],
            "expected_restoration_at": (clock.now() + timedelta(hours=3)).isoformat(),
            "transformers": one["transformers"],
        },
        headers=centre,
    )
    assert declared.status_code == 201, declared.text
    body = declared.json()
    assert body["linked_calls"] == 3
    assert body["calls"] == {"linked": 3, "answered_on_the_spot": 0}
    assert client.get("/api/v1/outages/suggested", headers=centre).json() == []


def test_grouping_and_linking_take_the_same_statements_for_few_calls_as_for_many(
    session: Session,
    engine: Engine,
    agent: Actor,
    dispatcher: Actor,
    settings: Settings,
    frozen_clock: object,
) -> None:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    def statements(work: Callable[[], object]) -> int:
        seen.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            work()
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    declared: list[outage_calls.Declared] = []

    def declare() -> None:
        declared.append(
            outage_calls.declare_outage(
                session,
                by=dispatcher,
                kind="fault",
                cause="线路故障",
                starts_at=NOW,
                expected_restoration_at=clock.now() + timedelta(hours=3),
                feeders=["F1"],
            )
        )

    counts = []
    for accounts in ([1, 2, 3, 10, 11, 12], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] * 3):
        frozen_clock.set(NOW)  # type: ignore[attr-defined]
        calls(session, accounts, agent, settings, frozen_clock)
        counts.append(statements(lambda: call_clusters.suggested(session, by=dispatcher)))
        declared.clear()
        counts.append(statements(declare))
        assert declared[0].linked == (3 if len(accounts) == 6 else 18)
        session.rollback()
    # Grouping reads the same statements for 6 calls as for 39, declaring links 3 or 18 alike.
    assert counts[0] == counts[2] and counts[1] == counts[3]
