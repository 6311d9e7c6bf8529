"""The deadline sweep: warnings before due, escalation (督办) of overdue work to the department's
supervisor, and rescheduling of provisional deadlines once an official year is loaded.

Set-based: a few statements per batch whatever the number of orders; each finding lands in the
order's history as an event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, insert, select, true, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import InstrumentedAttribute

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.calendar import service as calendar_service
from quarterhour.calendar.official import YearSchedule
from quarterhour.config import Settings
from quarterhour.kit import clock
from quarterhour.organisation.models import Department
from quarterhour.workorders.deadlines import due_with_settings, nearest_open
from quarterhour.workorders.lifecycle import OPEN_STATES, Action
from quarterhour.workorders.models import Deadline, OrderEvent, WorkOrder

_OPEN = sorted(str(s) for s in OPEN_STATES)


@dataclass(frozen=True)
class SweepReport:
    at: datetime
    warned: int
    escalated: int


def sweep(
    session: Session, *, by: Actor, now: datetime | None = None, batch: int = 5000
) -> SweepReport:
    require(by, Permission.RUN_SWEEP)
    now = now or clock.now()
    if session.get_bind().dialect.name == "postgresql":
        return _sweep_postgresql(session, now, batch)
    warned = escalated = 0
    while True:
        done = _warn_batch(session, now, batch)
        warned += done
        if done < batch:
            break
    while True:
        done = _escalate_batch(session, now, batch)
        escalated += done
        if done < batch:
            break
    return SweepReport(now, warned, escalated)


def _due(
    session: Session,
    conditions: tuple[ColumnElement[bool], ...],
    order_by: ColumnElement[Any] | InstrumentedAttribute[Any],
    batch: int,
) -> Sequence[Row[Any]]:
    """Due deadlines of open orders, with what the events need, locked against other sweeps."""
    columns = (Deadline.id, Deadline.order_id, Deadline.kind, Deadline.due_at)
    if session.get_bind().dialect.name == "postgresql":
        # The planner cannot see how few rows the partial index holds (it guesses tens of
        # thousands) and would hash-join every open order. A LATERAL probe per due deadline,
        # kept apart by OFFSET 0, reads each order by primary key instead: 1 M orders with 300
        # due went from ~300 ms to ~10 ms per statement (docs/benchmarks.md).
        order = (
            select(WorkOrder.state, WorkOrder.department_id, Department.supervisor_id)
            .outerjoin(Department, Department.id == WorkOrder.department_id)
            .where(
                WorkOrder.id == Deadline.order_id,
                WorkOrder.state.in_(_OPEN),
                WorkOrder.paused_at.is_(None),  # waiting for the customer: the clock stands
            )
            .offset(0)
            .lateral("open_order")
        )
        query = (
            select(*columns, order.c.state, order.c.department_id, order.c.supervisor_id)
            .select_from(Deadline)
            .join(order, true())
        )
    else:
        query = (
            select(*columns, WorkOrder.state, WorkOrder.department_id, Department.supervisor_id)
            .join(WorkOrder, WorkOrder.id == Deadline.order_id)
            .outerjoin(Department, Department.id == WorkOrder.department_id)
            .where(WorkOrder.state.in_(_OPEN), WorkOrder.paused_at.is_(None))
        )
    return session.execute(
        query.where(*conditions)
        .order_by(order_by)
        .limit(batch)
        # Two sweeps (two server workers) never take the same deadline.
        .with_for_update(skip_locked=True, of=Deadline)
    ).all()


def _warn_batch(session: Session, now: datetime, batch: int) -> int:
    rows = _due(
        session,
        (Deadline.met_at.is_(None), Deadline.warned_at.is_(None), Deadline.warn_at <= now),
        Deadline.warn_at,
        batch,
    )
    if not rows:
        return 0
    session.execute(
        update(Deadline).where(Deadline.id.in_([r.id for r in rows])).values(warned_at=now)
    )
    _append_events(
        session,
        [
            {
                "order_id": r.order_id,
                "action": Action.WARN,
                "from_state": r.state,
                "to_state": r.state,
                "actor_id": None,
                "at": now,
                "note": None,
                "data": {"deadline": r.kind, "due_at": clock.local(r.due_at).isoformat()},
            }
            for r in rows
        ],
    )
    return len(rows)


def _escalate_batch(session: Session, now: datetime, batch: int) -> int:
    rows = _due(
        session,
        (Deadline.met_at.is_(None), Deadline.escalated_at.is_(None), Deadline.due_at <= now),
        Deadline.due_at,
        batch,
    )
    if not rows:
        return 0
    session.execute(
        update(Deadline).where(Deadline.id.in_([r.id for r in rows])).values(escalated_at=now)
    )
    # Flags only: the order's version is the users' concurrency token and the sweep must not make
    # a handler's open page stale.
    session.execute(
        update(WorkOrder)
        .where(WorkOrder.id.in_({r.order_id for r in rows}))
        .values(is_overdue=True, is_escalated=True)
        .execution_options(synchronize_session=False)
    )
    _append_events(
        session,
        [
            {
                "order_id": r.order_id,
                "action": Action.ESCALATE,
                "from_state": r.state,
                "to_state": r.state,
                "actor_id": None,
                "at": now,
                "note": "超时督办",
                "data": {
                    "deadline": r.kind,
                    "due_at": clock.local(r.due_at).isoformat(),
                    "department_id": r.department_id,
                    "escalated_to": r.supervisor_id,
                },
            }
            for r in rows
        ],
    )
    return len(rows)


def _append_events(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(insert(OrderEvent), rows)


def reschedule_provisional(session: Session, settings: Settings) -> int:
    """After an official year is loaded: recompute every provisional working-day deadline."""
    calendar = calendar_service.current_calendar(session)
    deadlines = session.scalars(
        select(Deadline).where(Deadline.is_provisional.is_(True)).order_by(Deadline.id)
    ).all()
    changed_orders: dict[int, list[dict[str, Any]]] = {}
    for deadline in deadlines:
        due = due_with_settings(
            calendar,
            deadline.start_at,
            deadline.amount + deadline.paused_working_days,
            deadline.unit,
            settings,
        )
        if due.is_provisional:
            continue
        changed_orders.setdefault(deadline.order_id, []).append(
            {
                "deadline": deadline.kind,
                "from": clock.local(deadline.due_at).isoformat(),
                "to": due.due_at.isoformat(),
            }
        )
        deadline.due_at = due.due_at
        deadline.warn_at = due.warn_at
        deadline.is_provisional = False
    if not changed_orders:
        return 0
    session.flush()
    orders = session.scalars(select(WorkOrder).where(WorkOrder.id.in_(changed_orders))).all()
    all_deadlines = session.scalars(
        select(Deadline).where(Deadline.order_id.in_(changed_orders))
    ).all()
    by_order: dict[int, list[Deadline]] = {}
    for d in all_deadlines:
        by_order.setdefault(d.order_id, []).append(d)
    now = clock.now()
    events = []
    for order in orders:
        due_at, has_provisional = nearest_open(by_order[order.id])
        # A connection waiting for the customer keeps no due time until its clock runs again.
        values = {
            "due_at": None if order.paused_at is not None else due_at,
            "has_provisional_deadline": has_provisional,
        }
        session.execute(
            update(WorkOrder)
            .where(WorkOrder.id == order.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        events.append(
            {
                "order_id": order.id,
                "action": Action.RESCHEDULE,
                "from_state": order.state,
                "to_state": order.state,
                "actor_id": None,
                "at": now,
                "note": "官方节假日安排已载入，临时时限已重算",
                "data": {"changes": changed_orders[order.id]},
            }
        )
    _append_events(session, events)
    return len(orders)


# --- PostgreSQL: each batch is one statement ----------------------------------------------------
# Select the due deadlines (locked, skipping those another sweep holds), mark them, flag their
# orders and append the events, in data-modifying CTEs of one statement: one round trip per
# batch and no rows through Python. The events' data is built by the database exactly as the
# portable path builds it in Python (`due_at` as Python's isoformat in Shanghai time).

_ISO_SHANGHAI = (
    "to_char({ts} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
    " || CASE WHEN mod(extract(microseconds FROM {ts})::int, 1000000) = 0 THEN ''"
    " ELSE to_char({ts} AT TIME ZONE 'Asia/Shanghai', '.US') END || '+08:00'"
)

_DUE = """
due AS (
    SELECT d.id, d.order_id, d.kind, d.due_at, o.state, o.department_id, o.supervisor_id
    FROM deadline AS d
    CROSS JOIN LATERAL (
        SELECT w.state, w.department_id, dep.supervisor_id
        FROM work_order AS w LEFT JOIN department AS dep ON dep.id = w.department_id
        WHERE w.id = d.order_id AND w.state = ANY(%(open)s) AND w.paused_at IS NULL
        OFFSET 0
    ) AS o
    WHERE d.met_at IS NULL AND d.{done} IS NULL AND d.{when} <= %(now)s
    ORDER BY d.{when}
    LIMIT %(batch)s
    FOR UPDATE OF d SKIP LOCKED
)"""

_WARN = (
    "WITH"  # noqa: S608 - built from constants only
    + _DUE.format(done="warned_at", when="warn_at")
    + """,
