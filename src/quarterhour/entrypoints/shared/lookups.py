"""The public lookups the API and the public pages both answer: who is calling, the order status,
the bill inquiry (the bill line's fast path too) and the disclosure. Failure budgets, nothing
personal."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.datastructures import State
from starlette.types import Scope

from quarterhour.billing import inquiry, late_fees
from quarterhour.billing.schemas import BillInquiryOut, PublishedLateFeeRule
from quarterhour.config import Settings
from quarterhour.errors import NotFound, TooManyRequests
from quarterhour.kit import callers, clock
from quarterhour.outages import coming
from quarterhour.outages import service as outages
from quarterhour.outages.coming import ComingOutage
from quarterhour.outages.schemas import PlannedOutageOut
from quarterhour.tariffs import tariff_book
from quarterhour.tariffs.schemas import PublishedTariff
from quarterhour.throttle import budget
from quarterhour.workorders import policies, public_status
from quarterhour.workorders.kinds import DeadlineKind
from quarterhour.workorders.schemas import PublicStatus, PublishedCommitments, PublishedLimit


def caller_of(scope: Scope) -> str:
    """The caller of a request: the socket peer, or behind a configured trusted proxy the address
    it forwarded (kit/callers.py). Every public lookup and every login reads it here."""
    settings: Settings = scope["app"].state.settings
    return callers.caller_of(scope, settings.trusted_proxies)


def order_status(number: str, request: Request, session: Session, phone_last4: str) -> PublicStatus:
    """Where an order stands, for its number and the caller's last four digits. A lookup that must
    not be usable to probe: each failure is charged to the order number and to the caller, and a
    number or caller over its budget is refused before anything is looked up — the right digits
    as well (throttle/budget.py)."""
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


class BillAnswer(BillInquiryOut):
    """The bill inquiry's answer, with the outages announced at the account's premises: the
    billing area knows nothing of the network (it lies below outages), so they are added here."""

    planned_outages: list[PlannedOutageOut] = Field(
        default_factory=list,
        description="计划/临时停电 announced at the account's premises, on now or within 7 days",
    )


def with_outages(answer: BillInquiryOut, told: list[ComingOutage]) -> BillAnswer:
    """The bill's answer and, after its sentence, each outage as the line says it."""
    sentence = answer.sentence + "".join(f"{o.text}。" for o in told)
    return BillAnswer(
        **(answer.model_dump() | {"sentence": sentence}),
        planned_outages=[o.out() for o in told],
    )


async def inquire(state: State, caller: str, account: str, phone_last4: str) -> BillAnswer:
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
        answer = await inquiry.inquire_on_event_loop(
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
    # Only an answered inquiry is told of outages: a wrong check learns nothing of the account.
    told = await coming.for_account_on_event_loop(state.read_pool, answer.account, now)
    return with_outages(answer, told)


def _inquire_in_session(
    state: State,
    account: str,
    phone_last4: str,
    settings: Settings,
    charges: tuple[budget.Charge, ...],
    now: datetime,
) -> BillAnswer:
    with state.session_factory() as session:
        try:
            answer = inquiry.inquire(
                session, account, phone_last4, settings=settings, as_of=now.date(), charges=charges
            )
        except NotFound:
            session.rollback()
            budget.fail(session, charges, now)
            session.commit()
            raise
        return with_outages(answer, coming.for_account(session, answer.account, now))


class PublishedOutage(BaseModel):
    """停电公告: an announced outage as its notice tells the public."""

    kind: str = Field(description="planned (计划停电) or temporary (临时停电)")
    state: str = Field(description="announced, or active once the supply is off")
    starts_at: datetime
    expected_restoration_at: datetime
    area: str | None
    cause: str
    feeders: list[str] = Field(description="the lines (线路) by name")
    published_at: datetime


class Disclosure(BaseModel):
    """公开: the tariffs, the late-fee rule and the service commitments in force on a day, and
    the outages announced and not over."""

    on: date
    tariffs: list[PublishedTariff]
    late_fees: PublishedLateFeeRule | None = Field(
        description="the late-fee rule (电费违约金) in force, with its source; none before any"
    )
    commitments: PublishedCommitments
    outages: list[PublishedOutage] = Field(
        default_factory=list, description="停电公告: announced, not yet restored, soonest first"
    )


# The service centre's own clocks (dispatch, the follow-up call) are how the utility manages
# itself, not what it promises the public: the console's policy pages show them.
INTERNAL_CLOCKS = frozenset({DeadlineKind.DISPATCH, DeadlineKind.FOLLOW_UP})


def published_on(session: Session, day: date) -> Disclosure:
    policy = policies.policy_in_force(session, day)
    now = clock.now()
    # Another day's page shows the outages announced as that day began.
    at = now if day == now.date() else datetime.combine(day, datetime.min.time(), clock.SHANGHAI)
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
        outages=[
            PublishedOutage(
                kind=o.outage.kind,
                state=o.outage.state,
                starts_at=o.outage.starts_at,
                expected_restoration_at=o.outage.expected_restoration_at,
                area=o.outage.area,
                cause=o.outage.cause,
                feeders=o.feeders,
                published_at=o.published_at,
            )
            for o in outages.announced(session, at)
        ],
    )
