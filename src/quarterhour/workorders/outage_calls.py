"""Fault calls inside a known outage (issue 14): linked at intake, answered all at once when the
supply is back, split back out when the link was wrong.

- At intake (intake.py) a fault repair whose premises lie in an *active* outage (not one planned
  or announced that has not started) is linked to it: `work_order.outage_id`, no deadlines of its
  own (no 45-minute arrival clock, no escalation: the outage's expected restoration is the
  promise), left with the dispatcher, and a `link_outage` event says so.
- `restore_outage` restores the outage (outages.service.restore) and replies to every linked
  order not yet replied to, set-based: one INSERT … SELECT of the events, one UPDATE of the
  orders, and one INSERT … SELECT of follow-up deadlines per limit where the policy has them
  followed up. The reply is an SMS (the one message that reaches every caller at once).
- 拆分 (`split_out`, a lifecycle move in moves.py): the order leaves the outage and gets the
  clocks intake would have given it, from now, in the dispatch queue.
- A fault outage declared after its first calls (`declare_outage`, the one way the API and the
  console declare): the open calls not yet dispatched from premises inside it since its start
  are linked to it at once (`link_open_calls`, set-based): their clocks stop (the unmet
  deadlines are met now, as a cancellation stops them), each gets its `link_outage` event.

Services flush, never commit: the entrypoint owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Row,
    Table,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session, aliased

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.calendar import service as calendar_service
from quarterhour.config import Settings
from quarterhour.crews import jobs as crew_jobs
from quarterhour.customers.models import Account
from quarterhour.errors import NotFound
from quarterhour.kit import clock
from quarterhour.outages import service as outages
from quarterhour.outages.lifecycle import Kind as OutageKind
from quarterhour.outages.lifecycle import State as OutageState
from quarterhour.outages.models import Outage, OutageTransformer, PremisesSupply
from quarterhour.workorders import customer_messages, policies
from quarterhour.workorders.deadlines import due_with_settings
from quarterhour.workorders.kinds import DeadlineKind, OrderType, ReplyMethod
from quarterhour.workorders.lifecycle import Action, State
from quarterhour.workorders.models import Deadline, OrderEvent, WorkOrder
from quarterhour.workorders.schemas import LinkedOutage

_ORDER: Table = WorkOrder.__table__  # type: ignore[assignment]
_EVENT: Table = OrderEvent.__table__  # type: ignore[assignment]
_DEADLINE: Table = Deadline.__table__  # type: ignore[assignment]

# The states a linked order may be replied to from (the lifecycle's OUTAGE_REPLY moves).
BEFORE_REPLY = (
    State.ACCEPTED,
    State.DISPATCHED,
    State.ACKNOWLEDGED,
    State.IN_PROGRESS,
    State.RETURNED,
    State.REVIEWED,
)
REPLY_METHOD = ReplyMethod.SMS
_EVENT_COLUMNS = ["order_id", "action", "from_state", "to_state", "actor_id", "at", "claimed_at"]
_EVENT_COLUMNS += ["note", "data"]
_DEADLINE_COLUMNS = ["order_id", "kind", "seq", "start_at", "amount", "unit", "due_at", "warn_at"]
_DEADLINE_COLUMNS += ["is_provisional", "paused_working_days", "policy_id"]


def _events_for(
    session: Session,
    ids: list[int],
    action: Action,
    to_state: State,
    *,
    by: Actor,
    at: datetime,
    note: str,
    data: dict[str, Any],
) -> None:
    """One event per order named, each from the state it stands in: one INSERT … SELECT for
    however many calls an outage links or replies to."""
    session.execute(
        insert(_EVENT).from_select(
            _EVENT_COLUMNS,
            select(
                _ORDER.c.id,
                literal(str(action)),
                _ORDER.c.state,
                literal(str(to_state)),
                literal(by.id, _EVENT.c.actor_id.type),
                literal(at, _EVENT.c.at.type),
                literal(None, _EVENT.c.claimed_at.type),
                literal(note, _EVENT.c.note.type),
                literal(data, JSON()),
            ).where(_ORDER.c.id.in_(bindparam("ids", expanding=True))),
        ),
        {"ids": ids},
    )


def outage_for_caller(
    session: Session,
    *,
    account_id: int | None,
    customer_id: int | None,
    at: datetime,
    by: Actor,
    account_number: str | None = None,
) -> Outage | None:
    """The active outage covering the caller's premises at `at`: the account the contact is
    about, else the customer's only premises; None when there is none (or no single premises,
    or an outage planned for that moment has not started)."""
    require(by, Permission.VIEW_OUTAGES)
    if account_id is None and account_number:
        # The desk names the account the agent picked by its number.
        account_id = session.scalar(select(Account.id).where(Account.number == account_number))
        if account_id is None:
            return None
    if account_id is not None:
        premises = list(
            session.scalars(select(Account.premises_id).where(Account.id == account_id))
        )
    elif customer_id is not None:
        premises = list(
            session.scalars(
                select(Account.premises_id).where(Account.customer_id == customer_id).distinct()
            )
        )
    else:
        return None
    if len(premises) != 1:
        return None
    supply = outages.active_outage_for_premises(session, premises[0], at, by=by)
    outage = supply.outage
    if outage is None or outage.state != OutageState.ACTIVE:
        return None
    return outage


def linked_outages(session: Session, outage_ids: set[int], *, by: Actor) -> dict[int, LinkedOutage]:
    """The outages orders are linked to, as an order's answer shows them."""
    require(by, Permission.VIEW_OUTAGES)
    if not outage_ids:
        return {}
    found = session.scalars(select(Outage).where(Outage.id.in_(sorted(outage_ids))))
    sent = crew_jobs.crews_on_outages(session, list(outage_ids))
    linked: dict[int, LinkedOutage] = {}
    for o in found:
        crew = sent.get(o.id)
        linked[o.id] = LinkedOutage(
            id=o.id,
            kind=o.kind,
            cause=o.cause,
            started_at=o.started_at,
            expected_restoration_at=o.expected_restoration_at,
            state=o.state,
            crew=crew.crew if crew else None,
            crew_step=crew.step if crew else None,
            crew_step_at=crew.at if crew else None,
        )
    return linked


