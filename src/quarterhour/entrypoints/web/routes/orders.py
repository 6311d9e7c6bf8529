"""Work-order pages: the queues (service centre, a department's own work, follow-ups, escalated
orders), one order with its history and the actions its reader may take, and exports.

Every page reads through `workorders.repository` with the filter the API uses (`OrderFilter`),
and every action goes through `workorders.moves.act`, so the permission layer, the lifecycle
table and the version check are the API's own.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from quarterhour.access.actor import Role
from quarterhour.access.permissions import Permission, can
from quarterhour.customers import accounts
from quarterhour.customers.meter_split import record_meter_split
from quarterhour.entrypoints.shared.validation import validated
from quarterhour.entrypoints.web import exports, render
from quarterhour.entrypoints.web import session as web_session
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.routes import crew_jobs
from quarterhour.entrypoints.web.session import Console, ConsoleDep, back_to_the_form
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.bounds import BigId
from quarterhour.notifications import templates as message_templates
from quarterhour.organisation import service as organisation
from quarterhour.tariffs import tariff_book
from quarterhour.workorders import attachments, moves, order_access, repository
from quarterhour.workorders.filters import OrderFilter, Sort
from quarterhour.workorders.kinds import (
    NATURAL_REPLY,
    FollowUpOutcome,
    OrderType,
    ReplyMethod,
    ServiceSubtype,
    about_bills,
)
from quarterhour.workorders.lifecycle import (
    DEPARTMENT_STATES,
    OPEN_STATES,
    Action,
    State,
    next_step,
)
from quarterhour.workorders.schemas import (
    MAX_ATTACHMENT_BYTES,
    ActionIn,
    MeterSplitIn,
    OrderDetail,
    OrderSummary,
)

router = APIRouter(prefix="/console", include_in_schema=False)

TABS = [s for s in State if s in OPEN_STATES]
# Orders that are over: listed on asking, without counts (they are most of the table).
CLOSED_TABS = [State.ARCHIVED, State.CANCELLED]
QUEUE_TABS = [s for s in State if s in DEPARTMENT_STATES]
EXPORT_LIMIT = 50_000

# What each action's form asks for besides a note; the service decides what is required.
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "dispatch": ("department_id", "crew"),
    "redispatch": ("department_id",),
    "return_result": ("result", "at", "files"),
    "close_on_intake": ("result",),
    "record_progress": ("files",),
    "reply": ("reply_method",),
    "follow_up": ("outcome",),
    "arrive": ("at", "files"),
    "restore": ("at", "files"),
}


def _filter_from(request: Request, defaults: dict[str, Any]) -> tuple[OrderFilter, str | None]:
    """The query string as the API's filter; a bad value is named and the defaults shown.

    A closed state asked for outranks the page's default scope (open orders): 归档 and 撤销 are
    listed when asked for. `open=all` is every order. Orders that are over have no deadline to sort by,
    so a list that holds them is sorted by acceptance, newest first unless oldest is asked for
    (the deadline order is an index of open orders only: over every order it would sort them
    all)."""
    raw: dict[str, Any] = dict(defaults)
    given = {key for key, value in request.query_params.multi_items() if value != ""}
    closed = {str(s) for s in CLOSED_TABS} & set(request.query_params.getlist("state"))
    if closed and "open" not in given:
        # Only then: with open states alone the open-orders condition stays, and with it the
        # partial indexes of open orders (without it, 受理 oldest first read 0.6 M orders).
        raw.pop("open", None)
    for key, value in request.query_params.multi_items():
        if key == "lang" or value == "":
            continue
        if key == "state":
            raw.setdefault("state", []).append(value)
        elif key == "due_before" and len(value) == 10:
            # The form's date: due by the end of that day, Shanghai time.
            raw[key] = f"{value}T23:59:59+08:00"
        elif key in ("accepted_from", "accepted_to") and len(value) == 10:
            # The form's (and the dashboard's) days, both included, Shanghai time.
            raw[key] = _day_start(value, after=key == "accepted_to")
        elif key == "open" and value == "all":
            raw.pop("open", None)
        else:
            raw[key] = value
    try:
        f = validated(OrderFilter, raw)
    except ValidationFailed as exc:
        return OrderFilter.model_validate(defaults), Words(web_session.language(request)).message(
            exc
        )
    if f.sort is Sort.DUE and not _open_only(f):
        f = f.model_copy(update={"sort": Sort.NEWEST})
    return f, None


def _day_start(value: str, *, after: bool) -> str:
    """The start of a Shanghai day given as YYYY-MM-DD (of the next day: `after`); a bad date
    is passed on as typed, for the filter to name it."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    if after and day < date.max:
        day += timedelta(days=1)
    return f"{day.isoformat()}T00:00:00+08:00"


