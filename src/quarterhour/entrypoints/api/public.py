"""Unauthenticated endpoints: order status, bill inquiry. Rate-limited, nothing personal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from quarterhour.billing import inquiry
from quarterhour.billing.schemas import BillInquiryOut
from quarterhour.entrypoints.api.deps import SessionDep, SettingsDep
from quarterhour.errors import NotFound, TooManyRequests
from quarterhour.kit import clock
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


@router.get("/bill", response_model=BillInquiryOut)
def bill_inquiry(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: Annotated[str, Query(min_length=1, max_length=20, description="户号")],
    phone_last4: Annotated[str, Query(min_length=4, max_length=4, pattern=r"^\d{4}$")],
) -> BillInquiryOut:
    """电话管家: this month's bill and the total due for an account and its phone's last four."""
    limiter: FailureLimiter = request.app.state.public_limiter
    caller = _caller(request)
    if limiter.is_blocked(caller):
        raise TooManyRequests("too many failed lookups; try again later", field="account")
    try:
        answer = inquiry.inquire(
            session, account, phone_last4, settings=settings, as_of=clock.now().date()
        )
    except NotFound:
        limiter.fail(caller)
        raise
    return BillInquiryOut.model_validate(answer, from_attributes=True)
