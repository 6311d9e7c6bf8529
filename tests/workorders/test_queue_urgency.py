"""A queue shows the most urgent work first: the nearest deadline, and at the same deadline a
fault repair (the power is off) before anything else; the dispatcher's home is such a queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update

from quarterhour.kit import clock
from quarterhour.workorders.models import WorkOrder
from workorders.loop_client import LoopApi


def test_the_nearest_deadline_first_and_a_repair_before_others_at_the_same_one(
    loop: LoopApi, engine: Engine, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=clock.SHANGHAI))
    older_complaint = loop.intake("complaint")["id"]
    frozen_clock.advance(minutes=30)
    consultation = loop.intake("consultation")["id"]
    repair = loop.intake("fault_repair")["id"]
    # The complaint came first, yet the repair and the consultation are due at the same moment
    # before it: the order is by deadline, then a repair before others.
    same = datetime(2026, 3, 3, 12, 0, tzinfo=clock.SHANGHAI)
    with engine.begin() as conn:
        conn.execute(
            update(WorkOrder).where(WorkOrder.id.in_([repair, consultation])).values(due_at=same)
        )
        conn.execute(
            update(WorkOrder)
            .where(WorkOrder.id == older_complaint)
            .values(due_at=datetime(2026, 3, 4, 12, 0, tzinfo=clock.SHANGHAI))
        )
    listed = loop.client.get(
        "/api/v1/orders?state=accepted", headers=loop.headers("dispatcher")
    ).json()["items"]
    assert [o["id"] for o in listed] == [repair, consultation, older_complaint]
    # The repair came after the consultation: the type broke the tie, not the id.
    assert repair > consultation
