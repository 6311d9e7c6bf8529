"""Unauthenticated endpoints: order status, bill inquiry, self-service intake. Failure budgets and
rate limits, nothing personal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from quarterhour.billing import voice
from quarterhour.entrypoints.api.errors import answers
from quarterhour.entrypoints.shared import lookups, selfservice
from quarterhour.entrypoints.shared.lookups import BillAnswer, Disclosure
from quarterhour.entrypoints.shared.selfservice import (
    CodeRequest,
    CodeSent,
    SelfContact,
    SelfContactOut,
)
from quarterhour.entrypoints.shared.sessions import SessionDep
from quarterhour.kit import clock
from quarterhour.kit.bounds import SaneDate, Text
from quarterhour.workorders.schemas import PublicStatus

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
    return lookups.order_status(number, request, session, phone_last4)


@router.get("/bill", response_model=BillAnswer, responses=LOOKUP_ANSWERS)
async def bill_inquiry(
    request: Request, account: AccountQuery, phone_last4: Last4Query
) -> Response:
    """电话管家: this month's bill and the total due for an account and its phone's last four,
    and the planned outages announced at its premises for the coming 7 days."""
    answer = await lookups.inquire(
        request.app.state, lookups.caller_of(request.scope), account, phone_last4
    )
    # Already validated: answered as it is rather than validated and encoded once more.
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get("/disclosure", response_model=Disclosure, responses=answers(422))
def disclosure(
    session: SessionDep, on: Annotated[SaneDate | None, Query(description="default: today")] = None
) -> Disclosure:
    """The tariffs in force, the late-fee rule with its source and the time limits the utility
    commits to, as published (the page /disclosure shows the same)."""
    return lookups.published_on(session, on or clock.now().date())


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
    answer = await lookups.inquire(
        request.app.state, lookups.caller_of(request.scope), account, phone_last4
    )
    return Response(await run_in_threadpool(voice.speak, answer.sentence), media_type="audio/wav")


@router.post(
    "/verification-codes",
    response_model=CodeSent,
    status_code=status.HTTP_202_ACCEPTED,
    responses=answers(422, 429),
)
def send_verification_code(body: CodeRequest, request: Request, session: SessionDep) -> CodeSent:
    """A 6-digit one-time code sent to the phone by SMS, for /public/contacts: valid 5 minutes,
    5 wrong tries, used once. Per phone one a minute and five an hour, per caller twenty an
    hour (429 with Retry-After). The answer is the same whatever the phone."""
    return selfservice.send_code(
        session, body, caller=lookups.caller_of(request.scope), settings=request.app.state.settings
    )


@router.post(
    "/contacts",
    response_model=SelfContactOut,
    status_code=status.HTTP_201_CREATED,
    responses=answers(409, 422, 429)
    | {200: {"model": SelfContactOut, "description": "the same request retried"}},
)
def report(
    body: SelfContact,
    request: Request,
    session: SessionDep,
    idempotency_key: Annotated[
        Text | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=selfservice.IDEMPOTENCY_MAX_LENGTH,
        ),
    ] = None,
) -> Response:
    """A customer's own fault report, complaint or consultation, his phone proven by the code
    (a wrong, expired or used one: 422 `code`, alike; too many wrong ones from one address:
    429 `code`). Taken as the desk takes a contact, on
    channel web or app; the order numbers and their status links, which he is also sent by
    SMS."""
    settings = request.app.state.settings
    result = selfservice.take(
        session,
        body,
        caller=lookups.caller_of(request.scope),
        settings=settings,
        idempotency_key=idempotency_key,
    )
    out = selfservice.answer(result, settings)
    return Response(
        out.model_dump_json(),
        status_code=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        media_type="application/json",
    )