def _scope(f: OrderFilter) -> str:
    """Which orders the list holds, as the scope menu names it: open, closed or all."""
    if f.open is not None:
        return "open" if f.open else "closed"
    if f.state and all(s in OPEN_STATES for s in f.state):
        return "open"
    if f.state and not any(s in OPEN_STATES for s in f.state):
        return "closed"
    return "all"


def _open_only(f: OrderFilter) -> bool:
    """Whether the filter lists open orders only (those have deadlines to sort by)."""
    if f.state:
        return all(s in OPEN_STATES for s in f.state)
    return f.open is True or f.queue


# The filter panel's own fields (the tabs set the state): any of them asked for keeps the panel
# open on a phone, where it is folded otherwise.
_PANEL_FIELDS = (
    "open",
    "order_type",
    "district_id",
    "department_id",
    "due_before",
    "overdue",
    "escalated",
    "sort",
)


def _panel_set(request: Request) -> bool:
    return any(request.query_params.get(name) for name in _PANEL_FIELDS)


def _reference(console: Console) -> dict[str, dict[int, str]]:
    """Department and district names for display (two small queries)."""
    session = console.session
    return {
        "departments": {d.id: d.name for d in organisation.list_departments(session)},
        "districts": {d.id: d.name for d in organisation.list_districts(session)},
    }


# Filters a dashboard figure drills down with: a list narrowed by them says how many it holds,
# the number the figure showed.
DRILL_FILTERS = (
    "accepted_from",
    "accepted_to",
    "overdue",
    "late",
    "reworked",
    "follow_up",
    "routed",
    "cancelled",
    "linked",
    "outage_id",
)


def _queue(console: Console, *, heading: str, defaults: dict[str, Any]) -> HTMLResponse:
    f, problem = _filter_from(console.request, defaults)
    drilled = any(getattr(f, name) is not None for name in DRILL_FILTERS)
    try:
        found = repository.list_orders(console.session, f, by=console.actor, with_total=drilled)
    except ValidationFailed as exc:  # e.g. another department's queue asked for by a handler
        f, problem = OrderFilter.model_validate(defaults), Words(console.lang).message(exc)
        found = repository.list_orders(console.session, f, by=console.actor)
    counts = repository.state_counts(console.session, by=console.actor)
    tabs = QUEUE_TABS if f.queue else TABS
    return render.console_page(
        console,
        "console/orders.html",
        heading=heading,
        f=f,
        problem=problem,
        orders=found.items,
        counts=counts,
        counts_json=json.dumps(counts, sort_keys=True, separators=(",", ":")),
        tabs=tabs,
        closed_tabs=[] if f.queue else CLOSED_TABS,
        scope=_scope(f),
        sorts=["due", "newest", "oldest"] if _open_only(f) else ["newest", "oldest"],
        total=sum(counts.get(s, 0) for s in tabs),
        order_types=list(OrderType),
        sees_all=can(console.actor, Permission.VIEW_ALL_ORDERS),
        has_next=len(found.items) == f.per_page,
        matched=found.total,
        reference=_reference(console),
        filters_set=_panel_set(console.request),
    )


@router.get("/orders", response_class=HTMLResponse)
def orders(console: ConsoleDep) -> HTMLResponse:
    """The service centre's queues: every open order by state, filtered as the API filters."""
    heading = render.page_heading(render.menu(console.actor), console.request, "nav_orders")
    return _queue(console, heading=heading, defaults={"open": True})


@router.get("/my-work", response_class=HTMLResponse)
def my_work(console: ConsoleDep) -> HTMLResponse:
    """A department's own work: what sits with it, nearest deadline first, with time left."""
    return _queue(console, heading="nav_my_work", defaults={"queue": True, "sort": "due"})


@router.get("/orders/pulse")
def pulse(console: ConsoleDep) -> Response:
    """Open orders per state, for the list pages' live banner (console.js)."""
    counts = repository.state_counts(console.session, by=console.actor)
    body = json.dumps({"counts": counts}, sort_keys=True, separators=(",", ":"))
    return Response(body, media_type="application/json")


def _export_rows(console: Console, t: Words) -> tuple[list[str], list[list[Any]], OrderFilter]:
    f, _ = _filter_from(console.request, {"open": True})
    items = repository.orders_for_export(console.session, f, by=console.actor, limit=EXPORT_LIMIT)
    ref = _reference(console)
    header = [
        t("number"),
        t("order_type"),
        t("order_title"),
        t("state"),
        t("department"),
        t("district"),
        t("customer"),
        t("phone"),
        t("accepted_at"),
        t("due_at"),
        t("overdue"),
        t("escalated"),
        t("rework_count"),
    ]
    rows = [_export_row(o, t, ref) for o in items]
    return header, rows, f


