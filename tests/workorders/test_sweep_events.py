"""The sweep's events read the same on both databases (PostgreSQL builds them in SQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, select

from quarterhour.access.actor import system
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import make_session_factory
from quarterhour.workorders import intake, sla
from quarterhour.workorders.models import Deadline, OrderEvent
from quarterhour.workorders.schemas import ContactIn


def test_warn_and_escalate_events_name_the_deadline_in_shanghai_time(
    engine: Engine, org: Organisation, settings: Settings
) -> None:
    factory = make_session_factory(engine)
    # A received time with microseconds: due times keep them, and so must the events' text.
    received = clock.now().replace(microsecond=123456) - timedelta(days=3)
    whole = clock.now().replace(microsecond=0) - timedelta(days=3)
    ids = []
    with factory() as session:
        for at in (received, whole):
            data = ContactIn.model_validate(
                {
                    "channel": "hotline",
                    "received_at": at.isoformat(),
                    "customer": {"phone": "13855123456", "district_id": org.districts["baohe"]},
                    "matters": [
                        {"order_type": "fault_repair", "title": "停电", "area_class": "urban"}
                    ],
                }
            )
            result = intake.take_contact(
                session, data, by=actor_of(org.staff["agent"]), settings=settings
            )
            ids.append(result.orders[0].id)
        session.commit()
    with factory() as session:
        report = sla.sweep(session, by=system("test"))
        session.commit()
        # Each order's dispatch and arrival limits.
        assert (report.warned, report.escalated) == (4, 4)
        for order_id in ids:
            due = session.scalars(
                select(Deadline.due_at).where(
                    Deadline.order_id == order_id, Deadline.kind == "arrival"
                )
            ).one()
            events = session.execute(
                select(OrderEvent.action, OrderEvent.data, OrderEvent.note)
                .where(OrderEvent.order_id == order_id, OrderEvent.action.in_(["warn", "escalate"]))
                .order_by(OrderEvent.id)
            ).all()
            events = [e for e in events if e.data["deadline"] == "arrival"]
            assert [(a, d["deadline"], d["due_at"]) for a, d, _ in events] == [
                ("warn", "arrival", clock.local(due).isoformat()),
                ("escalate", "arrival", clock.local(due).isoformat()),
            ]
            assert events[1].data["escalated_to"] == org.staff["supervisor"].id
            assert events[1].note == "超时督办"
