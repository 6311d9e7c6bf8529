"""The stored state always equals what the history says, whatever anyone tries in whatever order.

Random sequences of (who, action, payload) go through `workorders.moves.act`, each in its own
transaction as an entrypoint would run it. After every step: `work_order.state` equals
`lifecycle.replay(events)`; a refused step raised the refusal the checks call for and left the
order exactly as it was; an accepted one appended exactly one event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import hypothesis
from hypothesis import HealthCheck, event, given, note
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.access.actor import Actor, Role
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    StaleVersion,
    ValidationFailed,
)
from quarterhour.kit import clock
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import make_session_factory
from quarterhour.workorders import intake, moves
from quarterhour.workorders.kinds import FollowUpOutcome, ReplyMethod
from quarterhour.workorders.lifecycle import (
    SYSTEM_ACTIONS,
    Action,
    State,
    Step,
    allowed_actions,
    move_for,
    replay,
)
from quarterhour.workorders.models import Deadline, FollowUp, OrderEvent, WorkOrder
from quarterhour.workorders.schemas import ActionIn, ContactIn

USERS = (
    "agent",
    "dispatcher",
    "hall-baohe",
    "hall-shushan",
    "repair-baohe",
    "marketing",
    "followup",
    "supervisor",
    "admin",
)
DEPARTMENTS = ("hall-baohe", "hall-shushan", "repair-baohe", "marketing")
MATTERS: dict[str, dict[str, Any]] = {
    "complaint": {"order_type": "complaint", "title": "抄表员态度差"},
    "fault_repair": {"order_type": "fault_repair", "title": "整栋楼停电", "area_class": "urban"},
    "opinion": {"order_type": "opinion", "title": "营业厅开放时间短"},
    "consultation": {"order_type": "consultation", "title": "峰谷电价怎么算"},
}
ACTION_NAMES = [str(a) for a in Action]
START = datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)


@dataclass(frozen=True)
class Snapshot:
    order_type: str
    state: str
    version: int
    rework_count: int
    department_id: int | None
    follow_up_required: bool
    steps: tuple[Step, ...]
    deadlines: tuple[tuple[Any, ...], ...]
    follow_ups: int


def _snapshot(factory: sessionmaker[Session], order_id: int) -> Snapshot:
    with factory() as session:
        order = session.get(WorkOrder, order_id)
        assert order is not None
        events = session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        ).all()
        deadlines = session.execute(
            select(Deadline.kind, Deadline.seq, Deadline.due_at, Deadline.met_at)
            .where(Deadline.order_id == order_id)
            .order_by(Deadline.id)
        ).all()
        follow_ups = session.scalar(
            select(func.count()).select_from(FollowUp).where(FollowUp.order_id == order_id)
        )
        return Snapshot(
            order_type=order.order_type,
            state=order.state,
            version=order.version,
            rework_count=order.rework_count,
            department_id=order.department_id,
            follow_up_required=order.follow_up_required,
            steps=tuple(Step(e.action, e.from_state, e.to_state) for e in events),
            deadlines=tuple(tuple(row) for row in deadlines),
            follow_ups=int(follow_ups or 0),
        )


def _refusal(before: Snapshot, by: Actor, action: str, data: ActionIn) -> type[DomainError] | None:
    """What the checks that come before any action-specific rule must answer, in their order."""
    if action not in ACTION_NAMES:
        return ValidationFailed
    sees = by.role in {Role.DUTY_AGENT, Role.DISPATCHER, Role.FOLLOW_UP_AGENT, Role.SUPERVISOR} or (
        by.role is Role.HANDLER and by.department_id == before.department_id
    )
    if not sees:
        return Forbidden
    if data.version is not None and data.version != before.version:
        return StaleVersion
    move = move_for(State(before.state), Action(action))
    if move is None or Action(action) in SYSTEM_ACTIONS:
        return IllegalTransition
    if by.role not in move.roles:
        return Forbidden
    if move.department_only and by.department_id != before.department_id:
        return Forbidden
    return None


def _check_invariants(snap: Snapshot) -> None:
    assert snap.steps, "an order without history"
    assert State(snap.state) == replay(snap.steps)
    assert snap.state == snap.steps[-1].to_state
    reworks = sum(
        1
        for s in snap.steps
        if s.action == Action.SEND_BACK
        or (s.action == Action.FOLLOW_UP and s.to_state == State.DISPATCHED)
    )
    assert snap.rework_count == reworks
    assert snap.follow_ups == sum(1 for s in snap.steps if s.action == Action.FOLLOW_UP)
    closed_on_intake = [s for s in snap.steps if s.action == Action.CLOSE_ON_INTAKE]
    if closed_on_intake:
        # 直接办结 is for a consultation answered on the spot, nothing else.
        assert snap.order_type == "consultation"
    if snap.state == State.ARCHIVED and snap.follow_up_required:
        # Never archived silently: the archive follows a finished follow-up.
        assert snap.steps[-1] == Step(Action.ARCHIVE, State.FOLLOWED_UP, State.ARCHIVED)


def _take_contact(
    factory: sessionmaker[Session], agent: Actor, settings: Settings, kind: str, org: Organisation
) -> int:
    data = ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {
                "name": "袁女士",
                "phone": "13855123456",
                "district_id": org.districts["baohe"],
            },
            "matters": [MATTERS[kind]],
        }
    )
    with factory() as session:
        result = intake.take_contact(session, data, by=agent, settings=settings)
        session.commit()
        return result.orders[0].id


_outcomes = st.sampled_from([str(o) for o in FollowUpOutcome])
_methods = st.sampled_from([str(m) for m in ReplyMethod])
complete_payloads = st.fixed_dictionaries(
    {
        "note": st.just("已联系客户"),
        "result": st.just("已处理完毕"),
        "outcome": _outcomes,
        "reply_method": _methods,
        "crew": st.just("抢修一班"),
    }
)
partial_payloads = st.fixed_dictionaries(
    {},
    optional={
        "note": st.just("已联系客户"),
        "result": st.just("已处理完毕"),
        "outcome": _outcomes,
        "reply_method": _methods,
    },
)
# Moves that do not advance the loop (or end it early); drawn less often.
SIDE_MOVES = frozenset(
    {"cancel", "comment", "press", "escalate", "redispatch", "decline", "record_progress"}
)


@hypothesis.settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_state_always_equals_the_replayed_history(
    engine: Engine, org: Organisation, settings: Settings, frozen_clock: Any, data: st.DataObject
) -> None:
    factory = make_session_factory(engine)
    actors = {u: actor_of(org.staff[u]) for u in USERS}
    frozen_clock.set(START)
    kind = data.draw(st.sampled_from(sorted(MATTERS)), label="kind")
    order_id = _take_contact(factory, actors["agent"], settings, kind, org)
    before = _snapshot(factory, order_id)
    _check_invariants(before)

    for _ in range(data.draw(st.integers(1, 40), label="steps")):
        frozen_clock.advance(minutes=data.draw(st.integers(1, 240)))
        legal = [str(a) for a in allowed_actions(State(before.state))]
        forward = [a for a in legal if a not in SIDE_MOVES] or legal
        anything = st.sampled_from([*ACTION_NAMES, "bogus"])
        # Mostly moves the table offers, and mostly forward ones, so runs get far into the loop.
        action = data.draw(
            st.one_of(*[st.sampled_from(forward)] * 4, st.sampled_from(legal), anything)
            if legal
            else anything
        )
        move = move_for(State(before.state), Action(action)) if action in ACTION_NAMES else None
        fitting = [
            u
            for u in USERS
            if move is not None
            and actors[u].role in move.roles
            and (not move.department_only or actors[u].department_id == before.department_id)
        ]
        username = data.draw(
            st.one_of(*[st.sampled_from(fitting)] * 3, st.sampled_from(USERS))
            if fitting
            else st.sampled_from(USERS)
        )
        body: dict[str, Any] = data.draw(
            st.one_of(*[complete_payloads] * 3, partial_payloads), label="payload"
        )
        if action in ("dispatch", "redispatch") and data.draw(st.booleans()):
            body["department_id"] = org.dept(data.draw(st.sampled_from(DEPARTMENTS)))
        version = data.draw(st.sampled_from(["none", "none", "current", "stale"]))
        if version == "current":
            body["version"] = before.version
        elif version == "stale":
            # A new order is at version 1; versions never go below it.
            body["version"] = before.version - 1 if before.version > 1 else before.version + 1
        if data.draw(st.integers(0, 19)) == 0:
            body["at"] = (START - timedelta(hours=1)).isoformat()  # before the order existed
        payload = ActionIn.model_validate(body)
        note(f"{username} {action} {body} in {before.state} v{before.version}")

        expected = _refusal(before, actors[username], action, payload)
        error: DomainError | None = None
        with factory() as session:
            try:
                moves.act(
                    session, order_id, action, payload, by=actors[username], settings=settings
                )
                session.commit()
            except DomainError as exc:
                session.rollback()
                error = exc
        after = _snapshot(factory, order_id)
        note(f"  → {type(error).__name__ if error else after.state}")
        _check_invariants(after)

        if expected is not None:
            assert type(error) is expected, f"expected {expected.__name__}, got {error!r}"
        if error is not None:
            assert isinstance(error, (IllegalTransition, Forbidden, ValidationFailed, Conflict))
            assert after == before, "a refused action changed the order"
        else:
            assert len(after.steps) == len(before.steps) + 1
            assert after.steps[-1].action == action
            assert after.steps[-1].from_state == before.state
            assert after.version == before.version + 1
            event(f"reached {after.state}")  # shown by --hypothesis-show-statistics
        before = after
