"""An outage's life as data: which action is allowed in which state, for which kinds, and where
it leads. 登记 → 公告 → 停电 → 复电, or 取消 before it starts.

A planned outage (计划停电) must be announced before it starts; a temporary one (临时) may start
without a notice; a fault (故障) is in effect when it is declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    PLANNED = "planned"  # 计划停电
    TEMPORARY = "temporary"  # 临时停电
    FAULT = "fault"  # 故障停电


class State(StrEnum):
    PLANNED = "planned"  # 已登记, no notice yet
    ANNOUNCED = "announced"  # 已公告
    ACTIVE = "active"  # 停电中
    RESTORED = "restored"  # 已复电
    CANCELLED = "cancelled"  # 已取消


class Action(StrEnum):
    DECLARE = "declare"
    PUBLISH = "publish"
    RESCHEDULE = "reschedule"
    START = "start"
    UPDATE_RESTORATION = "update_restoration"
    RESTORE = "restore"
    CANCEL = "cancel"
    # A crew sent to the outage and its arrival on site (workorders/crew_jobs.py): events of the
    # history that move nothing, so no state has them as a move.
    SEND_CREW = "send_crew"
    CREW_ARRIVED = "crew_arrived"


@dataclass(frozen=True)
class Move:
    target: State
    kinds: frozenset[Kind]


_ALL = frozenset(Kind)
_NOTICED = frozenset({Kind.PLANNED, Kind.TEMPORARY})

MOVES: dict[tuple[State, Action], Move] = {
    (State.PLANNED, Action.PUBLISH): Move(State.ANNOUNCED, _NOTICED),
    # Once announced the times are what customers were told: a postponement is a cancellation
    # and a new outage with its own notice.
    (State.PLANNED, Action.RESCHEDULE): Move(State.PLANNED, _NOTICED),
    # Only a temporary outage may start unannounced; a planned one needs its notice first.
    (State.PLANNED, Action.START): Move(State.ACTIVE, frozenset({Kind.TEMPORARY})),
    (State.PLANNED, Action.CANCEL): Move(State.CANCELLED, _NOTICED),
    (State.ANNOUNCED, Action.START): Move(State.ACTIVE, _NOTICED),
    (State.ANNOUNCED, Action.CANCEL): Move(State.CANCELLED, _NOTICED),
    (State.ACTIVE, Action.UPDATE_RESTORATION): Move(State.ACTIVE, _ALL),
    (State.ACTIVE, Action.RESTORE): Move(State.RESTORED, _ALL),
}

# The state a declared outage begins in: a fault is already in effect.
FIRST_STATE: dict[Kind, State] = {
    Kind.PLANNED: State.PLANNED,
    Kind.TEMPORARY: State.PLANNED,
    Kind.FAULT: State.ACTIVE,
}

OPEN_STATES = frozenset({State.PLANNED, State.ANNOUNCED, State.ACTIVE})

# The order in which the console and an illegal move's answer name the next steps.
_ORDER = list(Action)


def allowed_actions(state: str, kind: str) -> list[str]:
    return [
        str(action)
        for action in _ORDER
        if (move := MOVES.get((State(state), action))) is not None and Kind(kind) in move.kinds
    ]


def target(state: str, kind: str, action: str) -> State | None:
    """Where `action` leads from `state` for an outage of `kind`; None if it is not allowed."""
    move = MOVES.get((State(state), Action(action)))
    if move is None or Kind(kind) not in move.kinds:
        return None
    return move.target