def link_note(outage: Outage) -> str:
    """What the desk and the link event say (Chinese: the staff's and the customer's language)."""
    start = clock.local(outage.started_at or outage.starts_at)
    expected = clock.local(outage.expected_restoration_at)
    return (
        f"该地址所在台区正在停电：原因{outage.cause}，开始{start:%m-%d %H:%M}，"
        f"预计{expected:%m-%d %H:%M}复电"
    )


def reply_text(restored_at: datetime) -> str:
    return f"停电已于{clock.local(restored_at):%m月%d日%H:%M}恢复供电"


@dataclass(frozen=True)
class Restoration:
    outage: Outage
    replied: int  # linked orders replied to now


def restore_outage(
    session: Session,
    outage_id: int,
    *,
    by: Actor,
    settings: Settings,
    at: datetime | None = None,
) -> Restoration:
    """复电: the outage is restored and every linked call not yet replied to gets its reply."""
    require(by, Permission.MANAGE_OUTAGES)
    outage = outages.restore(session, outage_id, by=by, at=at)
    restored_at = outage.restored_at
    assert restored_at is not None  # restore() sets it
    crew_jobs.close_for_outage(session, outage_id, by=by, at=restored_at)
    now = clock.now()
    # The orders are read (and on PostgreSQL locked) once; every write below names exactly them.
    rows = session.execute(
        select(_ORDER.c.id, _ORDER.c.accepted_at, _ORDER.c.subtype, _ORDER.c.area_class)
        .where(
            _ORDER.c.outage_id == outage_id,
            _ORDER.c.state.in_([str(s) for s in BEFORE_REPLY]),
        )
        .with_for_update()
    ).all()
    if not rows:
        return Restoration(outage, 0)
    ids = [row.id for row in rows]
    text = reply_text(restored_at)
    chosen = _ORDER.c.id.in_(bindparam("ids", expanding=True))
    data = {"reply_method": str(REPLY_METHOD), "outage_id": outage_id, "result": text}
    _events_for(
        session, ids, Action.OUTAGE_REPLY, State.REPLIED, by=by, at=now, note=text, data=data
    )
    session.execute(
        update(_ORDER)
        .where(chosen)
        .values(
            state=str(State.REPLIED),
            result=text,
            replied_at=now,
            replied_by_id=by.id,
            reply_method=str(REPLY_METHOD),
            restored_at=restored_at,
            due_at=None,
            has_provisional_deadline=False,
            updated_at=now,
            version=_ORDER.c.version + 1,
        ),
        {"ids": ids},
    )
    _follow_up_clocks(session, rows, settings=settings, start=now)
    # The reply said by SMS to each caller (customer_messages.py), with the restoration, and
    # the survey to those owed a follow-up: the agents call only whoever does not answer it.
    _, surveyed = customer_messages.outage_replied(
        session, ids, outage_id=outage_id, text=text, settings=settings
    )
    if surveyed:
        session.execute(
            update(_ORDER)
            .where(_ORDER.c.id.in_(bindparam("ids", expanding=True)))
            .values(sms_survey_until=now + timedelta(hours=settings.sms_survey_hours)),
            {"ids": surveyed},
        )
    session.expire_all()  # ORM copies of these orders are stale
    return Restoration(outage, len(ids))


