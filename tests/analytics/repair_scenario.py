"""October 2026 for the repair and outage figures, every number worked out by hand.

Fault repairs (accepted → arrived, arrived → restored, in minutes; commitments urban 45 / 180,
rural 90 / 240):

    R1 包河 urban   20  60
    R2 包河 urban   50  240   late on both
    R3 包河 rural   60  120
    R4 蜀山 rural  100  60    late on site
    R5 蜀山 urban   45  —     on time (the limit itself), not restored yet

Outages (the network of tests/outages/outage_network.py, all premises urban):

    O1 fault on TA-001 (2 包河 accounts), 10-10 08:00 → 11:00; crew on site 08:30;
       two calls linked to it (left out of the repairs) → 2 × 3 h = 6 customer-hours
    O2 temporary on TA-003 (1 包河 account), 10-15 09:00 → 10:30 → 1.5 customer-hours

Four accounts are served (three in 包河): SAIDI = 7.5 × 60 / 4 = 112.5 minutes (包河: 150).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from analytics.scenario import Builder, at
from outages.outage_network import load_network
from quarterhour.access.actor import system
from quarterhour.crews.models import Crew, CrewJob
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.outages import service as outages
from quarterhour.workorders.intake import take_contact
from quarterhour.workorders.schemas import ContactIn

CENTRE = system("test")


def _repair(
    b: Builder, name: str, day: str, district: str, area: str, arrive: str, restore: str | None
) -> None:
    handler = f"repair-{district}"
    b.intake(name, f"{day} 08:00", "fault_repair", district=district, area_class=area)
    b.act(name, f"{day} 08:01", "dispatcher", "dispatch")
    b.act(name, f"{day} 08:02", handler, "acknowledge")
    b.act(name, f"{day} {arrive}", handler, "arrive")
    if restore is not None:
        b.act(name, restore, handler, "restore")


def _linked_call(session: Session, b: Builder, account: str) -> int:
    data = ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {"account": account},
            "matters": [{"order_type": "fault_repair", "area_class": "urban", "title": "停电"}],
        }
    )
    result = take_contact(session, data, by=actor_of(b.org.staff["agent"]), settings=b.settings)
    session.flush()
    return result.orders[0].id


def _crew_on_site(session: Session, b: Builder, outage_id: int, arrived: datetime) -> None:
    crew = Crew(
        code="BH-01",
        name="包河抢修一班",
        department_id=b.org.dept("repair-baohe"),
        status="available",
        status_since=arrived,
        created_at=arrived,
    )
    session.add(crew)
    session.flush()
    session.add(
        CrewJob(
            crew_id=crew.id,
            outage_id=outage_id,
            step="arrived",
            dispatched_at=at("2026-10-10 08:05"),
            chosen_by="manual",
            accepted_at=at("2026-10-10 08:06"),
            departed_at=at("2026-10-10 08:07"),
            arrived_at=arrived,
        )
    )
    session.flush()


def build_repairs(b: Builder) -> dict[str, int]:
    session = b.session
    load_network(session, b.org)
    _repair(b, "R1", "2026-10-05", "baohe", "urban", "08:20", "2026-10-05 09:20")
    _repair(b, "R2", "2026-10-06", "baohe", "urban", "08:50", "2026-10-06 12:50")
    _repair(b, "R3", "2026-10-07", "baohe", "rural", "09:00", "2026-10-07 11:00")
    _repair(b, "R4", "2026-10-08", "shushan", "rural", "09:40", "2026-10-08 10:40")
    _repair(b, "R5", "2026-10-09", "shushan", "urban", "08:45", None)

    b.clock.set(at("2026-10-10 08:00"))
    o1 = outages.declare(
        session,
        by=CENTRE,
        kind="fault",
        cause="台区变压器故障",
        starts_at=at("2026-10-10 08:00"),
        expected_restoration_at=at("2026-10-10 12:00"),
        transformers=["TA-001"],
    ).id
    b.clock.set(at("2026-10-10 08:10"))
    calls = [_linked_call(session, b, "3400100001"), _linked_call(session, b, "3400100002")]
    _crew_on_site(session, b, o1, at("2026-10-10 08:30"))
    b.clock.set(at("2026-10-10 11:05"))
    outages.restore(session, o1, by=CENTRE, at=at("2026-10-10 11:00"))

    b.clock.set(at("2026-10-15 08:00"))
    o2 = outages.declare(
        session,
        by=CENTRE,
        kind="temporary",
        cause="线路检修",
        starts_at=at("2026-10-15 09:00"),
        expected_restoration_at=at("2026-10-15 11:00"),
        transformers=["TA-003"],
    ).id
    b.clock.set(at("2026-10-15 10:40"))
    outages.start(session, o2, by=CENTRE, at=at("2026-10-15 09:00"))
    outages.restore(session, o2, by=CENTRE, at=at("2026-10-15 10:30"))

    b.clock.set(at("2026-11-27 09:00"))
    session.commit()
    return {"O1": o1, "O2": o2, "call1": calls[0], "call2": calls[1]}
