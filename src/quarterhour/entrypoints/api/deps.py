"""Request plumbing of the API routers: settings, the acting staff member and their session
(`shared.sessions`, which the console uses too)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.config import Settings
from quarterhour.entrypoints.shared.sessions import session_from
from quarterhour.errors import Unauthenticated
from quarterhour.organisation import staff_accounts

_bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/auth/token")


# The dependencies are coroutines: a plain `def` would cost each request a trip through the
# thread pool per dependency. None of them waits on the database unless it has to.


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class Ctx:
    session: Session
    actor: Actor
    settings: Settings


async def get_ctx(request: Request, credentials: BearerDep) -> AsyncIterator[Ctx]:
    # One dependency besides the bearer scheme (kept so the API description shows it) instead of
    # three (session, settings, credentials): every dependency FastAPI solves has a price per
    # request, and this one is solved on every authenticated route.
    settings: Settings = request.app.state.settings
    async with session_from(request.app.state.session_factory) as session:
        yield await _ctx(session, settings, credentials)


async def get_one_write_ctx(request: Request, credentials: BearerDep) -> AsyncIterator[Ctx]:
    # For the two busiest routes, whose use case writes once (storage.engine says why their
    # sessions differ); otherwise as get_ctx.
    settings: Settings = request.app.state.settings
    async with session_from(request.app.state.one_write_session_factory) as session:
        yield await _ctx(session, settings, credentials)


async def _ctx(
    session: Session, settings: Settings, credentials: HTTPAuthorizationCredentials | None
) -> Ctx:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send Authorization: Bearer <token>; get one at /api/v1/auth/token")
    token = credentials.credentials
    actor = staff_accounts.recently_seen(token) if settings.token_cache_seconds > 0 else None
    if actor is None:
        actor = await run_in_threadpool(
            staff_accounts.authenticate, session, token, cache_seconds=settings.token_cache_seconds
        )
    return Ctx(session, actor, settings)


CtxDep = Annotated[Ctx, Depends(get_ctx)]
OneWriteCtxDep = Annotated[Ctx, Depends(get_one_write_ctx)]
