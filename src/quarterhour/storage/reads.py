"""Read-only statements on the event loop, for the public line that answers thousands of calls a
second: a few psycopg async connections per worker process, in autocommit (one statement sees
one snapshot, so BEGIN and ROLLBACK would only add round trips), awaited without a thread hop.

PostgreSQL only; on SQLite the same use cases run through a session in the thread pool.
"""

from __future__ import annotations

from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine

# Per worker: answers take a fraction of a millisecond of database time, so a few connections
# keep up with every request the worker's event loop can parse.
POOL_SIZE = 4


def read_pool(engine: Engine) -> AsyncConnectionPool | None:
    """A pool for `engine`'s database (not yet open), or None when it is not PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return None
    url = engine.url.set(drivername="postgresql")
    return AsyncConnectionPool(
        url.render_as_string(hide_password=False),
        min_size=1,
        max_size=POOL_SIZE,
        kwargs={"autocommit": True},
        open=False,
        name="quarterhour-reads",
    )


async def rows(pool: AsyncConnectionPool, sql: str, params: dict[str, Any]) -> list[Any]:
    async with pool.connection() as connection:
        cursor = await connection.execute(sql, params)
        return await cursor.fetchall()
