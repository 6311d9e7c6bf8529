"""Background jobs (bill runs, imports, the scheduled sweep, housekeeping and arrears notices):
every job for administrators, one job for whoever may start its kind, and a dead one run again
or a queued one withdrawn — what the console's 后台任务 page does, for monitoring and scripts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.jobs import service as queue
from quarterhour.jobs.models import Job
from quarterhour.kit.bounds import DbId

router = APIRouter(tags=["jobs"], responses=SIGNED_IN | REFUSED)

Status = Literal["queued", "running", "done", "failed", "dead", "stopped", "cancelled"]
Kind = Literal["import", "bill_run", "sla_sweep", "housekeeping", "arrears_notices"]


class JobOut(BaseModel):
    id: int
    kind: Kind
    status: Status
    stalled: bool = Field(description="running, but its worker's lease ran out (it died)")
    scheduled: bool = Field(description="started by a schedule, not by a person")
    started_by_id: int | None
    steps_done: int
    steps_total: int
    message: str | None = Field(description="what it is doing now, as it last reported")
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    max_attempts: int
    started_at: datetime
    run_after: datetime = Field(description="when a queued job may run (its retry's pause)")
    finished_at: datetime | None
    worker: str | None = Field(description="the worker that holds it while it runs")


def _out(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        stalled=queue.is_stalled(job),
        scheduled=job.schedule_key is not None,
        started_by_id=job.started_by_id,
        steps_done=job.steps_done,
        steps_total=job.steps_total,
        message=queue.live_message(job),
        result=job.result,
        error=job.error,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        started_at=job.started_at,
        run_after=job.run_after,
        finished_at=job.finished_at,
        worker=job.locked_by,
    )


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(
    ctx: CtxDep,
    status: Annotated[Status | None, Query()] = None,
    kind: Annotated[Kind | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[JobOut]:
    """Every job, newest first (administrators)."""
    found = queue.listing(ctx.session, by=ctx.actor, status=status, kind=kind, limit=limit)
    return [_out(job) for job in found]


@router.get("/jobs/{job_id}", response_model=JobOut, responses=answers(404))
def get_job(job_id: DbId, ctx: CtxDep) -> JobOut:
    """One job, for whoever may start its kind (a bill run: billing; an import: importers)."""
    return _out(queue.get(ctx.session, job_id, by=ctx.actor))


@router.post("/jobs/{job_id}/retry", response_model=JobOut, responses=answers(404, 409))
def retry_job(job_id: DbId, ctx: CtxDep) -> JobOut:
    """A dead, failed or stopped job queued again with its attempts renewed (an import with its
    file, kept a week after it ended); 409 for a job in another state or a file gone."""
    job = queue.retry(ctx.session, job_id, by=ctx.actor)
    ctx.session.commit()
    return _out(job)


@router.post("/jobs/{job_id}/cancel", response_model=JobOut, responses=answers(404, 409))
def cancel_job(job_id: DbId, ctx: CtxDep) -> JobOut:
    """A queued job withdrawn before a worker takes it; 409 once it runs or ended."""
    job = queue.cancel(ctx.session, job_id, by=ctx.actor)
    ctx.session.commit()
    return _out(job)
