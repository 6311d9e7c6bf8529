"""Deadline arithmetic: a limit in minutes, hours or Chinese working days from a start time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from quarterhour.calendar.workdays import WorkCalendar
from quarterhour.config import Settings
from quarterhour.kit import clock
from quarterhour.workorders.kinds import LimitUnit
from quarterhour.workorders.models import Deadline


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


def due_with_settings(
    calendar: WorkCalendar, start: datetime, amount: int, unit: LimitUnit | str, settings: Settings
) -> Due:
    return compute_due(
        calendar,
        start,
        amount,
        unit,
        warn_fraction=settings.warn_fraction,
        warn_floor=timedelta(minutes=settings.warn_floor_minutes),
    )


def nearest_open(deadlines: Sequence[Deadline]) -> tuple[datetime | None, bool]:
    """The order's nearest unmet deadline and whether any unmet one is provisional."""
    open_due = [d.due_at for d in deadlines if d.met_at is None]
    return (
        min(open_due) if open_due else None,
        any(d.is_provisional and d.met_at is None for d in deadlines),
    )
