"""Statements on psycopg's own cursor for the busiest paths, and ids taken before an insert."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from sqlalchemy import ClauseElement, Table, func, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from quarterhour.storage import one_write

_SQL_LOG = logging.getLogger("sqlalchemy.engine.Engine")


POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]


def on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def postgresql_text(statement: ClauseElement) -> str:
    """A statement's text for psycopg's own cursor on PostgreSQL (parameters as %(name)s),
    compiled once by the caller rather than on every execution."""
    return str(statement.compile(dialect=POSTGRESQL))


@contextmanager
def _cursor(
    session: Session, statement: str, params: dict[str, Any] | None, note: str, **options: Any
) -> Iterator[Any]:
    """psycopg's own cursor inside the session's connection and transaction; the statement is
    logged as an echoing engine would (without its parameters), and errors are raised as
    SQLAlchemy would (IntegrityError for a unique key, and so on), so callers handle one family
    of errors whichever way a statement went."""
    connection = session.connection()
    # A use case of the one-write session writes once, whichever way its statements go.
    one_write.check(connection, statement)
    driver = connection.connection.driver_connection
    if _SQL_LOG.isEnabledFor(logging.INFO):
        _SQL_LOG.info("%s [%s]", statement, note)
    try:
        with driver.cursor(**options) as cursor:  # type: ignore[union-attr]
            yield cursor
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, params, error, psycopg.Error) from error


def driver_rows(session: Session, sql: str, params: dict[str, Any] | None) -> list[Any]:
    """One statement on psycopg's own cursor, for the few statements of the busiest path:
    SQLAlchemy's execution and result layers cost more there than the statement itself (result
    metadata for forty-odd columns, processors)."""
    with _cursor(session, sql, params, "psycopg cursor") as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()  # type: ignore[no-any-return]


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


# --- Columns in PostgreSQL's binary forms, read into and written from numpy arrays -------------
# A binary COPY stream is a 19-byte header, one tuple per row (a 16-bit field count, then each
# field as a 32-bit length and its bytes, big-endian) and a 16-bit −1 trailer. When every field
# has a fixed width the tuples are fixed-size records, which numpy writes as a whole.

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_TRAILER = (-1).to_bytes(2, "big", signed=True)
PG_EPOCH_DAYS = date(2000, 1, 1).toordinal()
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def pg_microseconds(moment: datetime) -> int:
    """A timestamptz in binary: microseconds since 2000-01-01 00:00 UTC."""
    delta = moment - _PG_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def bigint_table(
    session: Session, query: str, params: dict[str, Any], columns: int
) -> npt.NDArray[np.int64]:
    """The rows of `query` (SQLAlchemy's `:name` parameters; `columns` BIGINT columns, none
    NULL) as an (n, columns) array: on PostgreSQL by `bigint_columns`, elsewhere row by row."""
    if on_postgresql(session):
        # :name as psycopg's %(name)s (these statements hold no % sign).
        return bigint_columns(
            session, re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", query), params, columns
        )
    rows = session.execute(text(query), params).all()
    table: npt.NDArray[np.int64] = np.array(rows, dtype=np.int64).reshape(len(rows), columns)
    return table


def bigint_columns(
    session: Session, query: str, params: dict[str, Any], columns: int
) -> npt.NDArray[np.int64]:
    """The rows of `query` — `columns` BIGINT columns, none NULL — as an (n, columns) array.

    PostgreSQL gathers each column into one array and sends it in its binary form (array_send):
    a row count's worth of values arrives as one bytes object per column, which numpy reads in
    place — no Python object per row, where COPY TO would hand over a message per row."""
    names = ", ".join(f"c{i}" for i in range(columns))
    gathered = ", ".join(f"array_send(array_agg(c{i}))" for i in range(columns))
    statement = f"SELECT {gathered} FROM ({query}) AS q ({names})"
    with _cursor(session, statement, params, "psycopg, binary arrays", binary=True) as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None or row[0] is None:  # no rows: array_agg gives NULL
        return np.zeros((0, columns), dtype=np.int64)
    element = np.dtype([("size", ">i4"), ("value", ">i8")])
    out = None
    for i, data in enumerate(row):
        # Header: dimensions, has-nulls flag, element type, then (length, lower bound) per dimension.
        dims, has_nulls = int.from_bytes(data[0:4], "big"), int.from_bytes(data[4:8], "big")
        if dims != 1 or has_nulls:
            raise ValueError(f"column {i} of {query[:60]}… must be a non-null BIGINT")
        count = int.from_bytes(data[12:16], "big")
        values = np.frombuffer(data, dtype=element, count=count, offset=20)
        if (values["size"] != 8).any():
            raise ValueError(f"column {i} of {query[:60]}… is not a BIGINT")
        if out is None:
            out = np.empty((count, columns), dtype=np.int64)
        out[:, i] = values["value"]
    assert out is not None
    return out


def copy_in_records(
    session: Session, table: str, columns: Sequence[str], records: npt.NDArray[Any]
) -> None:
    """Fixed-size binary tuples (built with `binary_fields`) into `table` by one COPY."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
    payload = records.tobytes()
    note = f"psycopg binary copy, {len(records)} rows"
    with _cursor(session, statement, None, note) as cursor, cursor.copy(statement) as copy:
        copy.write(_SIGNATURE)
        step = 1 << 22
        for offset in range(0, len(payload), step):
            copy.write(payload[offset : offset + step])
        copy.write(_TRAILER)


def binary_fields(count: int, fields: Sequence[tuple[str, Any]]) -> npt.NDArray[Any]:
    """An empty record array for `count` tuples whose fields have these numpy formats
    (">i8" bigint, ">i4" integer or date, ">i2" smallint, NUMERIC for numeric, "S<n>" text)."""
    dtype = np.dtype(
        [("count", ">i2")] + [(name, [("size", ">i4"), ("value", fmt)]) for name, fmt in fields]
    )
    records = np.zeros(count, dtype=dtype)
    records["count"] = len(fields)
    for name, _ in fields:
        records[name]["size"] = np.dtype(dtype[name]["value"]).itemsize
    return records


# numeric in binary: digit count, weight, sign, display scale, then base-10000 digits. Always four
# digits with weight 2 (10^8, 10^4, 10^0, 10^-4): non-negative values below 10^12 with at most
# four decimals; PostgreSQL drops the leading and trailing zero digits itself.
NUMERIC = np.dtype(
    [
        ("ndigits", ">i2"),
        ("weight", ">i2"),
        ("sign", ">i2"),
        ("dscale", ">i2"),
        ("digits", ">i2", (4,)),
    ]
)


def numeric_values(units: npt.NDArray[np.int64], scale: int) -> npt.NDArray[Any]:
    """Non-negative integers counted in 10^-scale (scale 0–4) as binary numerics."""
    if len(units) and (units.min() < 0 or units.max() >= 10 ** (12 + scale)):
        raise ValueError("binary numeric values must lie in [0, 10^12)")
    ten_thousandths = units * 10 ** (4 - scale)
    whole, fraction = np.divmod(ten_thousandths, 10_000)
    out = np.zeros(len(units), dtype=NUMERIC)
    out["ndigits"] = 4
    out["weight"] = 2
    out["dscale"] = scale
    out["digits"][:, 0] = whole // 100_000_000
    out["digits"][:, 1] = whole // 10_000 % 10_000
    out["digits"][:, 2] = whole % 10_000
    out["digits"][:, 3] = fraction
    return out
