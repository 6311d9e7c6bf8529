"""A crew sent to a fault repair or an outage (issue 14): the nearest crew suggested from the
premises or the outage's transformer areas, the order dispatched to the crew's department, and
each step of the crew carried onto the order (its clocks, with the times the crew claims) or the
outage (its start, its restoration and the reply to every linked call)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from outage_network import Network
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, system
from quarterhour.config import Settings
from quarterhour.crews import service as crews
from quarterhour.crews.models import Crew, CrewJob
from quarterhour.customers.models import Customer
from quarterhour.errors import Conflict, ValidationFailed
from quarterhour.kit import clock
from quarterhour.notifications.models import OutboxMessage
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.outages import service as outages
from quarterhour.outages.models import Outage, OutageEvent
from quarterhour.workorders import crew_jobs, outage_calls, routing
from quarterhour.workorders.intake import take_contact
from quarterhour.workorders.lifecycle import Step, replay
from quarterhour.workorders.models import Deadline, OrderEvent, WorkOrder
from quarterhour.workorders.schemas import ContactIn

pytestmark = pytest.mark.db

ADMIN = system("test")


def crew_at(
    session: Session, network: Network, code: str, position: tuple[float, float] | None
) -> Crew:
    """An available crew of 包河区 on duty around now, at `position` (reported now)."""
    crew = crews.create_crew(
        session,
        by=ADMIN,
        code=code,
        name=f"{code}班",
        department_id=network.org.dept("repair-baohe"),
    )
    start = clock.now() - timedelta(hours=2)
    crews.add_shift(
        session, crew.id, by=ADMIN, starts_at=start, ends_at=start + timedelta(hours=12)
    )
    crews.set_status(session, crew.id, by=ADMIN, status="available", at=start)
    if position is not None:
        crews.report_position(
            session, crew.id, by=ADMIN, latitude=position[0], longitude=position[1]
        )
    return crew


@pytest.fixture
def staff(session: Session, network: Network) -> dict[str, Actor]:
    org = network.org
    return {
        "agent": actor_of(org.staff["agent"]),
        "dispatcher": actor_of(org.staff["dispatcher"]),
        "member": actor_of(org.staff["repair-baohe"], "repair"),
    }


def call(session: Session, account: str, agent: Actor, settings: Settings) -> int:
    data = ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {"account": account},
            "matters": [{"order_type": "fault_repair", "area_class": "urban", "title": "家里停电"}],
        }
    )
    order_id = take_contact(session, data, by=agent, settings=settings).orders[0].id
    session.flush()
    return order_id


def events(session: Session, order_id: int) -> list[OrderEvent]:
    return list(
        session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
    )


def test_the_nearest_crew_takes_a_repair_and_its_steps_run_the_order_clocks(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: Any,
) -> None:
    # TA-003 (芜湖路) is at 31.85, 117.28; its account's premises has no coordinates itself.
    near = crew_at(session, network, "BH-1", (31.86, 117.28))  # about 1.1 km
    crew_at(session, network, "BH-2", (31.95, 117.28))  # about 11 km
    crews.add_member(session, near.id, by=ADMIN, staff_id=network.org.staff["repair-baohe"].id)
    order_id = call(session, "3400100003", staff["agent"], settings)

    suggestion = crew_jobs.suggest_for_order(session, order_id, by=staff["dispatcher"])
    assert suggestion.crew is not None and suggestion.crew.id == near.id
    assert (suggestion.reason, suggestion.distance_km) == ("distance", Decimal("1.1"))

    frozen_clock.advance(minutes=3)
    dispatched_at = frozen_clock.now
    job = crew_jobs.send_order_to_crew(session, order_id, by=staff["dispatcher"], settings=settings)
    assert (job.crew_id, job.chosen_by, job.work_order_id) == (near.id, "distance", order_id)
    order = session.get_one(WorkOrder, order_id, populate_existing=True)
    assert (order.state, order.department_id) == ("dispatched", network.org.dept("repair-baohe"))
    assert (order.crew, order.crew_dispatched_at) == ("BH-1班", dispatched_at)

    member = staff["member"]
    frozen_clock.advance(minutes=1)
    crew_jobs.take_job_step(session, job.id, "accepted", by=member, settings=settings)
    frozen_clock.advance(minutes=2)
    crew_jobs.take_job_step(session, job.id, "departed", by=member, settings=settings)
    frozen_clock.advance(minutes=30)
    arrived = frozen_clock.now - timedelta(minutes=5)  # tapped five minutes late
    crew_jobs.take_job_step(
        session,
        job.id,
        "arrived",
        by=member,
        settings=settings,
        at=arrived,
        latitude=31.85,
        longitude=117.28,
    )
    order = session.get_one(WorkOrder, order_id, populate_existing=True)
    assert (order.state, order.arrived_at) == ("in_progress", arrived)
    restoration = session.scalars(
        select(Deadline).where(Deadline.order_id == order_id, Deadline.kind == "restoration")
    ).one()
    assert restoration.start_at == arrived
    arrival = session.scalars(
        select(Deadline).where(Deadline.order_id == order_id, Deadline.kind == "arrival")
    ).one()
    assert arrival.met_at == arrived
    frozen_clock.advance(minutes=40)
    crew_jobs.take_job_step(session, job.id, "restored", by=member, settings=settings)
    order = session.get_one(WorkOrder, order_id, populate_existing=True)
    assert order.restored_at == frozen_clock.now
    history = events(session, order_id)
    assert [e.action for e in history] == ["accept", "dispatch", "acknowledge", "arrive", "restore"]
    assert history[3].claimed_at == arrived
    assert replay([Step(e.action, e.from_state, e.to_state) for e in history]) == order.state
    session.refresh(near)
    assert near.status == "available"
    assert (float(near.latitude or 0), float(near.longitude or 0)) == (31.85, 117.28)


def test_a_step_the_dispatcher_enters_is_the_crews_move_under_his_name(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: Any,
) -> None:
    crew = crew_at(session, network, "BH-1", None)
    order_id = call(session, "3400100003", staff["agent"], settings)
    job = crew_jobs.send_order_to_crew(
        session, order_id, by=staff["dispatcher"], settings=settings, crew_id=crew.id
    )
    assert job.chosen_by == "manual"
    frozen_clock.advance(minutes=5)
    taken = crew_jobs.take_job_step(
        session, job.id, "departed", by=staff["dispatcher"], settings=settings
    )
    assert taken.recorded == ("accepted", "departed")
    acknowledged = events(session, order_id)[-1]
    assert (acknowledged.action, acknowledged.actor_id) == (
        "acknowledge",
        network.org.staff["dispatcher"].id,
    )
    # Another crew sent now: the first one's job is withdrawn and the order names the new crew.
    other = crew_at(session, network, "BH-2", None)
    crew_jobs.send_order_to_crew(
        session, order_id, by=staff["dispatcher"], settings=settings, crew_id=other.id
    )
    session.refresh(job)
    assert job.step == "withdrawn"
    order = session.get_one(WorkOrder, order_id, populate_existing=True)
    assert (order.state, order.crew) == ("acknowledged", "BH-2班")


def test_a_call_linked_to_an_outage_goes_with_the_outage_crew(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: Any,
) -> None:
    outage = outages.declare(
        session,
        by=ADMIN,
        kind="fault",
        cause="台区变压器故障",
        starts_at=clock.now() - timedelta(minutes=10),
        expected_restoration_at=clock.now() + timedelta(hours=3),
        transformers=["TA-001", "TA-003"],
    )
    session.execute(update(Customer).values(phone="13900000001"))  # the callers' own numbers
    linked = [call(session, "3400100001", staff["agent"], settings) for _ in range(3)]
    linked.append(call(session, "3400100002", staff["agent"], settings))
    crew_at(session, network, "BH-1", (31.95, 117.28))
    near = crew_at(session, network, "BH-2", (31.836, 117.285))  # at the areas' centre
    crews.add_member(session, near.id, by=ADMIN, staff_id=network.org.staff["repair-baohe"].id)
    with pytest.raises(Conflict) as refused:
        crew_jobs.send_order_to_crew(session, linked[0], by=staff["dispatcher"], settings=settings)
    assert refused.value.field == "order_id"

    place = crew_jobs.outage_place(session, outage.id)
    assert (float(place.latitude or 0), float(place.longitude or 0)) == (31.835, 117.285)
    assert place.district_id == network.org.districts["baohe"]
    job = crew_jobs.send_outage_to_crew(session, outage.id, by=staff["dispatcher"])
    assert (job.crew_id, job.chosen_by, job.distance_km) == (near.id, "distance", Decimal("0.1"))

    member = staff["member"]
    frozen_clock.advance(minutes=20)
    crew_jobs.take_job_step(session, job.id, "departed", by=member, settings=settings)
    frozen_clock.advance(minutes=15)
    crew_jobs.take_job_step(session, job.id, "arrived", by=member, settings=settings)
    frozen_clock.advance(minutes=60)
    restored_at = frozen_clock.now - timedelta(minutes=2)
    crew_jobs.take_job_step(
        session, job.id, "restored", by=member, settings=settings, at=restored_at
    )
    record = session.get_one(Outage, outage.id, populate_existing=True)
    assert (record.state, record.restored_at) == ("restored", restored_at)
    history = session.execute(
        select(OutageEvent.action, OutageEvent.actor_id)
        .where(OutageEvent.outage_id == outage.id)
        .order_by(OutageEvent.id)
    ).all()
    assert [tuple(e) for e in history][1:] == [
        ("send_crew", network.org.staff["dispatcher"].id),
        ("crew_arrived", network.org.staff["repair-baohe"].id),
        ("restore", network.org.staff["repair-baohe"].id),
    ]
    for order_id in linked:
        order = session.get_one(WorkOrder, order_id, populate_existing=True)
        assert order.state == "replied"
        assert events(session, order_id)[-1].action == "outage_reply"
    # Each caller heard of the outage's crew as of his own repair's: on its way, then on site,
    # then the reply and the survey (the restoration was entered after the fact: its reply is
    # news, the steps before it were told as they happened).
    told = session.execute(
        select(OutboxMessage.work_order_id, OutboxMessage.kind, OutboxMessage.body)
        .where(OutboxMessage.work_order_id.in_(linked), OutboxMessage.kind != "contact_accepted")
        .order_by(OutboxMessage.id)
    ).all()
    for order_id in linked:
        kinds = [kind for o, kind, _ in told if o == order_id]
        assert kinds == ["crew_on_the_way", "crew_arrived", "result_replied", "follow_up_survey"]
    assert all(near.name in body for _, kind, body in told if kind.startswith("crew_"))


def test_an_outage_not_started_starts_when_the_crew_arrives(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: Any,
) -> None:
    starts: datetime = clock.now() + timedelta(hours=1)
    outage = outages.declare(
        session,
        by=ADMIN,
        kind="temporary",
        cause="抢修更换避雷器",
        starts_at=starts,
        expected_restoration_at=starts + timedelta(hours=2),
        transformers=["TA-002"],  # no coordinates: the district's crew on duty
    )
    crew = crew_at(session, network, "BH-1", (31.9, 117.2))
    job = crew_jobs.send_outage_to_crew(session, outage.id, by=staff["dispatcher"])
    assert (job.crew_id, job.chosen_by, job.distance_km) == (crew.id, "district", None)
    frozen_clock.advance(minutes=30)
    crew_jobs.take_job_step(session, job.id, "departed", by=staff["dispatcher"], settings=settings)
    crew_jobs.take_job_step(session, job.id, "arrived", by=staff["dispatcher"], settings=settings)
    record = session.get_one(Outage, outage.id, populate_existing=True)
    assert (record.state, record.started_at) == ("active", frozen_clock.now)


def dispatch_by_policy(session: Session, network: Network) -> None:
    """包河区's fault repairs go at once to its crew on duty (the demo's rule, more specific)."""
    routing.add_routing_rule(
        session,
        by=ADMIN,
        order_type="fault_repair",
        department_id=network.org.dept("repair-baohe"),
        district_id=network.org.districts["baohe"],
        priority=1,
        dispatch_to_crew=True,
    )


def test_a_fault_repair_routed_by_policy_goes_at_once_to_the_crew_on_duty(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: Any,
) -> None:
    dispatch_by_policy(session, network)
    near = crew_at(session, network, "BH-1", (31.851, 117.28))
    crew_at(session, network, "BH-2", (31.95, 117.28))
    data = ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {"account": "3400100003"},
            "matters": [
                {"order_type": "fault_repair", "area_class": "urban", "title": "家里停电"},
                {"order_type": "complaint", "title": "抄表员态度差"},
            ],
        }
    )
    result = take_contact(session, data, by=staff["agent"], settings=settings)
    session.flush()
    repair, complaint = result.orders
    assert list(result.automatic) == [repair.id]
    assert result.automatic[repair.id].crew is not None
    order = session.get_one(WorkOrder, repair.id, populate_existing=True)
    assert (order.state, order.crew, order.department_id) == (
        "dispatched",
        "BH-1班",
        network.org.dept("repair-baohe"),
    )
    assert order.dispatched_at == order.crew_dispatched_at == frozen_clock.now
    history = events(session, repair.id)
    assert [(e.action, e.actor_id) for e in history] == [
        ("accept", network.org.staff["agent"].id),
        ("dispatch", None),  # 系统自动
    ]
    assert replay([Step(e.action, e.from_state, e.to_state) for e in history]) == "dispatched"
    dispatch = session.scalars(
        select(Deadline).where(Deadline.order_id == repair.id, Deadline.kind == "dispatch")
    ).all()
    assert all(d.met_at == frozen_clock.now for d in dispatch)
    job = session.scalars(select(CrewJob).where(CrewJob.work_order_id == repair.id)).one()
    assert (job.crew_id, job.chosen_by, job.dispatched_by_id, job.distance_km) == (
        near.id,
        "automatic",
        None,
        Decimal("0.1"),
    )
    assert session.get_one(WorkOrder, complaint.id).state == "accepted"
    # The crew takes it from its phone like any other job.
    crews.add_member(session, near.id, by=ADMIN, staff_id=network.org.staff["repair-baohe"].id)
    frozen_clock.advance(minutes=1)
    crew_jobs.take_job_step(session, job.id, "accepted", by=staff["member"], settings=settings)
    assert session.get_one(WorkOrder, repair.id, populate_existing=True).state == "acknowledged"


def test_without_a_crew_on_duty_the_order_stays_for_the_dispatcher(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: Any,
) -> None:
    dispatch_by_policy(session, network)
    order_id = call(session, "3400100003", staff["agent"], settings)
    order = session.get_one(WorkOrder, order_id, populate_existing=True)
    assert (order.state, order.crew) == ("accepted", None)
    assert session.scalars(select(CrewJob).where(CrewJob.work_order_id == order_id)).all() == []
    data = ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {"account": "3400100003"},
            "matters": [{"order_type": "fault_repair", "area_class": "urban", "title": "又停电"}],
        }
    )
    result = take_contact(session, data, by=staff["agent"], settings=settings)
    told = result.automatic[result.orders[0].id]
    assert told.crew is None and told.suggestion.explanation("zh") == "本区暂无待命的值班班组"


def test_a_call_linked_to_an_active_outage_is_not_dispatched_by_policy(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: Any,
) -> None:
    dispatch_by_policy(session, network)
    crew_at(session, network, "BH-1", None)
    outages.declare(
        session,
        by=ADMIN,
        kind="fault",
        cause="台区变压器故障",
        starts_at=clock.now() - timedelta(minutes=5),
        expected_restoration_at=clock.now() + timedelta(hours=3),
        transformers=["TA-003"],
    )
    order_id = call(session, "3400100003", staff["agent"], settings)
    order = session.get_one(WorkOrder, order_id, populate_existing=True)
    assert (order.state, order.outage_id is not None, order.crew) == ("accepted", True, None)
    assert session.scalars(select(CrewJob).where(CrewJob.work_order_id == order_id)).all() == []


def test_only_a_fault_repair_rule_to_a_repair_department_dispatches_to_crews(
    session: Session, network: Network
) -> None:
    for order_type, department in (
        ("complaint", "repair-baohe"),
        ("fault_repair", "hall-baohe"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            routing.add_routing_rule(
                session,
                by=ADMIN,
                order_type=order_type,
                department_id=network.org.dept(department),
                dispatch_to_crew=True,
            )
        assert refused.value.field == "dispatch_to_crew"


def test_an_outage_restored_from_its_page_closes_the_crew_still_on_it(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: Any,
) -> None:
    """A crew on site has restored it then; a crew not there yet is withdrawn; both are back on
    standby, and the job's arrival stays as the crew entered it."""
    dispatcher = staff["dispatcher"]
    closed: list[tuple[str, datetime | None, datetime | None, str]] = []
    for code, transformer, steps in (
        ("BH-1", "TA-001", ("departed", "arrived")),
        ("BH-2", "TA-003", ("departed",)),
    ):
        outage = outages.declare(
            session,
            by=ADMIN,
            kind="fault",
            cause="台区变压器故障",
            starts_at=clock.now() - timedelta(minutes=10),
            expected_restoration_at=clock.now() + timedelta(hours=3),
            transformers=[transformer],
        )
        crew = crew_at(session, network, code, (31.82, 117.29))
        job = crew_jobs.send_outage_to_crew(session, outage.id, by=dispatcher, crew_id=crew.id)
        frozen_clock.advance(minutes=5)
        for step in steps:
            crew_jobs.take_job_step(session, job.id, step, by=dispatcher, settings=settings)
        frozen_clock.advance(minutes=50)
        restored_at = frozen_clock.now - timedelta(minutes=5)
        outage_calls.restore_outage(
            session, outage.id, by=dispatcher, settings=settings, at=restored_at
        )
        seen = session.get_one(CrewJob, job.id, populate_existing=True)
        status = session.get_one(Crew, crew.id, populate_existing=True).status
        closed.append((seen.step, seen.restored_at, seen.withdrawn_at, status))
        if code == "BH-1":
            assert seen.arrived_at == restored_at - timedelta(minutes=45)
            assert closed[-1] == ("restored", restored_at, None, "available")
        else:
            assert closed[-1] == ("withdrawn", None, frozen_clock.now, "available")


