"""The guarded write of a lifecycle move: a move decided on an older version writes nothing.

`act()` reads the order without a lock and writes `… WHERE version = :seen`; these tests put
another committed move between the read and the write, on both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import StaleVersion
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import make_session_factory
from quarterhour.workorders import intake, moves, writes
from quarterhour.workorders.models import Deadline, FollowUp, OrderEvent, WorkOrder
from quarterhour.workorders.schemas import ActionIn, ContactIn


def _complaint(engine: Engine, org: Organisation, settings: Settings) -> int:
    data = ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {
                "name": "袁女士",
                "phone": "13855123456",
                "district_id": org.districts["baohe"],
            },
            "matters": [{"order_type": "complaint", "title": "抄表员态度差"}],
        }
    )
    with make_session_factory(engine)() as session:
        result = intake.take_contact(
            session, data, by=actor_of(org.staff["agent"]), settings=settings
        )
        session.commit()
        return result.orders[0].id


def _counts(session: Session, order_id: int) -> tuple[int, int, int]:
    def count(model: Any) -> int:
        return int(
            session.scalar(
                select(func.count()).select_from(model).where(model.order_id == order_id)
            )
            or 0
        )

    return count(OrderEvent), count(Deadline), count(FollowUp)


def test_a_change_decided_on_an_older_version_writes_nothing(
    engine: Engine, org: Organisation, settings: Settings
) -> None:
    order_id = _complaint(engine, org, settings)
    factory = make_session_factory(engine)
    dispatcher = actor_of(org.staff["dispatcher"])
    with factory() as reader:
        loaded = writes.load(reader, order_id)
        assert loaded is not None
        loaded.order.state = "dispatched"
        loaded.order.department_id = org.dept("hall-shushan")
        stale = writes.change_of(
            loaded,
            event={
                "order_id": order_id,
                "action": "dispatch",
                "from_state": "accepted",
                "to_state": "dispatched",
                "actor_id": dispatcher.id,
                "at": loaded.order.accepted_at,
                "note": None,
                "data": None,
            },
            new_deadlines=[],
            follow_up=None,
        )
        seen = loaded.order.version
        reader.rollback()
    with factory() as other:
        moves.act(other, order_id, "dispatch", ActionIn(), by=dispatcher, settings=settings)
        other.commit()
    with factory() as writer:
        before = _counts(writer, order_id)
        assert writes.write(writer, stale) is None
        writer.commit()
        assert _counts(writer, order_id) == before
        order = writer.get(WorkOrder, order_id)
        assert order is not None
        assert (order.state, order.version, order.department_id) == (
            "dispatched",
            seen + 1,
            org.dept("hall-baohe"),
        )


def test_a_move_overtaken_between_read_and_write_is_checked_again(
    engine: Engine, org: Organisation, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a version the move is re-checked against the newer state; with one it is 409."""
    order_id = _complaint(engine, org, settings)
    factory = make_session_factory(engine)
    dispatcher = actor_of(org.staff["dispatcher"])
    handler = actor_of(org.staff["hall-baohe"])
    real_load = writes.load
    overtaken = {"done": False}

    def load_then_overtake(session: Session, oid: int) -> writes.Loaded | None:
        loaded = real_load(session, oid)
        if not overtaken["done"]:
            overtaken["done"] = True
            # A colleague's press (催办) commits after our read; it leaves the state alone.
            session.rollback()  # SQLite: let the colleague's transaction take the write lock
            with factory() as other:
                moves.act(
                    other,
                    oid,
                    "press",
                    ActionIn(note="请尽快处理"),
                    by=dispatcher,
                    settings=settings,
                )
                other.commit()
        return loaded

    with factory() as session:
        dispatched = moves.act(
            session, order_id, "dispatch", ActionIn(), by=dispatcher, settings=settings
        ).version
        session.commit()
    monkeypatch.setattr(writes, "load", load_then_overtake)
    with factory() as session:
        order = moves.act(
            session, order_id, "acknowledge", ActionIn(), by=handler, settings=settings
        )
        session.commit()
        # dispatched → pressed → acknowledged
        assert (order.state, order.version) == ("acknowledged", dispatched + 2)
        actions = session.scalars(
            select(OrderEvent.action).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        ).all()
        assert actions == ["accept", "dispatch", "press", "acknowledge"]

    overtaken["done"] = False
    with factory() as session, pytest.raises(StaleVersion) as refused:
        moves.act(
            session,
            order_id,
            "record_progress",
            ActionIn(version=dispatched + 2, note="已联系客户"),
            by=handler,
            settings=settings,
        )
    assert refused.value.details["version"] == dispatched + 3
