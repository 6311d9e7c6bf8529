"""Administration pages: staff and roles, departments and routing rules, time-limit policies,
working-day calendars (load a new year), tariffs. Each reads and writes through the area's
service, which asks the permission layer; a refused or invalid form comes back with its message
and what was typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.actor import STAFF_ROLES, Role
from quarterhour.access.permissions import Permission, can
from quarterhour.calendar import service as calendar_service
from quarterhour.calendar.schedule_file import parse_schedule
from quarterhour.entrypoints.shared.validation import validated
from quarterhour.entrypoints.web import exports, render
from quarterhour.entrypoints.web.refusals import Inputs, Refusal
from quarterhour.entrypoints.web.session import Console, ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.kit.bounds import DbId
from quarterhour.organisation import service as organisation
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import DepartmentKind
from quarterhour.programme import service as programme
from quarterhour.tariffs import tariff_book
from quarterhour.tariffs.schemas import TariffVersionIn
from quarterhour.workorders import policies, routing, sla
from quarterhour.workorders.kinds import SUBTYPE_CHOICES, LimitUnit, OrderType

router = APIRouter(prefix="/console/admin", include_in_schema=False)

MAX_SCHEDULE_BYTES = 256 * 1024
TABS = ("staff", "organisation", "policies", "calendar", "tariffs", "messages", "webhooks")


def tab_page(
    console: Console,
    name: str,
    tab: str,
    *,
    error: Refusal | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A page of the admin area (routes/messages.py and webhooks.py have theirs too): its tabs,
    the warnings every tab shows, and the page's own values."""
    return render.console_page(
        console,
        name,
        status_code=status_code,
        tab=tab,
        tabs=TABS,
        error=error,
        warnings=(
            sla.admin_warnings(console.session, clock.now().date(), by=console.actor)
            if can(console.actor, Permission.VIEW_ADMIN_WARNINGS)
            else []
        ),
        **values,
    )


