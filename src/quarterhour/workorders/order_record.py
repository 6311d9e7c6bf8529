"""The parts of an order's record that intake and the moves both make: a deadline from its limit,
an event's row, the order's nearest due time, and an answer given on the spot (直接办结).

Services flush, never commit: the entrypoint owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from quarterhour.access.actor import Actor
from quarterhour.calendar.workdays import WorkCalendar
from quarterhour.config import Settings
from quarterhour.workorders.deadlines import due_with_settings, nearest_open
from quarterhour.workorders.kinds import Channel, DeadlineKind, LimitUnit, ReplyMethod
from quarterhour.workorders.lifecycle import Action, State
from quarterhour.workorders.models import Deadline, WorkOrder

REPLY_BY_CHANNEL = {
    Channel.PROGRAMME: ReplyMethod.PROGRAMME,
    Channel.COUNTER: ReplyMethod.COUNTER,
    Channel.SMS: ReplyMethod.SMS,
    Channel.LETTER: ReplyMethod.LETTER,
}


def new_deadline(
    order: WorkOrder,
    kind: DeadlineKind | str,
    seq: int,
    start: datetime,
    amount: int,
    unit: LimitUnit | str,
    policy_id: int,
    calendar: WorkCalendar,
    settings: Settings,
) -> Deadline:
    due = due_with_settings(calendar, start, amount, unit, settings)
    return Deadline(
        order_id=order.id,
        kind=kind,
        seq=seq,
        start_at=start,
        amount=amount,
        unit=unit,
        due_at=due.due_at,
        warn_at=due.warn_at,
        is_provisional=due.is_provisional,
        paused_working_days=0,
        policy_id=policy_id,
    )


def answer_on_the_spot(
    order: WorkOrder,
    deadlines: Sequence[Deadline],
    answer: str,
    channel: str,
    *,
    by: Actor,
    at: datetime,
) -> ReplyMethod:
    """直接办结: the answer given during the contact is the reply, and every limit is met."""
    method = REPLY_BY_CHANNEL.get(Channel(channel), ReplyMethod.PHONE)
    order.result = answer
    order.replied_at = at
    order.replied_by_id = by.id
    order.reply_method = method
    order.closed_on_intake = True
    for deadline in deadlines:
        if deadline.met_at is None:
            deadline.met_at = at
    return method


def refresh_due(order: WorkOrder, deadlines: Sequence[Deadline], now: datetime) -> None:
    order.due_at, order.has_provisional_deadline = nearest_open(deadlines)
    if order.paused_at is not None:
        order.due_at = None  # waiting for the customer: no deadline runs, last in the queue
    if any(d.met_at is not None and d.met_at > d.due_at for d in deadlines):
        order.is_overdue = True


def event_row(
    order_id: int,
    action: Action,
    from_state: State | None,
    to_state: State,
    *,
    by: Actor | None,
    at: datetime,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    claimed_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "action": str(action),
        "from_state": None if from_state is None else str(from_state),
        "to_state": str(to_state),
        "actor_id": by.id if by else None,
        "at": at,
        "claimed_at": claimed_at,
        "note": note,
        "data": {k: v for k, v in (data or {}).items() if v is not None} or None,
    }


# A step dated by its author long after the fact keeps, in its event's data, how late the claim
# came (moves._when); the order's page and the public status both ask whether it did.
CLAIM_BEYOND = "claim_beyond_tolerance_minutes"


def claim_beyond_tolerance(data: dict[str, Any] | None) -> bool:
    return bool(data and data.get(CLAIM_BEYOND) is not None)
