"""The top bar's search box: orders (any state) and customers for what was typed, through the
API's use case (`views.search`); an order's exact number goes straight to that order."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.access.permissions import Permission, can
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.session import Console, ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import ValidationFailed
from quarterhour.organisation import service as organisation
from quarterhour.views import search as finder
from quarterhour.views.schemas import SearchOut

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/search", response_model=None)
def search(console: ConsoleDep, q: str = "") -> Response:
    found, problem = None, None
    if q.strip():
        try:
            found = finder.search(console.session, q, by=console.actor)
        except ValidationFailed as exc:  # too long: the box takes 64, an address typed in more
            if exc.field != "q":
                raise
            problem = Words(console.lang)("search_too_long", n=finder.MAX_TERM)
    else:  # the empty page only explains what may be typed, to whoever may search
        may_see_orders = can(console.actor, Permission.VIEW_ORDERS)
        render.offered_to(
            console, Permission.VIEW_ORDERS if may_see_orders else Permission.VIEW_CUSTOMERS
        )
    if found is not None and found.kind == finder.Kind.ORDER_NUMBER and len(found.orders) == 1:
        return RedirectResponse(f"/console/orders/{found.orders[0].id}", status_code=303)
    return _page(console, q, found, problem)


def _page(
    console: Console,
    q: str,
    found: SearchOut | None,
    problem: str | None,
) -> HTMLResponse:
    session = console.session
    return render.console_page(
        console,
        "console/search.html",
        status_code=422 if problem else 200,
        search_q=q[: finder.MAX_TERM],
        q=q,
        found=found,
        problem=problem,
        departments={d.id: d.name for d in organisation.list_departments(session)},
        districts={d.id: d.name for d in organisation.list_districts(session)},
    )