marked AS (UPDATE deadline SET warned_at = %(now)s FROM due WHERE deadline.id = due.id),
events AS (
    INSERT INTO order_event (order_id, action, from_state, to_state, actor_id, at, note, data)
    SELECT order_id, 'warn', state, state, NULL, %(now)s, NULL,
           json_build_object('deadline', kind, 'due_at', """
    + _ISO_SHANGHAI.format(ts="due_at")
    + """)
    FROM due
)
SELECT count(*) FROM due"""
)

_ESCALATE = (
    "WITH"  # noqa: S608 - built from constants only
    + _DUE.format(done="escalated_at", when="due_at")
    + """,
marked AS (UPDATE deadline SET escalated_at = %(now)s FROM due WHERE deadline.id = due.id),
flagged AS (
    UPDATE work_order SET is_overdue = true, is_escalated = true
    WHERE id IN (SELECT order_id FROM due)
),
events AS (
    INSERT INTO order_event (order_id, action, from_state, to_state, actor_id, at, note, data)
    SELECT order_id, 'escalate', state, state, NULL, %(now)s, '超时督办',
           json_build_object(
               'deadline', kind,
               'due_at', """
    + _ISO_SHANGHAI.format(ts="due_at")
    + """,
               'department_id', department_id,
               'escalated_to', supervisor_id
           )
    FROM due
)
SELECT count(*) FROM due"""
)


def _sweep_postgresql(session: Session, now: datetime, batch: int) -> SweepReport:
    params = {"now": now, "batch": batch, "open": _OPEN}
    connection = session.connection()
    counts = []
    for statement in (_WARN, _ESCALATE):
        total = 0
        while True:
            done = int(connection.exec_driver_sql(statement, params).scalar_one())
            total += done
            if done < batch:
                break
        counts.append(total)
    return SweepReport(now, counts[0], counts[1])


@dataclass(frozen=True)
class AdminWarning:
    """One thing the administrators must act on: `code` and its `values`, which the console
    words in its reader's language (wording.py: warning_<code>); `message` is the API's and
    the CLI's English."""

    code: str
    message: str
    count: int | None = None
    values: Mapping[str, Any] = field(default_factory=dict)


