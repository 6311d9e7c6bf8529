"""One write statement per use case in the one-write session, and the rows that may join it.

The API runs intake and a lifecycle move on PostgreSQL in autocommit
(`engine.make_one_write_session_factory`): every statement commits by itself, so such a use case
is atomic only because it writes with exactly one statement (the data-modifying CTEs of
`workorders/writes.py`). A second write statement would commit on its own, and a failure between
the two would leave half a use case behind. So while a use case runs in a one-write session,
every statement is looked at before it goes to the server — SQLAlchemy's (a
`before_cursor_execute` listener on the one-write engine) and those of `storage/driver.py` on
psycopg's own cursor — and a second write raises `OneWriteViolated` instead of running. It is
loud on purpose: the first write has committed already, so the fix is in the code (make the
extra write part of the one statement), never a retry.

More rows in the same write: `also_insert(session, table, row)`, called while the use case runs
(by an action's handler, say), queues a row that the write path makes part of its one statement
— on PostgreSQL a data-modifying CTE (for a move it hangs off the guarded UPDATE, so the row is
written exactly when the move is), on SQLite one more INSERT in the same transaction. This is
the way for an outbox message.

A write is told by the statement's text: INSERT, UPDATE, DELETE, MERGE, COPY … FROM, or a WITH
that writes (a data-modifying CTE, or a writing main statement). Reads (a SELECT, even `SELECT nextval(…)`: sequences are outside
transactions anyway) are never counted. SQLite's sessions are not armed: there the write path
is a few statements inside the transaction that took the write lock at BEGIN IMMEDIATE.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, event
from sqlalchemy.orm import Session

# session.info: this session's use cases write once (set by make_one_write_session_factory).
ARMED = "quarterhour.one_write"
# session.info, and the connection's info when armed: the use case running on it.
_RUNNING = "quarterhour.use_case"


class OneWriteViolated(RuntimeError):
    """A use case in a one-write session tried a second write statement."""


_WRITE = re.compile(
    r"\s*(?:(?:INSERT|UPDATE|DELETE|MERGE)\b|COPY\s+(?!\()[^;]*?\bFROM\b)",
    re.IGNORECASE | re.DOTALL,
)
# Anywhere in a WITH: a data-modifying CTE or a writing main statement. A row lock (FOR UPDATE,
# FOR NO KEY UPDATE) is no write.
_WRITE_IN_WITH = re.compile(
    r"\b(?:INSERT|DELETE|MERGE)\b|(?<!FOR )(?<!KEY )\bUPDATE\b", re.IGNORECASE
)


def is_write(statement: str) -> bool:
    """Whether a statement writes (see the module's docstring for what counts)."""
    if _WRITE.match(statement):
        return True
    return statement.lstrip()[:4].upper() == "WITH" and bool(_WRITE_IN_WITH.search(statement))


@dataclass
class UseCase:
    """One running use case: the rows to add to its write, and (armed) the write it made."""

    name: str
    armed: bool
    extra_rows: list[tuple[Table, dict[str, Any]]] = field(default_factory=list)
    first_write: str | None = None

    def saw(self, statement: str) -> None:
        if not is_write(statement):
            return
        if self.first_write is None:
            self.first_write = statement
            return
        raise OneWriteViolated(
            f"{self.name}: a second write statement in a one-write session. On PostgreSQL it"
            " runs in autocommit, so the first has committed already and the two would not be"
            " atomic; make the row part of the one write instead"
            " (storage.one_write.also_insert). First: "
            f"{_short(self.first_write)} — second: {_short(statement)}"
        )


def _short(statement: str) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= 120 else text[:117] + "…"


@contextmanager
def use_case(session: Session, name: str) -> Iterator[UseCase]:
    """Run one use case that writes with one statement. In an armed session (one-write, on
    PostgreSQL) a second write statement raises `OneWriteViolated`; in any session, rows given
    to `also_insert` meanwhile join that one write."""
    if _RUNNING in session.info:
        raise RuntimeError(f"{name} inside {session.info[_RUNNING].name}: one use case at a time")
    running = UseCase(name, armed=bool(session.info.get(ARMED)))
    # The statements meet the use case on their connection: the session holds one connection
    # until it commits, which a use case never does.
    connection_info = session.connection().info if running.armed else None
    if connection_info is not None:
        connection_info[_RUNNING] = running
    session.info[_RUNNING] = running
    try:
        yield running
    finally:
        del session.info[_RUNNING]
        if connection_info is not None and connection_info.get(_RUNNING) is running:
            del connection_info[_RUNNING]


def also_insert(session: Session, table: Table, row: dict[str, Any]) -> None:
    """A row (every column the database does not fill itself) written together with the
    running use case's one write; see the module's docstring."""
    running: UseCase | None = session.info.get(_RUNNING)
    if running is None:
        raise RuntimeError("also_insert() needs a running use case (one_write.use_case)")
    running.extra_rows.append((table, row))


def is_running(session: Session) -> bool:
    """Whether a use case runs in this session now (its rows join its one write)."""
    return _RUNNING in session.info


def extra_rows(session: Session) -> list[tuple[Table, dict[str, Any]]]:
    """The rows queued by `also_insert` for the running use case's write (none outside one)."""
    running: UseCase | None = session.info.get(_RUNNING)
    return [] if running is None else running.extra_rows


def check(connection: Connection, statement: str) -> None:
    """Count a statement about to run on this connection against the use case running there
    (for storage/driver.py, whose statements SQLAlchemy's events do not see)."""
    running: UseCase | None = connection.info.get(_RUNNING)
    if running is not None:
        running.saw(statement)


def arm(engine: Engine) -> None:
    """Look at every statement SQLAlchemy runs on this engine (the one-write sessions' own)."""
    event.listen(engine, "before_cursor_execute", _before_cursor_execute)


def _before_cursor_execute(
    connection: Connection,
    _cursor: Any,
    statement: str,
    _parameters: Any,
    _context: Any,
    _executemany: bool,
) -> None:
    check(connection, statement)
