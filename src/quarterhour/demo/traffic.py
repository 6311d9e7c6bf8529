"""The day's calls: how many, on which channel, about what, at what time of day.

Volumes follow a utility hotline's week: busy weekday mornings and afternoons, quieter weekends
and holidays, repairs round the clock with an evening peak, more repairs in the summer heat and
on stormy days; the programme takes a handful of calls each weekday morning 07:40–07:55.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from quarterhour.demo import texts
from quarterhour.demo.people import Caller, Population
from quarterhour.demo.texts import Topic
from quarterhour.kit import clock
from quarterhour.workorders.kinds import AreaClass, Channel, OrderType, ServiceSubtype

T = OrderType
K = TypeVar("K")

# The taker of a contact the customer reported himself, on the web page or the app.
SELF_SERVICE = "selfservice"
# Contacts per day (all channels but the programme) on an ordinary working day.
WEEKDAY_CONTACTS = 6
CHANNEL_WEIGHTS = {
    Channel.HOTLINE: 68,
    Channel.COUNTER: 11,
    Channel.WEB: 5,
    Channel.APP: 4,
    Channel.GOV_12345: 7,
    Channel.SMS: 3,
    Channel.GOV_12398: 1.5,
    Channel.LETTER: 1,
}
TYPE_WEIGHTS: dict[Channel | None, dict[OrderType, float]] = {
    None: {
        T.CONSULTATION: 36,
        T.FAULT_REPAIR: 24,
        T.SERVICE_REQUEST: 16,
        T.COMPLAINT: 9,
        T.PRAISE: 4,
        T.OPINION: 3,
        T.SUGGESTION: 3,
        T.MISCONDUCT_REPORT: 1,
    },
    Channel.COUNTER: {T.CONSULTATION: 45, T.SERVICE_REQUEST: 40, T.COMPLAINT: 8, T.OPINION: 4},
    # What the self-service page and app offer (selfservice/): a fault, a complaint, a question.
    Channel.WEB: {T.FAULT_REPAIR: 45, T.CONSULTATION: 35, T.COMPLAINT: 20},
    Channel.APP: {T.FAULT_REPAIR: 50, T.CONSULTATION: 30, T.COMPLAINT: 20},
    Channel.LETTER: {T.COMPLAINT: 30, T.OPINION: 25, T.SUGGESTION: 25, T.PRAISE: 15},
    Channel.GOV_12345: {T.COMPLAINT: 35, T.FAULT_REPAIR: 30, T.CONSULTATION: 20, T.OPINION: 15},
    Channel.GOV_12398: {T.COMPLAINT: 70, T.MISCONDUCT_REPORT: 30},
    Channel.PROGRAMME: {
        T.CONSULTATION: 35,
        T.SERVICE_REQUEST: 18,
        T.COMPLAINT: 10,
        T.FAULT_REPAIR: 12,
        T.PRAISE: 10,
        T.OPINION: 7,
        T.SUGGESTION: 6,
    },
}
SECOND_MATTER = {
    T.CONSULTATION: 55,
    T.COMPLAINT: 8,
    T.SERVICE_REQUEST: 20,
    T.SUGGESTION: 8,
    T.OPINION: 7,
}
# Calls per hour of the day (0–23), relative.
DESK_HOURS = (1, 0.5, 0.3, 0.3, 0.3, 0.6, 1.5, 4, 8, 10, 10, 9, 6, 6, 8, 9, 9, 8, 6, 5, 4, 3, 2, 1)
REPAIR_HOURS = (3, 2, 1.5, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 7, 5, 4)
# 营业厅 and the letters desk keep office hours.
OFFICE_HOURS = (0,) * 8 + (5, 10, 10, 8, 4, 6, 9, 9, 7) + (0,) * 7
CLOSED_AT_INTAKE = {Channel.PROGRAMME: 0.9, Channel.LETTER: 0.0}


@dataclass
class MatterDraft:
    order_type: OrderType
    topic: Topic
    subtype: str | None = None
    area_class: AreaClass | None = None
    answer: str | None = None


@dataclass
class ContactDraft:
    at: datetime
    channel: Channel
    taker: str  # demo username of the agent who takes it, or SELF_SERVICE
    caller: Caller
    matters: list[MatterDraft]
    # A neighbour's call about an outage already reported: the centre cancels it as a duplicate.
    duplicate_of: ContactDraft | None = None
    numbers: list[str] = field(default_factory=list)  # filled in at intake

    @property
    def caller_name(self) -> str:
        return self.caller.polite_name if self.channel is not Channel.LETTER else self.caller.name


class Traffic:
    def __init__(self, rng: random.Random, population: Population) -> None:
        self.rng = rng
        self.people = population

    def _pick(self, weights: Mapping[K, float]) -> K:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def _time(self, day: date, hours: tuple[float, ...]) -> datetime:
        hour = self.rng.choices(range(24), weights=hours)[0]
        return clock.at(day, time(hour, 0)) + timedelta(seconds=self.rng.randrange(3600))

    def matter(self, order_type: OrderType, channel: Channel, caller: Caller) -> MatterDraft:
        rng = self.rng
        if order_type is T.SERVICE_REQUEST:
            subtype = self._pick({str(k): float(v) for k, v in texts.SUBTYPE_WEIGHTS.items()})
            return MatterDraft(
                order_type, rng.choice(texts.SERVICE_REQUESTS[ServiceSubtype(subtype)]), subtype
            )
        topic = rng.choice(texts.TOPICS[order_type])
        if order_type is T.FAULT_REPAIR:
            return MatterDraft(order_type, topic, area_class=caller.area_class)
        draft = MatterDraft(order_type, topic)
        if order_type is T.CONSULTATION and rng.random() < CLOSED_AT_INTAKE.get(channel, 0.85):
            draft.answer = topic.result
        return draft

    def _matters(self, first: OrderType, channel: Channel, caller: Caller) -> list[MatterDraft]:
        matters = [self.matter(first, channel, caller)]
        roll = self.rng.random()
        extra = 2 if roll < 0.025 else 1 if roll < 0.12 else 0
        while extra and channel is not Channel.SMS:
            kind = self._pick(SECOND_MATTER)
            if kind not in {m.order_type for m in matters}:
                matters.append(self.matter(kind, channel, caller))
            extra -= 1
        return matters

    def day(self, day: date, *, is_working_day: bool, is_holiday: bool) -> list[ContactDraft]:
        rng = self.rng
        factor = 1.0 if is_working_day else 0.45 if is_holiday else 0.55
        repair_factor = 1.0 if is_working_day else 0.85
        if day.month in (7, 8):
            repair_factor *= 1.4  # 迎峰度夏: air conditioners and storms
        if rng.random() < 0.06:
            repair_factor *= 2.5  # a stormy day
        count = max(3, round(rng.gauss(WEEKDAY_CONTACTS * factor, 3)))
        drafts: list[ContactDraft] = []
        for _ in range(count):
            channel = self._pick(CHANNEL_WEIGHTS)
            if not is_working_day and channel in (Channel.COUNTER, Channel.LETTER):
                channel = Channel.HOTLINE
            weights = dict(TYPE_WEIGHTS.get(channel) or TYPE_WEIGHTS[None])
            if T.FAULT_REPAIR in weights:
                weights[T.FAULT_REPAIR] *= repair_factor / max(factor, 0.5)
            kind = self._pick(weights)
            if channel in (Channel.COUNTER, Channel.LETTER):
                at = self._time(day, OFFICE_HOURS)
            elif kind is T.FAULT_REPAIR:
                at = self._time(day, REPAIR_HOURS)
            else:
                at = self._time(day, DESK_HOURS)
            caller = self.people.caller()
            draft = ContactDraft(
                at, channel, self._taker(channel, at), caller, self._matters(kind, channel, caller)
            )
            drafts.append(draft)
            if (
                kind is T.FAULT_REPAIR
                and caller.area_class is AreaClass.URBAN
                and rng.random() < 0.06
            ):
                neighbour = self.people.neighbour(caller)
                later = at + timedelta(minutes=rng.uniform(4, 25))
                if later.date() == day:
                    drafts.append(
                        ContactDraft(
                            later,
                            Channel.HOTLINE,
                            self._taker(Channel.HOTLINE, later),
                            neighbour,
                            [
                                MatterDraft(
                                    T.FAULT_REPAIR,
                                    draft.matters[0].topic,
                                    area_class=AreaClass.URBAN,
                                )
                            ],
                            duplicate_of=draft,
                        )
                    )
        return sorted(drafts, key=lambda d: d.at)

    def programme(self, day: date, *, is_holiday: bool) -> list[ContactDraft]:
        rng = self.rng
        count = rng.randint(1, 2) if is_holiday else rng.choice((1, 2, 2, 3, 3))
        times = sorted(rng.uniform(0, 15 * 60) for _ in range(count))
        drafts = []
        for offset in times:
            at = clock.at(day, time(7, 40)) + timedelta(seconds=offset)
            caller = self.people.caller()
            kind = self._pick(TYPE_WEIGHTS[Channel.PROGRAMME])
            taker = "agent" if rng.random() < 0.6 else "specialist"
            drafts.append(
                ContactDraft(
                    at,
                    Channel.PROGRAMME,
                    taker,
                    caller,
                    self._matters(kind, Channel.PROGRAMME, caller),
                )
            )
        return drafts

    @staticmethod
    def _taker(channel: Channel, at: datetime) -> str:
        if channel in (Channel.GOV_12345, Channel.GOV_12398):
            return "dispatcher"  # transfers from the government hotlines land at the centre
        if channel in (Channel.WEB, Channel.APP):
            return SELF_SERVICE  # the customer reports himself (selfservice/)
        if channel in (Channel.COUNTER, Channel.LETTER, Channel.SMS):
            return "agent2"
        return "agent" if 8 <= at.hour < 16 else "agent2"
