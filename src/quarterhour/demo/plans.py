"""How each demo work order goes round the loop: a dated list of steps, drawn when it is accepted.

Who works when: the service centre dispatches 08:00–20:00 every day (repairs round the clock),
business halls and other departments work 08:30–17:30 on Chinese working days, complaint handlers
also call customers at weekends (the 24-hour first-contact limit), repair crews work round the
clock, follow-up agents call 09:00–20:00 and archive in a batch at the end of each working day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from quarterhour.calendar.workdays import WorkCalendar
from quarterhour.demo import texts
from quarterhour.demo.texts import Topic
from quarterhour.kit import clock
from quarterhour.workorders.kinds import (
    AreaClass,
    Channel,
    FollowUpOutcome,
    OrderType,
    ReplyMethod,
    ServiceSubtype,
)
from quarterhour.workorders.lifecycle import Action, State
from quarterhour.workorders.schemas import ActionIn

DISPATCHER = "dispatcher"
FOLLOW_UP = "followup"
# The customer himself, answering the satisfaction survey by SMS (workorders/sms_survey.py).
CUSTOMER_SMS = "customer-sms"
ON_AIR_AGENT = "agent"

# Handling time in working days after acknowledgement, within each type's limit (PRODUCT.md).
HANDLING_DAYS: dict[str, tuple[int, int, int]] = {
    # key: (fewest, most, limit)
    OrderType.COMPLAINT: (1, 3, 4),
    OrderType.MISCONDUCT_REPORT: (3, 7, 9),
    OrderType.OPINION: (1, 3, 5),
    OrderType.SUGGESTION: (1, 4, 5),
    OrderType.PRAISE: (0, 2, 5),
    OrderType.CONSULTATION: (0, 2, 5),
    ServiceSubtype.GENERAL: (1, 4, 5),
    ServiceSubtype.NEW_CONNECTION: (2, 4, 5),
    ServiceSubtype.METER_SPLIT: (1, 4, 5),
    ServiceSubtype.METER_ANOMALY: (1, 3, 4),
    ServiceSubtype.READING_ANOMALY: (1, 4, 6),
}
ARRIVAL_MINUTES = {AreaClass.URBAN: 45, AreaClass.RURAL: 90, AreaClass.REMOTE: 120}
RESTORE_MINUTES = {AreaClass.URBAN: 180, AreaClass.RURAL: 240, AreaClass.REMOTE: 240}


@dataclass(frozen=True)
class Step:
    at: datetime
    actor: str  # demo username
    action: Action
    note: str | None = None
    result: str | None = None
    reply_method: ReplyMethod | None = None
    outcome: FollowUpOutcome | None = None
    department_id: int | None = None
    crew: str | None = None

    def payload(self) -> ActionIn:
        return ActionIn(
            note=self.note,
            result=self.result,
            reply_method=self.reply_method,
            outcome=self.outcome,
            department_id=self.department_id,
            crew=self.crew,
        )


@dataclass(frozen=True)
class OrderFacts:
    order_id: int
    order_type: OrderType
    subtype: str | None
    area_class: AreaClass | None
    department_id: int
    accepted_at: datetime
    channel: Channel
    topic: Topic
    follow_up_required: bool


@dataclass(frozen=True)
class Window:
    start: time
    end: time
    working_days_only: bool


DESK = Window(time(8, 0), time(20, 0), False)
OFFICE = Window(time(8, 30), time(17, 30), True)
COMPLAINT_DESK = Window(time(8, 30), time(20, 0), False)
URGENT = Window(time(8, 0), time(21, 0), False)
CALLS = Window(time(9, 0), time(20, 0), False)
ARCHIVE = Window(time(16, 30), time(17, 20), True)
PRESS_HOURS = Window(time(9, 0), time(11, 0), False)


# Where a held order stops: after the first step that brings it into the state it waits in at
# "now" (none for 受理: it was never dispatched). 回访 is the follow-up just before archiving.
HOLD_AFTER: dict[State, frozenset[Action]] = {
    State.ACCEPTED: frozenset(),
    State.DISPATCHED: frozenset({Action.DISPATCH}),
    State.ACKNOWLEDGED: frozenset({Action.ACKNOWLEDGE}),
    State.IN_PROGRESS: frozenset({Action.CONTACT_CUSTOMER, Action.RECORD_PROGRESS}),
    State.RETURNED: frozenset({Action.RETURN_RESULT}),
    State.REVIEWED: frozenset({Action.APPROVE}),
    State.REPLIED: frozenset({Action.REPLY}),
    State.FOLLOWED_UP: frozenset(),
}
HOLD_NOTE = "客户地址不详，已短信请客户补充详细地址，补充后派单"


def hold(
    steps: list[Step], state: State, *, accepted_at: datetime, anchor: datetime, longest: timedelta
) -> list[Step] | None:
    """The plan cut so that the order still waits in `state` at `anchor` (a backlog: details to
    come from the caller, a department behind with its work, a result yet to be reviewed, told,
    followed up or archived), having waited at most `longest`; None when the plan does not fit."""
    if state is State.ACCEPTED:
        if anchor - accepted_at > longest:
            return None
        first = steps[0].at if steps else anchor
        return [Step(min(first, anchor), DISPATCHER, Action.COMMENT, note=HOLD_NOTE)]
    cut: int | None = None
    if state is State.FOLLOWED_UP:
        last = len(steps) - 1
        archived_after_follow_up = last >= 1 and steps[last - 1].action is Action.FOLLOW_UP
        if archived_after_follow_up and steps[last].action is Action.ARCHIVE:
            cut = last - 1
    else:
        cut = next((i for i, step in enumerate(steps) if step.action in HOLD_AFTER[state]), None)
    if cut is None or not anchor - longest <= steps[cut].at <= anchor:
        return None
    return steps[: cut + 1]


class Hours:
    """Working-time arithmetic on the official calendar; every draw comes from the demo's rng."""

    def __init__(self, calendar: WorkCalendar, rng: random.Random) -> None:
        self.calendar = calendar
        self.rng = rng

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def is_working_day(self, day: date) -> bool:
        return self.calendar.is_working_day(day)

    def fit(self, moment: datetime, window: Window) -> datetime:
        """`moment` if the window is open then; otherwise a little after it next opens."""
        day = moment.date()
        while True:
            if not window.working_days_only or self.calendar.is_working_day(day):
                opens, closes = clock.at(day, window.start), clock.at(day, window.end)
                if moment < opens:
                    span = (closes - opens).total_seconds() / 60
                    return opens + self.minutes(0, min(35.0, span / 2))
                if moment < closes:
                    return moment
            day += timedelta(days=1)
            moment = clock.at(day, time(0, 0))

    def working_day(self, after: date, n: int) -> date:
        if n <= 0:
            day = after
            while not self.calendar.is_working_day(day):
                day += timedelta(days=1)
            return day
        return self.calendar.add_working_days(after, n).day

    def during(self, day: date, window: Window, not_before: datetime) -> datetime:
        """A random time in the window on `day`, never before `not_before`."""
        opens = clock.at(day, window.start)
        span = (clock.at(day, window.end) - opens).total_seconds() / 60
        return self.fit(max(opens + self.minutes(0, span * 0.9), not_before), window)

    def next_weekday_morning(self, after: datetime) -> datetime:
        """The next programme broadcast (weekdays 07:40–07:55) after `after`."""
        day = after.date()
        while True:
            on_air = clock.at(day, time(7, 41)) + self.minutes(0, 13)
            if day.weekday() < 5 and on_air > after:
                return on_air
            day += timedelta(days=1)


