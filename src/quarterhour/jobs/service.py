"""The job queue: enqueueing a job in the caller's transaction, a worker claiming the oldest due
one with a lease, reporting its progress (which renews the lease), and its outcome — done, failed
(refused by the work itself), retried with backoff, or dead after its last attempt.

The queue is a table of the product's own database, so a job is enqueued in the same transaction
as whatever asked for it, on SQLite as on PostgreSQL. A worker holds a job for a lease that its
reports and its heartbeat renew; a worker that dies (kill -9, a lost machine) stops renewing, and
once the lease has run out another worker claims the job again. The work must therefore be safe to
run again (the bill run and the imports are idempotent), and every write a worker makes about its
job is guarded by `locked_by`, so a worker that lost its lease cannot overwrite the new holder.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.jobs.models import Job, JobUpload
from quarterhour.kit import clock
from quarterhour.kit.backoff import backoff
from quarterhour.storage.engine import unit_of_work

log = logging.getLogger("quarterhour.jobs")

# Who may start and watch each kind of job: what the job does. The scheduled kinds are the
# system's (the worker's scheduler enqueues them); administrators watch them on the jobs page.
_PERMISSION = {
    "import": Permission.IMPORT_RECORDS,
    "bill_run": Permission.RUN_BILLING,
    "sla_sweep": Permission.RUN_SWEEP,
    "housekeeping": Permission.MANAGE_JOBS,
    "arrears_notices": Permission.RUN_BILLING,
}
KINDS = tuple(_PERMISSION)
# How long the file of an import that did not succeed is kept for it to be run again.
UPLOAD_KEPT = timedelta(days=7)


def permission_for(kind: str) -> Permission:
    if kind not in _PERMISSION:
        raise ValidationFailed(f"unknown kind of job {kind!r}", field="kind")
    return _PERMISSION[kind]


# --- enqueueing -------------------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    kind: str,
    params: dict[str, Any],
    by: Actor,
    steps_total: int = 0,
    run_after: datetime | None = None,
    max_attempts: int = 5,
    upload: tuple[str, bytes] | None = None,
) -> int:
    """Record a job for the workers, in the caller's transaction; it runs once that commits.
    `upload` is the file an import works on (name, bytes), kept with the job."""
    require(by, permission_for(kind))
    now = clock.now()
    job = Job(
        kind=kind,
        params=params,
        status="queued",
        steps_done=0,
        steps_total=steps_total,
        message=None,
        started_by_id=by.id,
        started_at=now,
        heartbeat_at=now,
        run_after=run_after or now,
        attempts=0,
        max_attempts=max_attempts,
    )
    session.add(job)
    session.flush()
    if upload is not None:
        session.add(JobUpload(job_id=job.id, file_name=upload[0][:255], data=upload[1]))
        session.flush()
    return job.id


def enqueue_scheduled(
    session: Session, *, kind: str, params: dict[str, Any], schedule_key: str, at: datetime
) -> bool:
    """A scheduled run, once per slot whichever scheduler asks first: False when the slot's job
    already exists (its schedule_key is unique). Runs in a transaction of its own (a SAVEPOINT),
    so a slot another scheduler took does not roll back the caller's."""
    known = session.scalar(select(Job.id).where(Job.schedule_key == schedule_key))
    if known is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                Job(
                    kind=kind,
                    params=params,
                    status="queued",
                    steps_done=0,
                    steps_total=0,
                    started_by_id=None,
                    started_at=at,
                    heartbeat_at=at,
                    run_after=at,
                    attempts=0,
                    max_attempts=1,  # the next slot is the retry
                    schedule_key=schedule_key,
                )
            )
    except IntegrityError:  # another scheduler's insert won the unique key meanwhile
        return False
    return True


# --- a worker's side --------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A job a worker holds: what to run, with what, for whom, and which attempt this is."""

    id: int
    kind: str
    params: dict[str, Any]
    started_by_id: int | None
    attempts: int
    max_attempts: int
    steps_total: int


