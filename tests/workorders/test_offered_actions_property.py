"""`allowed_actions` is the truth: what an order's record offers a person is exactly what succeeds.

Random walks over orders of every type go through the real service on a real database. At each
step one person who may see the order is asked for every action there is, each in a transaction
that is rolled back: an action the order's record (`repository.order_detail`, the API's and the
console's answer) offers that person succeeds with a complete, valid body; one it does not offer
is refused, and a 409 names exactly the offered ones. Then one offered move is made for real.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import hypothesis
from hypothesis import HealthCheck, given, note
from hypothesis import strategies as st
from sqlalchemy import Engine

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import can_see_order
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import DomainError, IllegalTransition
from quarterhour.kit import clock
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import make_session_factory
from quarterhour.workorders import intake, moves, repository
from quarterhour.workorders.kinds import FollowUpOutcome, OrderType, ServiceSubtype
from quarterhour.workorders.lifecycle import SYSTEM_ACTIONS, Action
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
ACTIONS = [a for a in Action if a not in SYSTEM_ACTIONS]
# Moves that do not take the order further round the loop; chosen less often.
SIDE_MOVES = frozenset(
    {"cancel", "comment", "press", "escalate", "redispatch", "decline", "record_progress"}
)
START = datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)


def _matter(kind: str, subtype: str | None) -> dict[str, Any]:
    matter: dict[str, Any] = {"order_type": kind, "title": "测试工单"}
    if kind == OrderType.FAULT_REPAIR:
        matter["area_class"] = "urban"
    if subtype is not None:
        matter["subtype"] = subtype
    return matter


def _body(order_department: int | None, department: int, outcome: str) -> ActionIn:
    """Everything any action may need, valid: each takes what it uses."""
    return ActionIn.model_validate(
        {
            "note": "已处理",
            "result": "已处理完毕",
            "reply_method": "phone",
            "outcome": outcome,
            "crew": "抢修一班",
            "department_id": order_department or department,
        }
    )


def _sees(actor: Actor, department_id: int | None) -> bool:
    return can_see_order(actor, department_id)


@hypothesis.settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_offered_action_succeeds_and_every_other_is_refused(
    engine: Engine, org: Organisation, settings: Settings, frozen_clock: Any, data: st.DataObject
) -> None:
    factory = make_session_factory(engine)
    actors = {u: actor_of(org.staff[u]) for u in USERS}
    frozen_clock.set(START)
    kind = data.draw(st.sampled_from([str(t) for t in OrderType]), label="kind")
    subtype = (
        data.draw(st.sampled_from([str(s) for s in ServiceSubtype]), label="subtype")
        if kind == OrderType.SERVICE_REQUEST
        else None
    )
    contact = ContactIn.model_validate(
        {
            "channel": "hotline",
            "customer": {
                "name": "袁女士",
                "phone": "13855123456",
                "district_id": org.districts["baohe"],
            },
            "matters": [_matter(kind, subtype)],
        }
    )
    with factory() as session:
        order_id = (
            intake.take_contact(session, contact, by=actors["agent"], settings=settings)
            .orders[0]
            .id
        )
        session.commit()

    def offered(username: str) -> list[str]:
        with factory() as session:
            return repository.order_detail(session, order_id, by=actors[username]).allowed_actions

    def department_of() -> int | None:
        with factory() as session:
            return repository.get_order(session, order_id).department_id

    for _ in range(data.draw(st.integers(1, 30), label="steps")):
        frozen_clock.advance(minutes=data.draw(st.integers(1, 180)))
        department = department_of()
        seeing = [u for u in USERS if _sees(actors[u], department)]
        outcome = data.draw(st.sampled_from([str(o) for o in FollowUpOutcome]), label="outcome")
        target = org.dept(data.draw(st.sampled_from(DEPARTMENTS), label="department"))
        body = _body(department, target, outcome)

        # One person, every action: offered ⇔ succeeds.
        username = data.draw(st.sampled_from(seeing), label="who")
        allowed = offered(username)
        for action in ACTIONS:
            with factory() as session:
                try:
                    moves.act(
                        session, order_id, action, body, by=actors[username], settings=settings
                    )
                    error: DomainError | None = None
                except DomainError as exc:
                    error = exc
                session.rollback()
            if action in allowed:
                assert error is None, f"{username} was offered {action} and got {error!r}"
            else:
                assert error is not None, f"{username} was not offered {action}, yet it worked"
                if isinstance(error, IllegalTransition):
                    assert error.details["allowed_actions"] == allowed

        # Then one offered move for real, mostly one that takes the order further.
        choices = [(u, a) for u in seeing for a in offered(u)]
        if not choices:
            break
        forward = [(u, a) for u, a in choices if a not in SIDE_MOVES] or choices
        who, action = data.draw(
            st.one_of(st.sampled_from(forward), st.sampled_from(forward), st.sampled_from(choices)),
            label="move",
        )
        if action in ("dispatch", "redispatch") and data.draw(st.booleans(), label="elsewhere"):
            body = body.model_copy(update={"department_id": target})
        note(f"{who} {action}")
        with factory() as session:
            moves.act(session, order_id, action, body, by=actors[who], settings=settings)
            session.commit()
