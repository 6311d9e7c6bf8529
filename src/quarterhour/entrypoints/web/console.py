"""Mounting the pages on the app: routers, the console's own static files, and errors as pages.

A console request that fails answers with a page, not JSON: no session → the login form (and back
afterwards); a refused action or a missing order → a page in the user's language saying so, with
the status code the API would give.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from quarterhour.entrypoints.shared.validation import refusal_of
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web import session as web_session
from quarterhour.entrypoints.web.routes import (
    admin,
    crew_admin,
    crew_jobs,
    crews,
    customers,
    dashboard,
    demo_phone,
    desk,
    held_readings,
    imports,
    jobs,
    live_board,
    login,
    messages,
    orders,
    outages,
    programme,
    public,
    search,
    webhooks,
)
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    for module in (
        login,
        desk,
        orders,
        customers,
        held_readings,
        search,
        imports,
        jobs,
        dashboard,
        demo_phone,
        programme,
        crews,
        live_board,  # before outages: /console/outages/live is no outage number
        crew_admin,
        crew_jobs,
        outages,
        messages,  # before admin: /console/admin/messages is its own router's
        webhooks,  # before admin: so is /console/admin/webhooks
        admin,
        public,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(web_session.LoginRequired)
    async def _login(request: Request, exc: web_session.LoginRequired) -> Response:
        target = web_session.login_url(exc.next_path)
        if exc.reason:
            target += "&reason=expired"
        # A link in English (the public pages' 工作人员入口 read in English) logs in in English.
        if request.query_params.get("lang") in ("zh", "en"):
            target += "&lang=" + request.query_params["lang"]
        return RedirectResponse(target, status_code=303)

    def _domain(request: Request, exc: Exception) -> Response | None:
        if not isinstance(exc, DomainError):
            return None
        t = Words(web_session.language(request))
        heading = {403: "forbidden", 404: "not_found", 409: "conflict"}.get(
            exc.status_code, "error"
        )
        message = t("forbidden_text") if exc.status_code == 403 else t.message(exc)
        return _error_page(request, exc.status_code, heading, message)

    def _unparsed(request: Request, exc: Exception) -> Response | None:
        """A console form FastAPI refused before its route ran (a field over its length, a
        number that is none): the page says which field and why in the reader's language, and
        leads back to the form, instead of the API's JSON."""
        if not isinstance(exc, RequestValidationError):
            return None
        errors = exc.errors()
        refused = refusal_of(errors[0] if errors else {})
        t = Words(web_session.language(request))
        return _error_page(request, 422, "error", t.message(refused), back=_back_to(request))

    def _no_page(request: Request, exc: Exception) -> Response | None:
        """A console address that is no page (mistyped, an old bookmark): a page saying so in
        the reader's language, with the way back, instead of the API's JSON."""
        if not isinstance(exc, StarletteHTTPException) or exc.status_code != 404:
            return None
        t = Words(web_session.language(request))
        return _error_page(request, 404, "not_found", t("no_such_page"), back="/console")

    _on_console_pages(app, DomainError, _domain)
    _on_console_pages(app, RequestValidationError, _unparsed)
    _on_console_pages(app, StarletteHTTPException, _no_page)


def _on_console_pages(
    app: FastAPI, kind: type[Exception], page: Callable[[Request, Exception], Response | None]
) -> None:
    """`page` answers `kind` on the console's addresses (None: not its to answer); the API's
    handler answers everywhere else, in JSON."""
    api = app.exception_handlers[kind]

    async def handler(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/console"):
            answer = page(request, exc)
            if answer is not None:
                return answer
        found = api(request, exc)
        return await found if inspect.isawaitable(found) else found

    app.add_exception_handler(kind, handler)


def _error_page(
    request: Request, status_code: int, heading: str, message: str, *, back: str | None = None
) -> Response:
    lang = web_session.language(request)
    return render.page(
        request,
        "console/error.html",
        lang=lang,
        status_code=status_code,
        heading=Words(lang)(heading),
        message=message,
        back=back,
    )


def _back_to(request: Request) -> str:
    """The page the refused form was on, when it was one of ours; else the console's home."""
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if referer.startswith(origin + "/console"):
        return referer[len(origin) :]
    return "/console"


def too_large_page(request: Request, size: str) -> bytes:
    """The page of a console request whose body is over the limit (`size`), in the user's
    language; the perimeter answers it with 413 before the route runs."""
    lang = web_session.language(request)
    t = Words(lang)
    page = render.page(
        request,
        "console/error.html",
        lang=lang,
        status_code=413,
        heading=t("too_large"),
        message=t("too_large_text", size=size),
    )
    return bytes(page.body)
