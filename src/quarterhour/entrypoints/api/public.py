"""Unauthenticated endpoints: order status, bill inquiry. Failure budgets, nothing personal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.datastructures import State
from starlette.types import Scope

from quarterhour.billing import inquiry, late_fees, tariff_book, voice
from quarterhour.billing.schemas import BillInquiryOut, PublishedLateFeeRule, PublishedTariff
from quarterhour.config import Settings
from quarterhour.entrypoints.api.deps import SessionDep
from quarterhour.entrypoints.api.errors import answers
from quarterhour.errors import NotFound, TooManyRequests
from quarterhour.kit import callers, clock
from quarterhour.kit.bounds import SaneDate, Text
from quarterhour.throttle import budget
from quarterhour.workorders import policies, public_status
from quarterhour.workorders.kinds import DeadlineKind
from quarterhour.workorders.schemas import PublicStatus, PublishedCommitments, PublishedLimit

router = APIRouter(prefix="/public", tags=["public"])
# A lookup that failed too often (its number, or its caller) is refused before anything is
# looked up.
LOOKUP_ANSWERS = answers(404, 422, 429)

# The bill inquiry's parameters; `bill_line` answers only requests these admit.
ACCOUNT_MAX_LENGTH = 20
LAST4_PATTERN = r"^\d{4}$"
AccountQuery = Annotated[
    Text, Query(min_length=1, max_length=ACCOUNT_MAX_LENGTH, description="户号")
]
Last4Query = Annotated[str, Query(min_length=4, max_length=4, pattern=LAST4_PATTERN)]


def caller_of(scope: Scope) -> str:
    """The caller of a request: the socket peer, or behind a configured trusted proxy the address
    it forwarded (kit/callers.py). Every public lookup and every login reads it here."""
    settings: Settings = scope["app"].state.settings
    return callers.caller_of(scope, settings.trusted_proxies)


@router.get("/orders/{number}", response_model=PublicStatus, responses=LOOKUP_ANSWERS)
def order_status(
    number: Annotated[Text, Path(max_length=32)],
    request: Request,
    session: SessionDep,
    phone_last4: Last4Query,
) -> PublicStatus:
    """A lookup that must not be usable to probe: each failure is charged to the order number and
    to the caller, and a number or caller over its budget is refused before anything is looked
    up — the right digits as well (throttle/budget.py)."""
    now = clock.now()
    budgets = budget.budgets(request.app.state.settings)
    charges = (
        budget.charge(budgets.order, number.strip()),
        budget.charge(budgets.order_caller, caller_of(request.scope)),
    )
    if budget.locked(session, charges, now):
        raise TooManyRequests(budget.TOO_MANY_LOOKUPS, field="phone_last4")
    try:
        return public_status.public_status(session, number, phone_last4)
    except NotFound:
        session.rollback()
        budget.fail(session, charges, now)
        session.commit()
        raise


@router.get("/bill", response_model=BillInquiryOut, responses=LOOKUP_ANSWERS)
async def bill_inquiry(
    request: Request, account: AccountQuery, phone_last4: Last4Query
) -> Response:
    """电话管家: this month's bill and the total due for an account and its phone's last four."""
    answer = await inquire(request.app.state, caller_of(request.scope), account, phone_last4)
    # Already validated: answered as it is rather than validated and encoded once more.
    return Response(answer.model_dump_json(), media_type="application/json")


async def inquire(state: State, caller: str, account: str, phone_last4: str) -> BillInquiryOut:
    """The inquiry with its failures charged to the account number and the caller: on
    PostgreSQL one statement on the worker's async connections, awaited on the event loop
    (storage.reads), which also reads whether either is refused; on SQLite a session in the
    thread pool. Only a failure writes. The route and `bill_line` both answer through here."""
    settings: Settings = state.settings
    now = clock.now()
    budgets = budget.budgets(settings)
    charges = (
        budget.charge(budgets.bill, account.strip()),
        budget.charge(budgets.bill_caller, caller),
    )
    if state.read_pool is None:
        return await run_in_threadpool(
            _inquire_in_session, state, account, phone_last4, settings, charges, now
        )
    try:
        return await inquiry.inquire_on_event_loop(
            state.read_pool,
            account,
            phone_last4,
            settings=settings,
            as_of=now.date(),
            charges=charges,
        )
    except NotFound:
        await budget.fail_on_event_loop(state.read_pool, charges, now)
        raise


def _inquire_in_session(
    state: State,
    account: str,
    phone_last4: str,
    settings: Settings,
    charges: tuple[budget.Charge, ...],
    now: datetime,
) -> BillInquiryOut:
    with state.session_factory() as session:
        try:
            return inquiry.inquire(
                session, account, phone_last4, settings=settings, as_of=now.date(), charges=charges
            )
        except NotFound:
            session.rollback()
            budget.fail(session, charges, now)
            session.commit()
            raise


class Disclosure(BaseModel):
    """公开: the tariffs, the late-fee rule and the service commitments in force on a day."""

    on: date
    tariffs: list[PublishedTariff]
    late_fees: PublishedLateFeeRule | None = Field(
        description="the late-fee rule (电费违约金) in force, with its source; none before any"
    )
    commitments: PublishedCommitments


@router.get("/disclosure", response_model=Disclosure, responses=answers(422))
def disclosure(
    session: SessionDep, on: Annotated[SaneDate | None, Query(description="default: today")] = None
) -> Disclosure:
    """The tariffs in force, the late-fee rule with its source and the time limits the utility
    commits to, as published (the page /disclosure shows the same)."""
    return published_on(session, on or clock.now().date())


# The service centre's own clocks (dispatch, the follow-up call) are how the utility manages
# itself, not what it promises the public: the console's policy pages show them.
INTERNAL_CLOCKS = frozenset({DeadlineKind.DISPATCH, DeadlineKind.FOLLOW_UP})


def published_on(session: Session, day: date) -> Disclosure:
    policy = policies.policy_in_force(session, day)
    late_fee_rule = late_fees.in_force(session, day)
    return Disclosure(
        on=day,
        tariffs=[
            tariff_book.published(tariff, version)
            for tariff, version in tariff_book.in_force(session, day)
        ],
        late_fees=late_fees.published(late_fee_rule) if late_fee_rule else None,
        commitments=PublishedCommitments(
            policy=policy.code,
            effective_from=policy.effective_from,
            limits=[
                PublishedLimit.model_validate(limit, from_attributes=True)
                for limit in policy.limits
                if limit.kind not in INTERNAL_CLOCKS
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