def claim(
    factory: sessionmaker[Session],
    *,
    worker: str,
    lease: timedelta,
    kinds: Collection[str] | None = None,
) -> Claimed | None:
    """The oldest due job, now held by `worker` for `lease`: a queued job whose time has come, or a
    running one whose worker's lease ran out (it died) and that has attempts left. One UPDATE:
    on PostgreSQL its row is picked FOR UPDATE SKIP LOCKED, so workers claiming at once take
    different jobs; SQLite's single writer serialises the claims."""
    now = clock.now()
    due = or_(
        and_(Job.status == "queued", Job.run_after <= now),
        and_(
            Job.status == "running",
            Job.locked_until < now,
            Job.attempts < Job.max_attempts,
        ),
    )
    pick = select(Job.id).where(due)
    if kinds is not None:
        pick = pick.where(Job.kind.in_(list(kinds)))
    pick = pick.order_by(Job.run_after, Job.id).limit(1).with_for_update(skip_locked=True)
    with unit_of_work(factory) as session:
        _bury_the_dead(session, now)
        row = session.execute(
            update(Job)
            .where(Job.id == pick.scalar_subquery())
            .values(
                status="running",
                locked_by=worker,
                locked_until=now + lease,
                attempts=Job.attempts + 1,
                claimed_at=now,
                heartbeat_at=now,
            )
            .returning(
                Job.id,
                Job.kind,
                Job.params,
                Job.started_by_id,
                Job.attempts,
                Job.max_attempts,
                Job.steps_total,
            )
            .execution_options(synchronize_session=False)
        ).one_or_none()
    if row is None:
        return None
    return Claimed(*row)


def _bury_the_dead(session: Session, now: datetime) -> None:
    """A job whose worker died on its last attempt is dead: nobody will claim it again."""
    session.execute(
        update(Job)
        .where(
            Job.status == "running",
            Job.locked_until < now,
            Job.attempts >= Job.max_attempts,
        )
        .values(
            status="dead",
            error=DIED_SENTENCE,
            finished_at=now,
            locked_by=None,
            locked_until=None,
        )
        .execution_options(synchronize_session=False)
    )


class LeaseLost(Exception):
    """Raised inside a job's work when its worker no longer holds it (the lease ran out and another
    worker took it): this worker stops, and its unfinished step rolls back."""


class JobStopped(Exception):
    """Raised inside a job's work at its next report once its worker was asked to stop."""


# What each job of this process is doing now. On SQLite the work's own transaction holds the
# only write lock while it runs, so between steps the message is kept here (pages served by this
# process show it) and written with the next finished step.
_live: dict[int, str] = {}


def live_message(job: Job) -> str | None:
    return _live.get(job.id, job.message) if job.status == "running" else job.message


class Reporter:
    """What a job's work calls as it goes: a step done, and what it is doing now. Each report with
    a step renews the lease; a report after the worker lost its lease or was asked to stop
    raises, inside the work's own transaction, which then rolls back whole."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        job_id: int,
        *,
        worker: str,
        lease: timedelta,
        stopping: threading.Event,
    ) -> None:
        self._factory = factory
        self.job_id = job_id
        self._worker = worker
        self._lease = lease
        self._stopping = stopping
        bind = factory.kw.get("bind")
        self._shared_lock = bind is not None and bind.dialect.name == "sqlite"

    def __call__(self, message: str, *, steps_done: int | None = None) -> None:
        if self._stopping.is_set():
            raise JobStopped
        _live[self.job_id] = message[:300]
        if self._shared_lock and steps_done is None:
            return
        values: dict[str, Any] = {"message": message[:300]}
        if steps_done is not None:
            values["steps_done"] = steps_done
        if not renew(self._factory, self.job_id, worker=self._worker, lease=self._lease, **values):
            raise LeaseLost


def renew(
    factory: sessionmaker[Session],
    job_id: int,
    *,
    worker: str,
    lease: timedelta,
    **values: Any,
) -> bool:
    """Extend `worker`'s lease on the job (and write `values`); False when it no longer holds it."""
    now = clock.now()
    with unit_of_work(factory) as session:
        done = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.locked_by == worker, Job.status == "running")
            .values(heartbeat_at=now, locked_until=now + lease, **values)
            .execution_options(synchronize_session=False)
        )
    return bool(getattr(done, "rowcount", 0))