def _export_row(o: OrderSummary, t: Words, ref: dict[str, dict[int, str]]) -> list[Any]:
    return [
        o.number,
        t.kind(o.order_type),
        o.title,
        t.state(o.state),
        ref["departments"].get(o.department_id or 0, ""),
        ref["districts"].get(o.district_id or 0, ""),
        o.customer_name or "",
        o.customer_phone or "",
        render.local(o.accepted_at),
        render.local(o.due_at),
        t("yes_short") if o.is_overdue else "",
        t("yes_short") if o.is_escalated else "",
        o.rework_count,
    ]


@router.get("/orders/export.{fmt}")
def export_orders(fmt: str, console: ConsoleDep) -> Response:
    """The list as it is filtered and sorted, every match (up to EXPORT_LIMIT), not one page."""
    header, rows, _ = _export_rows(console, Words(console.lang))
    return exports.export("orders", header, rows, fmt)


def _order_page(
    console: Console,
    order_id: int,
    *,
    error: Refusal | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
    revealed_phone: str | None = None,
) -> HTMLResponse:
    detail = repository.order_detail(console.session, order_id, by=console.actor)
    done = console.request.query_params.get("done")
    split = _meter_split_choices(console, detail)
    return render.console_page(
        console,
        "console/order.html",
        status_code=status_code,
        o=detail,
        error=error,
        typed=typed or {},
        done=done,
        action_fields=ACTION_FIELDS,
        reply_methods=list(ReplyMethod),
        natural_reply=NATURAL_REPLY.get(detail.channel, ""),
        expected=next_step([Action(a) for a in detail.allowed_actions], State(detail.state)),
        outcomes=list(FollowUpOutcome),
        reference=_reference(console),
        split=split,
        follow_up_max=console.settings.follow_up_max_attempts,
        revealed_phone=revealed_phone,
        may_reveal=detail.may_reveal_phone,
        sees_customers=can(console.actor, Permission.VIEW_CUSTOMERS),
        about_bills=about_bills(detail.order_type, detail.subtype),
        message_kinds=message_templates.KINDS,
        crew_dispatch=crew_jobs.dispatch_panel(console, order_id=order_id)
        if detail.order_type == OrderType.FAULT_REPAIR
        else None,
    )


def _meter_split_choices(console: Console, detail: OrderDetail) -> dict[str, Any] | None:
    """For the department's handler on a 分户装表 order at work: the households on shared meters
    at the order's address, and the tariffs a new account may take."""
    if (
        detail.subtype != ServiceSubtype.METER_SPLIT
        or detail.state not in (State.ACKNOWLEDGED, State.IN_PROGRESS)
        or console.actor.role is not Role.HANDLER
        or console.actor.department_id != detail.department_id
    ):
        return None
    session = console.session
    return {
        "households": accounts.shared_households_near(
            session, detail.address or "", detail.district_id
        ),
        "tariffs": [
            (tariff.code, tariff.name)
            for tariff, _ in tariff_book.in_force(session, clock.now().date())
        ],
    }


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order(order_id: BigId, console: ConsoleDep) -> HTMLResponse:
    return _order_page(console, order_id)


def _action_in(form: dict[str, str]) -> ActionIn:
    """The form's strings as the API's action body (empty fields are not given)."""
    values: dict[str, Any] = {}
    for key in ("note", "result", "crew"):
        if form.get(key, "").strip():
            values[key] = form[key]
    for key in ("version", "department_id"):
        if form.get(key, "").strip():
            try:
                values[key] = int(form[key])
            except ValueError:
                raise ValidationFailed(f"{key} must be a number", field=key) from None
    if form.get("reply_method"):
        values["reply_method"] = form["reply_method"]
    if form.get("outcome"):
        values["outcome"] = form["outcome"]
    if form.get("at"):
        try:
            at = datetime.fromisoformat(form["at"])
        except ValueError:
            raise ValidationFailed(
                "when: a date and time like 2026-11-28 09:30", field="at"
            ) from None
        values["at"] = at if at.tzinfo else at.replace(tzinfo=clock.SHANGHAI)
    return validated(ActionIn, values)


