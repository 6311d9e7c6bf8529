"""The write path of a lifecycle move: one read, decide in Python, one conditional write.

`act()` is the busiest use case (every step of the loop), so it does not go through the ORM's
unit of work. It reads the order with its deadlines in one statement, lets the lifecycle table
and the action's handler change transient copies, and writes the difference guarded by the
order's version (`UPDATE … WHERE id = :id AND version = :seen`). On PostgreSQL the order, its
deadlines, the event and a follow-up are written by one statement (data-modifying CTEs hanging
off the guarded UPDATE, so nothing is written when the version moved on); on SQLite, whose
transaction already holds the write lock (BEGIN IMMEDIATE), by a few statements in a row.

Nobody can lose an update: a writer that read an older version changes no row and is told so.

Rows queued for the running use case (`storage.one_write.also_insert`: an outbox message, say)
join the one write: more CTEs of the statement on PostgreSQL (a move's hang off the guarded
UPDATE too), more INSERTs of the transaction on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from quarterhour.kit import clock
from quarterhour.notifications.models import ContactPreference
from quarterhour.storage import one_write
from quarterhour.storage.base import AwareDateTime, Base
from quarterhour.storage.driver import POSTGRESQL, driver_rows, on_postgresql, postgresql_text
from quarterhour.workorders.customer_messages import Caller
from quarterhour.workorders.models import Contact, Deadline, FollowUp, OrderEvent, WorkOrder

_M = TypeVar("_M", bound=Base)
_Row = tuple[Table, dict[str, Any]]

_ORDER: Table = WorkOrder.__table__  # type: ignore[assignment]
_DEADLINE: Table = Deadline.__table__  # type: ignore[assignment]
_EVENT: Table = OrderEvent.__table__  # type: ignore[assignment]
_FOLLOW_UP: Table = FollowUp.__table__  # type: ignore[assignment]

_CONTACT: Table = Contact.__table__  # type: ignore[assignment]
_PREFERENCE: Table = ContactPreference.__table__  # type: ignore[assignment]

ORDER_COLUMNS = tuple(c.key for c in _ORDER.columns)
DEADLINE_COLUMNS = tuple(c.key for c in _DEADLINE.columns)
PREFERENCE_COLUMNS = tuple(c.key for c in _PREFERENCE.columns)

# One statement for the order and its deadlines (an order has a handful): the order's columns
# repeat on each deadline's row, which costs less than a second round trip. The caller and his
# preference come along (two joins on primary keys): the moves that tell the customer (the
# reply, the crew's arrival) read nothing more.
_LOAD = (
    select(
        _ORDER,
        *(c.label(f"d_{c.key}") for c in _DEADLINE.columns),
        _CONTACT.c.caller_phone.label("c_caller_phone"),
        _CONTACT.c.customer_id.label("c_customer_id"),
        *(c.label(f"p_{c.key}") for c in _PREFERENCE.columns),
    )
    .select_from(_ORDER)
    .outerjoin(_DEADLINE, _DEADLINE.c.order_id == _ORDER.c.id)
    .outerjoin(_CONTACT, _CONTACT.c.id == _ORDER.c.contact_id)
    .outerjoin(_PREFERENCE, _PREFERENCE.c.customer_id == _CONTACT.c.customer_id)
    .where(_ORDER.c.id == bindparam("order_id"))
    .order_by(_DEADLINE.c.id)
)


@dataclass
class Loaded:
    """Transient copies of one order and its deadlines, and what they held when read."""

    order: WorkOrder
    deadlines: list[Deadline]
    seen: dict[str, Any]
    seen_met: dict[int, datetime | None]
    seen_due: dict[int, datetime] = field(default_factory=dict)
    caller: Caller | None = None


def load(session: Session, order_id: int) -> Loaded | None:
    if on_postgresql(session):
        rows = driver_rows(session, _LOAD_POSTGRESQL, {"order_id": order_id})
        rows = [_in_shanghai(row) for row in rows]
    else:
        rows = [tuple(row) for row in session.execute(_LOAD, {"order_id": order_id})]
    if not rows:
        return None
    width = len(ORDER_COLUMNS)
    ends = width + len(DEADLINE_COLUMNS)
    seen = dict(zip(ORDER_COLUMNS, rows[0][:width], strict=True))
    deadlines = [
        _transient(Deadline, dict(zip(DEADLINE_COLUMNS, row[width:ends], strict=True)))
        for row in rows
        if row[width] is not None
    ]
    phone, customer_id, *preference = rows[0][ends:]
    return Loaded(
        order=_transient(WorkOrder, seen),
        deadlines=deadlines,
        seen=seen,
        seen_met={d.id: d.met_at for d in deadlines},
        seen_due={d.id: d.due_at for d in deadlines},
        caller=Caller(
            phone,
            customer_id,
            None
            if preference[0] is None
            else _transient(
                ContactPreference, dict(zip(PREFERENCE_COLUMNS, preference, strict=True))
            ),
        ),
    )


_DATETIME_AT = tuple(
    n for n, c in enumerate(_LOAD.selected_columns) if isinstance(c.type, AwareDateTime)
)


def _in_shanghai(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # What AwareDateTime does for results read through SQLAlchemy: the driver hands timestamps
    # back in the connection's zone.
    values = list(row)
    for n in _DATETIME_AT:
        if values[n] is not None:
            values[n] = values[n].astimezone(clock.SHANGHAI)
    return tuple(values)


def _transient(model: type[_M], values: dict[str, Any]) -> _M:
    # The declarative constructor sets attributes one by one through the instrumentation (about
    # 35 µs for an order); filling the new instance's dict directly costs 2 µs. Later changes
    # still go through the instrumented attributes.
    obj: _M = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


@dataclass
class Change:
    """Everything one move writes; `values` are the order's changed columns."""

    order_id: int
    seen_version: int
    values: dict[str, Any]
    event: dict[str, Any]
    met: list[tuple[int, datetime | None]] = field(default_factory=list)
    # Deadlines that moved (a paused connection's clock running again): id, due, warn,
    # provisional, paused working days.
    retimed: list[tuple[int, datetime, datetime, bool, int]] = field(default_factory=list)
    new_deadlines: list[dict[str, Any]] = field(default_factory=list)
    follow_up: dict[str, Any] | None = None


