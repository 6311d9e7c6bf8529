"""Request plumbing shared by the API routers: session, settings, the acting staff member."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.access import service as access
from quarterhour.access.actor import Actor
from quarterhour.config import Settings
from quarterhour.errors import Unauthenticated

_bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/auth/token")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """The request's session. Routes commit once at the end; anything else is rolled back."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@dataclass(frozen=True)
class Ctx:
    session: Session
    actor: Actor
    settings: Settings


def get_ctx(
    session: SessionDep,
    settings: SettingsDep,
    credentials: BearerDep,
) -> Ctx:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send Authorization: Bearer <token>; get one at /api/v1/auth/token")
    actor = access.authenticate(
        session, credentials.credentials, cache_seconds=settings.token_cache_seconds
    )
    return Ctx(session, actor, settings)


CtxDep = Annotated[Ctx, Depends(get_ctx)]
