"""Accounts (户号): what one owes, and payments taken at the counter."""

from __future__ import annotations

from fastapi import APIRouter, status

from quarterhour.billing import payments
from quarterhour.billing.arrears import Statement
from quarterhour.billing.schemas import PaymentIn, PaymentOut, StatementBill, StatementOut
from quarterhour.entrypoints.api.deps import CtxDep

router = APIRouter(prefix="/accounts", tags=["accounts and bills"])


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
def statement(number: str, ctx: CtxDep) -> StatementOut:
    """Bills with what was paid of each, late fees and the total due. Late fees follow the rule in
    force each day (《供电营业规则》, 国家发展改革委令2024年第14号; `GET /api/v1/public/disclosure`
    publishes it): households 0.1 % a day, others 0.2 % on the current year's arrears and 0.3 % on
    earlier years', split at 31 December; rounded to the fen once per settlement (a payment of
    arrears, or today), at least 1 yuan. A bill's `late_fee` is its share before that rounding."""
    account, owed = payments.statement_of(ctx.session, number, by=ctx.actor, settings=ctx.settings)
    return _statement(account.number, owed)


@router.post("/{number}/payments", response_model=PaymentOut, status_code=status.HTTP_201_CREATED)
def take_payment(number: str, body: PaymentIn, ctx: CtxDep) -> PaymentOut:
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
