"""The duty agent's intake desk (受理台): find the caller, see his accounts and orders, record one
contact with several matters, check each matter's department and deadlines before saving.

Works without script: the lookup is a GET form and the check a POST that renders the page
again. With console.js the lookup answers as the agent types (the `callers` fragment).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.permissions import Permission
from quarterhour.crews import jobs as crew_jobs
from quarterhour.customers import service as customers
from quarterhour.customers.schemas import CustomerOut
from quarterhour.entrypoints.shared.intake import take_contact_committed
from quarterhour.entrypoints.shared.validation import validated
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.session import Console, ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.bounds import INT32_MAX, BigId
from quarterhour.organisation import service as organisation
from quarterhour.programme import service as programme
from quarterhour.views.customer import customer_view
from quarterhour.views.schemas import CustomerView
from quarterhour.workorders import outage_answers, outage_calls, repository
from quarterhour.workorders.filters import OrderFilter, Sort
from quarterhour.workorders.kinds import SUBTYPE_CHOICES, AreaClass, Channel, OrderType
from quarterhour.workorders.preview import MatterPreview, preview_contact
from quarterhour.workorders.schemas import ContactIn, OrderSummary

router = APIRouter(prefix="/console/desk", include_in_schema=False)

MATTER_ROWS = 3  # matters on the form; empty ones are left out
MATTER_FIELDS = ("order_type", "subtype", "title", "description", "area_class", "department_id")


def lookup(console: Console, typed: str) -> list[CustomerOut]:
    """What the agent typed, read as the caller would give it: four digits are a phone's last
    four, a mobile number is a phone, other digits an account; words are a name or an address."""
    text = typed.strip()
    if not text:
        return []
    actor, session = console.actor, console.session
    if text.isdigit():
        if len(text) == 4 or (len(text) == 11 and text.startswith("1")):
            return customers.search(session, by=actor, phone=text, limit=10)
        return customers.search(session, by=actor, account=text, limit=10)
    by_name = customers.search(session, by=actor, name=text, limit=10)
    by_address = customers.search(session, by=actor, address=text, limit=10)
    seen = {c.id for c in by_name}
    return by_name + [c for c in by_address if c.id not in seen]


def _form_defaults(console: Console) -> dict[str, str]:
    on_air = programme.on_air(console.session, clock.now())
    return {
        "channel": Channel.PROGRAMME if on_air is not None else Channel.HOTLINE,
        "idem": secrets.token_urlsafe(16),
    }


def _desk(
    console: Console,
    *,
    form: dict[str, str],
    preview: list[MatterPreview] | None = None,
    error: Refusal | None = None,
    recorded: list[OrderSummary] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    session = console.session
    q = console.request.query_params.get("q", "")
    try:
        callers = lookup(console, q)
    except ValidationFailed as exc:
        callers, error = [], error or Words(console.lang).refusal(exc, {"phone": "q"})
    view: CustomerView | None = None
    customer_id = form.get("customer_id", "")
    if customer_id.isascii() and customer_id.isdigit() and int(customer_id) <= INT32_MAX:
        view = customer_view(session, int(customer_id), by=console.actor, settings=console.settings)
        if len(view.accounts) == 1 and not form.get("account"):
            # One account: the matter is about it unless the agent says otherwise.
            form = form | {"account": view.accounts[0].number}
    now = clock.now()
    # Said at once when the caller is picked: the supply at the premises is off (issue 14).
    outage = (
        outage_calls.outage_for_caller(
            session,
            account_id=None,
            account_number=form.get("account") or None,
            customer_id=view.customer.id,
            at=now,
            by=console.actor,
        )
        if view is not None
        else None
    )
    # A planned or temporary outage at the premises: said, and the call may be answered by it.
    planned = (
        outage_answers.outages_for_caller(
            session,
            account_number=form.get("account") or None,
            customer_id=view.customer.id,
            at=now,
            by=console.actor,
        )
        if view is not None
        else []
    )
    on_air = programme.on_air(session, now)
    roster = programme.roster_of(session, on_air.id) if on_air is not None else []
    recent_days = 30
    repeats = [o for o in view.orders if (now - o.accepted_at).days < recent_days] if view else []
    return render.console_page(
        console,
        "console/desk.html",
        status_code=status_code,
        q=q,
        callers=callers,
        view=view,
        outage=outage,
        # Who is on it, as the next caller is told (crews/jobs.py).
        outage_crew=crew_jobs.crews_on_outages(session, [outage.id]).get(outage.id)
        if outage is not None
        else None,
        planned=planned,
        repeats=repeats,
        on_air=on_air,
        roster=roster,
        form=form,
        preview=preview,
        recorded=recorded or [],
        error=error,
        channels=list(Channel),
        order_types=list(OrderType),
        # Grouped by the type they belong to: service requests' kinds, complaints' classes.
        subtypes={kind: list(codes) for kind, codes in SUBTYPE_CHOICES.items()},
        area_classes=list(AreaClass),
        rows=range(MATTER_ROWS),
        departments={d.id: d.name for d in organisation.list_departments(session)},
        districts={d.id: d.name for d in organisation.list_districts(session)},
    )


@router.get("", response_class=HTMLResponse)
def desk(
    console: ConsoleDep, customer: str = "", account: str = "", taken: BigId | None = None
) -> HTMLResponse:
    render.offered_to(console, Permission.TAKE_CONTACT)
    form = _form_defaults(console) | {"customer_id": customer, "account": account}
    recorded = (
        repository.list_orders(
            console.session, OrderFilter(contact_id=taken, sort=Sort.OLDEST), by=console.actor
        ).items
        if taken is not None
        else []
    )
    return _desk(console, form=form, recorded=recorded)


def callers_page(console: Console, template: str, q: str) -> HTMLResponse:
    """A page of the callers the lookup finds for what was typed (or why it cannot look)."""
    render.offered_to(console, Permission.VIEW_CUSTOMERS)
    try:
        found, problem = lookup(console, q[:64]), None
    except ValidationFailed as exc:
        found, problem = [], Words(console.lang).message(exc)
    return render.console_page(
        console,
        template,
        callers=found,
        q=q,
        problem=problem,
        districts={d.id: d.name for d in organisation.list_districts(console.session)},
    )


@router.get("/callers", response_class=HTMLResponse)
def callers(console: ConsoleDep, q: str = "") -> HTMLResponse:
    """The lookup's results alone, for the page to show as the agent types."""
    return callers_page(console, "console/desk_callers.html", q)


