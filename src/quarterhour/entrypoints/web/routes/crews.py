"""The repair crews for the dispatchers and administrators: each crew's status (and the moves it
may make, for the dispatcher to set), its vehicles, members and today's roster."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.permissions import Permission, can
from quarterhour.crews import service as crews
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.routes import crew_admin
from quarterhour.entrypoints.web.session import Console, ConsoleDep, back_to_the_form
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, IllegalTransition, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.kit.bounds import DbId

router = APIRouter(prefix="/console/crews", include_in_schema=False)


def _page(
    console: Console,
    *,
    error: Refusal | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    manages = can(console.actor, Permission.MANAGE_CREWS)
    return render.console_page(
        console,
        "console/crews.html",
        status_code=status_code,
        # An administrator sees the crews taken out of service too: he may put them back.
        crews=crews.list_crews(console.session, by=console.actor, include_inactive=manages),
        sets_status=can(console.actor, Permission.REPORT_CREW),
        manages=manages,
        departments=crews.repair_departments(console.session, by=console.actor) if manages else [],
        today=clock.now().date(),
        error=error,
        typed=typed or {},
        done=console.request.query_params.get("done"),
    )


@router.get("", response_class=HTMLResponse)
def crew_board(console: ConsoleDep) -> HTMLResponse:
    return _page(console)


@router.post("/{crew_id}/status", response_model=None)
async def set_status(crew_id: DbId, request: Request, console: ConsoleDep) -> Response:
    form = await request.form()
    typed = {
        "crew_id": str(crew_id),
        "status": str(form.get("status", "")),
        "at": str(form.get("at", "")),
    }
    return await run_in_threadpool(_set_status, console, crew_id, typed)


def _set_status(console: Console, crew_id: int, typed: dict[str, str]) -> Response:
    try:
        at = None
        if typed["at"].strip():
            try:
                # A time typed on the board is the dispatcher's own, in Shanghai.
                at = datetime.fromisoformat(bounds.check_text(typed["at"], field="at"))
            except ValueError:
                raise ValidationFailed("at: a time like 2026-12-01T08:30", field="at") from None
            at = at.replace(tzinfo=clock.SHANGHAI) if at.tzinfo is None else at
        crews.set_status(console.session, crew_id, by=console.actor, status=typed["status"], at=at)
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        t = Words(console.lang)
        if isinstance(exc, IllegalTransition):
            # The board was older than the crew's status: say it in the board's words.
            allowed = (", " if t.en else "、").join(
                t(f"crew_status_{s}") for s in exc.details["allowed_actions"]
            )
            moved = t(
                "crew_moved", status=t(f"crew_status_{exc.details['state']}"), allowed=allowed
            )
            error = Refusal(moved, moved, f"status-{crew_id}")
        else:
            error = t.refusal(exc, lambda field: f"{field}-{crew_id}")
        return _page(console, error=error, typed=typed, status_code=exc.status_code)
    return RedirectResponse("/console/crews?done=1", status_code=303)


NEW_CREW_FIELDS = ("code", "name", "department_id")


@router.post("", response_model=None)
async def create_crew(request: Request, console: ConsoleDep) -> Response:
    form = await request.form()
    typed = {"form": "new", **{name: str(form.get(name, "")) for name in NEW_CREW_FIELDS}}
    return await run_in_threadpool(_create_crew, console, typed)


def _create_crew(console: Console, typed: dict[str, str]) -> Response:
    try:
        department = typed["department_id"].strip()
        if not department:
            raise ValidationFailed(
                "department_id: choose the crew's department", field="department_id"
            )
        crew = crews.create_crew(
            console.session,
            by=console.actor,
            code=typed["code"],
            name=typed["name"],
            department_id=bounds.whole_number(department, field="department_id", low=1),
        )
        console.session.commit()
    except DomainError as exc:
        console.session.rollback()
        if exc.status_code in (401, 403):
            raise
        error = crew_admin.refused(
            Words(console.lang),
            exc,
            lambda field: f"new:{field}" if field in NEW_CREW_FIELDS else None,
        )
        return _page(console, error=error, typed=typed, status_code=exc.status_code)
    return RedirectResponse(f"/console/crews/{crew.id}?done=created", status_code=303)
