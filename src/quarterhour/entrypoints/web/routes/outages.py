"""停电 in the console: the board (off now, coming with its notice, restored lately) with the
declare form, and one outage with its history and the forms of the steps its reader may take.

Each step goes through one small function below (`_publish`, `_start`, … `_restore`), the only
place that step's use case is called from the console."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.permissions import Permission, can
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.routes import crew_jobs
from quarterhour.entrypoints.web.session import Console, ConsoleDep, back_to_the_form
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, IllegalTransition, NotFound, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.kit.bounds import DbId
from quarterhour.outages import board as outage_board
from quarterhour.outages import service as outages
from quarterhour.outages.lifecycle import Action, Kind, State
from quarterhour.workorders import call_clusters, outage_answers, outage_calls
from quarterhour.workorders.call_clusters import SuggestedOutage

router = APIRouter(prefix="/console/outages", include_in_schema=False)

DECLARE_FIELDS = (
    "kind",
    "cause",
    "area",
    "starts_at",
    "expected_restoration_at",
    "feeders",
    "transformers",
)
# The inputs of each step's form (besides the CSRF token), in the order they are shown.
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    Action.PUBLISH: ("text",),
    Action.RESCHEDULE: ("starts_at", "expected_restoration_at", "reason"),
    Action.START: ("at",),
    Action.UPDATE_RESTORATION: ("expected_restoration_at", "note"),
    Action.RESTORE: ("at",),
    Action.CANCEL: ("reason",),
}
# The step a reader most likely came for, open on the page.
EXPECTED = {
    State.PLANNED: Action.PUBLISH,
    State.ANNOUNCED: Action.START,
    State.ACTIVE: Action.RESTORE,
}


# --- the moves: one function each ------------------------------------------------------------


def _publish(console: Console, outage_id: int, typed: Mapping[str, str]) -> None:
    outages.publish_notice(console.session, outage_id, by=console.actor, text=typed["text"])


def _reschedule(console: Console, outage_id: int, typed: Mapping[str, str]) -> None:
    outages.reschedule(
        console.session,
        outage_id,
        by=console.actor,
        starts_at=_required_moment(typed["starts_at"], field="starts_at"),
        expected_restoration_at=_required_moment(
            typed["expected_restoration_at"], field="expected_restoration_at"
        ),
        reason=typed["reason"],
    )


def _start(console: Console, outage_id: int, typed: Mapping[str, str]) -> None:
    at = _moment(typed["at"], field="at")
    outages.start(console.session, outage_id, by=console.actor, at=at)


def _update_restoration(console: Console, outage_id: int, typed: Mapping[str, str]) -> None:
    expected = _required_moment(typed["expected_restoration_at"], field="expected_restoration_at")
    outages.update_restoration(
        console.session,
        outage_id,
        by=console.actor,
        expected_restoration_at=expected,
        note=typed["note"],
    )


def _restore(console: Console, outage_id: int, typed: Mapping[str, str]) -> None:
    # Through the loop: restoring replies to every call linked to the outage as well.
    at = _moment(typed["at"], field="at")
    outage_calls.restore_outage(
        console.session, outage_id, by=console.actor, settings=console.settings, at=at
    )


def _cancel(console: Console, outage_id: int, typed: Mapping[str, str]) -> None:
    outages.cancel(console.session, outage_id, by=console.actor, reason=typed["reason"])


MOVES: dict[str, Callable[[Console, int, Mapping[str, str]], None]] = {
    Action.PUBLISH: _publish,
    Action.RESCHEDULE: _reschedule,
    Action.START: _start,
    Action.UPDATE_RESTORATION: _update_restoration,
    Action.RESTORE: _restore,
    Action.CANCEL: _cancel,
}


def _declare(console: Console, typed: Mapping[str, str]) -> int:
    # Through the loop: a fault takes in the calls that came from inside it since it began.
    declared = outage_calls.declare_outage(
        console.session,
        by=console.actor,
        kind=typed["kind"],
        cause=typed["cause"],
        area=typed["area"],
        starts_at=_required_moment(typed["starts_at"], field="starts_at"),
        expected_restoration_at=_required_moment(
            typed["expected_restoration_at"], field="expected_restoration_at"
        ),
        feeders=_codes(typed["feeders"]),
        transformers=_codes(typed["transformers"]),
    )
    return declared.outage.id


# --- reading what was typed --------------------------------------------------------------------


def _moment(text: str, *, field: str) -> datetime | None:
    """A time typed in the console (the reader's own, Shanghai), or None when left empty."""
    if not text.strip():
        return None
    try:
        at = datetime.fromisoformat(bounds.check_text(text.strip(), field=field))
    except ValueError:
        raise ValidationFailed(
            f"{field}: a date and time like 2026-11-28 09:30", field=field
        ) from None
    return at.replace(tzinfo=clock.SHANGHAI) if at.tzinfo is None else at


def _required_moment(text: str, *, field: str) -> datetime:
    at = _moment(text, field=field)
    if at is None:
        raise ValidationFailed(f"{field}: give a date and time", field=field)
    return at


def _codes(text: str) -> list[str]:
    """Feeder or transformer codes as typed: separated by commas, spaces or lines."""
    return [c for c in re.split(r"[\s,，、;；]+", text) if c]


async def _typed(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name, "")) for name in names}


# --- the pages ---------------------------------------------------------------------------------


