"""Starting a long job, reporting its progress, reading where it stands, stopping it.

A job runs on a thread of the server process that was asked to start it; each step is reported
in a transaction of its own, so any page of any server process can show how far it got. The work
itself must be safe to run again (the bill run is idempotent): a job cut off by a crash is shown
as stalled, and whoever started it starts it again. When the server shuts down it asks its jobs
to stop at their next report and waits for them: a job never writes after its server has gone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import DomainError, NotFound, ValidationFailed
from quarterhour.jobs.models import Job
from quarterhour.kit import clock
from quarterhour.storage.engine import unit_of_work

log = logging.getLogger("quarterhour.jobs")

# A running job that has not reported for this long is taken to be cut off.
STALLED_AFTER = timedelta(minutes=10)


# What each job of this process is doing now. On SQLite the work's own transaction holds the
# only write lock while it runs, so between steps the message is kept here (pages served by this
# process show it) and written with the next finished step.
_live: dict[int, str] = {}


def live_message(job: Job) -> str | None:
    return _live.get(job.id, job.message) if job.status == "running" else job.message


class JobStopped(Exception):
    """Raised inside a job's work at its next report once its server asked it to stop."""


class Reporter:
    """What a job's work calls as it goes: a step done, and what it is doing now."""

    def __init__(
        self, factory: sessionmaker[Session], job_id: int, stopping: threading.Event
    ) -> None:
        self._factory = factory
        self._job_id = job_id
        self._stopping = stopping
        bind = factory.kw.get("bind")
        self._shared_lock = bind is not None and bind.dialect.name == "sqlite"

    def __call__(self, message: str, *, steps_done: int | None = None) -> None:
        # Raised inside the work's own transaction, which then rolls back: the step is undone
        # whole, and running the job again does it.
        if self._stopping.is_set():
            raise JobStopped
        _live[self._job_id] = message[:300]
        if self._shared_lock and steps_done is None:
            return
        with unit_of_work(self._factory) as session:
            job = session.get_one(Job, self._job_id)
            job.message = message[:300]
            if steps_done is not None:
                job.steps_done = steps_done
            job.heartbeat_at = clock.now()


Work = Callable[[Reporter], dict[str, Any]]


class Runner:
    """The jobs of one server process: each on a thread, all asked to stop when it stops."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(
        self,
        *,
        kind: str,
        params: dict[str, Any],
        steps_total: int,
        by: Actor,
        work: Work,
    ) -> int:
        """Record the job, then run `work` on a thread; its return value is the job's result."""
        require(by, permission_for(kind))
        if self._stopping.is_set():
            raise RuntimeError("the server is shutting down; no new jobs")
        now = clock.now()
        with unit_of_work(self._factory) as session:
            job = Job(
                kind=kind,
                params=params,
                status="running",
                steps_done=0,
                steps_total=steps_total,
                message=None,
                started_by_id=by.id,
                started_at=now,
                heartbeat_at=now,
                run_after=now,
                attempts=1,
                claimed_at=now,
            )
            session.add(job)
            session.flush()
            job_id = job.id
        thread = threading.Thread(
            target=self._run, args=(job_id, work), name=f"job-{job_id}", daemon=True
        )
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()
        return job_id

    def stop(self, timeout: float) -> list[str]:
        """Ask every running job to stop at its next report, and wait up to `timeout` seconds
        for them all. Returns the names of the threads still running (left as stalled)."""
        self._stopping.set()
        with self._lock:
            threads = list(self._threads)
        give_up_at = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, give_up_at - time.monotonic()))
        left = [t.name for t in threads if t.is_alive()]
        if left:
            log.warning("jobs still running at shutdown, to be shown as stalled: %s", left)
        return left

    def _run(self, job_id: int, work: Work) -> None:
        try:
            result = work(Reporter(self._factory, job_id, self._stopping))
        except JobStopped:
            _finish(self._factory, job_id, "stopped", error=STOPPED_SENTENCE)
        except DomainError as exc:  # a refusal the work explains itself
            _finish(self._factory, job_id, "failed", error=exc.message)
        except Exception:  # the details go to the log; the page says what to do
            log.exception("job %s failed", job_id)
            _finish(self._factory, job_id, "failed", error=FAILED_SENTENCE.format(job_id=job_id))
        else:
            _finish(self._factory, job_id, "done", result=result)


STOPPED_SENTENCE = "stopped when the server shut down; start it again (it is safe to rerun)"
FAILED_SENTENCE = (
    "the job failed unexpectedly; nothing of the unfinished step was kept. "
    "The server log has the details under job {job_id}."
)


def _finish(
    factory: sessionmaker[Session],
    job_id: int,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    _live.pop(job_id, None)
    with unit_of_work(factory) as session:
        job = session.get_one(Job, job_id)
        job.status = status
        job.result = result
        job.error = error
        job.finished_at = job.heartbeat_at = clock.now()
        if status == "done":
            job.steps_done = job.steps_total


# Who may start and watch each kind of job: what the job does.
_PERMISSION = {"import": Permission.IMPORT_RECORDS, "bill_run": Permission.RUN_BILLING}


def permission_for(kind: str) -> Permission:
    if kind not in _PERMISSION:
        raise ValidationFailed(f"unknown kind of job {kind!r}", field="kind")
    return _PERMISSION[kind]


def get(session: Session, job_id: int, *, by: Actor) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}", field="job_id")
    require(by, permission_for(job.kind))
    return job


def recent(session: Session, kind: str, *, by: Actor, limit: int = 10) -> list[Job]:
    require(by, permission_for(kind))
    return list(
        session.scalars(
            select(Job).where(Job.kind == kind).order_by(Job.started_at.desc()).limit(limit)
        )
    )


def is_stalled(job: Job) -> bool:
    return job.status == "running" and clock.now() - job.heartbeat_at > STALLED_AFTER
