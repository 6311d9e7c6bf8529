"""Unauthenticated endpoints: order status lookup. Rate-limited, nothing personal in answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from quarterhour.entrypoints.api.deps import SessionDep
from quarterhour.errors import NotFound, TooManyRequests
from quarterhour.kit.ratelimit import FailureLimiter
from quarterhour.workorders import service
from quarterhour.workorders.schemas import PublicStatus

router = APIRouter(prefix="/public", tags=["public"])


def _caller(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/orders/{number}", response_model=PublicStatus)
def order_status(
    number: str,
    request: Request,
    session: SessionDep,
    phone_last4: Annotated[str, Query(min_length=4, max_length=4, pattern=r"^\d{4}$")],
) -> PublicStatus:
    limiter: FailureLimiter = request.app.state.public_limiter
    caller = _caller(request)
    if limiter.is_blocked(caller):
        raise TooManyRequests("too many failed lookups; try again later", field="phone_last4")
    try:
        return service.public_status(session, number, phone_last4)
    except NotFound:
        limiter.fail(caller)
        raise
