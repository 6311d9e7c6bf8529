"""Customers and bills: search, one customer's page, one bill with its itemised lines, and the
bill runs with the readings held for review."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from quarterhour.access.permissions import Permission, require
from quarterhour.billing import records
from quarterhour.customers.view import customer_view
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.routes.desk import lookup
from quarterhour.entrypoints.web.session import ConsoleDep
from quarterhour.errors import ValidationFailed
from quarterhour.organisation import service as organisation

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/customers", response_class=HTMLResponse)
def customers(console: ConsoleDep, q: str = "") -> HTMLResponse:
    require(console.actor, Permission.VIEW_CUSTOMERS)
    try:
        found, problem = lookup(console, q[:64]), None
    except ValidationFailed as exc:
        found, problem = [], exc.message
    return render.console_page(
        console,
        "console/customers.html",
        q=q,
        callers=found,
        problem=problem,
        districts={d.id: d.name for d in organisation.list_districts(console.session)},
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer(customer_id: int, console: ConsoleDep) -> HTMLResponse:
    view = customer_view(console.session, customer_id, by=console.actor, settings=console.settings)
    return render.console_page(
        console,
        "console/customer.html",
        view=view,
        districts={d.id: d.name for d in organisation.list_districts(console.session)},
    )


@router.get("/accounts/{number}/bills/{period}", response_class=HTMLResponse)
def bill(number: str, period: date, console: ConsoleDep) -> HTMLResponse:
    itemised = records.itemised_bill(console.session, number, period, by=console.actor)
    return render.console_page(console, "console/bill.html", b=itemised)


@router.get("/billing", response_class=HTMLResponse)
def billing(console: ConsoleDep) -> HTMLResponse:
    session = console.session
    return render.console_page(
        console,
        "console/billing.html",
        runs=records.recent_runs(session, by=console.actor),
        held=records.held_for_review(session, by=console.actor),
        districts={d.id: d.name for d in organisation.list_districts(session)},
    )