def change_of(
    loaded: Loaded,
    *,
    event: dict[str, Any],
    new_deadlines: Sequence[Deadline],
    follow_up: dict[str, Any] | None,
) -> Change:
    order = loaded.order
    values = {
        key: value
        for key in ORDER_COLUMNS
        if (value := getattr(order, key)) != loaded.seen[key] and key != "version"
    }
    met = [
        (d.id, d.met_at)
        for d in loaded.deadlines
        if d.id in loaded.seen_met and d.met_at != loaded.seen_met[d.id]
    ]
    retimed = [
        (d.id, d.due_at, d.warn_at, d.is_provisional, d.paused_working_days)
        for d in loaded.deadlines
        if d.id in loaded.seen_due and d.due_at != loaded.seen_due[d.id]
    ]
    return Change(
        order_id=order.id,
        seen_version=loaded.seen["version"],
        values=values,
        event=event,
        met=met,
        retimed=retimed,
        new_deadlines=[
            {key: getattr(d, key) for key in DEADLINE_COLUMNS if key != "id"} for d in new_deadlines
        ],
        follow_up=follow_up,
    )


def write(session: Session, change: Change) -> int | None:
    """Write the change if the order is still at the version it was read; its new version, or
    None when someone else changed it first (then nothing was written)."""
    extras = one_write.extra_rows(session)
    if on_postgresql(session):
        version = _write_postgresql(session, change, extras)
    else:
        version = _write_in_steps(session, change, extras)
    if version is not None:
        _forget(session, change)
    return version