def _board(
    console: Console,
    *,
    error: Refusal | None = None,
    typed: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    now = clock.now()
    # 疑似故障停电 read the calls of every department: for those who see all orders.
    suggests = can(console.actor, Permission.VIEW_ALL_ORDERS)
    return render.console_page(
        console,
        "console/outages.html",
        status_code=status_code,
        board=outage_board.board(console.session, by=console.actor, now=now),
        manages=can(console.actor, Permission.MANAGE_OUTAGES),
        kinds=list(Kind),
        since=lambda moment: render.time_since(Words(console.lang), moment, now),
        error=error,
        typed=typed or {"kind": Kind.FAULT},
        declare_link=declare_link,
        suggests=suggests,
        suggested=call_clusters.suggested(console.session, by=console.actor) if suggests else [],
    )


@router.get("", response_class=HTMLResponse)
def outage_board_page(console: ConsoleDep) -> HTMLResponse:
    # A suggested fault's button opens the board with the declare form filled in.
    asked = console.request.query_params
    prefill = {
        name: bounds.check_text(asked[name][:MAX_PREFILL], field=name)
        for name in DECLARE_FIELDS
        if name in asked
    }
    return _board(console, typed=prefill or None)


# What a prefilled declare form takes of each value (the declaration checks it then).
MAX_PREFILL = 2000


def declare_link(s: SuggestedOutage) -> str:
    """The board with the declare form filled in from a suggestion: a fault, its feeder or
    transformers, begun at the first call, expected back four hours later (the urban
    commitment; the dispatcher corrects it)."""
    start = clock.local(s.first_call_at)
    values = {
        "kind": Kind.FAULT,
        "area": s.area,
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "expected_restoration_at": f"{start + timedelta(hours=4):%Y-%m-%dT%H:%M}",
    }
    if s.scope == "feeder" and s.feeder:
        values["feeders"] = s.feeder
    elif s.transformers:
        values["transformers"] = " ".join(s.transformers)
    return f"/console/outages?{urlencode(values)}#declare"


@router.post("", response_model=None)
async def declare(request: Request, console: ConsoleDep) -> Response:
    typed = await _typed(request, DECLARE_FIELDS)
    return await run_in_threadpool(_declared, console, typed)


def _declared(console: Console, typed: dict[str, str]) -> Response:
    try:
        outage_id = _declare(console, typed)
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        error = Words(console.lang).refusal(exc, _declare_input)
        return _board(console, error=error, typed=typed, status_code=exc.status_code)
    return RedirectResponse(f"/console/outages/{outage_id}?done=declare", status_code=303)


def _declare_input(field: str) -> str | None:
    return field if field in DECLARE_FIELDS else None


def _outage_page(
    console: Console,
    outage_id: int,
    *,
    error: Refusal | None = None,
    typed: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    now = clock.now()
    record = outages.get_outage(console.session, outage_id, by=console.actor)
    manages = can(console.actor, Permission.MANAGE_OUTAGES)
    offered = [a for a in record.allowed if a in MOVES] if manages else []
    return render.console_page(
        console,
        "console/outage.html",
        status_code=status_code,
        o=record.outage,
        record=record,
        line=outage_board.line(console.session, record.outage, by=console.actor),
        calls=outage_answers.call_counts(console.session, [outage_id], by=console.actor)[outage_id],
        names=outage_board.staff_names(console.session, record, by=console.actor),
        manages=manages,
        offered=offered,
        fields=STEP_FIELDS,
        expected=EXPECTED.get(State(record.outage.state)),
        since=lambda moment: render.time_since(Words(console.lang), moment, now),
        error=error,
        typed=typed or {},
        done=_done(console.request.query_params.get("done")),
        crew_dispatch=crew_jobs.dispatch_panel(console, outage_id=outage_id),
    )


def _done(done: str | None) -> str | None:
    """What the flash says was done: only a step of this page (an address typed by hand with
    another ?done= shows no flash, not an error)."""
    return done if done == "declare" or done in MOVES else None


@router.get("/{outage_id}", response_class=HTMLResponse)
def outage_page(outage_id: DbId, console: ConsoleDep) -> HTMLResponse:
    return _outage_page(console, outage_id)


@router.post("/{outage_id}/{action}", response_model=None)
async def move(outage_id: DbId, action: str, request: Request, console: ConsoleDep) -> Response:
    if action not in MOVES:
        raise NotFound(f"no step {action}", field="action")
    typed = {"action": action, **await _typed(request, STEP_FIELDS[action])}
    return await run_in_threadpool(_moved, console, outage_id, action, typed)


def _moved(console: Console, outage_id: int, action: str, typed: dict[str, str]) -> Response:
    try:
        MOVES[action](console, outage_id, typed)
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        t = Words(console.lang)
        if isinstance(exc, IllegalTransition):
            error = _illegal(t, exc, action)
        else:
            error = t.refusal(exc, lambda field: _step_input(action, field))
        return _outage_page(
            console, outage_id, error=error, typed=typed, status_code=exc.status_code
        )
    return RedirectResponse(f"/console/outages/{outage_id}?done={action}", status_code=303)


def _step_input(action: str, field: str) -> str | None:
    return f"{action}:{field}" if field in STEP_FIELDS[action] else None


def _illegal(t: Words, exc: IllegalTransition, action: str) -> Refusal:
    """The page was older than the outage: say where it is now and what may be done, in
    words."""
    allowed = [a for a in exc.details.get("allowed_actions", []) if a in MOVES]
    steps = (", " if t.en else "、").join(t(f"outage_action_{a}") for a in allowed)
    said = t(
        "outage_moved" if allowed else "outage_moved_no_step",
        action=t(f"outage_action_{action}"),
        state=t(f"outage_state_{exc.details['state']}"),
        allowed=steps,
    )
    return Refusal(said, said, None)
