"""Accounts (户号): what one owes, and payments taken at the counter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from quarterhour.billing import payments
from quarterhour.billing.arrears import Statement
from quarterhour.billing.schemas import PaymentIn, PaymentOut, StatementBill, StatementOut
from quarterhour.customers import accounts
from quarterhour.customers.models import Meter, MeterReading
from quarterhour.customers.schemas import ReadingOut, VoidReadingIn
from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.kit.bounds import BigId, Text

router = APIRouter(
    prefix="/accounts", tags=["accounts and bills"], responses=SIGNED_IN | REFUSED | answers(404)
)
AccountNumber = Annotated[Text, Path(max_length=20, description="户号")]


def _statement(number: str, owed: Statement) -> StatementOut:
    return StatementOut(
        account=number,
        as_of=owed.as_of,
        bills=[
            StatementBill(
                period=b.bill.period,
                amount=b.bill.amount,
                due_on=b.bill.due_on,
                paid=b.paid,
                unpaid=b.unpaid,
                late_fee=b.late_fee,
            )
            for b in owed.bills
        ],
        unpaid=owed.unpaid,
        late_fees=owed.late_fees,
        total_due=owed.total_due,
        credit=owed.credit,
    )


@router.get("/{number}/statement", response_model=StatementOut)
def statement(number: AccountNumber, ctx: CtxDep) -> StatementOut:
    """Bills with what was paid of each, late fees and the total due. Late fees follow the rule in
    force each day (《供电营业规则》, 国家发展改革委令2024年第14号; `GET /api/v1/public/disclosure`
    publishes it): households 0.1 % a day, others 0.2 % on the current year's arrears and 0.3 % on
    earlier years', split at 31 December; rounded to the fen once per settlement (a payment of
    arrears, or today), at least 1 yuan. A bill's `late_fee` is its share before that rounding."""
    account, owed = payments.statement_of(ctx.session, number, by=ctx.actor, settings=ctx.settings)
    return _statement(account.number, owed)


@router.post(
    "/{number}/payments",
    response_model=PaymentOut,
    status_code=status.HTTP_201_CREATED,
    responses=answers(409),
)
def take_payment(number: AccountNumber, body: PaymentIn, ctx: CtxDep) -> PaymentOut:
    """A payment at the counter; more than is owed stays as credit. A `reference` sent twice
    records one payment."""
    payment, owed = payments.take_payment(
        ctx.session,
        number,
        by=ctx.actor,
        settings=ctx.settings,
        amount=body.amount,
        channel=body.channel,
        paid_at=body.paid_at,
        reference=body.reference,
    )
    out = PaymentOut(
        id=payment.id,
        account=number,
        amount=payment.amount,
        channel=payment.channel,
        paid_at=payment.paid_at,
        statement=_statement(number, owed),
    )
    ctx.session.commit()
    return out


def reading_out(reading: MeterReading, meter: Meter) -> ReadingOut:
    return ReadingOut(
        id=reading.id,
        meter=meter.number,
        read_on=reading.read_on,
        period=reading.period,
        kind=reading.kind,
        source=reading.source,
        total=reading.total,
        peak=reading.peak,
        valley=reading.valley,
        previous_total=reading.previous_total,
        rolled_over=reading.rolled_over,
        voided_at=reading.voided_at,
        voided_by_id=reading.voided_by_id,
        void_reason=reading.void_reason,
    )


@router.get("/{number}/readings", response_model=list[ReadingOut])
def readings(number: AccountNumber, ctx: CtxDep) -> list[ReadingOut]:
    """Every reading of the account's meters, oldest first; voided ones stay, marked."""
    _, meters = accounts.account_readings(ctx.session, number, by=ctx.actor)
    return [reading_out(r, meter) for meter, rows in meters for r in rows]


@router.post(
    "/{number}/readings/{reading_id}/void", response_model=ReadingOut, responses=answers(409)
)
def void_reading(
    number: AccountNumber, reading_id: BigId, body: VoidReadingIn, ctx: CtxDep
) -> ReadingOut:
    """作废: a wrong reading (one dated ahead, a misread register) is set aside with the reason,
    for administrators. It stays in the history; the bill run passes over it, and the next
    reading follows the one before it. The month's bills change when the month is run again."""
    reading = accounts.void_reading(
        ctx.session, number, reading_id, by=ctx.actor, reason=body.reason
    )
    meter = ctx.session.get(Meter, reading.meter_id)
    assert meter is not None  # the reading's own meter
    out = reading_out(reading, meter)
    ctx.session.commit()
    return out
