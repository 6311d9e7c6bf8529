"""Deadline arithmetic: a limit in minutes, hours or Chinese working days from a start time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from quarterhour.calendar.workdays import WorkCalendar
from quarterhour.kit import clock
from quarterhour.workorders.kinds import LimitUnit


@dataclass(frozen=True)
class Due:
    due_at: datetime
    warn_at: datetime
    is_provisional: bool


def compute_due(
    calendar: WorkCalendar,
    start: datetime,
    amount: int,
    unit: LimitUnit | str,
    *,
    warn_fraction: float = 0.2,
    warn_floor: timedelta = timedelta(minutes=15),
) -> Due:
    unit = LimitUnit(unit)
    provisional = False
    if unit is LimitUnit.MINUTES:
        due = start + timedelta(minutes=amount)
    elif unit is LimitUnit.HOURS:
        due = start + timedelta(hours=amount)
    else:
        # 民法典 art. 201: the day the period starts is not counted; due by the end of the last day.
        due, provisional = calendar.deadline_end(clock.local(start), amount)
    span = due - start
    lead = max(span * warn_fraction, warn_floor)
    return Due(clock.local(due), clock.local(due - min(lead, span)), provisional)
