"""Fault calls inside an outage (issue 14): linked at intake without a clock of their own, all
replied to when the outage is restored, split back out when the link was wrong."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from outage_network import Network
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, Role, system
from quarterhour.config import Settings
from quarterhour.customers.models import Customer
from quarterhour.errors import Forbidden, IllegalTransition
from quarterhour.kit import clock
from quarterhour.notifications.models import OutboxMessage
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.outages import service as outages
from quarterhour.workorders import moves, outage_calls
from quarterhour.workorders.intake import take_contact
from quarterhour.workorders.lifecycle import Action, State, Step, replay
from quarterhour.workorders.models import Deadline, OrderEvent, WorkOrder
from quarterhour.workorders.schemas import ActionIn, ContactIn

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI)
CENTRE = system("test")


def fault(session: Session, transformers: list[str], *, started: timedelta) -> int:
    outage = outages.declare(
        session,
        by=CENTRE,
        kind="fault",
        cause="台区变压器故障",
        starts_at=clock.now() - started,
        expected_restoration_at=clock.now() + timedelta(hours=3),
        transformers=transformers,
    )
    return outage.id


def call(session: Session, account: str, agent: Actor, settings: Settings, **extra: object) -> int:
    data = ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {"account": account},
            "matters": [
                {"order_type": "fault_repair", "area_class": "urban", "title": "家里停电", **extra}
            ],
        }
    )
    result = take_contact(session, data, by=agent, settings=settings)
    session.flush()
    return result.orders[0].id


def deadlines_of(session: Session, order_id: int) -> list[str]:
    return list(session.scalars(select(Deadline.kind).where(Deadline.order_id == order_id)))


def actions_of(session: Session, order_id: int) -> list[str]:
    return list(
        session.scalars(
            select(OrderEvent.action).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
    )


def history_holds(session: Session, order_id: int) -> None:
    events = session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    ).all()
    order = session.get_one(WorkOrder, order_id)
    assert replay([Step(e.action, e.from_state, e.to_state) for e in events]) == order.state


@pytest.fixture
def staff(session: Session, network: Network) -> dict[str, Actor]:
    return {
        name: actor_of(network.org.staff[name]) for name in ("agent", "dispatcher", "repair-baohe")
    }


def test_a_call_inside_an_active_outage_is_linked_without_a_clock(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: object,
) -> None:
    outage_id = fault(session, ["TA-001"], started=timedelta(minutes=10))
    inside = call(session, "3400100001", staff["agent"], settings)
    outside = call(session, "3400100003", staff["agent"], settings)

    linked = session.get_one(WorkOrder, inside)
    assert linked.outage_id == outage_id
    assert linked.state == State.ACCEPTED
    assert linked.due_at is None
    assert deadlines_of(session, inside) == []
    assert actions_of(session, inside) == ["accept", "link_outage"]
    note = session.scalars(
        select(OrderEvent.note).where(
            OrderEvent.order_id == inside, OrderEvent.action == "link_outage"
        )
    ).one()
    assert note is not None and "台区变压器故障" in note and "预计" in note
    history_holds(session, inside)

    ordinary = session.get_one(WorkOrder, outside)
    assert ordinary.outage_id is None
    assert "arrival" in deadlines_of(session, outside)
    assert ordinary.due_at is not None


def test_an_outage_planned_but_not_started_does_not_link(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: object,
) -> None:
    starts = clock.now() + timedelta(days=8)
    planned = outages.declare(
        session,
        by=CENTRE,
        kind="planned",
        cause="10kV线路检修",
        starts_at=starts,
        expected_restoration_at=starts + timedelta(hours=8),
        transformers=["TA-001"],
    )
    outages.publish_notice(session, planned.id, by=CENTRE)
    # The day comes and the planned window holds the call, but nobody started the outage.
    frozen_clock.set(starts + timedelta(hours=1))  # type: ignore[attr-defined]
    assert outages.active_outage_for_account(session, "3400100001", by=CENTRE).outage is not None
    order_id = call(session, "3400100001", staff["agent"], settings)
    order = session.get_one(WorkOrder, order_id)
    assert order.outage_id is None
    assert "arrival" in deadlines_of(session, order_id)


def test_restoration_replies_to_every_linked_open_order_and_leaves_the_others(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: object,
) -> None:
    outage_id = fault(session, ["TA-001"], started=timedelta(minutes=5))
    session.execute(update(Customer).values(phone="13900000001"))  # the callers' own numbers
    linked = [
        call(session, "3400100001" if n % 2 else "3400100002", staff["agent"], settings)
        for n in range(200)
    ]
    other = call(session, "3400100003", staff["agent"], settings)
    # One linked call was split out before the restoration: it is an ordinary repair now.
    split = linked.pop()
    moves.act(
        session, split, Action.SPLIT_OUT, ActionIn(), by=staff["dispatcher"], settings=settings
    )
    session.commit()

    frozen_clock.set(NOW + timedelta(hours=2))  # type: ignore[attr-defined]
    restored_at = NOW + timedelta(hours=1, minutes=50)
    result = outage_calls.restore_outage(
        session, outage_id, by=staff["dispatcher"], settings=settings, at=restored_at
    )
    session.commit()
    assert result.replied == 200 - 1
    assert result.outage.state == "restored"

    states = dict(
        session.execute(
            select(WorkOrder.state, func.count())
            .where(WorkOrder.id.in_(linked))
            .group_by(WorkOrder.state)
        ).all()
    )
    assert states == {"replied": len(linked)}
    replies = session.scalar(
        select(func.count(func.distinct(OrderEvent.order_id))).where(
            OrderEvent.order_id.in_(linked), OrderEvent.action == "outage_reply"
        )
    )
    assert replies == len(linked)
    sample = session.get_one(WorkOrder, linked[0])
    assert sample.reply_method == "sms"
    assert sample.result == "停电已于11月27日10:50恢复供电"
    assert sample.replied_at == NOW + timedelta(hours=2)
    assert sample.version == 2
    # Fault repairs are always followed up: the follow-up clock runs from the reply.
    assert sample.follow_up_required
    assert deadlines_of(session, linked[0]) == ["follow_up"]
    follow_up = session.scalars(select(Deadline).where(Deadline.order_id == linked[0])).one()
    assert follow_up.start_at == NOW + timedelta(hours=2)
    assert sample.due_at == follow_up.due_at
    history_holds(session, linked[0])
    # Each caller is told by SMS, once: the reply's own text, naming his order.
    told = session.execute(
        select(OutboxMessage.work_order_id, OutboxMessage.body).where(
            OutboxMessage.kind == "result_replied"
        )
    ).all()
    assert sorted(order_id for order_id, _ in told) == sorted(linked)
    assert all("停电已于11月27日10:50恢复供电" in body for _, body in told)
    # ... and asked for his satisfaction by SMS: his follow-up waits a day for the answer.
    surveyed = session.execute(
        select(OutboxMessage.work_order_id, OutboxMessage.channel).where(
            OutboxMessage.kind == "follow_up_survey"
        )
    ).all()
    assert sorted(order_id for order_id, _ in surveyed) == sorted(linked)
    assert {channel for _, channel in surveyed} == {"sms"}
    assert sample.sms_survey_until == NOW + timedelta(hours=26)
    for untouched in (other, split):
        order = session.get_one(WorkOrder, untouched)
        assert order.state == State.ACCEPTED
        assert "outage_reply" not in actions_of(session, untouched)
    # A second restoration is refused (the outage's lifecycle), and nothing is replied twice.
    with pytest.raises(IllegalTransition):
        outage_calls.restore_outage(session, outage_id, by=staff["dispatcher"], settings=settings)


def test_a_wrongly_linked_call_is_split_out_with_its_own_clock(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: object,
) -> None:
    fault(session, ["TA-001"], started=timedelta(minutes=10))
    order_id = call(session, "3400100001", staff["agent"], settings)
    session.commit()
    frozen_clock.set(NOW + timedelta(minutes=30))  # type: ignore[attr-defined]
    with pytest.raises(Forbidden):
        moves.act(
            session, order_id, Action.SPLIT_OUT, ActionIn(), by=staff["agent"], settings=settings
        )
    session.rollback()
    moved = moves.act(
        session,
        order_id,
        Action.SPLIT_OUT,
        ActionIn(note="客户家中单独故障"),
        by=staff["dispatcher"],
        settings=settings,
    )
    session.commit()
    assert moved.outage_id is None
    order = session.get_one(WorkOrder, order_id)
    assert order.outage_id is None and order.state == State.ACCEPTED
    arrival = session.scalars(
        select(Deadline).where(Deadline.order_id == order_id, Deadline.kind == "arrival")
    ).one()
    assert arrival.start_at == NOW + timedelta(minutes=30)
    assert order.due_at is not None
    assert actions_of(session, order_id) == ["accept", "link_outage", "split_out"]
    history_holds(session, order_id)
    # Not linked any more: nothing left to split.
    with pytest.raises(IllegalTransition):
        moves.act(
            session,
            order_id,
            Action.SPLIT_OUT,
            ActionIn(),
            by=staff["dispatcher"],
            settings=settings,
        )


def test_restoring_with_the_replies_needs_the_outage_permission(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: object,
) -> None:
    outage_id = fault(session, ["TA-001"], started=timedelta(minutes=10))
    for who in (staff["agent"], staff["repair-baohe"]):
        with pytest.raises(Forbidden):
            outage_calls.restore_outage(session, outage_id, by=who, settings=settings)
    crew = Actor(id=None, username="x", role=Role.FOLLOW_UP_AGENT, department_id=None)
    with pytest.raises(Forbidden):
        outage_calls.restore_outage(session, outage_id, by=crew, settings=settings)


def test_the_api_shows_the_outage_per_order_and_restoration_replies(
    client: TestClient,
    login: Callable[[str], dict[str, str]],
    session: Session,
    network: Network,
    frozen_clock: object,
) -> None:
    centre = login("dispatcher")
    agent = login("agent")
    declared = client.post(
        "/api/v1/outages",
        json={
            "kind": "fault",
            "cause": "台区变压器故障",
            "starts_at": (NOW - timedelta(minutes=5)).isoformat(),
            "expected_restoration_at": (NOW + timedelta(hours=3)).isoformat(),
            "transformers": ["TA-001"],
        },
        headers=centre,
    )
    assert declared.status_code == 201, declared.text
    outage_id = declared.json()["outage"]["id"]
    contact = {
        "channel": "hotline",
        "customer": {"account": "3400100002"},
        "matters": [
            {"order_type": "fault_repair", "area_class": "urban", "title": "停电"},
            {"order_type": "consultation", "title": "电价咨询"},
        ],
    }
    taken = client.post("/api/v1/contacts", json=contact, headers=agent)
    assert taken.status_code == 201, taken.text
    repair, question = taken.json()["orders"]
    assert repair["outage"]["id"] == outage_id
    assert repair["outage"]["cause"] == "台区变压器故障"
    assert repair["due_at"] is None
    assert question["outage"] is None and question["due_at"] is not None

    frozen_clock.set(NOW + timedelta(hours=1))  # type: ignore[attr-defined]
    assert (
        client.post(f"/api/v1/outages/{outage_id}/restore", json={}, headers=agent).status_code
        == 403
    )
    restored = client.post(f"/api/v1/outages/{outage_id}/restore", json={}, headers=centre)
    assert restored.status_code == 200, restored.text
    assert restored.json()["replied_calls"] == 1
    detail = client.get(f"/api/v1/orders/{repair['id']}", headers=centre).json()
    assert detail["state"] == "replied"
    assert detail["result"] == "停电已于11月27日10:00恢复供电"