class Planner:
    """Draws the future of one order the moment it is accepted."""

    def __init__(
        self,
        hours: Hours,
        *,
        handlers: dict[int, str],
        crews: dict[int, tuple[str, ...]],
        metering_id: int,
        follow_up_attempts: int,
    ) -> None:
        self.hours = hours
        self.rng = hours.rng
        self.handlers = handlers
        self.crews = crews
        self.metering_id = metering_id
        self.attempts = follow_up_attempts

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def plan(self, facts: OrderFacts) -> list[Step]:
        if facts.order_type is OrderType.FAULT_REPAIR:
            return self._repair(facts)
        return self._desk_work(facts)

    def cancel(self, facts: OrderFacts, note: str) -> list[Step]:
        at = facts.accepted_at + self.hours.minutes(3, 12)
        return [Step(at, DISPATCHER, Action.CANCEL, note=note)]

    # --- ordinary work orders ------------------------------------------------------------------
    def _desk_work(self, f: OrderFacts) -> list[Step]:
        h = self.hours
        steps: list[Step] = []
        if self.chance(0.012):
            at = h.fit(f.accepted_at + h.minutes(5, 90), DESK)
            return [Step(at, DISPATCHER, Action.CANCEL, note=texts.CANCEL_NOTES[0])]
        handler = self.handlers[f.department_id]
        t = h.fit(f.accepted_at + h.minutes(8, 75), DESK)
        steps.append(Step(t, DISPATCHER, Action.DISPATCH))
        if f.topic.title == texts.MOVE_METER and self.chance(0.3):
            # 退单: moving a meter turns out to be metering work; the centre dispatches it again.
            t = h.fit(t + h.minutes(20, 150), OFFICE)
            steps.append(Step(t, handler, Action.DECLINE, note=texts.DECLINE_NOTE))
            t = h.fit(t + h.minutes(10, 60), DESK)
            steps.append(Step(t, DISPATCHER, Action.DISPATCH, department_id=self.metering_id))
            handler = self.handlers[self.metering_id]
        t = self._handle(f, handler, t, steps, rework=False)
        self._close(f, handler, t, steps, rework=False)
        return steps

    def _window(self, f: OrderFacts) -> Window:
        if f.order_type is OrderType.COMPLAINT:
            return COMPLAINT_DESK
        if f.subtype == ServiceSubtype.RECONNECTION:
            return URGENT
        return OFFICE

    def _handle(
        self, f: OrderFacts, handler: str, t: datetime, steps: list[Step], *, rework: bool
    ) -> datetime:
        """接单 … 回单, maybe 退回重办 once; returns when the centre approved the result."""
        h = self.hours
        window = self._window(f)
        t = h.fit(t + h.minutes(10, 150), window)
        steps.append(Step(t, handler, Action.ACKNOWLEDGE))
        if f.order_type is OrderType.COMPLAINT or self.chance(0.4):
            t = h.fit(t + h.minutes(10, 180), window)
            steps.append(Step(t, handler, Action.CONTACT_CUSTOMER, note="已电话联系客户，了解诉求"))
        pace = self.rng.random()
        key = f.subtype if f.order_type is OrderType.SERVICE_REQUEST else f.order_type
        if f.subtype == ServiceSubtype.RECONNECTION:
            # 24 hours (SGCC); a late one runs into the next day and is escalated by the sweep.
            delay = h.minutes(26 * 60, 34 * 60) if pace < 0.05 else h.minutes(40, 300)
            done = h.fit(t + delay, URGENT)
        else:
            low, high, limit = HANDLING_DAYS[str(key)]
            if rework:
                low, high = 0, 2
            days = self.rng.randint(low, high)
            if not rework and pace < 0.015:
                days = limit + self.rng.randint(3, 6)  # stalled: escalated, pressed, finally done
            elif not rework and pace < 0.07:
                days = limit + self.rng.randint(1, 2)  # late
            start_day = t.date()
            done_day = h.working_day(start_day, days)
            if days >= 2 and self.chance(0.6):
                middle = h.during(h.working_day(start_day, days // 2), OFFICE, t)
                if middle.date() < done_day:
                    note = self.rng.choice(texts.PROGRESS_NOTES)
                    steps.append(Step(middle, handler, Action.RECORD_PROGRESS, note=note))
                    t = middle
            if days >= limit and not rework:
                # 催办 on the day the limit runs out, before the sweep escalates it at midnight.
                due_day = h.working_day(f.accepted_at.date(), limit)
                press = h.during(due_day, PRESS_HOURS, t)
                if press.date() < done_day:
                    steps.append(Step(press, DISPATCHER, Action.PRESS, note=texts.PRESS_NOTE))
                    t = press
            done = h.during(done_day, window, t + h.minutes(20, 90))
        steps.append(Step(done, handler, Action.RETURN_RESULT, result=f.topic.result))
        t = h.fit(done + h.minutes(20, 240), DESK)
        if not rework and self.chance(0.05):
            steps.append(
                Step(t, DISPATCHER, Action.SEND_BACK, note=self.rng.choice(texts.SEND_BACK_NOTES))
            )
            t = h.fit(t + h.minutes(15, 120), window)
            steps.append(Step(t, handler, Action.ACKNOWLEDGE))
            done = h.during(h.working_day(t.date(), self.rng.randint(0, 1)), window, t)
            result = f.topic.result + "（已按要求补充核实情况及现场照片）"
            steps.append(Step(done, handler, Action.RETURN_RESULT, result=result))
            t = h.fit(done + h.minutes(20, 180), DESK)
        steps.append(Step(t, DISPATCHER, Action.APPROVE))
        return t

    def _reply_method(self, f: OrderFacts) -> ReplyMethod:
        if f.channel is Channel.LETTER:
            return ReplyMethod.LETTER
        if f.channel in (Channel.SMS, Channel.WEB) and self.chance(0.5):
            return ReplyMethod.SMS
        if f.channel is Channel.COUNTER and self.chance(0.3):
            return ReplyMethod.COUNTER
        if f.subtype in (ServiceSubtype.METER_SPLIT, ServiceSubtype.NEW_CONNECTION) and self.chance(
            0.2
        ):
            return ReplyMethod.VISIT
        return ReplyMethod.PHONE

    def _close(
        self, f: OrderFacts, handler: str, approved: datetime, steps: list[Step], *, rework: bool
    ) -> None:
        """答复 → 回访 → 归档; a dissatisfied follow-up sends the work back once (重办)."""
        h = self.hours
        if (
            f.channel is Channel.PROGRAMME
            and f.order_type is not OrderType.FAULT_REPAIR
            and (self.chance(0.5))
        ):
            # The programme gives the result back on air, in the next morning's broadcast.
            t = h.next_weekday_morning(approved)
            steps.append(
                Step(
                    t,
                    ON_AIR_AGENT,
                    Action.REPLY,
                    reply_method=ReplyMethod.PROGRAMME,
                    note="在《供电一刻钟》节目中向客户答复处理结果",
                )
            )
        else:
            t = h.fit(approved + h.minutes(15, 300), CALLS)
            steps.append(
                Step(
                    t,
                    FOLLOW_UP,
                    Action.REPLY,
                    reply_method=self._reply_method(f),
                    note="已告知客户处理结果",
                )
            )
        replied_at = t
        if not f.follow_up_required:
            self._archive(t, steps)
            return
        # 回访 the next day, within its 1-working-day limit; one in 25 a few days late (decided
        # by the order's id so that the draws, and so the rest of the demo, stay as they were).
        spread = self.rng.randint(1, 3)
        late = f.order_id % 25 == 0
        t = h.during(t.date() + timedelta(days=spread + 1 if late else 1), CALLS, t)
        roll = self.rng.random()
        if not rework and roll < 0.025:
            steps.append(self._follow_up(t, FollowUpOutcome.DISSATISFIED))
            if f.order_type is OrderType.FAULT_REPAIR:
                again = self._repair_rework(f, handler, t, steps)
            else:
                again = self._handle(f, handler, t, steps, rework=True)
            self._close(f, handler, again, steps, rework=True)
            return
        if roll < 0.06 or (roll < 0.10 and not rework):
            tries = self.attempts if roll < 0.06 else self.rng.randint(1, self.attempts - 1)
            for attempt in range(tries):
                if attempt:
                    t = h.during(t.date() + timedelta(days=1), CALLS, t)
                steps.append(self._follow_up(t, FollowUpOutcome.UNREACHABLE))
            if tries == self.attempts:
                self._archive(t, steps)
                return
            t = h.during(t.date() + timedelta(days=1), CALLS, t)
        outcome = (
            FollowUpOutcome.BASICALLY_SATISFIED if self.chance(0.09) else FollowUpOutcome.SATISFIED
        )
        if roll >= 0.10 and f.order_id % 10 < 6:
            # Six in ten of those reached answer the survey by SMS within hours of the reply;
            # the agent's call the next day then finds the follow-up done and is not made.
            # (Decided by the order's id: the draws, and so the rest of the demo, stay.)
            answered = replied_at + timedelta(minutes=5 + f.order_id % 175)
            steps.append(Step(answered, CUSTOMER_SMS, Action.FOLLOW_UP, outcome=outcome))
        steps.append(self._follow_up(t, outcome))
        self._archive(t, steps)

    def _follow_up(self, at: datetime, outcome: FollowUpOutcome) -> Step:
        note = self.rng.choice(texts.FOLLOW_UP_NOTES[outcome])
        return Step(at, FOLLOW_UP, Action.FOLLOW_UP, outcome=outcome, note=note)

    def _archive(self, after: datetime, steps: list[Step]) -> None:
        # Archived in the end-of-day batch of the next working day.
        day = self.hours.working_day(after.date(), 1)
        steps.append(Step(self.hours.during(day, ARCHIVE, after), FOLLOW_UP, Action.ARCHIVE))

    # --- fault repair --------------------------------------------------------------------------
    def crew_for(self, department_id: int) -> str:
        return self.rng.choice(self.crews[department_id])

    def _repair(self, f: OrderFacts) -> list[Step]:
        h = self.hours
        area = f.area_class or AreaClass.URBAN
        handler = self.handlers[f.department_id]
        steps: list[Step] = []
        t = f.accepted_at + h.minutes(1, 4)  # dispatched at once (5-minute limit)
        crew = self.crew_for(f.department_id)
        steps.append(Step(t, DISPATCHER, Action.DISPATCH, crew=crew))
        t += h.minutes(1, 5)
        steps.append(Step(t, handler, Action.ACKNOWLEDGE, note=f"{crew.split(' / ')[0]}出发"))
        limit = ARRIVAL_MINUTES[area]
        if self.chance(0.05):
            arrive = f.accepted_at + h.minutes(limit + 4, limit * 1.6)
        else:
            arrive = f.accepted_at + h.minutes(limit * 0.3, limit * 0.95)
        arrive = max(arrive, t + h.minutes(3, 8))
        steps.append(Step(arrive, handler, Action.ARRIVE))
        t = arrive
        if self.chance(0.35):
            t += h.minutes(4, 20)
            steps.append(Step(t, handler, Action.RECORD_PROGRESS, note="现场查找故障点"))
        restore_limit = RESTORE_MINUTES[area]
        if self.chance(0.03):
            restored = arrive + h.minutes(restore_limit + 10, restore_limit + 100)
        else:
            restored = arrive + h.minutes(15, restore_limit * 0.8)
        restored = max(restored, t + h.minutes(5, 15))
        steps.append(Step(restored, handler, Action.RESTORE))
        done = restored + h.minutes(5, 40)
        steps.append(Step(done, handler, Action.RETURN_RESULT, result=f.topic.result))
        approved = h.fit(done + h.minutes(10, 120), DESK)
        steps.append(Step(approved, DISPATCHER, Action.APPROVE))
        self._close(f, handler, approved, steps, rework=False)
        return steps

    def _repair_rework(
        self, f: OrderFacts, handler: str, t: datetime, steps: list[Step]
    ) -> datetime:
        # The crew goes back to put right what the customer still finds wrong: a new visit, with
        # its own arrival and restoration limits (workorders.moves: reopen → revisit).
        # Three draws, as before the revisit had its own steps: the demo's other orders keep
        # their random numbers.
        h = self.hours
        on_way = h.minutes(10, 40)
        steps.append(Step(t + on_way / 2, handler, Action.ACKNOWLEDGE))
        t += on_way
        steps.append(Step(t, handler, Action.ARRIVE))
        work = h.minutes(20, 120)
        t += work
        steps.append(Step(t, handler, Action.RESTORE))
        t += work / 4
        steps.append(
            Step(
                t,
                handler,
                Action.RETURN_RESULT,
                result="再次上门检查，更换老化表后开关并清理线路，客户确认用电正常。",
            )
        )
        t = h.fit(t + h.minutes(20, 180), DESK)
        steps.append(Step(t, DISPATCHER, Action.APPROVE))
        return t
