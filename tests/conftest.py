"""Test plumbing: every database test runs once on SQLite and once on PostgreSQL.

The schema is built by the Alembic migrations (once per backend and session); each test starts
from empty tables. PostgreSQL is required when QUARTERHOUR_REQUIRE_PG=1 (CI): an unreachable
server then fails the run instead of skipping half of it.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from quarterhour.billing import late_fees
from quarterhour.calendar import service as calendar_service
from quarterhour.config import Settings
from quarterhour.demo import organisation as demo_org
from quarterhour.entrypoints.app import create_app
from quarterhour.entrypoints.shared import background
from quarterhour.kit import clock
from quarterhour.notifications import outbox
from quarterhour.organisation import service as organisation_service
from quarterhour.outages import coming as coming_outages
from quarterhour.storage.engine import make_engine, make_session_factory
from quarterhour.storage.migrate import upgrade
from quarterhour.tables import metadata
from quarterhour.workorders import policies, routing
from serving import serving

BACKENDS = [
    b for b in os.environ.get("QUARTERHOUR_TEST_BACKENDS", "sqlite,postgresql").split(",") if b
]
PG_ADMIN_URL = os.environ.get(
    "QUARTERHOUR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("QUARTERHOUR_REQUIRE_PG") == "1"


def _pg_database_url(name: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: no PostgreSQL here
        return str(exc).splitlines()[0]


class _Databases:
    def __init__(self, tmp: Path, worker: str) -> None:
        self.tmp = tmp
        self.worker = worker
        self.engines: dict[str, Engine] = {}
        self.urls: dict[str, str] = {}
        self.pg_problem: str | None = None
        self.pg_checked = False
        self.pg_name: str | None = None

    def get(self, backend: str) -> Engine:
        if backend in self.engines:
            return self.engines[backend]
        if backend == "sqlite":
            url = f"sqlite:///{self.tmp / 'quarterhour-test.db'}"
        else:
            if not self.pg_checked:
                self.pg_problem = _pg_reachable()
                self.pg_checked = True
            if self.pg_problem:
                if REQUIRE_PG:
                    pytest.fail(f"PostgreSQL required but unreachable: {self.pg_problem}")
                pytest.skip(f"PostgreSQL unreachable: {self.pg_problem}")
            # One database per test process: parallel runs (xdist, or two people) never collide.
            name = f"quarterhour_test_{self.worker}_{os.getpid()}"
            self.pg_name = name
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = _pg_database_url(name)
        engine = make_engine(Settings(database_url=url))
        upgrade(engine)
        self.engines[backend] = engine
        self.urls[backend] = url
        return engine

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()
        if self.pg_name:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Databases]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    dbs = _Databases(tmp_path_factory.mktemp("db"), worker)
    yield dbs
    dbs.dispose()


def _empty(engine: Engine) -> None:
    tables = list(reversed(metadata().sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA defer_foreign_keys = ON"))
            for table in tables:
                conn.execute(table.delete())
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sequence(conn) else None
    calendar_service.invalidate_cache()
    policies.invalidate_cache()
    organisation_service.invalidate_cache()
    routing.invalidate_cache()
    late_fees.invalidate_cache()
    coming_outages.invalidate_cache()


def _has_sequence(conn: Any) -> bool:
    return bool(
        conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first()
    )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(databases: _Databases, backend: str) -> Iterator[Engine]:
    engine = databases.get(backend)
    yield engine
    _empty(engine)


@pytest.fixture
def database_url(databases: _Databases, engine: Engine, backend: str) -> str:
    return databases.urls[backend]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    factory = make_session_factory(engine)
    with factory() as session:
        yield session
        session.rollback()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        run_background_sweep=False,
        # Jobs run when a test says so (the run_jobs fixture): a worker polling in the
        # background would add statements to the tests that count them.
        embedded_worker=False,
        attachments_dir=tmp_path / "attachments",
    )


@pytest.fixture
def org(engine: Engine) -> demo_org.Organisation:
    factory = make_session_factory(engine)
    with factory() as session:
        organisation = demo_org.install(session, password_cost=demo_org.FAST_HASH)
        session.commit()
    return organisation


class Clock:
    """A controllable "now" for deadline and story tests."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


# QUARTERHOUR_TEST_SHIFT_DAYS=365 runs the whole suite as if it were a year from today: the
# product's clock (kit/clock, the only "now" the package and the tests read) moves ahead, so a test
# that silently depends on today's date fails now rather than next month.
SHIFT = timedelta(days=int(os.environ.get("QUARTERHOUR_TEST_SHIFT_DAYS", "0")))


@pytest.fixture(scope="session", autouse=True)
def shifted_clock() -> Iterator[None]:
    if not SHIFT:
        yield
        return
    with clock.using(lambda: datetime.now(clock.SHANGHAI) + SHIFT):
        yield


@pytest.fixture(autouse=True)
def fresh_message_texts() -> None:
    """Tests write templates and webhook endpoints straight into their tables: the outbox's
    per-process copy of them (notifications/outbox.py) starts afresh in each test."""
    outbox.forget()


@pytest.fixture
def frozen_clock() -> Iterator[Clock]:
    c = Clock(datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI))
    with clock.using(lambda: c.now):
        yield c


@pytest.fixture
def app(settings: Settings, engine: Engine) -> Any:
    return create_app(settings, engine=engine)


@pytest.fixture
def run_jobs(app: Any) -> Callable[[], int]:
    """Runs every job due now on a worker of the test's app, as `quarterhour worker` would;
    returns how many ran."""
    worker = background.make_worker(app.state.session_factory, app.state.settings, name="test")
    return worker.run_pending


@pytest.fixture
def client(app: Any, org: demo_org.Organisation) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


_token_cache: dict[tuple[int, str], str] = {}


@pytest.fixture
def login(client: TestClient) -> Callable[[str], dict[str, str]]:
    """Bearer headers for a demo user (password DEMO_PASSWORD)."""

    def _login(username: str) -> dict[str, str]:
        response = client.post(
            "/api/v1/auth/token",
            json={"username": username, "password": demo_org.DEMO_PASSWORD},
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return _login


@pytest.fixture
def live_server(settings: Settings, org: demo_org.Organisation) -> Iterator[str]:
    """The real app behind a real uvicorn HTTP server on a free local port."""
    with serving(create_app(settings)) as base:
        yield base


# --- per-backend counts in the summary -------------------------------------------------------
_counts: Counter[tuple[str, str]] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    backend = "none"
    for name in BACKENDS:
        if (
            f"[{name}" in report.nodeid
            or f"-{name}]" in report.nodeid
            or f"-{name}-" in report.nodeid
        ):
            backend = name
    _counts[(backend, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.section("tests per database")
    for backend in [*BACKENDS, "none"]:
        row = {o: _counts[(backend, o)] for o in ("passed", "failed", "skipped")}
        label = "no database" if backend == "none" else backend
        terminalreporter.write_line(
            f"{label}: {row['passed']} passed, {row['failed']} failed, {row['skipped']} skipped"
        )
