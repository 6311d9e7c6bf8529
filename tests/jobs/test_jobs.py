"""Long jobs: progress reported step by step, the outcome recorded, a cut-off job shown stalled."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine

from quarterhour.access.service import actor_of
from quarterhour.demo.organisation import Organisation
from quarterhour.jobs import service as jobs
from quarterhour.jobs.models import Job
from quarterhour.storage.engine import make_session_factory

pytestmark = pytest.mark.db


def _wait(engine: Engine, job_id: int) -> Job:
    factory = make_session_factory(engine)
    for _ in range(200):
        with factory() as session:
            job = jobs.get(session, job_id)
            if job.status != "running":
                return job
        time.sleep(0.02)
    raise AssertionError("the job did not finish")


def test_a_job_reports_its_steps_and_its_result(engine: Engine, org: Organisation) -> None:
    factory = make_session_factory(engine)
    go = threading.Event()
    seen: list[tuple[int, str | None]] = []

    def work(report: jobs.Reporter) -> dict[str, Any]:
        report("first half", steps_done=1)
        go.wait(5)
        return {"answer": 42}

    job_id = jobs.start(
        factory, kind="test", params={}, steps_total=2, by=actor_of(org.staff["admin"]), work=work
    )
    for _ in range(100):
        with factory() as session:
            job = jobs.get(session, job_id)
            seen.append((job.steps_done, job.message))
        if job.steps_done == 1:
            break
        time.sleep(0.02)
    go.set()
    done = _wait(engine, job_id)
    assert (1, "first half") in seen
    assert (done.status, done.steps_done, done.result) == ("done", 2, {"answer": 42})
    assert done.finished_at is not None


def test_a_failing_job_records_why(engine: Engine, org: Organisation) -> None:
    def work(report: jobs.Reporter) -> dict[str, Any]:
        raise RuntimeError("the readings file vanished")

    job_id = jobs.start(
        make_session_factory(engine),
        kind="test",
        params={},
        steps_total=1,
        by=actor_of(org.staff["admin"]),
        work=work,
    )
    failed = _wait(engine, job_id)
    assert failed.status == "failed"
    assert "the readings file vanished" in (failed.error or "")


def test_a_running_job_that_stopped_reporting_is_stalled(frozen_clock: Any) -> None:
    job = Job(status="running", heartbeat_at=frozen_clock.now)
    assert not jobs.is_stalled(job)
    frozen_clock.advance(minutes=11)
    assert jobs.is_stalled(job)
    job.status = "done"
    assert not jobs.is_stalled(job)
