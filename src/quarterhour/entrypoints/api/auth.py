from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from quarterhour.access import service as access
from quarterhour.entrypoints.api.deps import BearerDep, CtxDep, SessionDep, SettingsDep

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 scheme name, not a secret
    expires_at: datetime
    username: str
    role: str
    department_id: int | None


class MeOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    department_id: int | None


@router.post("/token", response_model=TokenOut)
def log_in(body: LoginIn, session: SessionDep, settings: SettingsDep) -> TokenOut:
    issued = access.log_in(
        session, body.username, body.password, ttl_minutes=settings.token_ttl_minutes
    )
    session.commit()
    return TokenOut(
        access_token=issued.token,
        expires_at=issued.expires_at,
        username=issued.actor.username,
        role=issued.actor.role,
        department_id=issued.actor.department_id,
    )


@router.post("/logout", status_code=204)
def log_out(ctx: CtxDep, credentials: BearerDep) -> None:
    if credentials is not None:
        access.log_out(ctx.session, credentials.credentials)
        ctx.session.commit()


@router.get("/me", response_model=MeOut)
def me(ctx: CtxDep) -> MeOut:
    a = ctx.actor
    return MeOut(
        id=a.id,
        username=a.username,
        full_name=a.full_name,
        role=a.role,
        department_id=a.department_id,
    )
