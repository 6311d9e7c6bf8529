"""Long jobs: progress reported step by step, the outcome recorded as a sentence, a job stopped
when its server shuts down (its unfinished step undone), a cut-off job shown stalled."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from quarterhour.access.actor import system
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import ValidationFailed
from quarterhour.jobs import service as jobs
from quarterhour.jobs.models import Job
from quarterhour.organisation.models import District
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import make_session_factory, unit_of_work

pytestmark = pytest.mark.db


def _wait(engine: Engine, job_id: int) -> Job:
    factory = make_session_factory(engine)
    for _ in range(200):
        with factory() as session:
            job = jobs.get(session, job_id, by=system("test"))
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

    runner = jobs.Runner(factory)
    job_id = runner.start(
        kind="import", params={}, steps_total=2, by=actor_of(org.staff["admin"]), work=work
    )
    for _ in range(100):
        with factory() as session:
            job = jobs.get(session, job_id, by=system("test"))
            seen.append((job.steps_done, job.message))
        if job.steps_done == 1:
            break
        time.sleep(0.02)
    go.set()
    done = _wait(engine, job_id)
    assert (1, "first half") in seen
    assert (done.status, done.steps_done, done.result) == ("done", 2, {"answer": 42})
    assert done.finished_at is not None


def _start(engine: Engine, org: Organisation, work: jobs.Work) -> tuple[jobs.Runner, int]:
    runner = jobs.Runner(make_session_factory(engine))
    job_id = runner.start(
        kind="import", params={}, steps_total=1, by=actor_of(org.staff["admin"]), work=work
    )
    return runner, job_id


def test_a_failing_job_says_so_in_a_sentence_and_logs_the_details(
    engine: Engine, org: Organisation, caplog: pytest.LogCaptureFixture
) -> None:
    def work(report: jobs.Reporter) -> dict[str, Any]:
        raise RuntimeError("/srv/quarterhour/readings.csv vanished")

    _, job_id = _start(engine, org, work)
    failed = _wait(engine, job_id)
    assert failed.status == "failed"
    assert failed.error == jobs.FAILED_SENTENCE.format(job_id=job_id)
    assert "/srv" not in failed.error and "Traceback" not in failed.error
    assert "readings.csv vanished" in caplog.text  # the server's log keeps what happened


def test_a_job_refused_by_the_rules_shows_the_reason(engine: Engine, org: Organisation) -> None:
    def work(report: jobs.Reporter) -> dict[str, Any]:
        raise ValidationFailed("period: 2026-11 has not ended yet", field="period")

    _, job_id = _start(engine, org, work)
    assert _wait(engine, job_id).error == "period: 2026-11 has not ended yet"


def test_stopping_the_runner_stops_a_job_at_its_next_step_and_undoes_that_step(
    engine: Engine, org: Organisation
) -> None:
    factory = make_session_factory(engine)
    working = threading.Event()

    def work(report: jobs.Reporter) -> dict[str, Any]:
        for step in range(1000):
            with unit_of_work(factory) as session:
                session.add(District(code=f"d{step}", name=f"区{step}"))
                session.flush()
                working.set()
                time.sleep(0.01)
                report(f"district {step}")  # raises once the server stops: this step rolls back
        return {}

    runner, job_id = _start(engine, org, work)
    assert working.wait(5)
    assert runner.stop(timeout=5) == []
    stopped = _wait(engine, job_id)
    assert (stopped.status, stopped.error) == ("stopped", jobs.STOPPED_SENTENCE)
    with factory() as session:
        written = session.scalar(
            select(func.count()).select_from(District).where(District.code.like("d%"))
        )
    assert written is not None and written < 1000  # stopped early, each step whole or undone
    with pytest.raises(RuntimeError, match="shutting down"):
        runner.start(
            kind="import", params={}, steps_total=1, by=actor_of(org.staff["admin"]), work=work
        )


def test_the_server_stops_its_jobs_when_it_shuts_down(
    app: Any, engine: Engine, org: Organisation
) -> None:
    started = threading.Event()

    def work(report: jobs.Reporter) -> dict[str, Any]:
        started.set()
        while True:  # a job that would run for ever if nobody stopped it
            report("still working")
            time.sleep(0.01)

    with TestClient(app):
        job_id = app.state.jobs.start(
            kind="import", params={}, steps_total=1, by=actor_of(org.staff["admin"]), work=work
        )
        assert started.wait(5)
    assert _wait(engine, job_id).status == "stopped"  # shut down with the app, not left running


def test_a_running_job_that_stopped_reporting_is_stalled(frozen_clock: Any) -> None:
    job = Job(status="running", heartbeat_at=frozen_clock.now)
    assert not jobs.is_stalled(job)
    frozen_clock.advance(minutes=11)
    assert jobs.is_stalled(job)
    job.status = "done"
    assert not jobs.is_stalled(job)
