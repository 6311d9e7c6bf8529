"""Console sessions: the login cookie, the CSRF token, and the staff member behind a page.

A console login issues the same kind of token as the API (`organisation.staff_accounts.log_in`), kept in an
HttpOnly cookie; logging out, disabling the account or a new password revokes it the same way.
The session ends when the token expires (`token_ttl_minutes`, one shift) or after
`console_idle_minutes` without a page (the cookie's lifetime, renewed by every page).

Every form carries a CSRF token derived from the session's token: another site can make the
browser send the cookie, but cannot read the page to learn the token. A POST without it is
refused before the route runs.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from quarterhour.access.actor import Actor
from quarterhour.config import Settings
from quarterhour.entrypoints.shared.sessions import session_from
from quarterhour.errors import DomainError, Forbidden, Unauthenticated
from quarterhour.kit import bounds
from quarterhour.organisation import staff_accounts

COOKIE = "qh_session"
LANG_COOKIE = "qh_lang"
LANGS = ("zh", "en")


class LoginRequired(Exception):
    """No valid console session: the page answers with the login form (and comes back after)."""

    def __init__(self, next_path: str, reason: str = "") -> None:
        super().__init__(reason)
        self.next_path = next_path
        self.reason = reason


def csrf_for(token: str) -> str:
    return hashlib.sha256(b"quarterhour-csrf:" + token.encode()).hexdigest()[:40]


def language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return asked if asked in LANGS else "zh"


def remember_language(request: Request, response: Response) -> None:
    asked = request.query_params.get("lang")
    if asked in LANGS and asked != request.cookies.get(LANG_COOKIE):
        settings: Settings = request.app.state.settings
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=365 * 86400,
            samesite="lax",
            httponly=True,
            secure=settings.secure_cookies,
        )


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=min(settings.console_idle_minutes, settings.token_ttl_minutes) * 60,
        httponly=True,
        samesite="lax",
        path="/",
        secure=settings.secure_cookies,  # behind a TLS proxy: HTTPS only
    )


@dataclass(frozen=True)
class Console:
    """What every console page has: the request's database session, who is acting, the words."""

    request: Request
    session: Session
    actor: Actor
    settings: Settings
    lang: str
    csrf: str
    token: str


async def get_console(request: Request) -> AsyncIterator[Console]:
    settings: Settings = request.app.state.settings
    token = request.cookies.get(COOKIE)
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise LoginRequired(next_path)
    async with session_from(request.app.state.session_factory) as session:
        try:
            actor = (
                staff_accounts.recently_seen(token) if settings.token_cache_seconds > 0 else None
            )
            if actor is None:
                actor = await run_in_threadpool(
                    staff_accounts.authenticate,
                    session,
                    token,
                    cache_seconds=settings.token_cache_seconds,
                )
        except Unauthenticated as exc:
            raise LoginRequired(next_path, exc.message) from None
        console = Console(
            request, session, actor, settings, language(request), csrf_for(token), token
        )
        if request.method == "POST":
            await _check_csrf(request, console.csrf)
        await _refuse_control_characters(request)
        yield console


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get("X-CSRF-Token")
    if sent is None:
        form = await request.form()  # Starlette keeps it: the route reads the same form
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError).
    if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("the form is stale or came from elsewhere; reload the page", field="csrf")


async def _refuse_control_characters(request: Request) -> None:
    """Every console page and form in one place: a path segment, query value or form field with
    NUL or another control character (which PostgreSQL cannot store, and no keyboard types) is
    refused naming the field, whether the route declares the field or reads the form by hand."""
    values: list[tuple[str, object]] = [
        *request.path_params.items(),
        *request.query_params.multi_items(),
    ]
    if request.method == "POST":
        values += (await request.form()).multi_items()  # read once: Starlette keeps it
    for name, value in values:
        if isinstance(value, str):
            bounds.check_text(value, field=name)
        elif isinstance(value, UploadFile) and value.filename:
            bounds.check_text(value.filename, field=name)


def login_url(next_path: str) -> str:
    return "/console/login?next=" + quote(next_path, safe="/")


ConsoleDep = Annotated[Console, Depends(get_console)]


def back_to_the_form(console: Console, exc: DomainError) -> None:
    """A refused form: its transaction rolled back, so that the form is shown again with what
    was typed and the refusal; a refusal that is no form's to say (not signed in, not allowed,
    nothing there) leaves as the console's error page instead."""
    console.session.rollback()
    if exc.status_code in (401, 403, 404):
        raise exc