@router.post("/orders/{order_id}/act", response_model=None)
def act(
    order_id: BigId,
    console: ConsoleDep,
    action: Annotated[str, Form(max_length=32)],
    version: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    result: Annotated[str, Form(max_length=4000)] = "",
    department_id: Annotated[str, Form()] = "",
    reply_method: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "",
    crew: Annotated[str, Form(max_length=100)] = "",
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    uploads = [
        attachments.Upload(f.filename or "file", f.file.read(MAX_ATTACHMENT_BYTES + 1))
        for f in files
        if f.filename
    ]
    typed = {
        "action": action,
        "version": version,
        "note": note,
        "result": result,
        "department_id": department_id,
        "reply_method": reply_method,
        "outcome": outcome,
        "at": at,
        "crew": crew,
    }
    try:
        body = _action_in(typed)
        if uploads:
            body = attachments.attach(console.settings.attachments_dir, body, uploads)
        moves.act(
            console.session,
            order_id,
            action,
            body,
            by=console.actor,
            settings=console.settings,
        )
        console.session.commit()
    except DomainError as exc:
        return _refused(console, order_id, exc, typed)
    return RedirectResponse(f"/console/orders/{order_id}?done={action}", status_code=303)


def _refused(
    console: Console, order_id: int, exc: DomainError, typed: dict[str, str]
) -> HTMLResponse:
    """A step the service refused: the order's page again with the reason (a stale page said
    to be one) and everything that was typed. Not being allowed, or no such order, is not about
    the form: it leaves as the error page."""
    back_to_the_form(console, exc)
    t = Words(console.lang)
    form = str(typed.get("action", ""))
    error = t.refusal(exc, lambda field: f"{form}:{_INPUTS.get(field, field)}")
    if exc.code == "stale_version":
        stale = t("stale", state=t.state(str(exc.details.get("state", ""))))
        error = Refusal(stale, stale)
    return _order_page(console, order_id, error=error, typed=typed, status_code=exc.status_code)


# The step's fields as the order page's forms name their inputs (the meter split's household
# stands for its shared meter and premises).
_INPUTS = {"shared_meter": "household", "premises_id": "household", "files": "files"}


@router.post("/orders/{order_id}/phone", response_class=HTMLResponse)
def reveal_phone(order_id: BigId, console: ConsoleDep) -> HTMLResponse:
    """The caller's whole number, to call back: for the roles and orders whose work needs it,
    and every look is recorded (who, whose, why)."""
    revealed = order_access.reveal_caller_phone(console.session, order_id, by=console.actor)
    console.session.commit()
    return _order_page(console, order_id, revealed_phone=revealed.phone or "—")


@router.get("/orders/{order_id}/attachments/{digest}")
def attachment(order_id: BigId, digest: str, console: ConsoleDep) -> FileResponse:
    """A photo or scan attached to one of the order's steps, for those who may see the order."""
    path, meta = order_access.attachment(
        console.session, order_id, digest, by=console.actor, settings=console.settings
    )
    return FileResponse(
        path,
        media_type=meta.content_type,
        filename=meta.name,
        content_disposition_type="inline"
        if meta.content_type.startswith("image/")
        else "attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"},
    )


@router.post("/orders/{order_id}/meter-split", response_model=None)
def meter_split(
    order_id: BigId,
    console: ConsoleDep,
    household: Annotated[str, Form(max_length=80)] = "",
    new_meter: Annotated[str, Form(max_length=32)] = "",
    tariff: Annotated[str, Form(max_length=32)] = "",
    initial_reading: Annotated[str, Form(max_length=20)] = "0",
    shared_meter_reading: Annotated[str, Form(max_length=20)] = "",
    version: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """分户装表 done on site, from the order's page: the same use case as the API's."""
    typed = {
        "action": "meter_split",
        "household": household,
        "new_meter": new_meter,
        "tariff": tariff,
        "initial_reading": initial_reading,
        "shared_meter_reading": shared_meter_reading,
        "version": version,
        "note": note,
    }
    try:
        meter, _, premises = household.partition("|")
        values: dict[str, Any] = {
            "shared_meter": meter,
            "premises_id": premises or None,
            "new_meter": new_meter,
            "tariff": tariff,
            "initial_reading": initial_reading or "0",
        }
        if shared_meter_reading.strip():
            values["shared_meter_reading"] = shared_meter_reading.strip()
        if version.strip():
            values["version"] = version
        if note.strip():
            values["note"] = note
        data = validated(MeterSplitIn, values)
        order = moves.meter_split_step(
            console.session, order_id, data, by=console.actor, settings=console.settings
        )
        record_meter_split(
            console.session,
            data,
            by=console.actor,
            customer_id=order.customer_id,
            work_order_id=order.id,
        )
        console.session.commit()
    except DomainError as exc:
        return _refused(console, order_id, exc, typed)
    return RedirectResponse(f"/console/orders/{order_id}?done=meter_split", status_code=303)
