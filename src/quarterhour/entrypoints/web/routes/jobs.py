"""Background jobs in the console: one job's page (its progress, attempts and outcome, followed
by itself while it waits or runs), and for administrators every job with a dead one run again or
a queued one cancelled."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from quarterhour.access.permissions import can
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.session import ConsoleDep
from quarterhour.jobs import service as jobs
from quarterhour.jobs.models import JOB_STATUSES
from quarterhour.kit.bounds import DbId

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    console: ConsoleDep,
    status: Annotated[str, Query(max_length=9)] = "",
) -> HTMLResponse:
    chosen = status if status in JOB_STATUSES else None
    return render.console_page(
        console,
        "console/jobs.html",
        jobs=jobs.listing(console.session, by=console.actor, status=chosen, limit=200),
        statuses=JOB_STATUSES,
        chosen=chosen or "",
        is_stalled=jobs.is_stalled,
    )


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: DbId, console: ConsoleDep) -> HTMLResponse:
    found = jobs.get(console.session, job_id, by=console.actor)
    return render.console_page(
        console,
        "console/job.html",
        job=found,
        stalled=jobs.is_stalled(found),
        message=jobs.live_message(found),
        may_manage=can(console.actor, jobs.permission_for(found.kind)),
    )


@router.post("/jobs/{job_id}/retry")
def retry_job(job_id: DbId, console: ConsoleDep) -> RedirectResponse:
    jobs.retry(console.session, job_id, by=console.actor)
    console.session.commit()
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)


@router.post("/jobs/{job_id}/cancel")
def cancel_job(job_id: DbId, console: ConsoleDep) -> RedirectResponse:
    jobs.cancel(console.session, job_id, by=console.actor)
    console.session.commit()
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)