def contact_in(form: dict[str, str], episode_id: int | None) -> ContactIn:
    """The form's fields as the API's contact; a bad one is named as the API names it."""
    if form.get("customer_id", "").strip():
        customer: dict[str, Any] = {"id": form["customer_id"]}
        if form.get("account", "").strip():
            customer["account"] = form["account"].strip()
    else:
        customer = {
            key: form[f"caller_{key}"].strip()
            for key in ("name", "phone", "address", "district_id")
            if form.get(f"caller_{key}", "").strip()
        }
    matters = [_matter(form, n) for n in matter_rows(form)]
    body: dict[str, Any] = {
        "channel": form.get("channel") or Channel.HOTLINE,
        "customer": customer,
        "matters": matters,
    }
    if episode_id is not None and body["channel"] == Channel.PROGRAMME:
        body["episode_id"] = episode_id
    if not matters:
        # No matter was filled in: the first one's title is what the agent must give.
        raise ValidationFailed(
            "matters[0].title: Field required", field="matters[0].title", check=("missing", {})
        )
    return validated(ContactIn, body)


def matter_rows(form: dict[str, str]) -> list[int]:
    """The rows of the form that hold a matter (empty ones are left out): matters[i] of the
    contact is row matter_rows(form)[i]."""
    return [
        n
        for n in range(MATTER_ROWS)
        if any(form.get(f"m{n}_{key}", "").strip() for key in ("title", "description", "answer"))
    ]


def _matter(form: dict[str, str], n: int) -> dict[str, str]:
    values = {
        key: form[f"m{n}_{key}"].strip()
        for key in (*MATTER_FIELDS, "answer", "answered_by_outage_id")
        if form.get(f"m{n}_{key}", "").strip()
    }
    values.setdefault("title", "")
    return values


_MATTER_FIELD = re.compile(r"matters\[(\d+)\]\.(\w+)")
# The contact's fields as the form names its inputs.
_CALLER_INPUTS = {
    "customer": "caller_phone",  # a caller needs a phone or an address: the first of them
    "customer.id": "customer_id",
    "customer.account": "account",
    "channel": "channel",
    "episode_id": "channel",
}


def desk_inputs(form: dict[str, str]) -> Callable[[str], str | None]:
    """Where the form has the contact's field (a path of ContactIn) a refusal names."""
    rows = matter_rows(form) or [0]

    def where(field: str) -> str | None:
        found = _MATTER_FIELD.fullmatch(field)
        if found is not None:
            index = int(found.group(1))
            row = rows[index] if index < len(rows) else rows[0]
            return f"m{row}_{found.group(2)}"
        if field in _CALLER_INPUTS:
            return _CALLER_INPUTS[field]
        if field.startswith("customer."):
            return "caller_" + field.removeprefix("customer.")
        return field

    return where


@router.post("", response_model=None)
async def take(request: Request, console: ConsoleDep) -> Response:
    # The form was read (and its CSRF token checked) by the console dependency already.
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_take, console, form)


def _take(console: Console, form: dict[str, str]) -> Response:
    session = console.session
    if pick := form.pop("pick", ""):
        # The caller was chosen from the lookup with the matter already typed: the same form
        # comes back with the customer identified and nothing of it lost.
        return _desk(console, form=form | {"customer_id": pick, "account": ""})
    on_air = programme.on_air(session, clock.now())
    try:
        data = contact_in(form, on_air.id if on_air is not None else None)
        if form.get("do") != "save":
            preview = preview_contact(session, data, by=console.actor, settings=console.settings)
            session.rollback()
            return _desk(console, form=form, preview=preview)
        # The form's own key: the same form sent twice records one contact.
        result = take_contact_committed(
            session,
            data,
            by=console.actor,
            settings=console.settings,
            idempotency_key=f"console-{form['idem']}" if form.get("idem") else None,
        )
    except DomainError as exc:
        session.rollback()
        if exc.status_code in (401, 403):
            raise
        return _desk(
            console,
            form=form,
            error=Words(console.lang).refusal(exc, desk_inputs(form)),
            status_code=exc.status_code,
        )
    # Back to an empty desk for the next caller, with what was recorded.
    return RedirectResponse(f"/console/desk?taken={result.contact.id}", status_code=303)
