"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.config import Settings
from quarterhour.storage import one_write


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(settings: Settings, **kwargs: Any) -> Engine:
    # A failed statement's error (and so a logged traceback) never carries its parameters: an
    # intake's would be the caller's name, phone and address.
    kwargs.setdefault("hide_parameters", True)
    url = settings.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if is_sqlite(url):
        engine = create_engine(
            url,
            echo=settings.log_sql,
            connect_args={"timeout": 30, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", False)
    return create_engine(url, echo=settings.log_sql, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling would BEGIN lazily (DEFERRED); two writers could then both
    # read an order and deadlock on the upgrade to a write lock. We take the write lock at BEGIN
    # (IMMEDIATE), so writers queue on the busy timeout instead, and WAL keeps readers unblocked.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


def make_one_write_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for use cases that write with exactly one statement (a lifecycle move, an intake),
    or read with one (the bill inquiry).

    On PostgreSQL they run in autocommit: the one write is atomic by itself and guarded (by the
    order's version, by unique keys), and the reads before it need no transaction (one statement
    sees one snapshot), so BEGIN and COMMIT would only add two round trips. SQLite keeps its transaction: its ids are allocated
    under the write lock taken at BEGIN IMMEDIATE.

    The promise is kept, not assumed: on PostgreSQL these sessions are armed (storage/one_write.py),
    and a use case that tries a second write statement raises OneWriteViolated."""
    if engine.dialect.name != "postgresql":
        return make_session_factory(engine)
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    one_write.arm(autocommit)
    return sessionmaker(
        bind=autocommit, expire_on_commit=False, autoflush=False, info={one_write.ARMED: True}
    )


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The entrypoint's transaction: commit once on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
