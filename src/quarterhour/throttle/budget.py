"""Failure budgets, kept in the database so that every worker process counts the same failures.

A public lookup asks for a number and the last four digits of a phone: 10,000 guesses. Counting
failures per caller alone is not enough, since a guesser can rotate addresses; so each failure
is charged to the number asked for too (the account on the bill line, the order on the status
lookup), whoever asked. Once a number has failed `limit` times within its window, every lookup
of it is refused for the lock's time — the right answer as well, or the refusal would tell the
guesser he had found it — and a number that does not exist is counted the same way, so the
refusal does not tell which numbers exist either. Logins are charged per username and per
address alike.

Each (scope, key) that failed recently is one row of `failure_budget`: a failure is one upsert
(the count restarts when the window has passed; reaching the limit sets `locked_until`), and a
check reads `locked_until` by primary key — on the bill line inside the inquiry's own statement
(billing/inquiry.py), so an answered inquiry costs no extra round trip and writes nothing. Rows
whose window and lock are both over are deleted by the writers, at most once a minute per process.

Two lookups of one number that run at the same moment may both pass the check before either
failure is written: the lock can let through as many extra guesses as a guesser has requests in
flight, which the per-caller budget bounds in turn.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from quarterhour.access import permissions
from quarterhour.config import Settings
from quarterhour.storage.base import AwareDateTime
from quarterhour.storage.driver import postgresql_text
from quarterhour.throttle.models import FailureBudget

_T: Table = FailureBudget.__table__  # type: ignore[assignment]
TOO_MANY_LOOKUPS = "too many failed lookups; try again later"
KEY_LENGTH = 64
# Writers delete rows that no longer matter at most this often (per process).
PRUNE_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Budget:
    """`limit` failures of one key within `window` lock it for `lock`."""

    scope: str
    limit: int
    window: timedelta
    lock: timedelta


@dataclass(frozen=True)
class Charge:
    """One attempt's failure is charged to this budget and key."""

    budget: Budget
    key: str


def charge(budget: Budget, value: str) -> Charge:
    """A key is kept as given up to 64 characters, longer ones by their SHA-256."""
    key = value if len(value) <= KEY_LENGTH else hashlib.sha256(value.encode()).hexdigest()
    return Charge(budget, key)


@dataclass(frozen=True)
class Budgets:
    """Every budget of the product, from the settings. Bill line and order status count
    separately (their own scopes), per number and per caller."""

    bill: Budget
    bill_caller: Budget
    order: Budget
    order_caller: Budget
    login_user: Budget
    login_caller: Budget
    # Wrong one-time codes from one address (self-service): a guesser with many phones' codes
    # in play is stopped by his address as well as by each code's five tries.
    code_caller: Budget


def budgets(settings: Settings) -> Budgets:
    return _budgets(
        settings.lookup_failure_limit,
        settings.lookup_failure_window_seconds,
        settings.lookup_lock_seconds,
        settings.public_lookup_limit,
        settings.public_lookup_window_seconds,
        settings.login_failure_limit,
        settings.login_failure_window_seconds,
    )


@lru_cache(maxsize=8)
def _budgets(
    per_number: int,
    number_window: int,
    number_lock: int,
    per_caller: int,
    caller_window: int,
    per_login: int,
    login_window: int,
) -> Budgets:
    def number(scope: str) -> Budget:
        return Budget(
            scope, per_number, timedelta(seconds=number_window), timedelta(seconds=number_lock)
        )

    def caller(scope: str) -> Budget:  # locked until its window is over
        window = timedelta(seconds=caller_window)
        return Budget(scope, per_caller, window, window)

    def login(scope: str) -> Budget:
        window = timedelta(seconds=login_window)
        return Budget(scope, per_login, window, window)

    return Budgets(
        bill=number("bill"),
        bill_caller=caller("bill-from"),
        order=number("order"),
        order_caller=caller("order-from"),
        login_user=login("login"),
        login_caller=login("login-from"),
        code_caller=caller("code-from"),
    )


# --- reading: is any of these keys locked? ------------------------------------------------------


def charged_key(n: int) -> ColumnElement[bool]:
    """The row of the Nth key (parameters budget_scope_N and budget_key_N), by primary key."""
    return and_(
        _T.c.scope == bindparam(f"budget_scope_{n}"), _T.c.key == bindparam(f"budget_key_{n}")
    )


def charged_keys(charges: int) -> ColumnElement[bool]:
    return or_(*(charged_key(n) for n in range(charges)))


LOCKED_UNTIL = _T.c.locked_until