def finish(
    factory: sessionmaker[Session],
    job: Claimed,
    *,
    worker: str,
    status: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> bool:
    """The attempt's outcome, written only if `worker` still holds the job. `status` "retry"
    queues it again after its backoff, or buries it when that was its last attempt."""
    _live.pop(job.id, None)
    now = clock.now()
    values: dict[str, Any] = {"locked_by": None, "locked_until": None, "heartbeat_at": now}
    if status == "retry":
        if job.attempts >= job.max_attempts:
            values.update(status="dead", error=error, finished_at=now)
        else:
            values.update(status="queued", error=error, run_after=now + backoff(job.attempts))
    elif status == "release":  # the worker stopped before the job did: not an attempt
        values.update(status="queued", attempts=Job.attempts - 1, run_after=now)
    else:
        values.update(status=status, result=result, error=error, finished_at=now)
        if status == "done":
            values["steps_done"] = Job.steps_total
    with unit_of_work(factory) as session:
        done = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.locked_by == worker, Job.status == "running")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if status == "done":
            # A failed or dead import keeps its file, to be run again from its page once the
            # cause is mended (housekeeping drops it after UPLOAD_KEPT).
            session.execute(delete(JobUpload).where(JobUpload.job_id == job.id))
    return bool(getattr(done, "rowcount", 0))


def read_upload(session: Session, job_id: int) -> tuple[str, bytes]:
    upload = session.get(JobUpload, job_id)
    if upload is None:
        raise NotFound(f"job {job_id} has no file", field="job_id")
    return upload.file_name, upload.data


DIED_SENTENCE = (
    "the worker running this job stopped answering on its last attempt; "
    "start it again (it is safe to rerun)"
)
STOPPED_SENTENCE = "stopped when the server shut down; start it again (it is safe to rerun)"
FAILED_SENTENCE = (
    "the job failed unexpectedly; nothing of the unfinished step was kept. "
    "The server log has the details under job {job_id}."
)


# --- reading and managing jobs ----------------------------------------------------------------


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


def listing(
    session: Session,
    *,
    by: Actor,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> list[Job]:
    """Every kind of job, newest first (administrators: the jobs page and the API)."""
    require(by, Permission.MANAGE_JOBS)
    query = select(Job).order_by(Job.started_at.desc(), Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    if kind:
        query = query.where(Job.kind == kind)
    return list(session.scalars(query))


def retry(session: Session, job_id: int, *, by: Actor) -> Job:
    """A dead or failed job queued again with its attempts renewed; an import with its file,
    kept for UPLOAD_KEPT after it ended (after that it is imported again from its page)."""
    job = get(session, job_id, by=by)
    if job.status not in {"dead", "failed", "stopped"}:
        raise Conflict(
            f"job {job_id} is {job.status}; only a dead, failed or stopped job is retried"
        )
    if job.kind == "import" and session.get(JobUpload, job_id) is None:
        raise Conflict(f"job {job_id}'s file is gone; import the file again")
    now = clock.now()
    job.status, job.attempts, job.run_after = "queued", 0, now
    job.error = job.finished_at = None
    job.schedule_key = None
    session.flush()
    return job


def cancel(session: Session, job_id: int, *, by: Actor) -> Job:
    """A job withdrawn before a worker took it."""
    job = get(session, job_id, by=by)
    guarded = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="cancelled", finished_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if not getattr(guarded, "rowcount", 0):
        raise Conflict(f"job {job_id} is {job.status}; only a queued job is cancelled")
    session.execute(delete(JobUpload).where(JobUpload.job_id == job_id))
    session.refresh(job)
    return job


def is_stalled(job: Job) -> bool:
    """Running, but its worker's lease ran out: the worker died, and another will take it over
    (or bury it, after its last attempt)."""
    return (
        job.status == "running" and job.locked_until is not None and job.locked_until < clock.now()
    )


def purge_finished(session: Session, *, scheduled_older_than: datetime, by: Actor) -> int:
    """Scheduled runs that went well, once older than the cut-off: a sweep a minute is 1,440 rows
    a day. Failed and dead runs, and every job somebody started, are kept; the files of imports
    that ended without success UPLOAD_KEPT ago are dropped (the job stays, its file does not)."""
    require(by, Permission.MANAGE_JOBS)
    session.execute(
        delete(JobUpload)
        .where(
            JobUpload.job_id.in_(
                select(Job.id).where(
                    Job.status.in_(("dead", "failed", "stopped")),
                    Job.finished_at < clock.now() - UPLOAD_KEPT,
                )
            )
        )
        .execution_options(synchronize_session=False)
    )
    gone = session.execute(
        delete(Job)
        .where(
            Job.schedule_key.is_not(None),
            Job.status == "done",
            Job.finished_at < scheduled_older_than,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(gone, "rowcount", 0) or 0)
