"""One repair crew's page: its department, status, last position, members, vehicles and the
roster of the coming week, with the administrators' forms (the crew, its members and vehicles)
and the dispatchers' (its shifts). A member of the crew sees his own crew's page, without forms.

Each form goes through one small function below (`_edit`, `_add_member`, … `_remove_shift`),
the only place its use case is called from the console; the use cases check who may."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.permissions import Permission, can
from quarterhour.crews import service as crews
from quarterhour.crews.models import VehicleKind
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.session import Console, ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, NotFound, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.kit.bounds import DbId

router = APIRouter(prefix="/console/crews", include_in_schema=False)

# The inputs of each form (besides the CSRF token). A form about one row of the page (a member,
# a vehicle, a shift) names the row in its address and its inputs after it (edit_vehicle:3:kind),
# so that a refusal marks the input of that row only.
FORMS: dict[str, tuple[str, ...]] = {
    "edit": ("name", "is_active"),
    "add_member": ("staff_id", "is_leader"),
    "add_vehicle": ("plate", "kind"),
    "add_shift": ("starts_at", "ends_at"),
}
ROW_FORMS: dict[str, tuple[str, ...]] = {
    "remove_member": (),
    "set_leader": (),
    "edit_vehicle": ("kind", "crew_id"),
    "retire_vehicle": (),
    "remove_shift": (),
}
ROSTER_DAYS = 7


# --- reading what was typed --------------------------------------------------------------------


def _moment(text: str, *, field: str) -> datetime:
    """A time typed in a datetime-local input: the reader's own, in Shanghai."""
    if not text.strip():
        raise ValidationFailed(f"{field}: give a date and time", field=field)
    try:
        at = datetime.fromisoformat(bounds.check_text(text.strip(), field=field))
    except ValueError:
        raise ValidationFailed(
            f"{field}: a date and time like 2026-11-28 09:30", field=field
        ) from None
    return at.replace(tzinfo=clock.SHANGHAI) if at.tzinfo is None else at


def _id(text: str, *, field: str) -> int:
    return bounds.whole_number(text, field=field, low=1, high=bounds.INT32_MAX)


def _yes(text: str, *, field: str) -> bool:
    # A select of 1 and 0, never a checkbox: a box left unticked sends nothing, which must not
    # read as "no" when the form simply lacked the input.
    if text not in ("0", "1"):
        raise ValidationFailed(f"{field}: 1 (yes) or 0 (no)", field=field)
    return text == "1"


# The catalogue labels a field by its name wherever it is typed (name: 姓名, code: 代码, kind:
# 类型); on these forms they are a crew's and a vehicle's.
LABELS = {"name": "crew_admin_name", "code": "crew_admin_code", "kind": "crew_admin_vehicle_kind"}


def refused(t: Words, exc: DomainError, inputs: Callable[[str], str | None]) -> Refusal:
    """The refusal as every form says it, the field at the top named as these forms name it."""
    error = t.refusal(exc, inputs)
    key = LABELS.get(exc.field or "")
    if key is None or error.summary == error.text:  # the sentence names no field
        return error
    label = t(key)
    return replace(error, summary=f"{label}{t.colon}{error.text}")


# --- the forms: one function each ---------------------------------------------------------------


def _edit(console: Console, crew_id: int, row: int, typed: Mapping[str, str]) -> None:
    crews.edit_crew(
        console.session,
        crew_id,
        by=console.actor,
        name=typed["name"],
        is_active=_yes(typed["is_active"], field="is_active"),
    )


def _add_member(console: Console, crew_id: int, row: int, typed: Mapping[str, str]) -> None:
    crews.add_member(
        console.session,
        crew_id,
        by=console.actor,
        staff_id=_id(typed["staff_id"], field="staff_id"),
        is_leader=_yes(typed["is_leader"] or "0", field="is_leader"),
    )


def _remove_member(console: Console, crew_id: int, row: int, typed: Mapping[str, str]) -> None:
    crews.remove_member(console.session, crew_id, by=console.actor, staff_id=row)


def _set_leader(console: Console, crew_id: int, row: int, typed: Mapping[str, str]) -> None:
    crews.set_leader(console.session, crew_id, by=console.actor, staff_id=row)


def _add_vehicle(console: Console, crew_id: int, row: int, typed: Mapping[str, str]) -> None:
    crews.add_vehicle(
        console.session, by=console.actor, plate=typed["plate"], kind=typed["kind"], crew_id=crew_id
    )


def _own_vehicle(console: Console, crew_id: int, vehicle_id: int) -> None:
    """A vehicle's form on a crew's page changes that crew's vehicles only."""
    if vehicle_id not in {
        v.id for v in crews.get_crew(console.session, crew_id, by=console.actor).vehicles
    }:
        raise NotFound(f"no vehicle {vehicle_id}", field="vehicle_id")


def _edit_vehicle(console: Console, crew_id: int, row: int, typed: Mapping[str, str]) -> None:
    _own_vehicle(console, crew_id, row)
    # Empty: back to the yard (no crew).
    target = _id(typed["crew_id"], field="crew_id") if typed["crew_id"].strip() else None
    crews.edit_vehicle(console.session, row, by=console.actor, kind=typed["kind"], crew_id=target)


