"""Payments (缴费) against an account, and the account's statement: bills, arrears, late fees."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.billing.arrears import BillDue, LateFeeRates, PaymentMade, Statement, statement
from quarterhour.billing.models import Bill, Payment
from quarterhour.config import Settings
from quarterhour.customers import accounts
from quarterhour.customers.models import Account
from quarterhour.errors import Conflict, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.money import FEN, decimal_of

CHANNELS = ("counter", "bank", "online")


def rates_of(settings: Settings) -> LateFeeRates:
    return LateFeeRates(
        residential=settings.late_fee_residential,
        current_year=settings.late_fee_current_year,
        earlier_years=settings.late_fee_earlier_years,
    )


def record_payment(
    session: Session,
    account: Account,
    *,
    amount: object,
    channel: str,
    paid_at: datetime | None = None,
    reference: str | None = None,
    taken_by_id: int | None = None,
) -> Payment:
    """A payment; more than is owed is kept as credit. The same `reference` reported again
    (a bank file sent twice) is the same payment, not a second one."""
    value = decimal_of(amount, field="amount")
    if value <= 0:
        raise ValidationFailed("a payment is more than 0 yuan", field="amount")
    if value != value.quantize(FEN):
        raise ValidationFailed("a payment is counted to the fen (two decimals)", field="amount")
    if channel not in CHANNELS:
        raise ValidationFailed(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    if reference is not None:
        earlier = session.scalar(select(Payment).where(Payment.reference == reference))
        if earlier is not None:
            if earlier.account_id != account.id or earlier.amount != value:
                raise Conflict(
                    f"reference {reference} was used for another payment",
                    field="reference",
                    payment_id=earlier.id,
                )
            return earlier
    payment = Payment(
        account_id=account.id,
        amount=value,
        channel=channel,
        paid_at=clock.local(paid_at) if paid_at else clock.now(),
        reference=reference,
        taken_by_id=taken_by_id,
        created_at=clock.now(),
    )
    session.add(payment)
    session.flush()
    return payment


def account_statement(
    session: Session, account: Account, *, settings: Settings, as_of: date | None = None
) -> Statement:
    bills = session.execute(
        select(Bill.id, Bill.period, Bill.amount, Bill.due_on).where(Bill.account_id == account.id)
    ).all()
    payments = session.execute(
        select(Payment.amount, Payment.paid_at).where(Payment.account_id == account.id)
    ).all()
    residential = account.category == "residential"
    return statement(
        [BillDue(i, period, amount, due_on, residential) for i, period, amount, due_on in bills],
        [PaymentMade(amount, clock.local(paid_at).date()) for amount, paid_at in payments],
        as_of or clock.now().date(),
        rates_of(settings),
    )


def take_payment(
    session: Session,
    account_number: str,
    *,
    by: Actor,
    amount: object,
    channel: str,
    paid_at: datetime | None = None,
    reference: str | None = None,
) -> Payment:
    """A payment taken by staff (the counter); bank and online payments arrive by file."""
    require(by, Permission.RECORD_PAYMENT)
    account = accounts.get_account(session, account_number)
    return record_payment(
        session,
        account,
        amount=amount,
        channel=channel,
        paid_at=paid_at,
        reference=reference,
        taken_by_id=by.id,
    )


def statement_of(
    session: Session, account_number: str, *, by: Actor, settings: Settings
) -> tuple[Account, Statement]:
    require(by, Permission.VIEW_CUSTOMERS)
    account = accounts.get_account(session, account_number)
    return account, account_statement(session, account, settings=settings)
