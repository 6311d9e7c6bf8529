"""The job queue and its workers: a job enqueued in its caller's transaction, claimed by one
worker, its progress reported, its outcome recorded; failures retried with backoff and buried
after the last attempt; a dead worker's job taken over once its lease has run out, the dead
worker unable to write over the new holder; scheduled runs enqueued once per slot; a stopping
worker's job put back, its unfinished step undone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.access.actor import system
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Conflict, ValidationFailed
from quarterhour.jobs import service as queue
from quarterhour.jobs.models import Job, JobUpload
from quarterhour.jobs.worker import Handler, JobContext, Schedule, Worker
from quarterhour.kit import clock
from quarterhour.organisation.models import District
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.storage.engine import make_session_factory, unit_of_work

pytestmark = pytest.mark.db
LEASE = timedelta(minutes=2)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def _enqueue(
    factory: sessionmaker[Session], org: Organisation, kind: str = "import", **more: Any
) -> int:
    with unit_of_work(factory) as session:
        return queue.enqueue(session, kind=kind, params={}, by=actor_of(org.staff["admin"]), **more)


def _job(factory: sessionmaker[Session], job_id: int) -> Job:
    with factory() as session:
        return session.get_one(Job, job_id)


def _worker(factory: sessionmaker[Session], handler: Handler, name: str = "w1") -> Worker:
    return Worker(factory, {"import": handler}, name=name, lease=LEASE)


def test_a_job_runs_once_its_transaction_commits_and_reports_its_steps(
    factory: sessionmaker[Session], org: Organisation
) -> None:
    seen: list[tuple[str, int, str | None]] = []

    def work(context: JobContext) -> dict[str, Any]:
        context.report("first half", steps_done=1)
        job = _job(factory, context.job.id)
        seen.append((job.status, job.steps_done, job.message))
        return {"answer": 42}

    with factory() as session:  # asked for, then the request failed: no job
        queue.enqueue(session, kind="import", params={}, by=actor_of(org.staff["admin"]))
        session.rollback()
    worker = _worker(factory, work)
    assert worker.run_pending() == 0
    job_id = _enqueue(factory, org, steps_total=2)
    assert _job(factory, job_id).status == "queued"
    assert worker.run_pending() == 1
    assert seen == [("running", 1, "first half")]
    done = _job(factory, job_id)
    assert (done.status, done.steps_done, done.result, done.attempts) == (
        "done",
        2,
        {"answer": 42},
        1,
    )
    assert done.finished_at is not None and done.locked_by is None


def test_a_kind_is_started_only_by_who_may_do_it(
    factory: sessionmaker[Session], org: Organisation
) -> None:
    from quarterhour.errors import Forbidden

    with factory() as session, pytest.raises(Forbidden):
        queue.enqueue(session, kind="bill_run", params={}, by=actor_of(org.staff["dispatcher"]))
    with factory() as session, pytest.raises(ValidationFailed, match="kind"):
        queue.enqueue(session, kind="nonsense", params={}, by=system("test"))


def test_a_failure_is_retried_after_a_growing_pause_then_buried(
    factory: sessionmaker[Session],
    org: Organisation,
    frozen_clock: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts: list[datetime] = []

    def work(context: JobContext) -> dict[str, Any]:
        attempts.append(clock.now())
        raise RuntimeError("/srv/quarterhour/readings.csv vanished")

    job_id = _enqueue(factory, org, max_attempts=3)
    worker = _worker(factory, work)
    assert worker.run_pending() == 1
    first = _job(factory, job_id)
    assert (first.status, first.attempts) == ("queued", 1)
    assert first.error == queue.FAILED_SENTENCE.format(job_id=job_id)
    assert "/srv" not in first.error and "Traceback" not in first.error
    assert "readings.csv vanished" in caplog.text  # the log keeps what happened
    wait = first.run_after - frozen_clock.now
    assert timedelta(seconds=30) <= wait <= timedelta(seconds=33)
    assert worker.run_pending() == 0  # not before its time
    frozen_clock.advance(seconds=34)
    assert worker.run_pending() == 1
    second = _job(factory, job_id)
    assert timedelta(seconds=60) <= second.run_after - frozen_clock.now <= timedelta(seconds=66)
    frozen_clock.advance(seconds=67)
    assert worker.run_pending() == 1
    dead = _job(factory, job_id)
    assert (dead.status, dead.attempts, len(attempts)) == ("dead", 3, 3)
    assert dead.finished_at is not None
    frozen_clock.advance(hours=2)
    assert worker.run_pending() == 0  # buried: nobody runs it again


def test_a_refusal_by_the_rules_fails_at_once_with_its_reason(
    factory: sessionmaker[Session], org: Organisation
) -> None:
    def work(context: JobContext) -> dict[str, Any]:
        raise ValidationFailed("period: 2026-11 has not ended yet", field="period")

    job_id = _enqueue(factory, org)
    _worker(factory, work).run_pending()
    failed = _job(factory, job_id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error == "period: 2026-11 has not ended yet"


def test_a_conflict_with_another_run_is_tried_again_later(
    factory: sessionmaker[Session], org: Organisation, frozen_clock: Any
) -> None:
    def work(context: JobContext) -> dict[str, Any]:
        raise Conflict("period: a bill run of 2026-10 is running already")

    job_id = _enqueue(factory, org)
    _worker(factory, work).run_pending()
    later = _job(factory, job_id)
    assert (later.status, later.error) == (
        "queued",
        "period: a bill run of 2026-10 is running already",
    )
    assert later.run_after > frozen_clock.now


def test_a_dead_workers_job_is_taken_over_and_the_dead_worker_cannot_write_over_it(
    factory: sessionmaker[Session], org: Organisation, frozen_clock: Any
) -> None:
    job_id = _enqueue(factory, org)
    first = queue.claim(factory, worker="w1", lease=LEASE)
    assert first is not None and first.id == job_id
    assert queue.claim(factory, worker="w2", lease=LEASE) is None  # held
    frozen_clock.advance(minutes=1)
    assert queue.is_stalled(_job(factory, job_id)) is False
    frozen_clock.advance(minutes=2)  # w1 died: its lease ran out
    assert queue.is_stalled(_job(factory, job_id))
    second = queue.claim(factory, worker="w2", lease=LEASE)
    assert second is not None and (second.id, second.attempts) == (job_id, 2)
    # w1 comes back to life: its report and its outcome are refused.
    stopping = threading.Event()
    reporter = queue.Reporter(factory, job_id, worker="w1", lease=LEASE, stopping=stopping)
    with pytest.raises(queue.LeaseLost):
        reporter("still here", steps_done=1)
    assert not queue.finish(factory, first, worker="w1", status="done", result={"by": "w1"})
    assert queue.finish(factory, second, worker="w2", status="done", result={"by": "w2"})
    assert _job(factory, job_id).result == {"by": "w2"}


def test_a_worker_that_dies_on_the_last_attempt_leaves_the_job_dead(
    factory: sessionmaker[Session], org: Organisation, frozen_clock: Any
) -> None:
    job_id = _enqueue(factory, org, max_attempts=1)
    assert queue.claim(factory, worker="w1", lease=LEASE) is not None
    frozen_clock.advance(minutes=3)
    assert queue.claim(factory, worker="w2", lease=LEASE) is None
    dead = _job(factory, job_id)
    assert (dead.status, dead.error) == ("dead", queue.DIED_SENTENCE)


def test_a_long_step_keeps_its_lease_by_the_heartbeat(
    factory: sessionmaker[Session], org: Organisation
) -> None:
    beats: list[datetime] = []

    def work(context: JobContext) -> dict[str, Any]:
        # A step that reports nothing for three beats: the heartbeat renews the lease meanwhile.
        deadline = threading.Event()
        for _ in range(30):
            job = _job(factory, context.job.id)
            assert job.locked_until is not None
            if not beats or beats[-1] != job.locked_until:
                beats.append(job.locked_until)
            if len(beats) >= 3:
                break
            deadline.wait(0.1)
        return {}

    job_id = _enqueue(factory, org)
    worker = Worker(factory, {"import": work}, name="w1", lease=timedelta(seconds=0.6))
    assert worker.run_pending() == 1
    assert len(beats) >= 3  # the lease moved on while the step ran
    assert _job(factory, job_id).status == "done"


def test_two_workers_claiming_at_once_take_different_jobs(
    factory: sessionmaker[Session], org: Organisation
) -> None:
    ids = {_enqueue(factory, org) for _ in range(20)}
    taken: list[int] = []
    lock = threading.Lock()

    def take(name: str) -> None:
        while (job := queue.claim(factory, worker=name, lease=LEASE)) is not None:
            with lock:
                taken.append(job.id)

    threads = [threading.Thread(target=take, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(taken) == sorted(ids)  # each once


def test_a_schedule_enqueues_each_slot_once_whichever_worker_asks(
    factory: sessionmaker[Session], org: Organisation, frozen_clock: Any
) -> None:
    ran: list[int] = []

    def sweep(context: JobContext) -> dict[str, Any]:
        ran.append(context.job.id)
        return {}

    every_minute = [Schedule("sla_sweep", "* * * * *", "sla_sweep")]
    one, two = (
        Worker(factory, {"sla_sweep": sweep}, name=n, lease=LEASE, schedules=every_minute)
        for n in ("w1", "w2")
    )
    frozen_clock.set(datetime(2026, 11, 27, 9, 0, 30, tzinfo=clock.SHANGHAI))
    assert one.schedule_due() == 1
    assert two.schedule_due() == 0 and one.schedule_due() == 0
    frozen_clock.advance(seconds=40)  # 09:01:10: the next slot
    assert two.schedule_due() == 1 and one.schedule_due() == 0
    assert one.run_pending() + two.run_pending() == 2 and len(ran) == 2
    with factory() as session:
        keys = session.scalars(select(Job.schedule_key).order_by(Job.id)).all()
    assert keys == ["sla_sweep@2026-11-27T09:00+08:00", "sla_sweep@2026-11-27T09:01+08:00"]
    # A nightly job missed while no worker ran is run once when one comes back, not per night.
    nightly = Schedule("housekeeping", "30 3 * * *", "housekeeping", catch_up=timedelta(hours=20))
    late = Worker(factory, {}, name="w3", lease=LEASE, schedules=[nightly])
    frozen_clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=clock.SHANGHAI))
    assert late.schedule_due() == 1
    frozen_clock.set(datetime(2026, 11, 30, 23, 50, tzinfo=clock.SHANGHAI))  # past catch-up
    assert late.schedule_due() == 0


def test_a_stopping_worker_puts_its_job_back_and_its_unfinished_step_is_undone(
    factory: sessionmaker[Session], org: Organisation
) -> None:
    working = threading.Event()

    def work(context: JobContext) -> dict[str, Any]:
        for step in range(1000):
            with unit_of_work(factory) as session:
                session.add(District(code=f"d{step}", name=f"区{step}"))
                session.flush()
                working.set()
                threading.Event().wait(0.01)
                context.report(f"district {step}")  # raises once stopping: this step rolls back
        return {}

    job_id = _enqueue(factory, org)
    worker = _worker(factory, work)
    worker.start()
    assert working.wait(10)
    assert worker.stop(timeout=10)
    back = _job(factory, job_id)
    assert (back.status, back.attempts, back.locked_by) == ("queued", 0, None)
    with factory() as session:
        written = session.scalar(
            select(func.count()).select_from(District).where(District.code.like("d%"))
        )
    assert written is not None and written < 1000


def test_retry_and_cancel(factory: sessionmaker[Session], org: Organisation) -> None:
    admin = actor_of(org.staff["admin"])
    with unit_of_work(factory) as session:
        queued = queue.enqueue(
            session, kind="import", params={}, by=admin, upload=("a.csv", b"x,y\n")
        )
    with unit_of_work(factory) as session:
        with pytest.raises(Conflict, match="only a dead, failed or stopped job"):
            queue.retry(session, queued, by=admin)
        assert queue.cancel(session, queued, by=admin).status == "cancelled"
        assert session.get(JobUpload, queued) is None  # the file goes with it
        with pytest.raises(Conflict, match="only a queued job"):
            queue.cancel(session, queued, by=admin)


def test_a_dead_import_keeps_its_file_to_run_again_for_a_week(
    factory: sessionmaker[Session], org: Organisation, frozen_clock: Any
) -> None:
    """The file of an import that died stays with it: run again, the import reads it; a week
    after an import ended without success, housekeeping drops the file (not the job)."""
    admin = actor_of(org.staff["admin"])
    read: list[tuple[str, bytes]] = []
    broken = True

    def work(context: JobContext) -> dict[str, Any]:
        with factory() as session:
            read.append(queue.read_upload(session, context.job.id))
        if broken:
            raise RuntimeError("the district table was locked")
        return {}

    fixed = _enqueue(factory, org, max_attempts=1, upload=("a.csv", b"x,y\n"))
    left = _enqueue(factory, org, max_attempts=1, upload=("b.csv", b"z\n"))
    worker = _worker(factory, work)
    assert worker.run_pending() == 2
    assert {_job(factory, j).status for j in (fixed, left)} == {"dead"}
    broken = False
    with unit_of_work(factory) as session:
        queue.retry(session, fixed, by=admin)
    assert worker.run_pending() == 1
    assert _job(factory, fixed).status == "done"
    assert read[-1] == ("a.csv", b"x,y\n")
    with factory() as session:
        assert session.get(JobUpload, fixed) is None  # done: the file goes
    frozen_clock.advance(days=7, minutes=1)
    with unit_of_work(factory) as session:
        queue.purge_finished(session, scheduled_older_than=clock.now(), by=system("worker"))
    with unit_of_work(factory) as session:
        assert session.get(JobUpload, left) is None
        assert session.get(Job, left) is not None
        with pytest.raises(Conflict, match="file is gone"):
            queue.retry(session, left, by=admin)


def test_the_jobs_page_lists_every_job_and_runs_a_dead_one_again(
    app: Any,
    org: Organisation,
    factory: sessionmaker[Session],
    run_jobs: Callable[[], int],
) -> None:
    from console.conftest import csrf_of
    from quarterhour.demo.organisation import DEMO_PASSWORD

    with unit_of_work(factory) as session:
        job_id = queue.enqueue(
            session, kind="sla_sweep", params={}, by=system("test"), max_attempts=1
        )
        session.get_one(Job, job_id).status = "dead"
    admin = TestClient(app, follow_redirects=False)
    admin.post("/console/login", data={"username": "admin", "password": DEMO_PASSWORD})
    listed = admin.get("/console/jobs")
    assert listed.status_code == 200 and 'data-status="dead"' in listed.text
    assert "时限巡检" in listed.text
    page = admin.get(f"/console/jobs/{job_id}")
    assert 'id="job-retry"' in page.text
    again = admin.post(f"/console/jobs/{job_id}/retry", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 303
    assert _job(factory, job_id).status == "queued"
    assert run_jobs() == 1
    assert _job(factory, job_id).status == "done"
    dispatcher = TestClient(app, follow_redirects=False)
    dispatcher.post("/console/login", data={"username": "dispatcher", "password": DEMO_PASSWORD})
    assert dispatcher.get("/console/jobs").status_code == 403


def test_a_stopped_worker_closes_its_senders_threads_and_connections(
    factory: sessionmaker[Session],
) -> None:
    from quarterhour.config import Settings
    from quarterhour.entrypoints.shared.background import OutboxSender, make_worker

    settings = Settings(
        sms_gateway_url="http://127.0.0.1:9", sms_gateway_key="k", run_background_sweep=False
    )
    worker = make_worker(factory, settings, name="closing")
    [sender] = [work for work in worker.also if isinstance(work, OutboxSender)]
    assert sender.pool is not None
    worker.start()
    assert worker.stop(timeout=10)
    with pytest.raises(RuntimeError):  # shut down: takes no more work
        sender.pool.submit(lambda: None)
    sms = sender.channels["sms"]
    assert sms._client.is_closed  # type: ignore[attr-defined]
