"""Statements on psycopg's own cursor for the busiest paths, and ids taken before an insert."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import Table, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

_SQL_LOG = logging.getLogger("sqlalchemy.engine.Engine")


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def driver_rows(session: Session, sql: str, params: dict[str, Any] | None) -> list[Any]:
    """One statement on psycopg's own cursor, inside the session's connection and transaction.

    For the few statements of the busiest path: SQLAlchemy's execution and result layers cost
    more here than the statement itself (result metadata for forty-odd columns, processors). The
    statement is logged as an echoing engine would, without its parameters."""
    driver = session.connection().connection.driver_connection
    if _SQL_LOG.isEnabledFor(logging.INFO):
        _SQL_LOG.info("%s [psycopg cursor]", sql)
    try:
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(sql, params)
            return cursor.fetchall()  # type: ignore[no-any-return]
    except psycopg.Error as error:
        # Raised as SQLAlchemy would (IntegrityError for a unique key, and so on), so callers
        # handle one family of errors whichever way the statement went.
        raise DBAPIError.instance(sql, params, error, psycopg.Error) from error


def allocate_ids(session: Session, counts: Sequence[tuple[Table, int]]) -> list[list[int]]:
    """Ids for new rows, so that numbers (LD…/GD…) and references are known before the insert.

    PostgreSQL: from each table's sequence, all in one statement. SQLite: after the table's
    largest id; the transaction holds the database's write lock since BEGIN IMMEDIATE."""
    if on_postgresql(session):
        columns = ", ".join(
            f"ARRAY(SELECT nextval(pg_get_serial_sequence('{table.name}', 'id'))"
            f" FROM generate_series(1, {int(n)}))"
            for table, n in counts
        )
        (row,) = driver_rows(session, f"SELECT {columns}", None)
        return [list(ids) for ids in row]
    allocated = []
    for table, n in counts:
        top = session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        allocated.append(list(range(top + 1, top + 1 + n)))
    return allocated


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Many rows into one table by COPY (PostgreSQL), inside the session's transaction."""
    driver = session.connection().connection.driver_connection
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    if _SQL_LOG.isEnabledFor(logging.INFO):
        _SQL_LOG.info("%s [psycopg copy, %d rows]", statement, len(rows))
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error