def _follow_up_clocks(
    session: Session,
    rows: Sequence[Row[Any, Any, Any, Any]],
    *,
    settings: Settings,
    start: datetime,
) -> None:
    """回访: the follow-up limit from the reply, where the policy in force when each order was
    accepted has fault repairs followed up; one INSERT … SELECT and one UPDATE per limit."""
    groups: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    for row in rows:
        policy = policies.policy_in_force(session, clock.local(row.accepted_at).date())
        if not policy.follow_up_required(OrderType.FAULT_REPAIR):
            continue
        for limit in policy.limits_for(OrderType.FAULT_REPAIR, row.subtype, row.area_class):
            if limit.kind is DeadlineKind.FOLLOW_UP:
                groups[(policy.id, limit.amount, str(limit.unit))].append(row.id)
    if not groups:
        return
    calendar = calendar_service.current_calendar(session)
    for (policy_id, amount, unit), ids in groups.items():
        due = due_with_settings(calendar, start, amount, unit, settings)
        chosen = _ORDER.c.id.in_(bindparam("ids", expanding=True))
        session.execute(
            insert(_DEADLINE).from_select(
                _DEADLINE_COLUMNS,
                select(
                    _ORDER.c.id,
                    literal(str(DeadlineKind.FOLLOW_UP)),
                    literal(1),
                    literal(start, _DEADLINE.c.start_at.type),
                    literal(amount),
                    literal(unit),
                    literal(due.due_at, _DEADLINE.c.due_at.type),
                    literal(due.warn_at, _DEADLINE.c.warn_at.type),
                    literal(due.is_provisional),
                    literal(0),
                    literal(policy_id),
                ).where(chosen, _ORDER.c.follow_up_required.is_(True)),
            ),
            {"ids": ids},
        )
        session.execute(
            update(_ORDER)
            .where(chosen, _ORDER.c.follow_up_required.is_(True))
            .values(due_at=due.due_at, has_provisional_deadline=due.is_provisional),
            {"ids": ids},
        )


# --- calls that came before their outage was declared ------------------------------------------


def premises_of_order() -> ColumnElement[int | None]:
    """The premises a call is about, as intake reads it (`outage_for_caller`): its account's,
    else its customer's only premises; NULL when neither tells. Correlated to `work_order`, for
    the few recent calls a statement reads."""
    own = aliased(Account)
    theirs = aliased(Account)
    # Correlated explicitly: the expression may sit inside an EXISTS whose own FROM lacks the
    # order (link_open_calls), where auto-correlation would read some other order instead.
    of_account = (
        select(own.premises_id)
        .where(own.id == _ORDER.c.account_id)
        .correlate(_ORDER)
        .scalar_subquery()
    )
    premises_count = (
        select(func.count(func.distinct(theirs.premises_id)))
        .where(theirs.customer_id == _ORDER.c.customer_id)
        .correlate(_ORDER)
        .scalar_subquery()
    )
    only_premises = (
        select(func.min(theirs.premises_id))
        .where(theirs.customer_id == _ORDER.c.customer_id)
        .correlate(_ORDER)
        .scalar_subquery()
    )
    return case(
        (_ORDER.c.account_id.is_not(None), of_account),
        (premises_count == 1, only_premises),
        else_=None,
    )