def admin_warnings(session: Session, today: date, *, by: Actor) -> list[AdminWarning]:
    """What the administrators must act on: a year without official working-day data, and the
    orders whose deadlines were computed meanwhile from the statutory holidays alone."""
    require(by, Permission.VIEW_ADMIN_WARNINGS)
    out: list[AdminWarning] = []
    if missing := calendar_service.missing_year_warning(session, today):
        out.append(AdminWarning(missing.code, missing.message, values={"years": missing.years}))
    provisional = (
        session.scalar(
            select(func.count())
            .select_from(WorkOrder)
            .where(WorkOrder.has_provisional_deadline.is_(True))
        )
        or 0
    )
    if provisional:
        out.append(
            AdminWarning(
                "provisional_deadlines",
                f"{provisional} orders have provisional deadlines, counted without the year's"
                " make-up and bridging days (statutory holidays only): load the year's official"
                " schedule",
                provisional,
                {"count": provisional},
            )
        )
    return out


def load_official_year(
    session: Session, schedule: YearSchedule, *, by: Actor, settings: Settings
) -> int:
    """A year's official working-day schedule in, then the provisional deadlines it settles
    recomputed: how a year is loaded from the CLI, the API and the console. Returns the number
    of orders rescheduled."""
    calendar_service.load_year(session, schedule, by=by)
    session.flush()
    return reschedule_provisional(session, settings)
