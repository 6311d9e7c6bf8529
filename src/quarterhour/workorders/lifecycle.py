"""The closed loop as data: which action is allowed in which state, where it leads and who may take it.

受理 → 派单 → 接单 → 处理中 → 回单 → 审核 (or 退回重办) → 答复 → 回访 → 归档 (PRODUCT.md).
Every move appends an event; `replay` rebuilds the state from events, and tests prove the stored
state always equals it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from quarterhour.access.actor import STAFF_ROLES, Role
from quarterhour.workorders.kinds import PAUSABLE_SUBTYPES, OrderType


class State(StrEnum):
    ACCEPTED = "accepted"  # 受理
    DISPATCHED = "dispatched"  # 派单
    ACKNOWLEDGED = "acknowledged"  # 接单
    IN_PROGRESS = "in_progress"  # 处理中
    RETURNED = "returned"  # 回单
    REVIEWED = "reviewed"  # 审核通过
    REPLIED = "replied"  # 答复
    FOLLOWED_UP = "followed_up"  # 回访
    ARCHIVED = "archived"  # 归档
    CANCELLED = "cancelled"  # 撤销 (duplicate or withdrawn)


class Action(StrEnum):
    ACCEPT = "accept"
    CLOSE_ON_INTAKE = "close_on_intake"  # 直接办结
    DISPATCH = "dispatch"
    REDISPATCH = "redispatch"  # 改派
    DECLINE = "decline"  # 退单: not this department's work, back to the centre
    ACKNOWLEDGE = "acknowledge"
    CONTACT_CUSTOMER = "contact_customer"
    RECORD_PROGRESS = "record_progress"
    ARRIVE = "arrive"
    RESTORE = "restore"
    RETURN_RESULT = "return_result"
    APPROVE = "approve"
    SEND_BACK = "send_back"  # 退回重办
    REPLY = "reply"
    FOLLOW_UP = "follow_up"
    ARCHIVE = "archive"
    CANCEL = "cancel"
    PRESS = "press"  # 催办
    ESCALATE = "escalate"  # 督办 (the sweep, or a supervisor)
    PAUSE = "pause"  # 暂停: a connection waits for the customer; its clock stands still
    RESUME = "resume"  # 恢复: the customer has acted; the clock runs again
    WARN = "warn"  # deadline approaching (the sweep)
    RESCHEDULE = "reschedule"  # a provisional deadline recomputed once the official year is loaded
    COMMENT = "comment"
    # A fault call linked at intake to the outage covering the caller (no clock of its own), the
    # reply every linked call gets when that outage is restored, and a wrongly linked call split
    # back out into an ordinary repair (workorders/outage_calls.py).
    LINK_OUTAGE = "link_outage"
    OUTAGE_REPLY = "outage_reply"
    SPLIT_OUT = "split_out"


OPEN_STATES: frozenset[State] = frozenset(State) - {State.ARCHIVED, State.CANCELLED}
# States in which the work sits with a department (for its queue and for 督办).
DEPARTMENT_STATES: frozenset[State] = frozenset(
    {State.DISPATCHED, State.ACKNOWLEDGED, State.IN_PROGRESS}
)


class Guard(StrEnum):
    """A condition on the order itself (not only its state) under which a move is open. The
    table names it; `holds()` checks it; `allowed_actions` and `moves.act()` both ask it, so
    what is offered is what succeeds."""

    NOT_ARRIVED = "not_arrived"  # 到达: once per visit of the crew
    ARRIVED_NOT_RESTORED = "arrived_not_restored"  # 恢复供电: after arrival, once per visit
    RESTORED_IF_REPAIR = "restored_if_repair"  # 回单 of a repair: supply is back
    NO_FOLLOW_UP_OWED = "no_follow_up_owed"  # 归档 straight after 答复: no follow-up required
    PAUSABLE = "pausable"  # 暂停: a 报装 (PAUSABLE_SUBTYPES) whose clock runs
    PAUSED = "paused"  # 恢复: its clock stands still
    LINKED = "linked"  # 拆分: a call linked to an outage


GUARD_REASONS: dict[Guard, str] = {
    Guard.NOT_ARRIVED: "the crew's arrival is already recorded for this visit",
    Guard.ARRIVED_NOT_RESTORED: "restoration follows the crew's arrival, once per visit",
    Guard.RESTORED_IF_REPAIR: "a repair is returned after supply is restored",
    Guard.NO_FOLLOW_UP_OWED: "this order needs a follow-up (回访) before it is archived",
    Guard.PAUSABLE: "only a connection (报装) whose clock runs can wait for the customer",
    Guard.PAUSED: "the clock is not paused",
    Guard.LINKED: "the order is not linked to an outage",
}


class OrderFacts(Protocol):
    """What the guards read from an order (a WorkOrder, or its transient copy in act())."""

    @property
    def order_type(self) -> str: ...
    @property
    def subtype(self) -> str | None: ...
    @property
    def paused_at(self) -> datetime | None: ...
    @property
    def arrived_at(self) -> datetime | None: ...
    @property
    def restored_at(self) -> datetime | None: ...
    @property
    def follow_up_required(self) -> bool: ...
    @property
    def outage_id(self) -> int | None: ...


def holds(guard: Guard | None, order: OrderFacts) -> bool:
    if guard is None:
        return True
    if guard is Guard.NOT_ARRIVED:
        return order.arrived_at is None
    if guard is Guard.ARRIVED_NOT_RESTORED:
        return order.arrived_at is not None and order.restored_at is None
    if guard is Guard.RESTORED_IF_REPAIR:
        return order.order_type != OrderType.FAULT_REPAIR or order.restored_at is not None
    if guard is Guard.PAUSABLE:
        return order.subtype in PAUSABLE_SUBTYPES and order.paused_at is None
    if guard is Guard.PAUSED:
        return order.paused_at is not None
    if guard is Guard.LINKED:
        return order.outage_id is not None
    return not order.follow_up_required  # NO_FOLLOW_UP_OWED


_D = Role.DISPATCHER
_S = Role.SUPERVISOR
_H = Role.HANDLER
_A = Role.DUTY_AGENT
_F = Role.FOLLOW_UP_AGENT


@dataclass(frozen=True)
class Move:
    state: State | None
    action: Action
    targets: tuple[State | None, ...]  # None: the order stays in the state it is in
    roles: frozenset[Role]
    # Only a handler of the order's own department may take it (接单, 回单 ...).
    department_only: bool = False
    # A condition on the order besides its state (see Guard).
    guard: Guard | None = None


def _moves() -> Iterable[Move]:
    handling = (State.ACKNOWLEDGED, State.IN_PROGRESS)
    yield Move(None, Action.ACCEPT, (State.ACCEPTED,), frozenset({_A, _D}))
    yield Move(State.ACCEPTED, Action.CLOSE_ON_INTAKE, (State.ARCHIVED,), frozenset({_A, _D}))
    yield Move(State.ACCEPTED, Action.DISPATCH, (State.DISPATCHED,), frozenset({_D, _S}))
    # A linked call waits with the service centre for its outage; the system links it (a call
    # already sent to a crew that has not arrived comes back: the outage has its crew) and, at
    # restoration, replies to it from wherever it stands before the reply.
    for state in (State.ACCEPTED, *DEPARTMENT_STATES):
        yield Move(
            state, Action.LINK_OUTAGE, (State.ACCEPTED,), frozenset(), guard=Guard.NOT_ARRIVED
        )
    for state in (State.ACCEPTED, *DEPARTMENT_STATES, State.RETURNED, State.REVIEWED):
        yield Move(state, Action.OUTAGE_REPLY, (State.REPLIED,), frozenset())
    yield Move(State.ACCEPTED, Action.SPLIT_OUT, (None,), frozenset({_D, _S}), guard=Guard.LINKED)
    yield Move(State.DISPATCHED, Action.REDISPATCH, (State.DISPATCHED,), frozenset({_D, _S}))
    yield Move(State.DISPATCHED, Action.DECLINE, (State.ACCEPTED,), frozenset({_H}), True)
    yield Move(State.DISPATCHED, Action.ACKNOWLEDGE, (State.ACKNOWLEDGED,), frozenset({_H}), True)
    for state in handling:
        yield Move(state, Action.CONTACT_CUSTOMER, (State.IN_PROGRESS,), frozenset({_H}), True)
        yield Move(state, Action.RECORD_PROGRESS, (State.IN_PROGRESS,), frozenset({_H}), True)
        yield Move(state, Action.PAUSE, (None,), frozenset({_H}), True, Guard.PAUSABLE)
        yield Move(state, Action.RESUME, (None,), frozenset({_H}), True, Guard.PAUSED)
        yield Move(
            state, Action.ARRIVE, (State.IN_PROGRESS,), frozenset({_H}), True, Guard.NOT_ARRIVED
        )
        yield Move(
            state,
            Action.RETURN_RESULT,
            (State.RETURNED,),
            frozenset({_H}),
            True,
            Guard.RESTORED_IF_REPAIR,
        )
    yield Move(
        State.IN_PROGRESS,
        Action.RESTORE,
        (State.IN_PROGRESS,),
        frozenset({_H}),
        True,
        Guard.ARRIVED_NOT_RESTORED,
    )
    yield Move(State.RETURNED, Action.APPROVE, (State.REVIEWED,), frozenset({_D, _S}))
    yield Move(State.RETURNED, Action.SEND_BACK, (State.DISPATCHED,), frozenset({_D, _S}))
    yield Move(State.REVIEWED, Action.REPLY, (State.REPLIED,), frozenset({_A, _D, _F}))
    # The follow-up's outcome picks the target: satisfied → 回访; dissatisfied → 重办 (back to the
    # department); unreachable → stays until the last allowed attempt, then 回访 as unreachable.
    # The system records the customer's own answer to the survey by SMS (sms_survey.py).
    yield Move(
        State.REPLIED,
        Action.FOLLOW_UP,
        (State.FOLLOWED_UP, State.DISPATCHED, State.REPLIED),
        frozenset({_F, _D, Role.SYSTEM}),
    )
    yield Move(
        State.REPLIED,
        Action.ARCHIVE,
        (State.ARCHIVED,),
        frozenset({_D, _F, _S}),
        guard=Guard.NO_FOLLOW_UP_OWED,
    )
    yield Move(State.FOLLOWED_UP, Action.ARCHIVE, (State.ARCHIVED,), frozenset({_D, _F, _S}))
    for state in (State.ACCEPTED, State.DISPATCHED):
        yield Move(state, Action.CANCEL, (State.CANCELLED,), frozenset({_D, _S}))
    # 催办 presses the department that has the work; nobody else can be pressed.
    for state in DEPARTMENT_STATES:
        yield Move(state, Action.PRESS, (None,), frozenset({_D, _S}))
    for state in OPEN_STATES:
        yield Move(state, Action.ESCALATE, (None,), frozenset({_S}))
        yield Move(state, Action.WARN, (None,), frozenset())
        yield Move(state, Action.COMMENT, (None,), frozenset(STAFF_ROLES) - {Role.ADMIN})
    # Recomputing a provisional deadline touches closed orders too (their on-time figures).
    for state in State:
        yield Move(state, Action.RESCHEDULE, (None,), frozenset())


MOVES: tuple[Move, ...] = tuple(_moves())
# Moves that only some types of work have: 直接办结 is for consultations answered on the spot, the
# crew's arrival and restoration for fault repairs.
TYPE_ONLY: dict[Action, frozenset[str]] = {
    Action.CLOSE_ON_INTAKE: frozenset({OrderType.CONSULTATION}),
    Action.ARRIVE: frozenset({OrderType.FAULT_REPAIR}),
    Action.RESTORE: frozenset({OrderType.FAULT_REPAIR}),
    Action.LINK_OUTAGE: frozenset({OrderType.FAULT_REPAIR}),
    Action.OUTAGE_REPLY: frozenset({OrderType.FAULT_REPAIR}),
    Action.SPLIT_OUT: frozenset({OrderType.FAULT_REPAIR}),
    Action.PAUSE: frozenset({OrderType.SERVICE_REQUEST}),
    Action.RESUME: frozenset({OrderType.SERVICE_REQUEST}),
}
_BY_KEY: dict[tuple[State | None, Action], Move] = {(m.state, m.action): m for m in MOVES}
# Actions that only the system takes (the sweep): no role may send them through the API.
SYSTEM_ACTIONS: frozenset[Action] = frozenset(
    {Action.WARN, Action.RESCHEDULE, Action.ACCEPT, Action.LINK_OUTAGE, Action.OUTAGE_REPLY}
)


def move_for(state: State | None, action: Action) -> Move | None:
    return _BY_KEY.get((state, action))


def fits_type(action: Action, order_type: str | None) -> bool:
    return order_type is None or order_type in TYPE_ONLY.get(action, (order_type,))


def allowed_actions(
    state: State | None, role: Role | None = None, order_type: str | None = None
) -> list[Action]:
    """What the table allows next in a state, in lifecycle order; with a role, only what that
    role may do; with a type, only what that type of work has. Guards are not checked: for one
    order, `actions_for` is the answer."""
    return [
        m.action
        for m in MOVES
        if m.state == state
        and m.action not in SYSTEM_ACTIONS
        and (role is None or role in m.roles)
        and fits_type(m.action, order_type)
    ]


class OrderAtHand(OrderFacts, Protocol):
    @property
    def state(self) -> str: ...
    @property
    def department_id(self) -> int | None: ...


# The order in which the loop usually goes forward, then the steps aside (a pause, a transfer,
# a refusal, pressing, a comment): what is offered is listed so, and the first forward step is
# the one expected next (接单 before 退单, 恢复供电 before 回单).
FORWARD: tuple[Action, ...] = (
    Action.ACCEPT,
    Action.CLOSE_ON_INTAKE,
    Action.DISPATCH,
    Action.ACKNOWLEDGE,
    Action.ARRIVE,
    Action.RESTORE,
    Action.RESUME,  # offered only while paused, when the customer's part is what waits
    Action.CONTACT_CUSTOMER,
    Action.RETURN_RESULT,
    Action.APPROVE,
    Action.REPLY,
    Action.FOLLOW_UP,
    Action.ARCHIVE,
)
ASIDE: tuple[Action, ...] = (
    Action.RECORD_PROGRESS,
    Action.PAUSE,
    Action.SPLIT_OUT,
    Action.REDISPATCH,
    Action.DECLINE,
    Action.SEND_BACK,
    Action.PRESS,
    Action.ESCALATE,
    Action.CANCEL,
    Action.COMMENT,
)
_RANK = {action: rank for rank, action in enumerate(FORWARD + ASIDE)}


def next_step(actions: list[Action], state: State | None = None) -> Action | None:
    """The step expected next among those offered (the first forward one), if any."""
    return next((a for a in actions if _is_forward(a, state)), None)


def _is_forward(action: Action, state: State | None) -> bool:
    # Contacting the customer moves acknowledged work on; once the work is in progress the
    # customer has been contacted (or the crew is on site) and another call is a step aside.
    if action is Action.CONTACT_CUSTOMER and state is not None and state != State.ACKNOWLEDGED:
        return False
    return action in FORWARD


def _rank(action: Action, state: State) -> int:
    return _RANK[action] if _is_forward(action, state) or action in ASIDE else len(FORWARD)


def actions_for(order: OrderAtHand, role: Role, department_id: int | None = None) -> list[Action]:
    """What this person may do next on this order, in workflow order: the table (state, role,
    type, own department) and its guards. The API's `allowed_actions`, the console's buttons and
    the 409's list all come from here, and `moves.act()` refuses exactly what is not in it
    (besides missing or bad input)."""
    state = State(order.state)
    offered = [
        m.action
        for m in MOVES
        if m.state == state
        and m.action not in SYSTEM_ACTIONS
        and role in m.roles
        and (not m.department_only or department_id == order.department_id)
        and fits_type(m.action, order.order_type)
        and holds(m.guard, order)
    ]
    return sorted(offered, key=lambda a: _rank(a, state))


def resolve_target(move: Move, current: State, chosen: State | None = None) -> State:
    """Target of a move; `chosen` picks among several (the follow-up outcome decides)."""
    if chosen is not None:
        if chosen not in move.targets:
            raise ValueError(f"{move.action} cannot lead from {current} to {chosen}")
        return chosen
    target = move.targets[0]
    return current if target is None else target


@dataclass(frozen=True)
class Step:
    action: str
    from_state: str | None
    to_state: str


class HistoryInconsistent(Exception):
    pass


def replay(steps: Sequence[Step]) -> State:
    """The state an order's history says it is in; raises if any step breaks the table."""
    state: State | None = None
    for index, step in enumerate(steps):
        action = Action(step.action)
        if (State(step.from_state) if step.from_state else None) != state:
            raise HistoryInconsistent(f"event {index}: from {step.from_state}, expected {state}")
        move = move_for(state, action)
        if move is None:
            raise HistoryInconsistent(f"event {index}: {action} not allowed in {state}")
        to_state = State(step.to_state)
        allowed = {state if t is None else t for t in move.targets}
        if to_state not in allowed:
            raise HistoryInconsistent(f"event {index}: {action} cannot lead to {to_state}")
        state = to_state
    if state is None:
        raise HistoryInconsistent("an order without events")
    return state
