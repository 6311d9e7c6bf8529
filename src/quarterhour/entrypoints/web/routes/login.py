"""Logging in and out of the console, and each role's home."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.config import Settings
from quarterhour.entrypoints.shared.logins import guarded_log_in
from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web import session as web_session
from quarterhour.entrypoints.web.session import ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import Forbidden, TooManyRequests, Unauthenticated
from quarterhour.kit.bounds import Text
from quarterhour.organisation import staff_accounts
from quarterhour.storage.engine import unit_of_work

router = APIRouter(include_in_schema=False)


def _safe_next(next_path: str | None) -> str | None:
    # Only a path on this site: a login link must not send anyone elsewhere afterwards.
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return None
    parts = urlsplit(next_path)
    return None if parts.scheme or parts.netloc else next_path


@router.get("/console/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "", reason: str = "") -> HTMLResponse:
    lang = web_session.language(request)
    t = Words(lang)
    return render.page(
        request,
        "console/login.html",
        lang=lang,
        next_path=_safe_next(next) or "",
        username="",
        error=t("session_ended") if reason else None,
    )


@router.post("/console/login", response_model=None)
def log_in(
    request: Request,
    username: Annotated[Text, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form()] = "",
) -> Response:
    settings: Settings = request.app.state.settings
    lang = web_session.language(request)
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        # Login CSRF: the form carries no token yet (there is no session), so a login posted
        # from another site, which browsers mark with its Origin, is refused.
        raise Forbidden("a login must come from this site's own form", field="origin")
    try:
        with unit_of_work(request.app.state.session_factory) as session:
            issued = guarded_log_in(request, session, username.strip(), password)
    except (Unauthenticated, TooManyRequests) as exc:
        refused = isinstance(exc, TooManyRequests)
        return render.page(
            request,
            "console/login.html",
            lang=lang,
            next_path=_safe_next(next) or "",
            username=username,
            error=Words(lang)("too_many_logins" if refused else "login_failed"),
            status_code=429 if refused else 401,
        )
    response = RedirectResponse(_safe_next(next) or render.home_of(issued.actor), status_code=303)
    web_session.set_session_cookie(response, issued.token, settings)
    return response


@router.post("/console/logout", response_model=None)
def log_out(console: ConsoleDep) -> Response:
    staff_accounts.log_out(console.session, console.token)
    console.session.commit()
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(
        web_session.COOKIE, path="/", secure=console.settings.secure_cookies, httponly=True
    )
    return response


@router.get("/console", response_model=None)
def home(console: ConsoleDep) -> Response:
    return RedirectResponse(render.home_of(console.actor), status_code=303)
