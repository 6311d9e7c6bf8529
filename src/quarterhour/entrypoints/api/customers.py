"""Caller lookup for the intake desk; full phone numbers only on request, and logged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from quarterhour.customers import service as customers
from quarterhour.customers import view
from quarterhour.customers.schemas import CustomerOut, CustomerView, FullPhoneOut
from quarterhour.entrypoints.api.deps import CtxDep

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("", response_model=list[CustomerOut])
def search(
    ctx: CtxDep,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    name: Annotated[str | None, Query(max_length=64)] = None,
    address: Annotated[str | None, Query(max_length=200)] = None,
    account: Annotated[str | None, Query(max_length=20, description="户号")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[CustomerOut]:
    return customers.search(
        ctx.session,
        by=ctx.actor,
        phone=phone,
        name=name,
        address=address,
        account=account,
        limit=limit,
    )


@router.get("/{customer_id}", response_model=CustomerView)
def get(customer_id: int, ctx: CtxDep) -> CustomerView:
    """The customer view: masked personal data, accounts with meters, the last 12 bills and
    payments, arrears and late fees, open and past work orders."""
    return view.customer_view(ctx.session, customer_id, by=ctx.actor, settings=ctx.settings)


@router.post("/{customer_id}/phone", response_model=FullPhoneOut)
def reveal_phone(
    customer_id: int,
    ctx: CtxDep,
    purpose: Annotated[str | None, Query(max_length=200)] = None,
) -> FullPhoneOut:
    phone = customers.reveal_phone(ctx.session, customer_id, by=ctx.actor, purpose=purpose)
    ctx.session.commit()
    return FullPhoneOut(customer_id=customer_id, phone=phone)
