"""What billing tells the customer through the outbox: the bill ready (after a district's bill
run), the arrears reminder and the disconnection notice (a daily job). Each is set-based — one
read, one write — and once per bill (its dedupe key), however often the job runs.

The arrears notices name what the account owes that day as the inquiry line and the
statement say it (billing/arrears.py: the unpaid bills and the late fees to the day): the
accounts owing are found by one set-based read, and their statements computed from two reads
per thousand accounts (payments.statements).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.billing import payments
from quarterhour.billing.models import Bill, Payment
from quarterhour.config import Settings
from quarterhour.customers.models import Account, Customer, Premises
from quarterhour.notifications import outbox
from quarterhour.notifications.outbox import Recipient


def bill_ready(session: Session, period: date, *, district_id: int | None, by: Actor) -> int:
    """账单通知 for the period's bills (of one district), once per bill; how many bills."""
    require(by, Permission.RUN_BILLING)
    query = (
        select(
            Bill.id,
            Bill.amount,
            Bill.due_on,
            Account.id,
            Account.number,
            Customer.id,
            func.coalesce(Account.phone, Customer.phone),
        )
        .join(Account, Account.id == Bill.account_id)
        .join(Customer, Customer.id == Account.customer_id)
        .where(Bill.period == period.replace(day=1))
    )
    if district_id is not None:
        query = query.join(Premises, Premises.id == Account.premises_id).where(
            Premises.district_id == district_id
        )
    bills = session.execute(query).all()
    outbox.write_many(
        session,
        "bill_ready",
        [
            Recipient(
                variables={
                    "account": number,
                    "period": f"{period:%Y-%m}",
                    "amount": f"{amount:.2f}",
                    "due_date": f"{due_on:%Y-%m-%d}",
                },
                customer_id=customer_id,
                phone=phone,
                account_id=account_id,
                dedupe_key=f"bill:{bill_id}",
            )
            for bill_id, amount, due_on, account_id, number, customer_id, phone in bills
            if phone
        ],
    )
    return len(bills)


# Accounts whose statements are computed from one pair of reads (their bills, their payments).
STATEMENTS_AT_ONCE = 1000


@dataclass(frozen=True)
class ArrearsNotices:
    reminded: int
    warned: int


def arrears_notices(
    session: Session,
    *,
    today: date,
    disconnect_after_days: int,
    notice_days: int,
    settings: Settings,
    by: Actor,
) -> ArrearsNotices:
    """欠费提醒 for every account owing on a bill past its due date (once per latest such bill),
    and 停电催费通知 for those owing on a bill more than `disconnect_after_days` overdue,
    naming the day supply may be cut (`notice_days` after the notice: 供电营业规则 asks for the
    notice before, in writing)."""
    require(by, Permission.RUN_BILLING)
    due = (
        select(
            Bill.account_id.label("account_id"),
            func.sum(Bill.amount).label("owed"),
            func.min(Bill.due_on).label("oldest_due"),
            func.max(Bill.id).label("latest_bill"),
        )
        .where(Bill.due_on < today)
        .group_by(Bill.account_id)
        .subquery()
    )
    paid = (
        select(Payment.account_id.label("account_id"), func.sum(Payment.amount).label("paid"))
        .group_by(Payment.account_id)
        .subquery()
    )
    outstanding = due.c.owed - func.coalesce(paid.c.paid, 0)
    rows = session.execute(
        select(
            Account,
            Account.number,
            Customer.id,
            func.coalesce(Account.phone, Customer.phone),
            outstanding,
            due.c.oldest_due,
            due.c.latest_bill,
        )
        .join(due, due.c.account_id == Account.id)
        .outerjoin(paid, paid.c.account_id == Account.id)
        .join(Customer, Customer.id == Account.customer_id)
        .where(outstanding > 0, Account.closed_on.is_(None))
        .order_by(Account.id)
    ).all()
    cut_off = today - timedelta(days=disconnect_after_days)
    disconnect_on = today + timedelta(days=notice_days)
    owing = [row for row in rows if row[3]]  # a notice needs a phone
    due_today: dict[int, Decimal] = {}
    for start in range(0, len(owing), STATEMENTS_AT_ONCE):
        chunk = [row[0] for row in owing[start : start + STATEMENTS_AT_ONCE]]
        found = payments.statements(session, chunk, settings=settings, as_of=today)
        due_today |= {i: s.total_due for i, s in found.items()}
    reminders, warnings = [], []
    for account, number, customer_id, phone, _owed, oldest_due, latest_bill in owing:
        account_id = account.id
        amount = f"{due_today[account_id]:.2f}"
        if oldest_due < cut_off:
            warnings.append(
                Recipient(
                    variables={
                        "account": number,
                        "amount": amount,
                        "disconnect_on": f"{disconnect_on:%Y-%m-%d}",
                    },
                    customer_id=customer_id,
                    phone=phone,
                    account_id=account_id,
                    dedupe_key=f"disconnect:{latest_bill}",
                )
            )
        else:
            reminders.append(
                Recipient(
                    variables={
                        "account": number,
                        "amount": amount,
                        "due_date": f"{today + timedelta(days=notice_days):%Y-%m-%d}",
                    },
                    customer_id=customer_id,
                    phone=phone,
                    account_id=account_id,
                    dedupe_key=f"arrears:{latest_bill}",
                )
            )
    outbox.write_many(session, "arrears_reminder", reminders)
    outbox.write_many(session, "disconnection_notice", warnings)
    return ArrearsNotices(reminded=len(reminders), warned=len(warnings))
