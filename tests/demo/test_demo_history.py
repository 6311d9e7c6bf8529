"""The demo generator on a short history, on every configured database: deterministic, every
history consistent with the lifecycle table, the two stories of PRODUCT.md at their times, logins."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from quarterhour.billing import payments
from quarterhour.billing.models import Bill, HeldReading, Payment
from quarterhour.config import Settings
from quarterhour.customers import accounts
from quarterhour.customers.models import Account, Customer, Meter, Premises
from quarterhour.demo import generator, register, stories
from quarterhour.demo.organisation import DEMO_PASSWORD, FAST_HASH
from quarterhour.entrypoints.app import create_app
from quarterhour.kit import clock
from quarterhour.notifications.models import DeliveryAttempt, OutboxMessage
from quarterhour.organisation.models import Department, District, Staff
from quarterhour.programme.models import Episode, RosterEntry
from quarterhour.storage.engine import make_engine
from quarterhour.storage.migrate import upgrade
from quarterhour.workorders.kinds import DeadlineKind
from quarterhour.workorders.lifecycle import Action, State, Step, replay
from quarterhour.workorders.models import Contact, Deadline, FollowUp, OrderEvent, WorkOrder

ANCHOR = datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI)  # a Friday morning
DAYS = 6


def _generate(settings: Settings, *, days: int = DAYS, anchor: datetime | None = ANCHOR) -> str:
    return generator.generate(settings, days=days, now=anchor, password_cost=FAST_HASH)


def _fingerprint(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {
            "contacts": session.execute(
                select(
                    Contact.number, Contact.channel, Contact.caller_phone, Contact.received_at
                ).order_by(Contact.id)
            ).all(),
            "orders": session.execute(
                select(
                    WorkOrder.number,
                    WorkOrder.state,
                    WorkOrder.order_type,
                    WorkOrder.department_id,
                    WorkOrder.rework_count,
                    WorkOrder.due_at,
                ).order_by(WorkOrder.id)
            ).all(),
            "premises": session.execute(
                select(Premises.address, Premises.latitude, Premises.longitude).order_by(
                    Premises.id
                )
            ).all(),
            "events": sorted(
                session.execute(
                    select(
                        OrderEvent.order_id, OrderEvent.action, OrderEvent.to_state, OrderEvent.at
                    )
                ).all()
            ),
        }


def test_the_same_anchor_gives_the_same_data(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    summary = _generate(settings)
    assert "work orders" in summary
    # A second run into a fresh SQLite file: on the PostgreSQL backend this also shows that the
    # data does not depend on the database.
    again = Settings(database_url=f"sqlite:///{tmp_path / 'again.db'}")
    again_engine = make_engine(again)
    try:
        upgrade(again_engine)
        _generate(again)
        first, second = _fingerprint(engine), _fingerprint(again_engine)
    finally:
        again_engine.dispose()
    assert len(first["orders"]) > 30
    assert first == second


def test_another_seed_gives_other_callers(
    settings: Settings, engine: Engine, tmp_path: Path
) -> None:
    generator.generate(settings, days=2, now=ANCHOR, seed=7, password_cost=FAST_HASH)
    default = Settings(database_url=f"sqlite:///{tmp_path / 'default.db'}")
    default_engine = make_engine(default)
    try:
        upgrade(default_engine)
        _generate(default, days=2)
        phones = [set(_fingerprint(e)["contacts"]) for e in (engine, default_engine)]
    finally:
        default_engine.dispose()
    assert phones[0] and phones[1] and phones[0] != phones[1]


def test_every_history_replays_to_the_stored_state(settings: Settings, engine: Engine) -> None:
    _generate(settings)
    with Session(engine) as session:
        orders = session.execute(select(WorkOrder.id, WorkOrder.number, WorkOrder.state)).all()
        histories: dict[int, list[tuple[Step, datetime]]] = defaultdict(list)
        for event in session.scalars(select(OrderEvent).order_by(OrderEvent.id)):
            step = Step(event.action, event.from_state, event.to_state)
            histories[event.order_id].append((step, event.at))
    assert len(orders) > 30
    for order_id, number, state in orders:
        history = histories[order_id]
        assert replay([step for step, _ in history]) == State(state), number
        moments = [at for _, at in history]
        assert moments == sorted(moments), f"{number}: history out of time order"
        assert moments[-1] <= ANCHOR, f"{number}: history runs past the demo's now"


def test_programme_episodes_every_weekday_with_their_roster(
    settings: Settings, engine: Engine
) -> None:
    _generate(settings)
    first_day = ANCHOR.date() - timedelta(days=DAYS - 1)
    weekdays = {
        first_day + timedelta(days=n)
        for n in range(DAYS)
        if (first_day + timedelta(days=n)).weekday() < 5
    }
    with Session(engine) as session:
        episodes = {e.air_date: e for e in session.scalars(select(Episode))}
        assert weekdays <= set(episodes)
        for episode in episodes.values():
            assert clock.local(episode.starts_at).time() == time(7, 40)
            assert clock.local(episode.ends_at).time() == time(7, 55)
        roster = session.execute(
            select(RosterEntry.episode_id, Staff.username, RosterEntry.duty).join(
                Staff, Staff.id == RosterEntry.staff_id
            )
        ).all()
        for episode in episodes.values():
            duties = {(u, d) for e, u, d in roster if e == episode.id}
            assert duties == {
                ("leader", "leader"),
                ("specialist", "specialist"),
                ("agent", "specialist"),
            }
        calls = session.execute(
            select(Contact.received_at, Contact.episode_id).where(Contact.channel == "programme")
        ).all()
    assert calls
    by_id = {e.id: e for e in episodes.values()}
    for received_at, episode_id in calls:
        local = clock.local(received_at)
        assert time(7, 40) <= local.time() <= time(7, 55)
        assert episode_id is not None and by_id[episode_id].air_date == local.date()


def _department(session: Session, code: str) -> int:
    department_id = session.scalar(select(Department.id).where(Department.code == code))
    assert department_id is not None
    return department_id


def _events(session: Session, order_id: int) -> list[tuple[str, datetime, str | None, str | None]]:
    rows = session.execute(
        select(OrderEvent.action, OrderEvent.at, Staff.username, OrderEvent.note)
        .outerjoin(Staff, Staff.id == OrderEvent.actor_id)
        .where(OrderEvent.order_id == order_id)
        .order_by(OrderEvent.id)
    ).all()
    return [(a, clock.local(at), u, n) for a, at, u, n in rows]


def _on_time(session: Session, order_id: int) -> None:
    deadlines = session.scalars(select(Deadline).where(Deadline.order_id == order_id)).all()
    assert deadlines
    for deadline in deadlines:
        assert deadline.met_at is not None and deadline.met_at <= deadline.due_at, deadline.kind


def _story_contact(session: Session, phone: str) -> tuple[Contact, WorkOrder]:
    contact = session.scalars(select(Contact).where(Contact.caller_phone == phone)).one()
    order = session.scalars(select(WorkOrder).where(WorkOrder.contact_id == contact.id)).one()
    return contact, order


def _recent(day: date) -> None:
    assert ANCHOR.date() - timedelta(days=DAYS) < day < ANCHOR.date()
    assert day.weekday() < 5


def test_story_1_shared_meter(settings: Settings, engine: Engine) -> None:
    summary = _generate(settings)
    assert "shared meter on" in summary
    with Session(engine) as session:
        contact, order = _story_contact(session, stories.SHARED_METER_PHONE)
        received = clock.local(contact.received_at)
        day = received.date()
        _recent(day)
        assert received.time() == stories.SHARED_METER_CALL
        assert contact.caller_name == "唐邦铮"
        assert contact.channel == "programme"
        episode = session.get(Episode, contact.episode_id)
        assert episode is not None and episode.air_date == day
        customer = session.get(Customer, order.customer_id)
        assert customer is not None
        assert customer.address == f"{stories.SHARED_METER_ADDRESS}{register.CALLER_FLAT}"
        assert (
            session.scalar(select(District.code).where(District.id == customer.district_id))
            == "baohe"
        )
        assert (order.order_type, order.subtype) == ("service_request", "meter_split")
        assert order.department_id == _department(session, "hall-baohe")
        assert order.state == State.ARCHIVED
        assert order.reply_method == "phone"
        assert order.follow_up_outcome == "satisfied"
        assert not order.is_overdue and order.rework_count == 0
        events = _events(session, order.id)
        acts = {action: (at, who) for action, at, who, _ in events}
        assert acts[Action.ACKNOWLEDGE][1] == "hall-baohe"
        assert acts[Action.ACKNOWLEDGE][0].date() == day
        assert time(12, 0) <= acts[Action.ACKNOWLEDGE][0].time() < time(18, 0)  # afternoon
        assert acts[Action.CONTACT_CUSTOMER][0] > acts[Action.ACKNOWLEDGE][0]
        returned = acts[Action.RETURN_RESULT][0]
        assert returned.date() == day and returned.time() >= time(17, 0)  # the same evening
        assert acts[Action.RETURN_RESULT][1] == "hall-baohe"
        assert acts[Action.APPROVE][0].date() == day and acts[Action.REPLY][0].date() == day
        assert [a for a, *_ in events if a in _LOOP] == _LOOP_ORDER
        _on_time(session, order.id)
        # The split was recorded on site, before the result went back: his own meter and
        # account, and the building's shared meter now serves the three other flats.
        new = session.scalars(select(Meter).where(Meter.number == register.NEW_METER)).one()
        own = session.get(Account, new.account_id)
        assert own is not None and own.customer_id == customer.id
        assert (new.work_order_id, new.installed_on, new.is_shared) == (order.id, day, False)
        shared = session.scalars(select(Meter).where(Meter.number == register.SHARED_METER)).one()
        assert shared.is_shared
        assert len(accounts.households_of(session, shared.id)) == 3
        splits = [at for action, at, who, _ in events if action == Action.RECORD_PROGRESS]
        assert any(at < returned for at in splits)


def test_callers_have_accounts_billed_monthly_and_mostly_paid(
    settings: Settings, engine: Engine
) -> None:
    summary = _generate(settings)
    assert "accounts with" in summary
    with Session(engine) as session:
        callers = session.scalar(select(func.count()).select_from(Customer)) or 0
        holders = session.scalar(select(func.count(func.distinct(Account.customer_id)))) or 0
        assert holders == callers  # every caller (and the 合表's holder) has an account
        months = session.execute(
            select(Bill.period, func.count()).group_by(Bill.period).order_by(Bill.period)
        ).all()
        assert len(months) >= register.MONTHS_BEFORE_HISTORY
        assert months[-1][0] < clock.local_date(ANCHOR).replace(day=1)  # whole months only
        # One implausible month was held for review, not billed.
        held = session.scalars(select(HeldReading.reason)).all()
        assert held == ["implausible"]
        assert session.scalar(select(func.count()).select_from(Payment))
        owing = [
            payments.account_statement(session, a, settings=settings)
            for a in session.scalars(select(Account).order_by(Account.id).limit(200))
        ]
        assert any(s.late_fees > 0 for s in owing)  # some accounts fell behind
        assert sum(s.total_due == 0 for s in owing) > len(owing) / 3  # many are paid up
        with_id = session.scalar(
            select(func.count()).select_from(Customer).where(Customer.id_number.is_not(None))
        )
        assert with_id == callers


_LOOP_ORDER = [
    "accept",
    "dispatch",
    "acknowledge",
    "contact_customer",
    "return_result",
    "approve",
    "reply",
    "follow_up",
    "archive",
]
_LOOP = set(_LOOP_ORDER)


def test_story_2_missing_phase(settings: Settings, engine: Engine) -> None:
    _generate(settings)
    with Session(engine) as session:
        contact, order = _story_contact(session, stories.MISSING_PHASE_PHONE)
        received = clock.local(contact.received_at)
        day = received.date()
        _recent(day)
        assert received.time() == time(7, 50)
        assert contact.caller_name == "袁女士"
        assert contact.channel == "programme" and contact.episode_id is not None
        assert order.address == "芜湖路174号宿舍楼"
        assert (order.order_type, order.area_class) == ("fault_repair", "urban")
        assert order.department_id == _department(session, "repair-baohe")
        assert order.crew is not None and order.crew.startswith("带电作业班 / 抢修车 皖A-")
        assert order.arrived_at is not None and order.restored_at is not None
        assert order.arrived_at - order.accepted_at <= timedelta(minutes=45)
        assert clock.local(order.restored_at) == clock.at(day, time(10, 20))
        assert order.state == State.ARCHIVED and order.follow_up_outcome == "satisfied"
        _on_time(session, order.id)
        kinds = set(session.scalars(select(Deadline.kind).where(Deadline.order_id == order.id)))
        assert {DeadlineKind.ARRIVAL, DeadlineKind.RESTORATION} <= kinds
        assert (
            session.scalar(
                select(func.count()).select_from(FollowUp).where(FollowUp.order_id == order.id)
            )
            == 1
        )

        neighbours = session.scalars(
            select(WorkOrder).where(
                WorkOrder.address.like("芜湖路174号宿舍楼%"), WorkOrder.id != order.id
            )
        ).all()
        assert len(neighbours) == 2
        assert len({n.contact_id for n in neighbours} | {order.contact_id}) == 3
        for other in neighbours:
            accepted = clock.local(other.accepted_at)
            assert accepted.date() == day and accepted.time() < time(12, 0)
            assert other.order_type == "fault_repair" and other.state == State.ARCHIVED
            assert other.restored_at is not None
            assert clock.local(other.restored_at) == clock.at(day, time(10, 20))
            comments = [n for a, _, _, n in _events(session, other.id) if a == Action.COMMENT]
            assert any(f"工单 {order.number}" in (note or "") for note in comments)
            _on_time(session, other.id)
        main_comments = [n or "" for a, _, _, n in _events(session, order.id) if a == "comment"]
        numbers = [n.number or "?" for n in neighbours]
        assert any(all(number in c for number in numbers) for c in main_comments)


DEMO_USERS = {
    "admin": "admin",
    "agent": "duty_agent",
    "agent2": "duty_agent",
    "specialist": "duty_agent",
    "dispatcher": "dispatcher",
    "followup": "follow_up_agent",
    "supervisor": "supervisor",
    "leader": "supervisor",
    "hall-baohe": "handler",
    "repair-baohe": "handler",
    "metering": "handler",
}


def test_demo_accounts_log_in(settings: Settings, engine: Engine) -> None:
    _generate(settings, days=2)
    with TestClient(create_app(settings, engine=engine)) as client:
        for username, role in DEMO_USERS.items():
            response = client.post(
                "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 200, (username, response.text)
            assert response.json()["role"] == role
        wrong = client.post(
            "/api/v1/auth/token", json={"username": "agent", "password": "not-the-demo-one"}
        )
        assert wrong.status_code == 401


def test_generation_anchors_on_now_and_gives_the_clock_back(
    settings: Settings, engine: Engine, frozen_clock: Any
) -> None:
    frozen_clock.set(ANCHOR)
    _generate(settings, days=2, anchor=None)
    assert clock.now() == ANCHOR  # the test's clock source is back in place
    with Session(engine) as session:
        first = session.scalar(select(func.min(Contact.received_at)))
        last = session.scalar(select(func.max(OrderEvent.at)))
    assert first is not None and last is not None
    assert clock.local(first).date() == ANCHOR.date() - timedelta(days=1)
    assert last <= ANCHOR


def test_an_existing_database_is_left_alone(settings: Settings, engine: Engine) -> None:
    _generate(settings, days=2)
    with Session(engine) as session:
        before = session.scalar(select(func.count()).select_from(OrderEvent))
    assert "already" in _generate(settings, days=2)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OrderEvent)) == before


def test_supply_network_and_outages(settings: Settings, engine: Engine) -> None:
    """Issue 14: feeders per district, 台区 with coordinates, every account supplied (拱辰街99号楼
    on its own 台区); faults restored over the history, one still on at the end, one planned
    outage announced at least seven days ahead for the week after."""
    from quarterhour.access.actor import system
    from quarterhour.demo import network
    from quarterhour.outages import service as outages
    from quarterhour.outages.models import (
        Feeder,
        Outage,
        OutageEvent,
        OutageNotice,
        PremisesSupply,
        TransformerArea,
    )

    summary = _generate(settings)
    assert "feeders" in summary and "outages" in summary
    with Session(engine) as session:
        per_district = {
            district: n
            for district, n in session.execute(
                select(Feeder.district_id, func.count()).group_by(Feeder.district_id)
            )
        }
        assert len(per_district) == 4
        assert set(per_district.values()) == {network.FEEDERS_PER_DISTRICT}
        transformers = session.scalars(select(TransformerArea)).all()
        assert all(
            Decimal("31.7") < t.latitude < Decimal("32.0")
            and Decimal("117.2") < t.longitude < Decimal("117.4")
            for t in transformers
            if t.latitude is not None and t.longitude is not None
        )
        assert all(t.latitude is not None for t in transformers)
        accounts_n = session.scalar(select(func.count()).select_from(Account))
        supplied = session.scalar(
            select(func.count(func.distinct(Account.id))).join(
                PremisesSupply, PremisesSupply.premises_id == Account.premises_id
            )
        )
        assert accounts_n and supplied == accounts_n
        # Every supplied premises is placed near its 台区: within a building's reach and a
        # flat's of the transformer, the flats of one building close together.
        placed = session.execute(
            select(
                Premises.latitude,
                Premises.longitude,
                TransformerArea.latitude,
                TransformerArea.longitude,
            )
            .join(PremisesSupply, PremisesSupply.premises_id == Premises.id)
            .join(TransformerArea, TransformerArea.id == PremisesSupply.transformer_id)
        ).all()
        reach = network.BUILDING_REACH + network.FLAT_REACH
        assert placed and all(
            lat is not None
            and lon is not None
            and abs(lat - t_lat) <= reach
            and abs(lon - t_lon) <= reach
            for lat, lon, t_lat, t_lon in placed
        )
        assert len({(lat, lon) for lat, lon, *_ in placed}) > len(placed) // 2
        own = session.scalars(
            select(TransformerArea.code)
            .join(PremisesSupply, PremisesSupply.transformer_id == TransformerArea.id)
            .join(Account, Account.premises_id == PremisesSupply.premises_id)
            .join(Meter, Meter.account_id == Account.id)
            .where(Meter.number.in_([register.SHARED_METER, register.NEW_METER]))
            .distinct()
        ).all()
        assert own == ["BH-GC99"]

        by_state: dict[str, list[Outage]] = defaultdict(list)
        for outage in session.scalars(select(Outage).order_by(Outage.id)):
            by_state[outage.state].append(outage)
        assert set(by_state) == {"restored", "active", "announced"}
        first = clock.at(ANCHOR.date() - timedelta(days=DAYS - 1), time(0))
        for outage in by_state["restored"]:
            assert outage.kind == "fault"
            assert outage.restored_at is not None and outage.started_at is not None
            assert first <= clock.local(outage.started_at) < clock.local(outage.restored_at)
            assert clock.local(outage.restored_at) < ANCHOR
            actions = session.scalars(
                select(OutageEvent.action).where(OutageEvent.outage_id == outage.id)
            ).all()
            assert actions[0] == "declare" and actions[-1] == "restore"
        assert len(by_state["restored"]) >= 3
        [active] = by_state["active"]
        assert active.kind == "fault"
        assert clock.local(active.started_at or active.starts_at) < ANCHOR
        assert clock.local(active.expected_restoration_at) > ANCHOR
        [planned] = by_state["announced"]
        assert planned.kind == "planned"
        notice = session.scalars(
            select(OutageNotice).where(OutageNotice.outage_id == planned.id)
        ).one()
        starts = clock.local(planned.starts_at)
        assert starts - clock.local(notice.published_at) >= timedelta(days=7)
        assert ANCHOR.date() < starts.date() <= ANCHOR.date() + timedelta(days=8)
        # The desk sees 唐邦铮's flat off at the end; the public page lists the planned outage.
        supply = outages.active_outage_for_account(
            session,
            session.scalars(
                select(Account.number)
                .join(Meter, Meter.account_id == Account.id)
                .where(Meter.number == register.NEW_METER)
            ).one(),
            ANCHOR,
            by=system("test"),
        )
        assert supply.transformer == "BH-GC99" and supply.outage is not None
        assert supply.outage.id == active.id
        assert [p.outage.id for p in outages.announced(session, ANCHOR)] == [planned.id]
        # Fault calls from inside an outage were linked at intake; restoring replied to them.
        linked = session.scalars(select(WorkOrder).where(WorkOrder.outage_id.is_not(None))).all()
        on_active = [o for o in linked if o.outage_id == active.id]
        assert len(on_active) == 2 and {o.state for o in on_active} == {State.ACCEPTED}
        restored_ids = {o.id for o in by_state["restored"]}
        earlier = [o for o in linked if o.outage_id in restored_ids]
        assert earlier
        for order in earlier:
            assert order.state in (State.REPLIED, State.FOLLOWED_UP, State.ARCHIVED)
            actions = session.scalars(
                select(OrderEvent.action)
                .where(OrderEvent.order_id == order.id)
                .order_by(OrderEvent.id)
            ).all()
            assert actions[:3] == ["accept", "link_outage", "outage_reply"], actions


def test_the_historys_messages_went_out_when_they_were_due(
    settings: Settings, engine: Engine
) -> None:
    """The history's messages are delivered (one SMS in fifty refused) when they were due, never
    inside the quiet hours they waited out; only the last hour's wait for the demo's worker."""
    summary = _generate(settings)
    with Session(engine) as session:
        messages = session.scalars(select(OutboxMessage)).all()
        attempts = session.execute(
            select(DeliveryAttempt.message_id, DeliveryAttempt.outcome)
        ).all()
    by_status = Counter(m.status for m in messages)
    assert by_status["delivered"] > 50 and by_status["failed"] >= 1
    last_hour = ANCHOR - timedelta(hours=1)
    for m in messages:
        if m.status == "queued":
            assert m.created_at >= last_hour or m.not_before >= last_hour
            continue
        assert m.status in ("delivered", "failed", "suppressed"), m.status
        if m.status == "suppressed":
            continue
        assert m.sent_at is not None and m.sent_at >= m.not_before >= m.created_at
        if m.status == "delivered":
            assert m.delivered_at is not None and m.delivered_at > m.sent_at
        else:
            assert (m.channel, m.last_error) == ("sms", "UNDELIV")
    logged = Counter(outcome for _, outcome in attempts)
    assert logged["sent"] == by_status["delivered"] + by_status["failed"]
    assert f"{by_status['delivered']} messages to customers delivered" in summary
