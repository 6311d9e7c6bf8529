"""kill -9 of a worker in the middle of a bill run: another worker takes the job over once the
dead one's lease has run out and finishes it, and every account has one bill.

Real processes (`quarterhour worker`) on PostgreSQL. The first worker is caught in the middle
deterministically: the first district is billed and committed, and the second district's insert
of one bill waits on a row this test inserted with the same key and holds uncommitted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from billing.town import Town
from quarterhour.billing.models import Bill, BillRun
from quarterhour.demo.organisation import Organisation
from quarterhour.jobs import service as queue
from quarterhour.jobs.models import Job
from quarterhour.kit import clock
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import make_session_factory, unit_of_work

pytestmark = pytest.mark.db
OCTOBER = date(2026, 10, 1)


def _worker(database_url: str, name: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "QUARTERHOUR_DATABASE_URL": database_url,
        "QUARTERHOUR_BACKGROUND_SWEEP": "0",
        "QUARTERHOUR_JOB_LEASE_SECONDS": "2",
        "QUARTERHOUR_WORKER_POLL_SECONDS": "0.1",
    }
    code = "from quarterhour.entrypoints.cli.main import main; main()"
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", code, "worker", "--name", name],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )


def _until(engine: Engine, condition: str, seconds: float = 60) -> None:
    give_up = time.monotonic() + seconds
    while time.monotonic() < give_up:
        with engine.connect() as connection:
            if connection.scalar(text(condition)):
                return
        time.sleep(0.05)
    raise AssertionError(f"never true: {condition}")


def test_another_worker_finishes_the_bill_run_of_a_worker_killed_in_its_middle(
    engine: Engine, backend: str, database_url: str, org: Organisation, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("production's database: SQLite's single writer would hold the blocker")
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        town = Town(session, org)
        accounts = []
        for district in ("baohe", "shushan"):
            town.district = org.districts[district]
            for _ in range(3):
                account, meter = town.household("ZJ-RES", initial=Decimal(0))
                town.read(meter, date(2026, 9, 30), "100")
                town.read(meter, date(2026, 10, 31), "260")
                accounts.append(account.id)
        blocked_account = accounts[-1]  # in 蜀山区, the second district
        job_id = queue.enqueue(
            session,
            kind="bill_run",
            params={
                "period": "2026-10",
                "district_id": None,
                "districts": [
                    [org.districts["baohe"], "包河区"],
                    [org.districts["shushan"], "蜀山区"],
                ],
            },
            steps_total=2,
            by=actor_of(org.staff["admin"]),
        )

    blocker = engine.connect()
    blocking = blocker.begin()
    now = clock.now()
    run_id = blocker.execute(
        BillRun.__table__.insert()
        .values(period=OCTOBER, status="running", started_at=now)
        .returning(BillRun.id)
    ).scalar_one()
    blocker.execute(
        Bill.__table__.insert().values(
            account_id=blocked_account,
            period=OCTOBER,
            kwh=0,
            year_kwh=0,
            amount=0,
            due_on=date(2026, 11, 20),
            fingerprint=0,
            run_id=run_id,
            issued_at=now,
        )
    )
    log = tmp_path / "workers.log"
    first = _worker(database_url, "first", log)
    second: subprocess.Popen[bytes] | None = None
    try:
        # 包河区 billed and committed; 蜀山区's insert waits on the blocker's row.
        _until(engine, f"SELECT steps_done = 1 FROM job WHERE id = {job_id}")
        _until(
            engine,
            "SELECT count(*) > 0 FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()",
        )
        first.send_signal(signal.SIGKILL)
        assert first.wait(10) == -signal.SIGKILL
        blocking.rollback()
        blocker.close()
        # The dead worker's server process ends once it finds its client gone; with it go its
        # transaction and its lock on 蜀山区's bills.
        _until(engine, "SELECT count(*) = 0 FROM pg_locks WHERE locktype = 'advisory'")
        with factory() as session:
            held = session.get_one(Job, job_id)
            assert (held.status, held.locked_by, held.attempts) == ("running", "first", 1)
        second = _worker(database_url, "second", log)
        _until(engine, f"SELECT status = 'done' FROM job WHERE id = {job_id}", seconds=90)
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(30)

    with factory() as session:
        done = session.get_one(Job, job_id)
        assert (done.status, done.attempts, done.steps_done) == ("done", 2, 2), log.read_text()
        per_account = session.execute(
            select(Bill.account_id, func.count())
            .where(Bill.period == OCTOBER)
            .group_by(Bill.account_id)
        ).all()
        assert sorted(per_account) == sorted((a, 1) for a in accounts)
        districts = {d["name"]: d for d in (done.result or {})["districts"]}
        # The second attempt found 包河区 billed by the first and left it alone.
        assert (districts["包河区"]["created"], districts["包河区"]["unchanged"]) == (0, 3)
        assert districts["蜀山区"]["created"] == 3
