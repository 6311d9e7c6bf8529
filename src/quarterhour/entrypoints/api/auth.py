from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from quarterhour.entrypoints.api.deps import BearerDep, CtxDep
from quarterhour.entrypoints.api.errors import answers
from quarterhour.entrypoints.shared.logins import guarded_log_in
from quarterhour.entrypoints.shared.sessions import SessionDep
from quarterhour.kit.bounds import Text
from quarterhour.organisation import staff_accounts

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    username: Text = Field(min_length=1, max_length=64)
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


@router.post("/token", response_model=TokenOut, responses=answers(401, 422, 429))
def log_in(body: LoginIn, request: Request, session: SessionDep) -> TokenOut:
    issued = guarded_log_in(request, session, body.username, body.password)
    session.commit()
    return TokenOut(
        access_token=issued.token,
        expires_at=issued.expires_at,
        username=issued.actor.username,
        role=issued.actor.role,
        department_id=issued.actor.department_id,
    )


@router.post("/logout", status_code=204, responses=answers(401))
def log_out(ctx: CtxDep, credentials: BearerDep) -> None:
    if credentials is not None:
        staff_accounts.log_out(ctx.session, credentials.credentials)
        ctx.session.commit()


@router.get("/me", response_model=MeOut, responses=answers(401))
def me(ctx: CtxDep) -> MeOut:
    a = ctx.actor
    return MeOut(
        id=a.id,
        username=a.username,
        full_name=a.full_name,
        role=a.role,
        department_id=a.department_id,
    )
