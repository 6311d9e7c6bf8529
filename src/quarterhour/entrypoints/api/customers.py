"""Caller lookup for the intake desk; full phone numbers only on request, and logged."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from quarterhour.customers import service as customers
from quarterhour.customers import view
from quarterhour.customers.schemas import CustomerOut, FullPhoneOut
from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.kit.bounds import DbId, Text

router = APIRouter(prefix="/customers", tags=["customers"], responses=SIGNED_IN)


@router.get("", response_model=list[CustomerOut], responses=REFUSED)
async def search(
    request: Request,
    ctx: CtxDep,
    phone: Annotated[Text | None, Query(max_length=32)] = None,
    name: Annotated[Text | None, Query(max_length=64)] = None,
    address: Annotated[Text | None, Query(max_length=200)] = None,
    account: Annotated[Text | None, Query(max_length=20, description="户号")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[CustomerOut]:
    """Caller lookup as the agent types: by phone (full, or its last four digits), account
    number, the start of a name, or part of an address; personal data masked."""
    terms = {"phone": phone, "name": name, "address": address, "account": account}
    pool = request.app.state.read_pool
    if pool is not None:
        # On PostgreSQL one statement awaited on the event loop: no trip through the thread pool.
        return await customers.search_on_event_loop(pool, by=ctx.actor, limit=limit, **terms)
    return await run_in_threadpool(
        partial(customers.search, ctx.session, by=ctx.actor, limit=limit, **terms)
    )


@router.get("/{customer_id}", response_model=view.CustomerView, responses=REFUSED | answers(404))
def get(customer_id: DbId, ctx: CtxDep) -> view.CustomerView:
    """The customer view: masked personal data, accounts with meters, the last 12 bills and
    payments, arrears and late fees, open and past work orders."""
    return view.customer_view(ctx.session, customer_id, by=ctx.actor, settings=ctx.settings)


@router.post("/{customer_id}/phone", response_model=FullPhoneOut, responses=REFUSED | answers(404))
def reveal_phone(
    customer_id: DbId,
    ctx: CtxDep,
    purpose: Annotated[Text | None, Query(max_length=200)] = None,
) -> FullPhoneOut:
    phone = customers.reveal_phone(ctx.session, customer_id, by=ctx.actor, purpose=purpose)
    ctx.session.commit()
    return FullPhoneOut(customer_id=customer_id, phone=phone)
