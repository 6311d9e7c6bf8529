"""Background jobs (a bill run, an import, the deadline sweep, a nightly report): what was asked,
when it may run, which worker holds it and until when, how far it got, and its outcome."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base

# queued: waiting for run_after (a new job, or a retry after its backoff); running: held by
# locked_by until locked_until (a lease its worker renews; an expired lease is a worker that
# died, and another takes the job over); done; failed: refused by the work itself (retrying
# would not help); dead: gave up after max_attempts; stopped: cut off by an older server that
# ran jobs on its own threads (kept for the rows it wrote); cancelled: withdrawn before it ran.
JOB_STATUSES = ("queued", "running", "done", "failed", "dead", "stopped", "cancelled")


class Job(Base):
    """A background job: its kind and parameters, its lease, its steps, message and outcome."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(
            "status in ('queued','running','done','failed','dead','stopped','cancelled')",
            name="status_known",
        ),
        # The workers' claim: the oldest due job first.
        Index("ix_job_due", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(9))
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(String(300))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # When it was asked for (enqueued).
    started_at: Mapped[datetime]
    # Moves with every step and with the worker's lease renewal.
    heartbeat_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    run_after: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None]
    # When the current (or last) attempt began.
    claimed_at: Mapped[datetime | None]
    # A scheduled run's name and slot ("sweep@2026-12-05T10:01"): two schedulers enqueue it once.
    schedule_key: Mapped[str | None] = mapped_column(String(120), unique=True)


class JobUpload(Base):
    """The file a job works on (an import), kept with the job so any worker on any machine can
    read it; deleted when the job is over."""

    __tablename__ = "job_upload"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
