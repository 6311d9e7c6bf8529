"""Payments (缴费) against an account, and the account's statement: bills, arrears, late fees."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.billing import late_fees
from quarterhour.billing.arrears import BillDue, PaymentMade, Statement, statement
from quarterhour.billing.models import Bill, Payment
from quarterhour.config import Settings
from quarterhour.customers import accounts
from quarterhour.customers.models import Account
from quarterhour.errors import Conflict, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.kit.money import FEN, decimal_of

CHANNELS = ("counter", "bank", "online")


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
    bounds.check_decimal(value, field="amount")
    now = clock.now()
    if paid_at is not None:
        if paid_at > now:
            raise ValidationFailed("paid_at: a payment cannot be in the future", field="paid_at")
        if clock.local(paid_at).date() < account.opened_on:
            raise ValidationFailed(
                f"paid_at: before the account was opened on {account.opened_on}",
                field="paid_at",
            )
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
        paid_at=clock.local(paid_at) if paid_at else now,
        reference=reference,
        taken_by_id=taken_by_id,
        created_at=now,
    )
    session.add(payment)
    session.flush()
    return payment


def account_statement(
    session: Session, account: Account, *, settings: Settings, as_of: date | None = None
) -> Statement:
    return statements(session, [account], settings=settings, as_of=as_of)[account.id]


def statements(
    session: Session,
    accounts: Sequence[Account],
    *,
    settings: Settings,
    as_of: date | None = None,
) -> dict[int, Statement]:
    """Each account's statement, from two reads whatever the number of accounts; late fees by
    the stored rules (`late_fees`), as the bill inquiry and the customer view compute them."""
    ids = [account.id for account in accounts]
    bills: dict[int, list[BillDue]] = {i: [] for i in ids}
    paid: dict[int, list[PaymentMade]] = {i: [] for i in ids}
    residential = {account.id: account.category == "residential" for account in accounts}
    for account_id, bill_id, period, amount, due_on in session.execute(
        select(Bill.account_id, Bill.id, Bill.period, Bill.amount, Bill.due_on).where(
            Bill.account_id.in_(ids)
        )
    ):
        bills[account_id].append(BillDue(bill_id, period, amount, due_on, residential[account_id]))
    for account_id, amount, paid_at in session.execute(
        select(Payment.account_id, Payment.amount, Payment.paid_at).where(
            Payment.account_id.in_(ids)
        )
    ):
        paid[account_id].append(PaymentMade(amount, clock.local(paid_at).date()))
    day = as_of or clock.now().date()
    book = late_fees.rule_book(session)
    return {i: statement(bills[i], paid[i], day, book) for i in ids}


def take_payment(
    session: Session,
    account_number: str,
    *,
    by: Actor,
    settings: Settings,
    amount: object,
    channel: str,
    paid_at: datetime | None = None,
    reference: str | None = None,
) -> tuple[Payment, Statement]:
    """A payment taken by staff (the counter), and what the account owes after it; bank and
    online payments arrive by file."""
    require(by, Permission.RECORD_PAYMENT)
    account = accounts.get_account(session, account_number)
    payment = record_payment(
        session,
        account,
        amount=amount,
        channel=channel,
        paid_at=paid_at,
        reference=reference,
        taken_by_id=by.id,
    )
    return payment, account_statement(session, account, settings=settings)


def statement_of(
    session: Session, account_number: str, *, by: Actor, settings: Settings
) -> tuple[Account, Statement]:
    require(by, Permission.VIEW_CUSTOMERS)
    account = accounts.get_account(session, account_number)
    return account, account_statement(session, account, settings=settings)