def locked_until_of(charges: int) -> Select[Any]:
    """The latest `locked_until` among `charges` keys: one row, NULL when none of them failed
    lately. (The bill inquiry reads each key's row in a branch of its own statement.)"""
    return select(func.max(_T.c.locked_until)).where(charged_keys(charges))


def lock_params(charges: Sequence[Charge], size: int | None = None) -> dict[str, str]:
    """Parameters for `charged_keys(size)`; keys beyond `charges` match nothing."""
    params = {}
    for n in range(len(charges) if size is None else size):
        c = charges[n] if n < len(charges) else None
        params[f"budget_scope_{n}"] = c.budget.scope if c else ""
        params[f"budget_key_{n}"] = c.key if c else ""
    return params


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def locked(session: Session, charges: Sequence[Charge], now: datetime) -> bool:
    until = session.execute(locked_until_of(len(charges)), lock_params(charges)).scalar()
    return is_locked(until, now)


# --- writing: one more failure --------------------------------------------------------------------


def _failure(insert: Any) -> Insert:
    """Insert the first failure of a key, or count one more: a new window when the last one has
    ended, the lock when the count reaches the limit."""
    now = bindparam("now", type_=AwareDateTime())
    ended = _T.c.window_ends <= now
    # Literals, not parameters: the PostgreSQL text is compiled once and sent as it is.
    one = literal_column("1", Integer)
    counted = case((ended, one), else_=_T.c.failures + one)
    statement = insert(_T).values(
        scope=bindparam("scope"),
        key=bindparam("key"),
        failures=one,
        window_ends=bindparam("window_ends", type_=AwareDateTime()),
        locked_until=bindparam("first_lock", type_=AwareDateTime()),
    )
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[_T.c.scope, _T.c.key],
        set_={
            "failures": counted,
            "window_ends": case((ended, statement.excluded.window_ends), else_=_T.c.window_ends),
            "locked_until": case(
                (counted >= bindparam("limit"), bindparam("lock_until", type_=AwareDateTime())),
                else_=_T.c.locked_until,
            ),
        },
    )


_FAILURE_POSTGRESQL = _failure(postgresql.insert)
_FAILURE_SQLITE = _failure(sqlite.insert)
_FAILURE_POSTGRESQL_TEXT = postgresql_text(_FAILURE_POSTGRESQL)
_NOW = bindparam("now", type_=AwareDateTime())
_PRUNE = delete(_T).where(
    _T.c.window_ends <= _NOW, or_(_T.c.locked_until.is_(None), _T.c.locked_until <= _NOW)
)
_PRUNE_POSTGRESQL_TEXT = postgresql_text(_PRUNE)
_next_prune = 0.0


def _failure_params(charges: Sequence[Charge], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for c in charges:
        lock_until = now + c.budget.lock
        rows.append(
            {
                "scope": c.budget.scope,
                "key": c.key,
                "now": now,
                "window_ends": now + c.budget.window,
                "first_lock": lock_until if c.budget.limit <= 1 else None,
                "limit": c.budget.limit,
                "lock_until": lock_until,
            }
        )
    return rows


def _prune_due() -> bool:
    global _next_prune
    moment = time.monotonic()
    if moment < _next_prune:
        return False
    _next_prune = moment + PRUNE_EVERY_SECONDS
    return True


def prune_on_next_failure() -> None:
    """The next failure this process writes also prunes (tests, whose clock jumps)."""
    global _next_prune
    _next_prune = 0.0


def fail(session: Session, charges: Sequence[Charge], now: datetime) -> None:
    """Count a failure against every charge (in the caller's transaction; commit it even though
    the attempt failed)."""
    permissions.anyone("a failure budget: whoever asks is counted")
    postgres = session.get_bind().dialect.name == "postgresql"
    session.execute(
        _FAILURE_POSTGRESQL if postgres else _FAILURE_SQLITE, _failure_params(charges, now)
    )
    if _prune_due():
        prune(session, now)


def prune(session: Session, now: datetime) -> int:
    """Delete the rows whose window and lock are both over; how many went."""
    result = session.execute(_PRUNE, {"now": now})
    return int(result.rowcount)  # type: ignore[attr-defined]


async def fail_on_event_loop(
    pool: AsyncConnectionPool, charges: Sequence[Charge], now: datetime
) -> None:
    """The same on the worker's async PostgreSQL connections (autocommit, one round trip: psycopg
    sends executemany's statements in a pipeline)."""
    async with pool.connection() as connection, connection.cursor() as cursor:
        await cursor.executemany(_FAILURE_POSTGRESQL_TEXT, _failure_params(charges, now))
        if _prune_due():
            await cursor.execute(_PRUNE_POSTGRESQL_TEXT, {"now": now})