def _retire_vehicle(console: Console, crew_id: int, row: int, typed: Mapping[str, str]) -> None:
    _own_vehicle(console, crew_id, row)
    crews.edit_vehicle(console.session, row, by=console.actor, crew_id=None, is_active=False)


def _add_shift(console: Console, crew_id: int, row: int, typed: Mapping[str, str]) -> None:
    crews.add_shift(
        console.session,
        crew_id,
        by=console.actor,
        starts_at=_moment(typed["starts_at"], field="starts_at"),
        ends_at=_moment(typed["ends_at"], field="ends_at"),
    )


def _remove_shift(console: Console, crew_id: int, row: int, typed: Mapping[str, str]) -> None:
    crews.remove_shift(console.session, crew_id, by=console.actor, shift_id=row)


Write = Callable[[Console, int, int, Mapping[str, str]], None]
WRITES: dict[str, Write] = {
    "edit": _edit,
    "add_member": _add_member,
    "remove_member": _remove_member,
    "set_leader": _set_leader,
    "add_vehicle": _add_vehicle,
    "edit_vehicle": _edit_vehicle,
    "retire_vehicle": _retire_vehicle,
    "add_shift": _add_shift,
    "remove_shift": _remove_shift,
}


# --- the page ------------------------------------------------------------------------------------


def _crew_page(
    console: Console,
    crew_id: int,
    *,
    error: Refusal | None = None,
    typed: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    now = clock.now()
    actor = console.actor
    view, week = crews.crew_with_roster(console.session, crew_id, by=actor, days=ROSTER_DAYS)
    manages = can(actor, Permission.MANAGE_CREWS)
    values: dict[str, Any] = {}
    if manages:
        values["candidates"] = crews.member_candidates(console.session, crew_id, by=actor)
        values["other_crews"] = [
            (v.crew.id, v.crew.code, v.crew.name)
            for v in crews.list_crews(console.session, by=actor)
            if v.crew.id != crew_id
        ]
    return render.console_page(
        console,
        "console/crew.html",
        status_code=status_code,
        v=view,
        week=week,
        manages=manages,
        rosters=can(actor, Permission.ROSTER_CREWS),
        can_see_list=can(actor, Permission.VIEW_CREWS),
        kinds=list(VehicleKind),
        position_age=(
            render.time_since(Words(console.lang), view.crew.position_reported_at, now)
            if view.crew.position_reported_at
            else None
        ),
        error=error,
        typed=typed or {},
        done=_done(console.request.query_params.get("done")),
        **values,
    )


def _done(done: str | None) -> str | None:
    """What the flash says was done: only a form of this page (an address typed by hand with
    another ?done= shows no flash, not an error)."""
    return done if done in WRITES or done == "created" else None


@router.get("/{crew_id}", response_class=HTMLResponse)
def crew_page(crew_id: DbId, console: ConsoleDep) -> HTMLResponse:
    return _crew_page(console, crew_id)


@router.post("/{crew_id}/{form}", response_model=None)
async def crew_form(crew_id: DbId, form: str, request: Request, console: ConsoleDep) -> Response:
    if form not in FORMS:
        raise NotFound(f"no form {form}", field="form")
    typed = {"form": form, "row": "", **await _typed(request, FORMS[form])}
    return await run_in_threadpool(_written, console, crew_id, form, 0, typed)


@router.post("/{crew_id}/{form}/{row}", response_model=None)
async def row_form(
    crew_id: DbId, form: str, row: DbId, request: Request, console: ConsoleDep
) -> Response:
    if form not in ROW_FORMS:
        raise NotFound(f"no form {form}", field="form")
    typed = {"form": form, "row": str(row), **await _typed(request, ROW_FORMS[form])}
    return await run_in_threadpool(_written, console, crew_id, form, row, typed)


async def _typed(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    form = await request.form()  # read already for its CSRF token; Starlette keeps it
    return {name: str(form.get(name, "")) for name in names}


def input_name(form: str, row: str, field: str) -> str:
    return f"{form}:{row}:{field}" if row else f"{form}:{field}"


def _written(
    console: Console, crew_id: int, form: str, row: int, typed: dict[str, str]
) -> Response:
    fields = FORMS.get(form) or ROW_FORMS[form]
    try:
        WRITES[form](console, crew_id, row, typed)
        console.session.commit()
    except DomainError as exc:
        console.session.rollback()
        if exc.status_code in (401, 403):
            raise
        # A row gone since the page was read (404) is said on the page; a crew gone is not:
        # reading the page again says so.
        error = refused(
            Words(console.lang),
            exc,
            lambda f: input_name(form, typed["row"], f) if f in fields else None,
        )
        return _crew_page(console, crew_id, error=error, typed=typed, status_code=exc.status_code)
    return RedirectResponse(f"/console/crews/{crew_id}?done={form}", status_code=303)
