"""Unauthenticated endpoints: order status, bill inquiry. Rate-limited, nothing personal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, TypeVar

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import State
from starlette.types import Scope

from quarterhour.billing import inquiry, tariff_book, voice
from quarterhour.billing.schemas import BillInquiryOut, PublishedTariff
from quarterhour.config import Settings
from quarterhour.entrypoints.api.deps import SessionDep
from quarterhour.entrypoints.api.errors import answers
from quarterhour.errors import NotFound, TooManyRequests
from quarterhour.kit import clock
from quarterhour.kit.bounds import SaneDate, Text
from quarterhour.kit.ratelimit import FailureLimiter
from quarterhour.workorders import policies, service
from quarterhour.workorders.schemas import PublicStatus, PublishedCommitments, PublishedLimit

router = APIRouter(prefix="/public", tags=["public"])
# A lookup that failed too often from one caller is refused before anything is looked up.
LOOKUP_ANSWERS = answers(404, 422, 429)
_T = TypeVar("_T")

# The bill inquiry's parameters; `bill_line` answers only requests these admit.
ACCOUNT_MAX_LENGTH = 20
LAST4_PATTERN = r"^\d{4}$"
AccountQuery = Annotated[
    Text, Query(min_length=1, max_length=ACCOUNT_MAX_LENGTH, description="户号")
]
Last4Query = Annotated[str, Query(min_length=4, max_length=4, pattern=LAST4_PATTERN)]


def caller_of(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def _limiter(state: State, caller: str, field: str) -> FailureLimiter:
    """The failure counter, after refusing a caller who failed too often (before any lookup)."""
    limiter: FailureLimiter = state.public_limiter
    if limiter.is_blocked(caller):
        raise TooManyRequests("too many failed lookups; try again later", field=field)
    return limiter


def _counting_failures(request: Request, field: str, lookup: Callable[[], _T]) -> _T:
    """A lookup that must not be usable to probe: failures are counted per caller, and a caller
    over the limit is refused before anything is looked up."""
    caller = caller_of(request.scope)
    limiter = _limiter(request.app.state, caller, field)
    try:
        return lookup()
    except NotFound:
        limiter.fail(caller)
        raise


@router.get("/orders/{number}", response_model=PublicStatus, responses=LOOKUP_ANSWERS)
def order_status(
    number: Annotated[Text, Path(max_length=32)],
    request: Request,
    session: SessionDep,
    phone_last4: Last4Query,
) -> PublicStatus:
    return _counting_failures(
        request, "phone_last4", lambda: service.public_status(session, number, phone_last4)
    )


@router.get("/bill", response_model=BillInquiryOut, responses=LOOKUP_ANSWERS)
async def bill_inquiry(
    request: Request, account: AccountQuery, phone_last4: Last4Query
) -> Response:
    """电话管家: this month's bill and the total due for an account and its phone's last four."""
    answer = await inquire(request.app.state, caller_of(request.scope), account, phone_last4)
    # Already validated: answered as it is rather than validated and encoded once more.
    return Response(answer.model_dump_json(), media_type="application/json")


async def inquire(state: State, caller: str, account: str, phone_last4: str) -> BillInquiryOut:
    """The inquiry with its failures counted: on PostgreSQL one statement on the worker's async
    connections, awaited on the event loop (storage.reads); on SQLite a session in the thread
    pool. The route and `bill_line` both answer through here."""
    limiter = _limiter(state, caller, "account")
    settings: Settings = state.settings
    today = clock.now().date()
    try:
        if state.read_pool is not None:
            return await inquiry.inquire_on_event_loop(
                state.read_pool, account, phone_last4, settings=settings, as_of=today
            )
        return await run_in_threadpool(
            _inquire_in_session, state, account, phone_last4, settings, today
        )
    except NotFound:
        limiter.fail(caller)
        raise


def _inquire_in_session(
    state: State, account: str, phone_last4: str, settings: Settings, today: date
) -> BillInquiryOut:
    with state.session_factory() as session:
        return inquiry.inquire(session, account, phone_last4, settings=settings, as_of=today)


class Disclosure(BaseModel):
    """公开: the tariffs and the service commitments in force on a day."""

    on: date
    tariffs: list[PublishedTariff]
    commitments: PublishedCommitments


@router.get("/disclosure", response_model=Disclosure, responses=answers(422))
def disclosure(
    session: SessionDep, on: Annotated[SaneDate | None, Query(description="default: today")] = None
) -> Disclosure:
    """The tariffs in force and the time limits the utility commits to, as published (the page
    /disclosure shows the same)."""
    return published_on(session, on or clock.now().date())


def published_on(session: Session, day: date) -> Disclosure:
    policy = policies.policy_in_force(session, day)
    return Disclosure(
        on=day,
        tariffs=[
            tariff_book.published(tariff, version)
            for tariff, version in tariff_book.in_force(session, day)
        ],
        commitments=PublishedCommitments(
            policy=policy.code,
            effective_from=policy.effective_from,
            limits=[
                PublishedLimit(
                    order_type=limit.order_type,
                    subtype=limit.subtype,
                    area_class=limit.area_class,
                    kind=limit.kind,
                    amount=limit.amount,
                    unit=limit.unit,
                    source=limit.source,
                )
                for limit in policy.limits
            ],
            follow_up_required={str(k): v for k, v in policy.follow_up.items()},
        ),
    )


@router.get(
    "/bill.wav",
    response_class=Response,
    responses={
        200: {"content": {"audio/wav": {}}},
        503: {"description": "no speech engine"},
        **LOOKUP_ANSWERS,
    },
)
async def bill_inquiry_spoken(
    request: Request, account: AccountQuery, phone_last4: Last4Query
) -> Response:
    """The same answer as /bill, spoken (WAV), when the server has espeak-ng; 503 otherwise."""
    answer = await inquire(request.app.state, caller_of(request.scope), account, phone_last4)
    return Response(await run_in_threadpool(voice.speak, answer.sentence), media_type="audio/wav")
