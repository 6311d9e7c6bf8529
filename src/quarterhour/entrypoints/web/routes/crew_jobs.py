"""The crew's phone page (/console/crew): its open jobs with the address, the contact, a map link
(a geo: URI — the phone's own map app, no web map service) and one big button for the next step
(接单, 出发, 到场, 恢复供电), the time it happened (now, unless typed) and the phone's position
(filled in by /static/crew.js where the phone gives it; the page works without it).

And the dispatcher's 派抢修班组 form, on a fault repair's page and on an outage's page: the
suggested crew chosen already with the reason, the other crews on duty listable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.permissions import Permission, can
from quarterhour.crews import jobs
from quarterhour.crews import service as crews
from quarterhour.crews.models import CrewStatus
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.session import Console, ConsoleDep, back_to_the_form
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, IllegalTransition, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.kit.bounds import DbId
from quarterhour.workorders import crew_jobs

router = APIRouter(include_in_schema=False)

# What one form field may hold: a time typed as 2026-12-01T08:30, a coordinate as a decimal.
_FIELD_LENGTH = 32


def _phone_page(
    console: Console,
    *,
    error: Refusal | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    crew, open_jobs = crew_jobs.phone_jobs(console.session, by=console.actor)
    return render.console_page(
        console,
        "console/crew_phone.html",
        status_code=status_code,
        crew=crew,
        jobs=open_jobs,
        error=error,
        typed=typed or {},
        done=console.request.query_params.get("done"),
    )


@router.get("/console/crew", response_class=HTMLResponse)
def phone(console: ConsoleDep) -> HTMLResponse:
    return _phone_page(console)


def _typed_time(text: str) -> datetime | None:
    if not text.strip():
        return None
    try:
        # A time typed on the phone is the crew's own, in Shanghai.
        at = datetime.fromisoformat(bounds.check_text(text, field="at"))
    except ValueError:
        raise ValidationFailed("at: a time like 2026-12-01T08:30", field="at") from None
    return at.replace(tzinfo=clock.SHANGHAI) if at.tzinfo is None else at


def _coordinate(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(bounds.check_text(text, field=field))
    except ValueError:
        raise ValidationFailed(f"{field}: a number of degrees", field=field) from None


@router.post("/console/crew/jobs/{job_id}/steps", response_model=None)
async def take_step(job_id: DbId, request: Request, console: ConsoleDep) -> Response:
    form = await request.form()
    typed = {
        name: str(form.get(name, ""))[:_FIELD_LENGTH]
        for name in ("step", "at", "latitude", "longitude", "version")
    }
    typed["job_id"] = str(job_id)
    return await run_in_threadpool(_take_step, console, job_id, typed)


def _take_step(console: Console, job_id: int, typed: dict[str, str]) -> Response:
    try:
        version = (
            bounds.whole_number(typed["version"], field="version", low=1)
            if typed["version"].strip()
            else None
        )
        crew_jobs.take_job_step(
            console.session,
            job_id,
            typed["step"],
            by=console.actor,
            settings=console.settings,
            at=_typed_time(typed["at"]),
            latitude=_coordinate(typed["latitude"], "latitude"),
            longitude=_coordinate(typed["longitude"], "longitude"),
            version=version,
        )
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        t = Words(console.lang)
        if isinstance(exc, IllegalTransition):
            # The page was older than the job (another phone of the crew, a second tap): said
            # in the page's own words for the steps.
            allowed = (", " if t.en else "、").join(
                t(f"job_step_{s}") for s in exc.details["allowed_actions"]
            ) or t("job_nothing_next")
            moved = t("job_moved", step=t(f"job_step_{exc.details['state']}"), allowed=allowed)
            error = Refusal(moved, moved, f"step-{job_id}")
        else:
            error = t.refusal(exc, lambda field: f"{field}-{job_id}")
        return _phone_page(console, error=error, typed=typed, status_code=exc.status_code)
    return RedirectResponse(f"/console/crew?done={typed['step']}#job-{job_id}", status_code=303)


# --- the dispatcher's form ----------------------------------------------------------------------


def dispatch_panel(
    console: Console, *, order_id: int | None = None, outage_id: int | None = None
) -> dict[str, Any] | None:
    """What the 派抢修班组 form shows: the suggestion, the crews that may go (not off duty, the
    suggestion first), and the jobs so far with their steps; the jobs alone once no crew is
    sent any more (restored, closed, linked to an outage); None for whoever does not send
    crews. Called by the order's and the outage's pages."""
    actor = console.actor
    if not (can(actor, Permission.DISPATCH_CREWS) and can(actor, Permission.VIEW_CREWS)):
        return None
    session = console.session
    suggestion: crews.Suggestion | None
    try:
        if order_id is not None:
            suggestion = crew_jobs.suggest_for_order(session, order_id, by=actor)
        else:
            assert outage_id is not None
            suggestion = crew_jobs.suggest_for_outage(session, outage_id, by=actor)
    except DomainError:
        suggestion = None  # not work a crew is sent to now
    if order_id is not None:
        sent = jobs.jobs_for_order(session, order_id, by=actor)
        action = f"/console/orders/{order_id}/crew"
    else:
        assert outage_id is not None
        sent = jobs.jobs_for_outage(session, outage_id, by=actor)
        action = f"/console/outages/{outage_id}/crew"
    if suggestion is None and not sent:
        return None
    views = []
    if suggestion is not None:
        views = [
            v for v in crews.list_crews(session, by=actor) if v.crew.status != CrewStatus.OFF_DUTY
        ]
        chosen = suggestion.crew.id if suggestion.crew is not None else None
        views.sort(key=lambda v: (v.crew.id != chosen, v.district_id or 0, v.crew.code))
    return {
        "action": action,
        "suggestion": suggestion,
        "explanation": suggestion.explanation(console.lang) if suggestion else "",
        "crews": views,
        "jobs": sent,
        "sent_now": console.request.query_params.get("crew_sent") == "1",
    }


@router.post("/console/orders/{order_id}/crew", response_model=None)
async def send_order(order_id: DbId, request: Request, console: ConsoleDep) -> Response:
    form = await request.form()
    crew_id = str(form.get("crew_id", ""))[:_FIELD_LENGTH]
    return await run_in_threadpool(_send, console, crew_id, order_id, None)


@router.post("/console/outages/{outage_id}/crew", response_model=None)
async def send_outage(outage_id: DbId, request: Request, console: ConsoleDep) -> Response:
    form = await request.form()
    crew_id = str(form.get("crew_id", ""))[:_FIELD_LENGTH]
    return await run_in_threadpool(_send, console, crew_id, None, outage_id)


def _send(
    console: Console, crew_text: str, order_id: int | None, outage_id: int | None
) -> Response:
    back = (
        f"/console/orders/{order_id}" if order_id is not None else f"/console/outages/{outage_id}"
    )
    try:
        crew_id = (
            bounds.whole_number(crew_text, field="crew_id", low=1) if crew_text.strip() else None
        )
        if order_id is not None:
            crew_jobs.send_order_to_crew(
                console.session,
                order_id,
                by=console.actor,
                settings=console.settings,
                crew_id=crew_id,
            )
        else:
            assert outage_id is not None
            crew_jobs.send_outage_to_crew(
                console.session, outage_id, by=console.actor, crew_id=crew_id
            )
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        message = Words(console.lang).message(exc)
        return render.console_page(
            console,
            "console/crew_refused.html",
            status_code=exc.status_code,
            message=message,
            back=back,
        )
    return RedirectResponse(f"{back}?crew_sent=1#crew-dispatch", status_code=303)