# The states a call is linked from: with the centre, or sent to a crew that has not arrived.
LINKABLE = (State.ACCEPTED, State.DISPATCHED, State.ACKNOWLEDGED, State.IN_PROGRESS)


def link_open_calls(session: Session, outage_id: int, *, by: Actor) -> int:
    """Link to an active outage the open fault calls whose premises lie inside it, that came
    since it started and whose crew has not arrived; a call already dispatched (by hand, or to
    the crew on duty by the routing policy) comes back to the service centre and its crew job
    is withdrawn — the outage has its own crew. Their unmet deadlines are met now (the clocks
    stop) and each gets its `link_outage` event. Set-based: one read, one INSERT … SELECT, two
    UPDATEs (and the few crew jobs withdrawn). Returns how many were linked."""
    require(by, Permission.MANAGE_OUTAGES)
    outage = session.get(Outage, outage_id)
    if outage is None:
        raise NotFound(f"no outage {outage_id}", field="outage_id")
    if outage.state != OutageState.ACTIVE:
        return 0
    since = outage.started_at or outage.starts_at
    inside = exists(
        select(PremisesSupply.premises_id)
        .join(
            OutageTransformer,
            and_(
                OutageTransformer.transformer_id == PremisesSupply.transformer_id,
                OutageTransformer.outage_id == outage_id,
            ),
        )
        .where(PremisesSupply.premises_id == premises_of_order())
    )
    ids = list(
        session.scalars(
            select(_ORDER.c.id)
            .where(
                _ORDER.c.order_type == str(OrderType.FAULT_REPAIR),
                _ORDER.c.outage_id.is_(None),
                _ORDER.c.state.in_([str(st) for st in LINKABLE]),
                _ORDER.c.arrived_at.is_(None),
                _ORDER.c.accepted_at >= since,
                inside,
            )
            .order_by(_ORDER.c.id)
            .with_for_update(of=_ORDER)
        )
    )
    if not ids:
        return 0
    now = clock.now()
    note = link_note(outage)
    chosen = _ORDER.c.id.in_(bindparam("ids", expanding=True))
    data = {
        "outage_id": outage_id,
        "expected_restoration_at": outage.expected_restoration_at.isoformat(),
    }
    _events_for(
        session, ids, Action.LINK_OUTAGE, State.ACCEPTED, by=by, at=now, note=note, data=data
    )
    session.execute(
        update(_DEADLINE)
        .where(_DEADLINE.c.order_id.in_(bindparam("ids", expanding=True)))
        .where(_DEADLINE.c.met_at.is_(None))
        .values(met_at=now),
        {"ids": ids},
    )
    session.execute(
        update(_ORDER)
        .where(chosen)
        .values(
            outage_id=outage_id,
            state=str(State.ACCEPTED),
            crew=None,
            due_at=None,
            has_provisional_deadline=False,
            updated_at=now,
            version=_ORDER.c.version + 1,
        ),
        {"ids": ids},
    )
    crew_jobs.withdraw_for_orders(session, ids, by=by, note=f"已并入停电#{outage_id}")
    session.expire_all()  # ORM copies of these orders are stale
    return len(ids)


@dataclass(frozen=True)
class Declared:
    outage: Outage
    linked: int  # open calls linked to it now (a fault's)


def declare_outage(
    session: Session,
    *,
    by: Actor,
    kind: str,
    cause: str,
    starts_at: datetime,
    expected_restoration_at: datetime,
    feeders: Sequence[str] = (),
    transformers: Sequence[str] = (),
    area: str | None = None,
) -> Declared:
    """登记, as the API and the console declare: a fault (active from its start) takes in the
    calls that came from inside it since it began (`link_open_calls`)."""
    outage = outages.declare(
        session,
        by=by,
        kind=kind,
        cause=cause,
        starts_at=starts_at,
        expected_restoration_at=expected_restoration_at,
        feeders=feeders,
        transformers=transformers,
        area=area,
    )
    linked = link_open_calls(session, outage.id, by=by) if outage.kind == OutageKind.FAULT else 0
    return Declared(outage, linked)
