"""电话管家 (118318): an account number and the last four digits of its registered phone give
this month's bill, the total due and the due date, and a sentence a voice line can read.

A wrong account and a wrong check answer exactly alike, so nobody can find out which accounts
exist; the entrypoints count such failures per caller and refuse a caller who fails too often.
Nothing personal is in the answer: no name, no address, no phone.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.billing.models import Bill
from quarterhour.billing.payments import account_statement
from quarterhour.billing.schemas import BillInquiryOut
from quarterhour.config import Settings
from quarterhour.customers.models import Account
from quarterhour.errors import NotFound

NO_MATCH = "no account matches this number and phone"


def inquire(
    session: Session, account_number: str, phone_last4: str, *, settings: Settings, as_of: date
) -> BillInquiryOut:
    number = account_number.strip()
    account = session.scalar(select(Account).where(Account.number == number))
    if account is None or not phone_last4.isdigit() or account.phone_last4 != phone_last4:
        raise NotFound(NO_MATCH, field="account")
    latest = session.scalar(
        select(Bill)
        .where(Bill.account_id == account.id, Bill.period <= as_of)
        .order_by(Bill.period.desc())
        .limit(1)
    )
    owed = account_statement(session, account, settings=settings, as_of=as_of)
    return BillInquiryOut(
        account=number,
        period=latest.period if latest else None,
        kwh=latest.kwh if latest else None,
        amount=latest.amount if latest else None,
        due_on=latest.due_on if latest else None,
        total_due=owed.total_due,
        late_fees=owed.late_fees,
        credit=owed.credit,
        sentence=sentence(number, latest, owed.total_due),
    )


def _spoken_digits(number: str) -> str:
    # Read digit by digit, as a voice line says account numbers.
    return "".join("零一二三四五六七八九"[int(c)] if c.isdigit() else c for c in number)


def sentence(number: str, latest: Bill | None, total_due: Decimal) -> str:
    """The answer as the voice line says it (amounts in yuan, two decimals)."""
    start = f"您户号{_spoken_digits(number)}"
    if latest is None:
        return f"{start}暂无电费账单，累计应缴{total_due:.2f}元。"
    return (
        f"{start}{latest.period.year}年{latest.period.month}月电费{latest.amount:.2f}元，"
        f"用电{latest.kwh:.0f}千瓦时，累计应缴{total_due:.2f}元，"
        f"缴费截止日期{latest.due_on.month}月{latest.due_on.day}日。"
    )
