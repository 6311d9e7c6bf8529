"""The background jobs the product runs, and the schedules that start some of them: what each
kind of job does (the handlers a worker is given), and how a worker is built from the settings.

The web process only enqueues (the console's bill run and imports); `quarterhour worker` runs
them, and so does the worker the embedded server starts on a thread of its own (SQLite, the demo).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.access.actor import Actor, system
from quarterhour.billing import bill_run, customer_notices, payment_import
from quarterhour.config import Settings
from quarterhour.customers import reading_import, register_import
from quarterhour.errors import DomainError
from quarterhour.jobs import service as queue
from quarterhour.jobs.worker import Handler, JobContext, Schedule, Worker
from quarterhour.kit import clock
from quarterhour.notifications import sending
from quarterhour.notifications.channels import channels_from_settings
from quarterhour.organisation.models import Staff
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.outages import network_import
from quarterhour.records.imports import Importer
from quarterhour.storage.engine import unit_of_work
from quarterhour.workorders import sla

log = logging.getLogger("quarterhour.worker")

PROBLEMS_KEPT = 5_000  # on the job's page and in its rejects file
IMPORTERS: dict[str, Importer] = {
    "customers": register_import.import_customers,
    "meters": register_import.import_meters,
    "readings": reading_import.import_readings,
    "payments": payment_import.import_payments,
    "feeders": network_import.import_feeders,
    "transformers": network_import.import_transformers,
    "supply": network_import.import_supply,
}
SWEEP_LOCK_KEY = 7_401_1996  # pg advisory lock: one sweep at a time, whoever runs it


def _actor(session: Session, staff_id: int | None) -> Actor:
    """Who the job works for: whoever asked for it (the checks are his), or the system."""
    if staff_id is None:
        return system("worker")
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.is_active:
        raise DomainError("the job's owner is no longer an active member of staff")
    return actor_of(staff)


def run_import(context: JobContext) -> dict[str, Any]:
    params = context.job.params
    importer = IMPORTERS[str(params["what"])]
    with context.factory() as session:
        name, data = queue.read_upload(session, context.job.id)
        actor = _actor(session, context.job.started_by_id)
    context.report(f"{name}: checking and writing")
    try:
        with unit_of_work(context.factory) as session:
            outcome = importer(
                session, data, file_name=name, strict=bool(params.get("strict")), by=actor
            )
    except DomainError as exc:  # a strict import refused whole: nothing was written
        return {"refused": exc.message, "problems": exc.details.get("problems", [])[:200]}
    problems = outcome.problems[:PROBLEMS_KEPT]
    return {
        "rows": outcome.rows,
        "accepted": outcome.accepted,
        "rejected": outcome.rejected,
        "unchanged": outcome.unchanged,
        "already_imported": outcome.already_imported,
        "batch_id": outcome.batch_id,
        "columns": list(problems[0].values) if problems else [],
        "problems": [
            {"row": p.row, "field": p.field, "message": p.message, "values": p.values}
            for p in problems
        ],
    }


def bill_run_handler(settings: Settings) -> Handler:
    def run_bills(context: JobContext) -> dict[str, Any]:
        params = context.job.params
        month = date.fromisoformat(f"{params['period']}-01")
        districts = [(int(d), str(n)) for d, n in params["districts"]]
        with context.factory() as session:
            actor = _actor(session, context.job.started_by_id)

        def step(index: int, name: str, message: str) -> None:
            context.report(
                f"{name}: {message}", steps_done=index + 1 if message == "done" else None
            )

        runs = bill_run.run_districts(
            context.factory,
            month,
            settings=settings,
            districts=districts,
            by=actor,
            on_step=step,
        )
        # 账单通知, once per bill (its dedupe key): a rerun after a crash tells nobody twice.
        for district_id, _name in districts:
            with unit_of_work(context.factory) as session:
                customer_notices.bill_ready(session, month, district_id=district_id, by=actor)
        return {
            "districts": [
                {
                    "name": r.name,
                    "accounts": r.report.accounts,
                    "created": r.report.created,
                    "replaced": r.report.replaced,
                    "unchanged": r.report.unchanged,
                    "held": r.report.held,
                    "amount": str(r.report.amount),
                }
                for r in runs
            ]
        }

    return run_bills


def run_sweep(context: JobContext) -> dict[str, Any]:
    """The deadline sweep: warnings, escalations (workorders/sla.py). Whoever else sweeps at the
    same moment on PostgreSQL (an operator's `quarterhour sla sweep`) makes this one skip."""
    with unit_of_work(context.factory) as session:
        if session.get_bind().dialect.name == "postgresql" and not session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK_KEY}
        ):
            return {"skipped": "another sweep was running"}
        report = sla.sweep(session, by=system("sweep"))
    if report.warned or report.escalated:
        log.info("sweep: %d warned, %d escalated", report.warned, report.escalated)
    return {"warned": report.warned, "escalated": report.escalated}