def test_calls_sent_to_crews_one_by_one_come_back_when_the_fault_is_declared(
    session: Session,
    network: Network,
    staff: dict[str, Actor],
    settings: Settings,
    frozen_clock: Any,
) -> None:
    """The routing policy sends the first calls of a transformer fault to the crews on duty,
    one crew a call (a crew sent somewhere is not free); the third finds none. Once the fault
    is declared the three calls join it, back with the service centre without clocks, and the
    two crews are withdrawn and free for the outage."""
    dispatch_by_policy(session, network)
    first = crew_at(session, network, "BH-1", (31.82, 117.29))
    second = crew_at(session, network, "BH-2", (31.83, 117.29))
    orders = []
    for account in ("3400100001", "3400100002", "3400100001"):
        orders.append(call(session, account, staff["agent"], settings))
        frozen_clock.advance(minutes=1)
    sent = {
        j.work_order_id: j.crew_id
        for j in session.scalars(select(CrewJob).where(CrewJob.work_order_id.in_(orders)))
    }
    assert sent == {orders[0]: first.id, orders[1]: second.id}
    states = [session.get_one(WorkOrder, o, populate_existing=True).state for o in orders]
    assert states == ["dispatched", "dispatched", "accepted"]
    crew_jobs.take_job_step(
        session,
        next(iter(session.scalars(select(CrewJob.id).where(CrewJob.work_order_id == orders[0])))),
        "departed",
        by=staff["dispatcher"],
        settings=settings,
    )

    declared = outage_calls.declare_outage(
        session,
        by=staff["dispatcher"],
        kind="fault",
        cause="台区变压器故障",
        starts_at=clock.now() - timedelta(minutes=10),
        expected_restoration_at=clock.now() + timedelta(hours=3),
        transformers=["TA-001"],
    )
    assert declared.linked == 3
    for order_id in orders:
        order = session.get_one(WorkOrder, order_id, populate_existing=True)
        assert (order.state, order.outage_id, order.due_at, order.crew) == (
            "accepted",
            declared.outage.id,
            None,
            None,
        )
        history = events(session, order_id)
        assert history[-1].action == "link_outage" and history[-1].to_state == "accepted"
        assert replay([Step(e.action, e.from_state, e.to_state) for e in history]) == "accepted"
        open_clocks = session.scalars(
            select(Deadline).where(Deadline.order_id == order_id, Deadline.met_at.is_(None))
        ).all()
        assert open_clocks == []
    jobs = session.scalars(select(CrewJob).where(CrewJob.work_order_id.in_(orders))).all()
    assert {j.step for j in jobs} == {"withdrawn"}
    for crew in (first, second):
        assert session.get_one(Crew, crew.id, populate_existing=True).status == "available"
    job = crew_jobs.send_outage_to_crew(session, declared.outage.id, by=staff["dispatcher"])
    assert job.crew_id == first.id  # the nearest, free again