def _page(
    console: Console,
    tab: str,
    values: dict[str, Any],
    *,
    error: Refusal | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return tab_page(
        console,
        f"console/admin_{tab}.html",
        tab,
        error=error,
        status_code=status_code,
        typed=typed or {},
        done=console.request.query_params.get("done"),
        **values,
    )


def _submit(
    console: Console,
    tab: str,
    values: Callable[[], dict[str, Any]],
    typed: dict[str, str],
    write: Callable[[], object],
    form: str = "",
    inputs: Inputs | None = None,
) -> Response:
    """Run one administrative change; commit and go back to the page, or show the page again
    with the message and the form as typed. A page with several forms names its inputs after
    the form (district:code) or the row they change (agent:password, 7:staff_id)."""
    try:
        write()
        console.session.commit()
    except DomainError as exc:
        console.session.rollback()
        if exc.status_code in (401, 403):
            raise
        if inputs is None and form:
            inputs = lambda f: f"{form}:{f}"  # noqa: E731 - the form's own names
        error = Words(console.lang).refusal(exc, inputs)
        return _page(console, tab, values(), error=error, typed=typed, status_code=exc.status_code)
    return RedirectResponse(f"/console/admin/{tab}?done=1", status_code=303)


def _optional_int(value: str, field: str) -> int | None:
    if not value.strip():
        return None
    return bounds.whole_number(value, field=field)


# --- staff -------------------------------------------------------------------------------------


def _staff_values(console: Console) -> dict[str, Any]:
    departments = organisation.list_departments(console.session)
    return {
        "members": staff_accounts.list_staff(console.session, by=console.actor),
        "departments": {d.id: d.name for d in departments},
        # A handler is named as his department's people are (抢修人员, 营业厅人员 …).
        "department_kinds": {d.id: d.kind for d in departments},
        "roles": list(STAFF_ROLES),
    }


@router.get("/staff", response_class=HTMLResponse)
def staff(console: ConsoleDep) -> HTMLResponse:
    return _page(console, "staff", _staff_values(console))


@router.get("/staff.{fmt}")
def export_staff(fmt: str, console: ConsoleDep) -> Response:
    t = Words(console.lang)
    values = _staff_values(console)
    rows = [
        [
            m.username,
            m.full_name,
            t.role(m.role, values["department_kinds"].get(m.department_id)),
            values["departments"].get(m.department_id, ""),
            t("yes_short") if m.is_active else t("no_short"),
        ]
        for m in values["members"]
    ]
    header = [t("username"), t("full_name"), t("role"), t("department"), t("active")]
    return exports.export("staff", header, rows, fmt)


@router.post("/staff", response_model=None)
def add_staff(
    console: ConsoleDep,
    username: Annotated[str, Form(max_length=64)] = "",
    full_name: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    department_id: Annotated[str, Form()] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    typed = {
        "username": username,
        "full_name": full_name,
        "role": role,
        "department_id": department_id,
    }  # the password is never sent back
    return _submit(
        console,
        "staff",
        lambda: _staff_values(console),
        typed,
        lambda: staff_accounts.create_staff(
            console.session,
            by=console.actor,
            username=username.strip(),
            full_name=full_name.strip(),
            role=role,
            password=password,
            department_id=_optional_int(department_id, "department_id"),
        ),
    )


def _present(form: dict[str, str], *names: str) -> None:
    """A form that leaves a field out changes nothing: a missing field is never read as its
    destructive default ("not active", "no department", "no follow-up")."""
    for name in names:
        if name not in form:
            raise ValidationFailed(f"the form has no {name}", field=name)


async def _form(console: Console) -> dict[str, str]:
    # Already read for its CSRF token; Starlette keeps it.
    return {k: v for k, v in (await console.request.form()).items() if isinstance(v, str)}


@router.post("/staff/{username}/active", response_model=None)
def set_active(
    username: str, console: ConsoleDep, active: Annotated[str, Form(max_length=1)] = ""
) -> Response:
    def write() -> object:
        if active not in ("0", "1"):
            raise ValidationFailed("active must be 1 (enable) or 0 (disable)", field="active")
        return staff_accounts.set_active(
            console.session, by=console.actor, username=username, active=active == "1"
        )

    return _submit(console, "staff", lambda: _staff_values(console), {}, write, username)


@router.post("/staff/{username}/role", response_model=None)
async def change_role(username: str, console: ConsoleDep) -> Response:
    form = await _form(console)
    return await run_in_threadpool(_change_role, console, username, form)


def _change_role(console: Console, username: str, form: dict[str, str]) -> Response:
    def write() -> object:
        # "—" sends an empty department_id (none); a form without the field changes nothing.
        _present(form, "role", "department_id")
        if len(form["role"]) > 32:
            raise ValidationFailed("no such role", field="role")
        return staff_accounts.change_role(
            console.session,
            by=console.actor,
            username=username,
            role=form["role"],
            department_id=_optional_int(form["department_id"], "department_id"),
        )

    return _submit(console, "staff", lambda: _staff_values(console), {}, write, username)


@router.post("/staff/{username}/password", response_model=None)
def reset_password(
    username: str, console: ConsoleDep, password: Annotated[str, Form(max_length=256)] = ""
) -> Response:
    """A new password set by the administrator; the member's sessions and tokens end at once."""
    return _submit(
        console,
        "staff",
        lambda: _staff_values(console),
        {},
        lambda: staff_accounts.set_password(
            console.session, by=console.actor, username=username, password=password
        ),
        username,
    )


# --- departments and routing rules --------------------------------------------------------------


def _organisation_values(console: Console) -> dict[str, Any]:
    render.offered_to(console, Permission.MANAGE_ORGANISATION)
    session = console.session
    return {
        "departments": organisation.list_departments(session),
        "department_names": {d.id: d.name for d in organisation.list_departments(session)},
        "supervisors": [
            (staff_id, name)
            for staff_id, name, role in programme.rosterable_staff(session)
            if role in (Role.SUPERVISOR, Role.ADMIN, Role.DISPATCHER)
        ],
        "districts": {d.id: d.name for d in organisation.list_districts(session)},
        "rules": routing.list_routing_rules(session, by=console.actor),
        "kinds": list(DepartmentKind),
        "order_types": list(OrderType),
        "subtypes": {kind: list(codes) for kind, codes in SUBTYPE_CHOICES.items()},
    }


@router.get("/organisation", response_class=HTMLResponse)
def organisation_page(console: ConsoleDep) -> HTMLResponse:
    return _page(console, "organisation", _organisation_values(console))


@router.post("/districts", response_model=None)
def add_district(
    console: ConsoleDep,
    code: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    typed = {"district_code": code, "district_name": name}

    def write() -> object:
        if not code.strip() or not name.strip():
            raise ValidationFailed("a district needs a code and a name", field="code")
        return organisation.add_district(
            console.session, by=console.actor, code=code.strip(), name=name.strip()
        )

    return _submit(
        console, "organisation", lambda: _organisation_values(console), typed, write, "district"
    )


@router.post("/departments", response_model=None)
def add_department(
    console: ConsoleDep,
    code: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    district_id: Annotated[str, Form()] = "",
) -> Response:
    typed = {"code": code, "name": name, "kind": kind, "district_id": district_id}

    def write() -> object:
        if not code.strip() or not name.strip():
            raise ValidationFailed("a department needs a code and a name", field="code")
        return organisation.add_department(
            console.session,
            by=console.actor,
            code=code.strip(),
            name=name.strip(),
            kind=kind,
            district_id=_optional_int(district_id, "district_id"),
        )

    return _submit(
        console, "organisation", lambda: _organisation_values(console), typed, write, "department"
    )


@router.post("/departments/{department_id}/supervisor", response_model=None)
def set_supervisor(
    department_id: DbId, console: ConsoleDep, staff_id: Annotated[str, Form()] = ""
) -> Response:
    """Who the department's overdue work is escalated to (督办)."""

    def write() -> object:
        chosen = _optional_int(staff_id, "staff_id")
        if chosen is None:
            raise ValidationFailed("choose the supervisor", field="staff_id")
        return organisation.set_supervisor(
            console.session, by=console.actor, department_id=department_id, staff_id=chosen
        )

    return _submit(
        console,
        "organisation",
        lambda: _organisation_values(console),
        {},
        write,
        str(department_id),
    )


@router.post("/routing-rules", response_model=None)
def add_routing_rule(
    console: ConsoleDep,
    order_type: Annotated[str, Form(max_length=32)] = "",
    subtype: Annotated[str, Form(max_length=32)] = "",
    district_id: Annotated[str, Form()] = "",
    department_id: Annotated[str, Form()] = "",
    priority: Annotated[str, Form()] = "0",
    dispatch_to_crew: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    typed = {
        "order_type": order_type,
        "subtype": subtype,
        "district_id": district_id,
        "department_id": department_id,
        "priority": priority,
        "dispatch_to_crew": dispatch_to_crew,
    }

    def write() -> object:
        department = _optional_int(department_id, "department_id")
        if department is None:
            raise ValidationFailed("choose the department", field="department_id")
        return routing.add_routing_rule(
            console.session,
            by=console.actor,
            order_type=order_type,
            subtype=subtype or None,
            district_id=_optional_int(district_id, "district_id"),
            department_id=department,
            priority=_optional_int(priority, "priority") or 0,
            dispatch_to_crew=dispatch_to_crew == "1",
        )

    return _submit(
        console, "organisation", lambda: _organisation_values(console), typed, write, "rule"
    )


# --- time-limit policies (read) -------------------------------------------------------------------


def _policy_values(console: Console) -> dict[str, Any]:
    render.offered_to(console, Permission.MANAGE_POLICIES)
    return {
        "policies": policies.policies(console.session),
        "units": list(LimitUnit),
        "order_types": list(OrderType),
        "always_followed_up": policies.ALWAYS_FOLLOWED_UP,
    }


@router.get("/policies", response_class=HTMLResponse)
def policies_page(console: ConsoleDep) -> HTMLResponse:
    return _page(console, "policies", _policy_values(console))


@router.post("/policies", response_model=None)
async def add_policy(request: Request, console: ConsoleDep) -> Response:
    """A new version of the time limits from a day on: the newest one as a form, changed."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_add_policy, console, form)


def _add_policy(console: Console, form: dict[str, str]) -> Response:
    def write() -> object:
        try:
            effective_from = date.fromisoformat(form.get("effective_from", ""))
        except ValueError:
            raise ValidationFailed("a day like 2027-01-01", field="effective_from") from None
        bounds.check_date(effective_from, field="effective_from")
        amounts: dict[int, tuple[int, LimitUnit]] = {}
        for key, value in form.items():
            if key.startswith("amount_") and value.strip():
                n = bounds.whole_number(key.removeprefix("amount_"), field=key, low=0)
                amount = _optional_int(value, f"limits[{n}].amount")
                if amount is not None and amount <= 0:
                    # Said here, by its row: the policy's own check knows no row.
                    raise ValidationFailed(
                        "a time limit must be positive", field=f"limits[{n}].amount"
                    )
                unit = form.get(f"unit_{n}", "")
                if unit not in set(LimitUnit):
                    raise ValidationFailed(f"unknown unit {unit!r}", field=f"limits[{n}].unit")
                amounts[n] = (amount or 0, LimitUnit(unit))
        # Each kind's follow-up comes as 1 or 0 (the form sends 0 under each checkbox): a form
        # without it must not drop a required follow-up.
        _present(form, *(f"follow_up_{kind.value}" for kind in OrderType))
        follow_up = {kind: form[f"follow_up_{kind.value}"] == "1" for kind in OrderType}
        return policies.add_version(
            console.session,
            by=console.actor,
            code=form.get("code", ""),
            name=form.get("name", ""),
            source=form.get("source", ""),
            effective_from=effective_from,
            amounts=amounts,
            follow_up=follow_up,
        )

    return _submit(
        console, "policies", lambda: _policy_values(console), form, write, inputs=_limit_input
    )


_LIMIT_FIELD = re.compile(r"limits\[(\d+)\]\.(amount|unit)")


def _limit_input(field: str) -> str:
    """A limit's row of the policy form (limits[3].amount) as its input (amount_3)."""
    found = _LIMIT_FIELD.fullmatch(field)
    return f"{found.group(2)}_{found.group(1)}" if found else field


# --- working-day calendar ---------------------------------------------------------------------


def _calendar_values(console: Console) -> dict[str, Any]:
    session = console.session
    missing = calendar_service.missing_years(session, clock.now().date())
    return {
        "covered": calendar_service.covered_years(session),
        "loaded": calendar_service.loaded_years(session, by=console.actor),
        "provisional": calendar_service.provisional_holidays(session, missing),
    }


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(console: ConsoleDep) -> HTMLResponse:
    return _page(console, "calendar", _calendar_values(console))


@router.post("/calendar", response_model=None)
async def load_year(
    console: ConsoleDep,
    file: Annotated[UploadFile, File()],
    source: Annotated[str, Form(max_length=300)] = "",
    year: Annotated[str, Form()] = "",
) -> Response:
    """A new year's official schedule (国务院办公厅 notice) as CSV or JSON; provisional deadlines
    are recomputed at once."""
    data = await file.read(MAX_SCHEDULE_BYTES + 1)
    typed = {"source": source, "year": year}

    def write() -> object:
        if len(data) > MAX_SCHEDULE_BYTES:
            raise ValidationFailed("a year's schedule is at most 256 KiB", field="file")
        schedule = parse_schedule(
            data,
            filename=file.filename or "",
            year=_optional_int(year, "year"),
            source=source.strip() or None,
        )
        return sla.load_official_year(
            console.session, schedule, by=console.actor, settings=console.settings
        )

    return await run_in_threadpool(
        _submit, console, "calendar", lambda: _calendar_values(console), typed, write
    )


# --- tariffs ----------------------------------------------------------------------------------


def _tariff_values(console: Console) -> dict[str, Any]:
    render.offered_to(console, Permission.MANAGE_TARIFFS)
    day = clock.now().date()
    return {
        "published": [
            tariff_book.published(tariff, version)
            for tariff, version in tariff_book.in_force(console.session, day)
        ]
    }


@router.get("/tariffs", response_class=HTMLResponse)
def tariffs_page(console: ConsoleDep) -> HTMLResponse:
    return _page(console, "tariffs", _tariff_values(console))


@router.post("/tariffs/versions", response_model=None)
async def add_tariff_version(request: Request, console: ConsoleDep) -> Response:
    """New prices for a tariff from a day on; the version in force until then ends there. The
    form's fields are TariffVersionIn's, checked by it."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf"}
    return await run_in_threadpool(_add_tariff_version, console, form)


def _add_tariff_version(console: Console, typed: dict[str, str]) -> Response:
    def write() -> object:
        given = {k: v.strip() for k, v in typed.items() if k != "code" and v.strip()}
        body = validated(TariffVersionIn, given)
        return tariff_book.add_version_by(
            console.session,
            typed.get("code", ""),
            body.model_dump(exclude={"source"}),
            by=console.actor,
            source=body.source,
        )

    return _submit(console, "tariffs", lambda: _tariff_values(console), typed, write)
