"""A worker: claims due jobs one at a time and runs them, renews its lease while a job runs, and
enqueues the scheduled jobs whose slot has come. `quarterhour worker` runs one per process; the
embedded server (SQLite, the demo) runs one on a thread of its own.

Which kinds exist and what each does is the entrypoints' business (entrypoints/shared/
background.py hands the handlers in): this module knows only the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cronsim import CronSim
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.errors import Conflict, DomainError
from quarterhour.jobs import service as queue
from quarterhour.kit import clock
from quarterhour.storage.engine import unit_of_work

log = logging.getLogger("quarterhour.worker")


@dataclass(frozen=True)
class JobContext:
    """What a handler is given: the job, its reporter, and the session factory to work with."""

    job: queue.Claimed
    report: queue.Reporter
    factory: sessionmaker[Session]


Handler = Callable[[JobContext], dict[str, Any]]


@dataclass(frozen=True)
class Schedule:
    """A job enqueued at each slot of a cron expression (Asia/Shanghai): the deadline sweep every
    minute, the housekeeping at night. A slot missed while no worker ran is run once when one
    comes back (within `catch_up`), never once per missed slot."""

    name: str
    cron: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    catch_up: timedelta = timedelta(hours=1)

    def latest_slot(self, now: datetime) -> datetime:
        # cronsim's reverse iteration starts strictly before its start: a second later includes now.
        start = now.astimezone(clock.SHANGHAI).replace(microsecond=0) + timedelta(seconds=1)
        slot: datetime = next(CronSim(self.cron, start, reverse=True))
        return slot


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:48]


class Worker:
    """One worker: a loop over the queue, a heartbeat while a job runs, the schedules' slots."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        *,
        name: str | None = None,
        lease: timedelta = timedelta(minutes=2),
        poll_seconds: float = 1.0,
        schedules: Sequence[Schedule] = (),
        also: Sequence[Callable[[], int]] = (),
    ) -> None:
        self.factory = factory
        self.handlers = dict(handlers)
        self.name = (name or default_name())[:64]
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.schedules = list(schedules)
        # Other work a worker polls for beside its jobs (the outbox's sender), each on a thread of
        # its own so that a long job never holds the customers' messages back: each returns how
        # much it did, and polls again at once while it is busy.
        self.also = list(also)
        # What that work holds open (a sender's threads and connections), closed once the
        # worker has stopped.
        self.closing: list[Callable[[], None]] = []
        self._also_threads: list[threading.Thread] = []
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._scheduled_until: dict[str, datetime] = {}

    # -- one pass ------------------------------------------------------------------------------

    def run_once(self) -> bool:
        """Claim one due job and run it to its outcome; False when none was due."""
        job = queue.claim(self.factory, worker=self.name, lease=self.lease, kinds=self.handlers)
        if job is None:
            return False
        self._run(job)
        return True

    def run_pending(self, limit: int = 1000) -> int:
        """Every job due now, one after the other (tests and the command line's --once)."""
        ran = 0
        while ran < limit and self.run_once():
            ran += 1
        return ran

    def _run(self, job: queue.Claimed) -> None:
        reporter = queue.Reporter(
            self.factory, job.id, worker=self.name, lease=self.lease, stopping=self.stopping
        )
        beating = threading.Event()
        heart = threading.Thread(
            target=self._beat, args=(job.id, beating), name=f"heartbeat-{job.id}", daemon=True
        )
        heart.start()
        try:
            result = self.handlers[job.kind](JobContext(job, reporter, self.factory))
        except queue.JobStopped:
            queue.finish(self.factory, job, worker=self.name, status="release")
        except queue.LeaseLost:
            log.warning("job %s: lease lost to another worker; this attempt stops", job.id)
        except Conflict as exc:  # another run holds what it needs (a district's bills): later
            queue.finish(self.factory, job, worker=self.name, status="retry", error=exc.message)
        except DomainError as exc:  # a refusal the work explains itself: retrying will not help
            queue.finish(self.factory, job, worker=self.name, status="failed", error=exc.message)
        except Exception:  # the details go to the log; the page says what to do
            log.exception("job %s (%s) failed on attempt %d", job.id, job.kind, job.attempts)
            queue.finish(
                self.factory,
                job,
                worker=self.name,
                status="retry",
                error=queue.FAILED_SENTENCE.format(job_id=job.id),
            )
        else:
            queue.finish(self.factory, job, worker=self.name, status="done", result=result)
        finally:
            beating.set()
            heart.join(5)

    def _beat(self, job_id: int, done: threading.Event) -> None:
        """Renew the lease every third of it while the job runs, so a long step (one district's
        bills) never looks like a dead worker. On SQLite the job's own transaction may hold the
        write lock: a renewal that has to wait is simply tried again at the next beat."""
        while not done.wait(self.lease.total_seconds() / 3):
            try:
                if not queue.renew(self.factory, job_id, worker=self.name, lease=self.lease):
                    return
            except Exception:  # a busy database: the next beat tries again
                log.debug("job %s: heartbeat skipped", job_id, exc_info=True)

    # -- schedules -----------------------------------------------------------------------------

    def schedule_due(self) -> int:
        """Enqueue each schedule's latest slot unless some worker already did (its key is
        unique); returns how many this worker enqueued."""
        now = clock.now()
        made = 0
        for schedule in self.schedules:
            slot = schedule.latest_slot(now)
            if now - slot > schedule.catch_up or self._scheduled_until.get(schedule.name) == slot:
                continue
            key = f"{schedule.name}@{slot.isoformat(timespec='minutes')}"
            with unit_of_work(self.factory) as session:
                if queue.enqueue_scheduled(
                    session, kind=schedule.kind, params=schedule.params, schedule_key=key, at=slot
                ):
                    made += 1
            self._scheduled_until[schedule.name] = slot
        return made

    # -- the loop ------------------------------------------------------------------------------

    def serve(self) -> None:
        """Run until stop(): the schedules' slots and the jobs, waiting a poll when idle; the
        other work on threads of its own."""
        log.info("worker %s started: %s", self.name, ", ".join(sorted(self.handlers)))
        self._also_threads = [
            threading.Thread(target=self._poll, args=(work,), name=f"{self.name}-also-{i}")
            for i, work in enumerate(self.also)
        ]
        for thread in self._also_threads:
            thread.start()
        while not self.stopping.is_set():
            busy = False
            try:
                self.schedule_due()
                busy = self.run_once()
            except Exception:  # the database restarting: wait and try again, never die
                log.exception("worker %s: a pass failed; trying again", self.name)
            if not busy:
                self.stopping.wait(self.poll_seconds)
        for thread in self._also_threads:
            thread.join()
        for close in self.closing:
            try:
                close()
            except Exception:  # a connection that would not close cleanly: stopped all the same
                log.exception("worker %s: closing %s failed", self.name, close)
        log.info("worker %s stopped", self.name)

    def _poll(self, work: Callable[[], int]) -> None:
        while not self.stopping.is_set():
            try:
                busy = work() > 0
            except Exception:
                log.exception("worker %s: %s failed; trying again", self.name, work)
                busy = False
            if not busy:
                self.stopping.wait(self.poll_seconds)

    def start(self) -> None:
        """Serve on a thread of this process (the embedded server)."""
        self._thread = threading.Thread(target=self.serve, name=f"worker-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> bool:
        """Ask the worker to stop: its job stops at its next report (that step rolls back and
        the job goes back to the queue, not counted as an attempt). True once it has stopped."""
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True