def _write_in_steps(session: Session, change: Change, extras: Sequence[_Row]) -> int | None:
    new_version = change.seen_version + 1
    result = session.execute(
        update(_ORDER)
        .where(_ORDER.c.id == change.order_id, _ORDER.c.version == change.seen_version)
        .values(**change.values, version=new_version)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.execute(insert(_EVENT), [change.event])
    if change.met:
        session.execute(
            update(_DEADLINE)
            .where(_DEADLINE.c.id == bindparam("d_id"))
            .values(met_at=bindparam("d_met_at")),
            [{"d_id": i, "d_met_at": m} for i, m in change.met],
        )
    if change.retimed:
        session.execute(
            update(_DEADLINE)
            .where(_DEADLINE.c.id == bindparam("d_id"))
            .values(
                due_at=bindparam("d_due"),
                warn_at=bindparam("d_warn"),
                is_provisional=bindparam("d_prov"),
                paused_working_days=bindparam("d_paused"),
            ),
            [
                {"d_id": i, "d_due": due, "d_warn": warn, "d_prov": prov, "d_paused": paused}
                for i, due, warn, prov, paused in change.retimed
            ],
        )
    if change.new_deadlines:
        session.execute(insert(_DEADLINE), change.new_deadlines)
    if change.follow_up is not None:
        session.execute(insert(_FOLLOW_UP), [change.follow_up])
    for table, row in extras:
        session.execute(insert(table), [row])
    return new_version


def _write_postgresql(session: Session, change: Change, extras: Sequence[_Row]) -> int | None:
    values = sorted(change.values)
    sql = _postgresql_statement(
        tuple(values),
        len(change.met),
        len(change.new_deadlines),
        change.follow_up is not None,
        len(change.retimed),
        tuple((table, tuple(row)) for table, row in extras),
    )
    params: dict[str, Any] = {"id": change.order_id, "seen": change.seen_version}
    params.update({f"v_{key}": change.values[key] for key in values})
    # Every column of the event is a parameter of the statement; one not given is NULL.
    params.update({f"e_{key}": _pg_value(change.event.get(key)) for key in _EVENT_KEYS})
    for n, (deadline_id, met_at) in enumerate(change.met):
        params[f"m{n}_id"] = deadline_id
        params[f"m{n}_at"] = met_at
    for n, (deadline_id, due, warn, provisional, paused) in enumerate(change.retimed):
        params.update(
            {f"r{n}_id": deadline_id, f"r{n}_due": due, f"r{n}_warn": warn}
            | {f"r{n}_prov": provisional, f"r{n}_paused": paused}
        )
    for n, deadline in enumerate(change.new_deadlines):
        params.update({f"n{n}_{key}": value for key, value in deadline.items()})
    if change.follow_up is not None:
        params.update({f"f_{key}": value for key, value in change.follow_up.items()})
    for n, (_, row) in enumerate(extras):
        params.update({f"x{n}_{key}": _pg_value(value) for key, value in row.items()})
    rows = driver_rows(session, sql, params)
    return int(rows[0][0]) if rows else None


def _pg_value(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value


_LOAD_POSTGRESQL = postgresql_text(_LOAD)
_EVENT_KEYS = tuple(c.key for c in _EVENT.columns if c.key != "id")


def _pg_type(table: Table, key: str) -> str:
    return str(table.c[key].type.compile(dialect=POSTGRESQL))


# The typed placeholders of a row shape are made once.
@lru_cache(maxsize=1024)
def _typed_row(table: Table, prefix: str, keys: tuple[str, ...]) -> str:
    # Parameters in a SELECT list have no column to take their type from (a NULL would be text).
    return ", ".join(f"%({prefix}{key})s::{_pg_type(table, key)}" for key in keys)


@lru_cache(maxsize=256)
def _postgresql_statement(
    values: tuple[str, ...],
    met: int,
    new_deadlines: int,
    follow_up: bool,
    retimed: int = 0,
    extras: tuple[tuple[Table, tuple[str, ...]], ...] = (),
) -> str:
    sets = ", ".join([*(f"{key} = %(v_{key})s" for key in values), "version = version + 1"])
    parts = [
        f"o AS (UPDATE work_order SET {sets} WHERE id = %(id)s AND version = %(seen)s"
        " RETURNING version)"
    ]
    event_keys = [c.key for c in _EVENT.columns if c.key != "id"]
    parts.append(
        f"e AS (INSERT INTO order_event ({', '.join(event_keys)})"
        f" SELECT {_typed_row(_EVENT, 'e_', tuple(event_keys))} FROM o)"
    )
    if met:
        rows = ", ".join(f"(%(m{n}_id)s::bigint, %(m{n}_at)s::timestamptz)" for n in range(met))
        parts.append(
            "m AS (UPDATE deadline SET met_at = v.met_at"
            f" FROM (VALUES {rows}) AS v (id, met_at)"
            " WHERE deadline.id = v.id AND EXISTS (SELECT FROM o))"
        )
    if retimed:
        rows = ", ".join(
            f"(%(r{n}_id)s::bigint, %(r{n}_due)s::timestamptz, %(r{n}_warn)s::timestamptz,"
            f" %(r{n}_prov)s::boolean, %(r{n}_paused)s::integer)"
            for n in range(retimed)
        )
        parts.append(
            "r AS (UPDATE deadline SET due_at = v.due_at, warn_at = v.warn_at,"
            " is_provisional = v.is_provisional, paused_working_days = v.paused"
            f" FROM (VALUES {rows}) AS v (id, due_at, warn_at, is_provisional, paused)"
            " WHERE deadline.id = v.id AND EXISTS (SELECT FROM o))"
        )
    deadline_keys = [c.key for c in _DEADLINE.columns if c.key != "id"]
    for n in range(new_deadlines):
        parts.append(
            f"n{n} AS (INSERT INTO deadline ({', '.join(deadline_keys)})"
            f" SELECT {_typed_row(_DEADLINE, f'n{n}_', tuple(deadline_keys))} FROM o)"
        )
    if follow_up:
        follow_up_keys = [c.key for c in _FOLLOW_UP.columns if c.key != "id"]
        parts.append(
            f"f AS (INSERT INTO follow_up ({', '.join(follow_up_keys)})"
            f" SELECT {_typed_row(_FOLLOW_UP, 'f_', tuple(follow_up_keys))} FROM o)"
        )
    # Rows queued by the use case (one_write.also_insert), written only with the move.
    for n, (table, keys) in enumerate(extras):
        parts.append(
            f"x{n} AS (INSERT INTO {table.name} ({', '.join(keys)})"
            f" SELECT {_typed_row(table, f'x{n}_', keys)} FROM o)"
        )
    return "WITH " + ", ".join(parts) + " SELECT version FROM o"


def _forget(session: Session, change: Change) -> None:
    """Persistent copies in this session's identity map are now stale: reload them on use."""
    identity_map = session.identity_map
    order = identity_map.get(identity_key(WorkOrder, change.order_id))
    if order is not None:
        session.expire(order)
    for deadline_id in [i for i, _ in change.met] + [r[0] for r in change.retimed]:
        deadline = identity_map.get(identity_key(Deadline, deadline_id))
        if deadline is not None:
            session.expire(deadline)


# --- New rows (intake): ids first, then every row of every table in one write -------------------


def row_of(table: Table, obj: object) -> dict[str, Any]:
    """A transient ORM object as a complete row; unset columns take their column default, and an
    unset primary key is left to the database."""
    row: dict[str, Any] = {}
    for column in table.columns:
        value = getattr(obj, column.key)
        if value is None and column.primary_key:
            continue
        default = column.default
        if value is None and default is not None and getattr(default, "is_scalar", False):
            value = default.arg  # type: ignore[attr-defined]
        row[column.key] = value
    return row


def insert_rows(
    session: Session, batches: Sequence[tuple[Table, Sequence[dict[str, Any]]]]
) -> None:
    """Insert complete rows (ids included), parents first, and the rows queued for the running
    use case (one_write.also_insert) last; one statement on PostgreSQL."""
    queued = [(table, [row]) for table, row in one_write.extra_rows(session)]
    batches = [(table, rows) for table, rows in [*batches, *queued] if rows]
    if not on_postgresql(session):
        for table, rows in batches:
            session.execute(insert(table), list(rows))
        return
    # Each table's rows travel as one JSON parameter: the statement's text depends only on which
    # tables and columns take part, so the driver converts and prepares it once, however many
    # orders, deadlines and events one contact brings.
    shape = tuple((table, tuple(rows[0])) for table, rows in batches)
    params = {
        f"t{t}": json.dumps(rows, ensure_ascii=False, default=_json_scalar)
        for t, (_, rows) in enumerate(batches)
    }
    driver_rows(session, _insert_statement(shape), params)


@lru_cache(maxsize=64)
def _insert_statement(shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> str:
    parts = []
    for t, (table, keys) in enumerate(shape):
        columns = ", ".join(keys)
        parts.append(
            f"t{t} AS (INSERT INTO {table.name} ({columns}) SELECT {columns}"
            f" FROM json_populate_recordset(NULL::{table.name}, %(t{t})s::json))"
        )
    return "WITH " + ", ".join(parts) + " SELECT 1"


def _json_scalar(value: object) -> str:
    # PostgreSQL reads each JSON string with the column type's own input function: ISO times
    # with their offset, dates, and decimals as text so that no digit is lost to a float.
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"no JSON form for {type(value).__name__}")
