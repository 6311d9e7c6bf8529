"""Plays months of a utility's customer service through the real services, in simulated time.

Everything is an event on one timeline (episodes, calls, each step of each order, the deadline
sweep); the clock is set to each event's time before the service is called, so every history is
what the loop itself would have written. One transaction per simulated day.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.access.actor import Actor, system
from quarterhour.calendar import service as calendar_service
from quarterhour.config import Settings
from quarterhour.demo import organisation, register, stories
from quarterhour.demo.people import Population
from quarterhour.demo.plans import (
    CUSTOMER_SMS,
    HOLD_AFTER,
    Hours,
    OrderFacts,
    Planner,
    Step,
    hold,
)
from quarterhour.demo.traffic import SELF_SERVICE, ContactDraft, Traffic
from quarterhour.kit import clock
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import DepartmentKind, Staff
from quarterhour.programme import service as programme
from quarterhour.programme.models import Episode
from quarterhour.storage.engine import unit_of_work
from quarterhour.workorders import intake, moves, sla, sms_survey
from quarterhour.workorders.kinds import (
    AreaClass,
    Channel,
    FollowUpOutcome,
    OrderType,
    ServiceSubtype,
)
from quarterhour.workorders.lifecycle import Action, State
from quarterhour.workorders.models import Contact, Deadline, WorkOrder
from quarterhour.workorders.schemas import ContactIn, CustomerRef, MatterIn

# How long a held order may have waited at "now": a day for the caller's details, two for a
# department to acknowledge, four for the rest (a weekend and the working days around it).
HOLD_WINDOWS = {
    state: timedelta(hours={State.ACCEPTED: 24, State.DISPATCHED: 48}.get(state, 96))
    for state in HOLD_AFTER
}
# Steps that may add a deadline (restoration after arrival, a rework limit); intake adds the rest.
DEADLINE_ACTIONS = frozenset({Action.ARRIVE, Action.SEND_BACK})
# The SMS gateway's inbound webhook, as the demo's customers' answers arrive through it.
_GATEWAY = system("sms-gateway")
FIRST_BROADCAST = date(1996, 7, 15)  # 供电一刻钟 went on air (PRODUCT.md)
# The server sweeps every minute; the demo sweeps half-hourly by day and hourly at night, often
# enough to catch repairs late by a quarter of an hour. A slot calls the real sweep only when some
# deadline has reached its warning or due time: an idle sweep costs as much as a work order step.
SWEEP_TIMES = tuple(time(h, m) for h in range(24) for m in (0, 30) if m == 0 or 7 <= h < 22)
EPISODE_THEMES = (
    "电费电价答疑",
    "夏季安全用电",
    "抢修服务承诺",
    "居民峰谷电价",
    "一户一表与分户装表",
    "分布式光伏并网",
    "电动汽车充电桩报装",
    "网上国网与电话管家118318",
    "老旧小区供电改造",
    "优化营商环境 获得电力",
)
REPAIR_CREWS = (
    "抢修一班 / 抢修车 皖A-{0}1{1}",
    "抢修二班 / 抢修车 皖A-{0}2{1}",
    "带电作业班 / 带电作业车 皖A-{0}3{1}",
)
PLATE_LETTERS = {"baohe": "B", "shushan": "S", "luyang": "L", "yaohai": "Y"}


@dataclass
class Report:
    first_day: date
    anchor: datetime
    contacts: int = 0
    orders: int = 0
    episodes: int = 0
    states: dict[str, int] = field(default_factory=dict)
    warned: int = 0
    escalated: int = 0
    story_days: stories.StoryDays | None = None


class Simulation:
    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: Settings,
        *,
        anchor: datetime,
        days: int,
        seed: int,
        password_cost: tuple[int, int] | None = None,
    ) -> None:
        if days < 1:
            raise ValueError("the demo needs at least one day of history")
        self.factory = factory
        self.settings = settings
        self.anchor = clock.local(anchor)
        self.first_day = self.anchor.date() - timedelta(days=days - 1)
        # Reproducible demo data, not security: the seed is meant to be known.
        self.rng = random.Random(seed)  # noqa: S311
        self.password_cost = password_cost
        self.now = clock.at(self.first_day - timedelta(days=1), time(9, 0))
        self._queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._session: Session | None = None
        self.report = Report(self.first_day, self.anchor)
        self._holds = list(HOLD_WINDOWS)
        self._next_due: datetime | None = None
        self._deadlines_added = True
        self.population = Population(self.rng)
        for phone in (*stories.RESERVED_PHONES, register.BUILDING_HOLDER[1]):
            self.population.reserve(phone)
        self.traffic = Traffic(self.rng, self.population)

    # --- the timeline --------------------------------------------------------------------------
    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("no simulated day is open")
        return self._session

    def at(self, when: datetime, event: Callable[[], None]) -> None:
        if when > self.anchor:
            return  # still in the future when the demo is made
        if when < self.now:
            raise RuntimeError(f"event at {when} scheduled in the past of {self.now}")
        heapq.heappush(self._queue, (when, next(self._order), event))

    def run(self) -> Report:
        try:
            with clock.using(lambda: self.now):
                with unit_of_work(self.factory) as session:
                    self._session = session
                    self._install()
                day = self.first_day
                while day <= self.anchor.date():
                    with unit_of_work(self.factory) as session:
                        self._session = session
                        self._plan_day(day)
                        self._play_until(
                            min(clock.start_of_day(day + timedelta(days=1)), self.anchor)
                        )
                    day += timedelta(days=1)
                with unit_of_work(self.factory) as session:
                    self._session = session
                    self._play_until(self.anchor, inclusive=True)
                    self.now = self.anchor
                    self._sweep()
                    self._count()
        finally:
            self._session = None
        return self.report

    def _play_until(self, limit: datetime, *, inclusive: bool = False) -> None:
        queue = self._queue
        while queue and (queue[0][0] < limit or (inclusive and queue[0][0] == limit)):
            when, _, event = heapq.heappop(queue)
            self.now = when
            event()

    # --- set-up ------------------------------------------------------------------------------
    def _install(self) -> None:
        session = self.session
        self.org = organisation.install(session, password_cost=self.password_cost)
        staff = session.scalars(select(Staff)).all()
        self.actors: dict[str, Actor] = {s.username: staff_accounts.actor_of(s) for s in staff}
        self.calendar = calendar_service.current_calendar(session)
        self.hours = Hours(self.calendar, self.rng)
        handlers: dict[int, str] = {}
        crews: dict[int, tuple[str, ...]] = {}
        for code, department in self.org.departments.items():
            if code in self.org.staff:
                handlers[department.id] = code
            if department.kind == DepartmentKind.REPAIR:
                letter = PLATE_LETTERS.get(code.removeprefix("repair-"), "A")
                crews[department.id] = tuple(
                    crew.format(letter, f"{self.rng.randrange(100, 1000)}") for crew in REPAIR_CREWS
                )
        self.planner = Planner(
            self.hours,
            handlers=handlers,
            crews=crews,
            metering_id=self.org.dept("metering"),
            follow_up_attempts=self.settings.follow_up_max_attempts,
        )
        # Episode numbers continue the real programme's count of weekday broadcasts since 1996.
        self.episode_number = sum(
            1
            for n in range((self.first_day - FIRST_BROADCAST).days)
            if (FIRST_BROADCAST + timedelta(days=n)).weekday() < 5
        )
        self.story_days = stories.place(self.hours, self.first_day, self.anchor)
        self.report.story_days = self.story_days
        register.install_story_building(
            session,
            self.org,
            first_day=self.first_day,
            story_day=self.story_days.shared_meter if self.story_days else None,
            building=stories.SHARED_METER_ADDRESS,
            district=stories.DISTRICT,
            caller=(stories.SHARED_METER_CALLER, stories.SHARED_METER_PHONE),
        )

    # --- one simulated day ---------------------------------------------------------------------
    def _plan_day(self, day: date) -> None:
        is_working = self.calendar.is_working_day(day)
        is_holiday = day in self.calendar.holidays
        episode = self._episode_for(day)
        if episode is not None:
            self.at(clock.at(day, time(7, 0)), partial(self._create_episode, day, *episode))
            for draft in self.traffic.programme(day, is_holiday=is_holiday):
                self.at(draft.at, partial(self._intake, draft))
        for draft in self.traffic.day(day, is_working_day=is_working, is_holiday=is_holiday):
            self.at(draft.at, partial(self._intake, draft))
        if self.story_days is not None:
            stories.schedule(self, day, self.story_days)
        for moment in SWEEP_TIMES:
            self.at(clock.at(day, moment), self._sweep_if_due)

    def _episode_for(self, day: date) -> tuple[str, bool] | None:
        """(title, is special) of the day's broadcast, or None when the programme is off."""
        theme = EPISODE_THEMES[day.toordinal() % len(EPISODE_THEMES)]
        holiday = self.calendar.holidays.get(day)
        if day.month == FIRST_BROADCAST.month and day.day == FIRST_BROADCAST.day:
            years = day.year - FIRST_BROADCAST.year
            return f"开播{years}周年特别节目", True
        if day.weekday() >= 5:
            if day in self.calendar.makeup_workdays:
                return f"调休工作日特别节目：{theme}", True
            return None
        if holiday is not None:
            if self.calendar.holidays.get(day - timedelta(days=1)) != holiday:
                return f"{holiday}特别节目：节日安全用电", True
            return f"{holiday}假期值班：{theme}", False
        return theme, False

    def _create_episode(self, day: date, title: str, is_special: bool) -> None:
        self.episode_number += 1
        roster = [
            programme.RosterMember(self.actors["leader"].person_id, "leader"),
            programme.RosterMember(self.actors["specialist"].person_id, "specialist"),
            programme.RosterMember(self.actors["agent"].person_id, "specialist"),
        ]
        programme.create_episode(
            self.session,
            by=self.actors["supervisor"],
            air_date=day,
            roster=roster,
            title=title,
            is_special=is_special,
            number=self.episode_number,
        )

    def _sweep_if_due(self) -> None:
        # Meeting a deadline only moves the earliest one later, so the last answer stays good
        # until new deadlines appear: at intake, on arrival (restoration) and on rework.
        if not self._deadlines_added and self._next_due is not None and self._next_due > self.now:
            return
        unmet = Deadline.met_at.is_(None)
        to_warn = select(func.min(Deadline.warn_at)).where(unmet, Deadline.warned_at.is_(None))
        to_escalate = select(func.min(Deadline.due_at)).where(
            unmet, Deadline.escalated_at.is_(None)
        )
        warn_at, due_at = self.session.execute(
            select(to_warn.scalar_subquery(), to_escalate.scalar_subquery())
        ).one()
        self._deadlines_added = False
        moments = [m for m in (warn_at, due_at) if m is not None]
        self._next_due = min(moments) if moments else None
        if self._next_due is not None and self._next_due <= self.now:
            self._sweep()
            self._deadlines_added = True  # find the next one afresh

    def _sweep(self) -> None:
        done = sla.sweep(self.session, now=self.now, by=system("demo"))
        self.report.warned += done.warned
        self.report.escalated += done.escalated

    # --- intake and the loop -------------------------------------------------------------------
    def take(self, data: ContactIn, *, taker: str) -> intake.IntakeResult:
        self._deadlines_added = True
        by = system(SELF_SERVICE) if taker == SELF_SERVICE else self.actors[taker]
        return intake.take_contact(self.session, data, by=by, settings=self.settings)

    def schedule(self, order_id: int, steps: list[Step]) -> None:
        for step in steps:
            self.at(step.at, partial(self._act, order_id, step))

    def expect_department(self, order: WorkOrder, code: str) -> None:
        if order.department_id != self.org.dept(code):
            raise RuntimeError(
                f"order {order.number} was routed to {order.department_id}, not {code}"
            )

    def _intake(self, draft: ContactDraft) -> None:
        caller = draft.caller
        data = ContactIn(
            channel=draft.channel,
            customer=CustomerRef(
                name=caller.name,
                phone=caller.phone,
                address=caller.address,
                district_id=self.org.districts[caller.district],
            ),
            caller_name=draft.caller_name,
            caller_phone=caller.phone,
            received_at=draft.at,
            summary="；".join(m.topic.detail for m in draft.matters),
            matters=[
                MatterIn(
                    order_type=m.order_type,
                    subtype=m.subtype,
                    title=m.topic.title,
                    description=m.topic.detail,
                    area_class=m.area_class,
                    answer=m.answer,
                )
                for m in draft.matters
            ],
        )
        result = self.take(data, taker=draft.taker)
        draft.numbers.extend(o.number or "" for o in result.orders)
        for order, matter in zip(result.orders, draft.matters, strict=True):
            if order.closed_on_intake:
                continue
            if order.department_id is None:
                raise RuntimeError(f"no routing rule for {order.order_type} in {caller.district}")
            facts = OrderFacts(
                order_id=order.id,
                order_type=OrderType(order.order_type),
                subtype=order.subtype,
                area_class=AreaClass(order.area_class) if order.area_class else None,
                department_id=order.department_id,
                accepted_at=order.accepted_at,
                channel=Channel(draft.channel),
                topic=matter.topic,
                follow_up_required=order.follow_up_required,
            )
            original = draft.duplicate_of
            if original is not None and original.numbers:
                note = f"同一故障重复报修，已由工单 {original.numbers[0]} 处理，撤销本单"
                steps = self.planner.cancel(facts, note)
            else:
                steps = self._held(facts, self.planner.plan(facts))
            self.schedule(order.id, steps)

    def _held(self, facts: OrderFacts, steps: list[Step]) -> list[Step]:
        """Every open state shows whatever the hour the demo is made at (some last only minutes):
        one of the last days' ordinary orders waits in each of them at "now"."""
        if (
            # Work on a 24-hour limit is never left waiting (repairs, complaints, reconnection).
            facts.order_type in (OrderType.FAULT_REPAIR, OrderType.COMPLAINT)
            or facts.subtype == ServiceSubtype.RECONNECTION
            or any(step.action is Action.CANCEL for step in steps)
        ):
            return steps
        for state in list(self._holds):
            held = hold(
                steps,
                state,
                accepted_at=facts.accepted_at,
                anchor=self.anchor,
                longest=HOLD_WINDOWS[state],
            )
            if held is not None:
                self._holds.remove(state)
                return held
        return steps

    def _act(self, order_id: int, step: Step) -> None:
        if step.action in DEADLINE_ACTIONS or step.outcome is FollowUpOutcome.DISSATISFIED:
            self._deadlines_added = True
        if step.action is Action.FOLLOW_UP and self._followed_up_by_sms(order_id, step):
            return
        try:
            moves.act(
                self.session,
                order_id,
                step.action,
                step.payload(),
                by=self.actors[step.actor],
                settings=self.settings,
            )
        except Exception as exc:
            exc.add_note(
                f"demo step {step.action} by {step.actor} on order {order_id} at {step.at}"
            )
            raise

    def _followed_up_by_sms(self, order_id: int, step: Step) -> bool:
        """The customer's answer to the survey by SMS (through the gateway's own use case), and
        the agent's call that finds it answered: whether the step is done with."""
        if step.actor == CUSTOMER_SMS:
            phone = self.session.scalar(
                select(Contact.caller_phone)
                .join(WorkOrder, WorkOrder.contact_id == Contact.id)
                .where(WorkOrder.id == order_id)
            )
            if phone:
                text = "2" if step.outcome is FollowUpOutcome.BASICALLY_SATISFIED else "1"
                sms_survey.record_reply(
                    self.session,
                    sender=phone,
                    text=text,
                    received_at=self.now,
                    provider_id=None,
                    by=_GATEWAY,
                    settings=self.settings,
                )
            return True
        state = self.session.scalar(select(WorkOrder.state).where(WorkOrder.id == order_id))
        return state == State.FOLLOWED_UP  # answered by SMS already: no call

    def _count(self) -> None:
        count(self.session, self.report)


def count(session: Session, report: Report) -> None:
    """The report's totals of contacts, orders by state and episodes, as stored."""
    report.states = {
        str(state): int(n)
        for state, n in session.execute(
            select(WorkOrder.state, func.count()).group_by(WorkOrder.state)
        )
    }
    report.orders = sum(report.states.values())
    report.contacts = int(session.scalar(select(func.count()).select_from(Contact)) or 0)
    report.episodes = int(session.scalar(select(func.count()).select_from(Episode)) or 0)
