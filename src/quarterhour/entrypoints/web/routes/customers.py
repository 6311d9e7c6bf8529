"""Customers and bills: search, one customer's page, one bill with its itemised lines, and the
bill runs with the readings held for review."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.permissions import Permission, can
from quarterhour.billing import payments, reading_review, records
from quarterhour.customers import accounts, contact_preferences
from quarterhour.entrypoints.web import exports, render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.routes.desk import callers_page
from quarterhour.entrypoints.web.session import Console, ConsoleDep, back_to_the_form
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, ValidationFailed
from quarterhour.jobs import service as jobs
from quarterhour.kit import bounds, clock
from quarterhour.kit.bounds import BigId, DbId, SaneDate
from quarterhour.notifications import templates as message_templates
from quarterhour.organisation import service as organisation
from quarterhour.views.customer import customer_view

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/customers", response_class=HTMLResponse)
def customers(console: ConsoleDep, q: str = "") -> HTMLResponse:
    return callers_page(console, "console/customers.html", q)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer(
    customer_id: DbId, console: ConsoleDep, paid: str = "", prefs: str = ""
) -> HTMLResponse:
    return _customer(console, customer_id, paid=paid[:20], prefs_saved=bool(prefs))


def _customer(
    console: Console,
    customer_id: int,
    *,
    paid: str = "",
    prefs_saved: bool = False,
    error: Refusal | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = customer_view(console.session, customer_id, by=console.actor, settings=console.settings)
    prefs = contact_preferences.preferences(console.session, customer_id, by=console.actor)
    return render.console_page(
        console,
        "console/customer.html",
        status_code=status_code,
        view=view,
        paid=paid,
        error=error,
        typed=typed or {},
        may_take_payment=can(console.actor, Permission.RECORD_PAYMENT),
        districts={d.id: d.name for d in organisation.list_districts(console.session)},
        prefs=prefs,
        prefs_saved=prefs_saved,
        may_set_prefs=can(console.actor, Permission.SET_CONTACT_PREFERENCES),
        message_kinds=message_templates.KINDS,
    )


@router.post("/customers/{customer_id}/contact-preferences", response_model=None)
def set_contact_preferences(
    customer_id: DbId,
    console: ConsoleDep,
    sms_allowed: Annotated[str, Form(max_length=1)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    email_allowed: Annotated[str, Form(max_length=1)] = "",
    lang: Annotated[str, Form(max_length=2)] = "zh",
    opted_out: Annotated[list[str] | None, Form(max_length=len(message_templates.KINDS))] = None,
) -> Response:
    kinds = [k[:32] for k in opted_out or []]
    typed = {"email": email, "lang": lang}
    try:
        contact_preferences.set_preferences(
            console.session,
            customer_id,
            sms_allowed=sms_allowed == "1",
            email=email,
            email_allowed=email_allowed == "1",
            lang=lang,
            opted_out=kinds,
            by=console.actor,
        )
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        error = Words(console.lang).refusal(exc)
        return _customer(
            console, customer_id, error=error, typed=typed, status_code=exc.status_code
        )
    return RedirectResponse(
        f"/console/customers/{customer_id}?prefs=1#contact-preferences", status_code=303
    )


@router.post("/accounts/{number}/payments", response_model=None)
def take_payment(
    number: str,
    console: ConsoleDep,
    customer_id: Annotated[DbId, Form()],
    amount: Annotated[str, Form(max_length=20)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """A payment at the business hall's counter; more than is owed stays as credit, and a
    receipt number sent twice records one payment."""
    typed = {"account": number, "amount": amount, "reference": reference}
    try:
        payment, _ = payments.take_payment(
            console.session,
            number,
            by=console.actor,
            settings=console.settings,
            amount=amount.strip(),
            channel="counter",
            reference=reference.strip() or None,
        )
        console.session.commit()
    except DomainError as exc:
        console.session.rollback()
        if exc.status_code in (401, 403):
            raise
        error = Words(console.lang).refusal(exc, lambda field: f"{number}:{field}")
        return _customer(
            console, customer_id, error=error, typed=typed, status_code=exc.status_code
        )
    return RedirectResponse(
        f"/console/customers/{customer_id}?paid={payment.amount}", status_code=303
    )


@router.get("/accounts/{number}/bills/{period}", response_class=HTMLResponse)
def bill(number: str, period: SaneDate, console: ConsoleDep) -> HTMLResponse:
    itemised = records.itemised_bill(console.session, number, period, by=console.actor)
    return render.console_page(console, "console/bill.html", b=itemised)


@router.get("/accounts/{number}/readings", response_class=HTMLResponse)
def readings(number: str, console: ConsoleDep) -> HTMLResponse:
    return _readings(console, number)


def _readings(
    console: Console,
    number: str,
    *,
    error: Refusal | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    account, meters = accounts.account_readings(console.session, number, by=console.actor)
    return render.console_page(
        console,
        "console/readings.html",
        status_code=status_code,
        account=account,
        meters=meters,
        may_void=can(console.actor, Permission.VOID_READING),
        reviews=reading_review.reviews(console.session, by=console.actor, account_number=number),
        done=console.request.query_params.get("done"),
        error=error,
        typed=typed or {},
    )


@router.post("/accounts/{number}/readings/{reading_id}/void", response_model=None)
def void_reading(
    number: str,
    reading_id: BigId,
    console: ConsoleDep,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """An administrator sets a wrong reading aside, with the reason (the API's use case)."""
    try:
        accounts.void_reading(console.session, number, reading_id, by=console.actor, reason=reason)
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        typed = {"reading_id": str(reading_id), "reason": reason}
        error = Words(console.lang).refusal(exc, lambda field: f"{reading_id}:{field}")
        return _readings(console, number, error=error, typed=typed, status_code=exc.status_code)
    return RedirectResponse(f"/console/accounts/{number}/readings?done=1", status_code=303)


@router.get("/billing", response_class=HTMLResponse)
def billing(console: ConsoleDep) -> HTMLResponse:
    return _billing(console)


HELD_PER_PAGE = 100


def _billing(
    console: Console, error: Refusal | None = None, typed: dict[str, str] | None = None
) -> HTMLResponse:
    session = console.session
    asked = console.request.query_params.get("page", "1")
    page = int(asked) if asked.isdigit() and 0 < int(asked) <= 10_000 else 1
    held = records.held_for_review(
        session, by=console.actor, limit=HELD_PER_PAGE, offset=(page - 1) * HELD_PER_PAGE
    )
    may_run = can(console.actor, Permission.RUN_BILLING)
    return render.console_page(
        console,
        "console/billing.html",
        status_code=422 if error else 200,
        runs=records.recent_runs(session, by=console.actor),
        held=held,
        held_page=page,
        held_more=len(held) == HELD_PER_PAGE,
        districts={d.id: d.name for d in organisation.list_districts(session)},
        may_run=may_run,
        may_review=can(console.actor, Permission.REVIEW_READINGS),
        reviews=reading_review.reviews(session, by=console.actor, limit=20),
        reviewed=console.request.query_params.get("reviewed", "")[:10],
        jobs=jobs.recent(session, "bill_run", by=console.actor) if may_run else [],
        is_stalled=jobs.is_stalled,
        last_month=(clock.now().date().replace(day=1) - timedelta(days=1)).strftime("%Y-%m"),
        error=error,
        typed=typed or {},
    )


@router.get("/billing/runs.{fmt}")
def export_runs(fmt: str, console: ConsoleDep) -> Response:
    t = Words(console.lang)
    districts = {d.id: d.name for d in organisation.list_districts(console.session)}
    rows = [
        [
            r.period.strftime("%Y-%m"),
            districts.get(r.district_id or 0, t("all_districts")),
            t("run_" + r.status),
            r.accounts,
            r.created,
            r.replaced,
            r.unchanged,
            r.held,
            render.local(r.started_at),
            render.local(r.finished_at),
        ]
        for r in records.runs_for_export(console.session, by=console.actor)
    ]
    header = [
        t(k)
        for k in (
            "period",
            "district",
            "state",
            "run_accounts",
            "run_created",
            "run_replaced",
            "run_unchanged",
            "run_held",
            "started_at",
            "finished_at",
        )
    ]
    return exports.export("bill-runs", header, rows, fmt)


@router.get("/billing/held.{fmt}")
def export_held(fmt: str, console: ConsoleDep) -> Response:
    """Every reading held for review (up to 100,000): the list the billing staff work through."""
    t = Words(console.lang)
    rows = [
        [number, h.period.strftime("%Y-%m"), t("held_" + h.reason), t.held_detail(h.detail)]
        for h, number in records.held_for_export(console.session, by=console.actor)
    ]
    header = [t("account"), t("period"), t("reason"), t("note")]
    return exports.export("held-readings", header, rows, fmt)


def _month_to_bill(period: str) -> date:
    """The first day of the month typed, which must be over and after the first records."""
    try:
        month = date.fromisoformat(f"{period}-01")
    except ValueError:
        raise ValidationFailed("period: a month like 2026-10", field="period") from None
    if month < bounds.EARLIEST:
        raise ValidationFailed(f"period: {period} is before any record", field="period")
    if month >= clock.now().date().replace(day=1):
        raise ValidationFailed(
            f"{month:%Y-%m} has not ended yet; bill a month after it is over", field="period"
        )
    return month


@router.post("/billing/run", response_model=None)
def start_bill_run(
    console: ConsoleDep,
    period: Annotated[str, Form(max_length=7)] = "",
    district_id: Annotated[str, Form()] = "",
) -> Response:
    """A month's bill run as a job: its page shows the districts done and what runs now."""
    session = console.session
    typed = {"period": period, "district_id": district_id}
    known = {d.id: d.name for d in organisation.list_districts(session)}
    try:
        month = _month_to_bill(period)
        if district_id and (not district_id.isdigit() or int(district_id) not in known):
            raise ValidationFailed(f"no district {district_id}", field="district_id")
    except ValidationFailed as exc:
        return _billing(console, error=Words(console.lang).refusal(exc), typed=typed)
    chosen = [(int(district_id), known[int(district_id)])] if district_id else sorted(known.items())
    # The web process only enqueues: a worker runs the districts one after the other.
    job_id = jobs.enqueue(
        session,
        kind="bill_run",
        params={
            "period": f"{month:%Y-%m}",
            "district_id": district_id or None,
            "districts": [[d, name] for d, name in chosen],
        },
        steps_total=len(chosen),
        by=console.actor,
    )
    session.commit()
    return RedirectResponse(f"/console/jobs/{job_id}", status_code=303)
