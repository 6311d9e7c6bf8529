"""`quarterhour worker`: the processes that run the background jobs (bill runs, imports, the
deadline sweep and the other schedules), and `quarterhour jobs`: what is queued, running, dead."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from types import FrameType

import typer
from rich.table import Table
from sqlalchemy import func, select

from quarterhour.access.actor import system
from quarterhour.config import Settings
from quarterhour.entrypoints.cli.common import console, transaction
from quarterhour.entrypoints.shared import background
from quarterhour.jobs import service as queue
from quarterhour.jobs.models import Job
from quarterhour.kit.masking import install_log_masking
from quarterhour.storage.engine import make_engine, make_session_factory

jobs_app = typer.Typer(help="Background jobs: the queue, retry a dead job.", no_args_is_help=True)


def _serve_one(name: str | None, once: bool) -> int:
    """One worker in this process until SIGTERM or SIGINT (or, with --once, until the queue is
    empty): its running job stops at its next report and goes back to the queue."""
    logging.basicConfig(
        level=os.environ.get("QUARTERHOUR_LOG_LEVEL", "info").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_masking()
    settings = Settings.from_env()
    engine = make_engine(settings)
    worker = background.make_worker(make_session_factory(engine), settings, name=name)
    try:
        if once:
            worker.schedule_due()
            return worker.run_pending()

        def stop(signum: int, _frame: FrameType | None) -> None:
            worker.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker.serve()
        return 0
    finally:
        engine.dispose()


def _child(index: int, name: str | None) -> None:
    _serve_one(f"{name}-{index}" if name else None, once=False)


def worker(
    processes: int = typer.Option(1, min=1, max=64, help="worker processes to run"),
    name: str | None = typer.Option(None, help="the worker's name (default host:pid)"),
    once: bool = typer.Option(
        False, "--once", help="run the jobs due now, then exit (cron, a quick check)"
    ),
) -> None:
    """Run background jobs from the queue on the configured database, until stopped."""
    if once:
        ran = _serve_one(name, once=True)
        console.print(f"{ran} jobs run")
        return
    if processes == 1:
        _serve_one(name, once=False)
        return
    # Each child builds its own engine: connections never cross a fork.
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_child, args=(i, name), name=f"quarterhour-worker-{i}")
        for i in range(processes)
    ]
    for child in children:
        child.start()

    def stop(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.pid is not None and child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.join()


@jobs_app.command("list")
def list_jobs(
    status: str | None = typer.Option(None, help="only jobs in this state"),
    limit: int = typer.Option(30, min=1, max=1000),
) -> None:
    """The latest jobs with their state, attempts and worker, and the queue's counts."""
    with transaction() as session:
        found = queue.listing(session, by=system("cli"), status=status, limit=limit)
        counts = dict(
            session.execute(select(Job.status, func.count()).group_by(Job.status)).tuples().all()
        )
    table = Table("id", "kind", "status", "attempts", "asked", "finished", "worker")
    for job in found:
        table.add_row(
            str(job.id),
            job.kind + (" (scheduled)" if job.schedule_key else ""),
            "stalled" if queue.is_stalled(job) else job.status,
            f"{job.attempts}/{job.max_attempts}",
            f"{job.started_at:%Y-%m-%d %H:%M:%S}",
            f"{job.finished_at:%Y-%m-%d %H:%M:%S}" if job.finished_at else "",
            job.locked_by or "",
        )
    console.print(table)
    console.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no jobs")


@jobs_app.command("retry")
def retry_job(job_id: int) -> None:
    """Queue a dead, failed or stopped job again."""
    with transaction() as session:
        job = queue.retry(session, job_id, by=system("cli"))
        console.print(f"job {job.id} ({job.kind}) queued again")