def arrears_handler(settings: Settings) -> Handler:
    def run_arrears(context: JobContext) -> dict[str, Any]:
        with unit_of_work(context.factory) as session:
            told = customer_notices.arrears_notices(
                session,
                today=clock.now().date(),
                disconnect_after_days=settings.disconnection_after_days,
                notice_days=settings.disconnection_notice_days,
                settings=settings,
                by=system("worker"),
            )
        return {"reminded": told.reminded, "warned": told.warned}

    return run_arrears


def run_housekeeping(context: JobContext) -> dict[str, Any]:
    with unit_of_work(context.factory) as session:
        purged = queue.purge_finished(
            session, scheduled_older_than=clock.now() - timedelta(days=7), by=system("worker")
        )
    return {"purged_jobs": purged}


def handlers(settings: Settings) -> dict[str, Handler]:
    return {
        "import": run_import,
        "bill_run": bill_run_handler(settings),
        "sla_sweep": run_sweep,
        "housekeeping": run_housekeeping,
        "arrears_notices": arrears_handler(settings),
    }


def schedules(settings: Settings) -> list[Schedule]:
    if not settings.run_background_sweep:
        return []
    return [
        Schedule("sla_sweep", settings.sweep_cron, "sla_sweep", catch_up=timedelta(minutes=5)),
        Schedule("housekeeping", "30 3 * * *", "housekeeping", catch_up=timedelta(hours=20)),
        # Not at night: a reminder is sent when the customer can act on it.
        Schedule("arrears_notices", "0 9 * * *", "arrears_notices", catch_up=timedelta(hours=8)),
    ]


def make_worker(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    name: str | None = None,
    send_messages: bool = True,
) -> Worker:
    """A worker with every kind of job and the schedules; with `send_messages`, it also sends
    the outbox's messages through the channels the settings configure."""
    worker = Worker(
        factory,
        handlers(settings),
        name=name,
        lease=timedelta(seconds=settings.job_lease_seconds),
        poll_seconds=settings.worker_poll_seconds,
        schedules=schedules(settings),
    )
    if send_messages:
        sender = OutboxSender(factory, settings, worker=worker.name)
        worker.also.append(sender)
        worker.closing.append(sender.close)
    return worker


class OutboxSender:
    """One round of the outbox's sender (notifications/sending.py) each call: due messages
    claimed with a lease, sent through the configured channels (SMS and webhooks on a pool of
    threads for the worker's life), outcomes recorded. `close` ends the pool and the channels'
    connections once the worker has stopped."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings, *, worker: str):
        self.factory, self.settings, self.worker = factory, settings, worker
        self.channels = channels_from_settings(settings)
        self.pool = (
            ThreadPoolExecutor(settings.sender_concurrency, thread_name_prefix=f"{worker}-outbox")
            if settings.sender_concurrency > 1
            else None
        )

    def __call__(self) -> int:
        return sending.send_due(
            self.factory, self.channels, worker=self.worker, settings=self.settings, pool=self.pool
        )

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
        for channel in self.channels.values():
            channel.close()
