"""The live programme (供电一刻钟): its episodes with their duty rosters and calls, and the next
episode's roster, set by a supervisor."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.permissions import Permission, can
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.session import Console, ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.kit.bounds import DbId
from quarterhour.programme import service as programme
from quarterhour.views import episode_calls
from quarterhour.workorders import repository

router = APIRouter(prefix="/console/programme", include_in_schema=False)


def _next_weekday(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _page(
    console: Console,
    *,
    error: Refusal | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    session = console.session
    manages = can(console.actor, Permission.MANAGE_PROGRAMME)
    return render.console_page(
        console,
        "console/programme.html",
        status_code=status_code,
        episodes=episode_calls.list_episodes(session, by=console.actor, limit=60),
        manages=manages,
        people=programme.rosterable_staff(session) if manages else [],
        next_day=_next_weekday(clock.now().date()).isoformat(),
        error=error,
        typed=typed or {},
        done=console.request.query_params.get("done"),
    )


@router.get("", response_class=HTMLResponse)
def episodes(console: ConsoleDep) -> HTMLResponse:
    return _page(console)


@router.post("", response_model=None)
async def add_episode(request: Request, console: ConsoleDep) -> Response:
    form = await request.form()
    typed: dict[str, Any] = {
        "air_date": str(form.get("air_date", "")),
        "title": str(form.get("title", "")),
        "leader": str(form.get("leader", "")),
        "specialists": [str(v) for v in form.getlist("specialists")],
    }
    return await run_in_threadpool(_add, console, typed)


def _add(console: Console, typed: dict[str, Any]) -> Response:
    try:
        try:
            air_date = bounds.check_date(date.fromisoformat(typed["air_date"]), field="air_date")
        except ValueError:
            raise ValidationFailed("a day like 2026-12-01", field="air_date") from None
        roster = []
        if typed["leader"].strip():
            leader = bounds.whole_number(typed["leader"], field="leader", low=1)
            roster.append(programme.RosterMember(leader, "leader"))
        roster += [
            programme.RosterMember(bounds.whole_number(v, field="specialists", low=1), "specialist")
            for v in typed["specialists"]
            if v.strip() and v != typed["leader"]
        ]
        programme.create_episode(
            console.session,
            by=console.actor,
            air_date=air_date,
            roster=roster,
            title=typed["title"].strip() or None,
        )
        console.session.commit()
    except DomainError as exc:
        console.session.rollback()
        if exc.status_code in (401, 403):
            raise
        error = Words(console.lang).refusal(exc, _roster_input)
        return _page(console, error=error, typed=typed, status_code=exc.status_code)
    return RedirectResponse("/console/programme?done=1", status_code=303)


def _roster_input(field: str) -> str:
    """The roster's members as the form has them: the leader first, then the specialists."""
    if field == "roster" or field.startswith("roster[0]"):
        return "leader"
    return "specialists" if field.startswith("roster[") else field


@router.get("/{episode_id}", response_class=HTMLResponse)
def episode(episode_id: DbId, console: ConsoleDep) -> HTMLResponse:
    session = console.session
    found = programme.get_episode(session, episode_id, by=console.actor)
    return render.console_page(
        console,
        "console/episode.html",
        episode=found,
        roster=programme.roster_of(session, episode_id),
        calls=repository.episode_orders(session, episode_id, by=console.actor),
    )
