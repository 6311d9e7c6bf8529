"""电话管家 (118318): an account number and the last four digits of its registered phone give
this month's bill, the total due and the due date, and a sentence a voice line can read.

A wrong account and a wrong check answer exactly alike, so nobody can find out which accounts
exist; the entrypoints count such failures per account number and per caller, and a number or a
caller that failed too often is refused (throttle/budget.py) — the same statement reads whether
it is, so an inquiry is still one round trip. Nothing personal is in the answer: no name, no
address, no phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Date, String, Table, bindparam, cast, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from quarterhour.billing import late_fees
from quarterhour.billing.arrears import BillDue, LateFeeBook, PaymentMade, statement
from quarterhour.billing.models import Bill, Payment
from quarterhour.billing.schemas import BillInquiryOut
from quarterhour.config import Settings
from quarterhour.customers.models import Account
from quarterhour.errors import NotFound, TooManyRequests
from quarterhour.kit import clock
from quarterhour.storage import reads
from quarterhour.storage.base import AwareDateTime
from quarterhour.storage.driver import driver_rows, on_postgresql, postgresql_text
from quarterhour.throttle import budget
from quarterhour.throttle.budget import Charge

NO_MATCH = "no account matches this number and phone"
# The budget's row of the answer (its category; an account's is residential or non_residential).
_BUDGET_ROW = "budget"
# Keys whose lock the statement reads: the account number and the caller.
_CHARGES = 2

_A: Table = Account.__table__  # type: ignore[assignment]
_B: Table = Bill.__table__  # type: ignore[assignment]
_P: Table = Payment.__table__  # type: ignore[assignment]
# The whole answer in one round trip (a line answering thousands of calls a second): the
# account with each of its bills, then its payments; the arrears are worked out from these. Then
# the failure budgets of the account number and of the caller, by primary key: a row for each
# that failed lately, saying until when it is refused (NULL: not refused).
_NO_LOCK = cast(null(), AwareDateTime).label("locked_until")
_ANSWER = union_all(
    select(
        _A.c.phone_last4,
        _A.c.category,
        _B.c.id,
        _B.c.period,
        _B.c.kwh,
        _B.c.amount,
        _B.c.due_on,
        cast(null(), AwareDateTime).label("paid_at"),
        _NO_LOCK,
    )
    .select_from(_A.outerjoin(_B, _B.c.account_id == _A.c.id))
    .where(_A.c.number == bindparam("number")),
    select(
        _A.c.phone_last4,
        _A.c.category,
        null(),
        cast(null(), Date),
        null(),
        _P.c.amount,
        cast(null(), Date),
        _P.c.paid_at,
        _NO_LOCK,
    )
    .select_from(_A.join(_P, _P.c.account_id == _A.c.id))
    .where(_A.c.number == bindparam("number")),
    *(
        select(
            cast(null(), String),
            literal_column(f"'{_BUDGET_ROW}'"),
            null(),
            cast(null(), Date),
            null(),
            null(),
            cast(null(), Date),
            cast(null(), AwareDateTime),
            budget.LOCKED_UNTIL,
        ).where(budget.charged_key(n))
        for n in range(_CHARGES)
    ),
)
_ANSWER_POSTGRESQL = postgresql_text(_ANSWER)


def _params(number: str, charges: Sequence[Charge]) -> dict[str, str]:
    return {"number": number, **budget.lock_params(charges, _CHARGES)}


def inquire(
    session: Session,
    account_number: str,
    phone_last4: str,
    *,
    settings: Settings,
    as_of: date,
    charges: Sequence[Charge] = (),
) -> BillInquiryOut:
    """The answer, or TooManyRequests when one of `charges` (the account number's budget and
    the caller's, from the public entrypoints; none from the CLI) is locked."""
    number = account_number.strip()
    if on_postgresql(session):
        rows = driver_rows(session, _ANSWER_POSTGRESQL, _params(number, charges))
    else:
        rows = list(session.execute(_ANSWER, _params(number, charges)))
    # The rules are a per-process copy (no statement here but at most one every few seconds).
    return _answer(rows, number, phone_last4, late_fees.rule_book(session), as_of)


async def inquire_on_event_loop(
    pool: AsyncConnectionPool,
    account_number: str,
    phone_last4: str,
    *,
    settings: Settings,
    as_of: date,
    charges: Sequence[Charge] = (),
) -> BillInquiryOut:
    """The same answer from the worker's async PostgreSQL connections (storage.reads)."""
    number = account_number.strip()
    book = await late_fees.rule_book_on_event_loop(pool)
    rows = await reads.rows(pool, _ANSWER_POSTGRESQL, _params(number, charges))
    return _answer(rows, number, phone_last4, book, as_of)


def _answer(
    answer: list[Any], number: str, phone_last4: str, book: LateFeeBook, as_of: date
) -> BillInquiryOut:
    rows = []
    for row in answer:
        if row[1] != _BUDGET_ROW:
            rows.append(row)
        elif budget.is_locked(row[8], clock.now()):
            # Before anything else: a locked number answers alike whether it is an account
            # and whether the digits are right.
            raise TooManyRequests(budget.TOO_MANY_LOOKUPS, field="account")
    if not rows or not phone_last4.isdigit() or rows[0][0] != phone_last4:
        raise NotFound(NO_MATCH, field="account")
    residential = rows[0][1] == "residential"
    bills = [BillDue(r[2], r[3], r[5], r[6], residential) for r in rows if r[2] is not None]
    paid = [PaymentMade(row[5], clock.local(row[7]).date()) for row in rows if row[7] is not None]
    owed = statement(bills, paid, as_of, book)  # the account statement's own computation
    billed = [row for row in rows if row[2] is not None and row[3] <= as_of]
    latest = max(billed, key=lambda row: row[3]) if billed else None
    return BillInquiryOut(
        account=number,
        period=latest[3] if latest else None,
        kwh=latest[4] if latest else None,
        amount=latest[5] if latest else None,
        due_on=latest[6] if latest else None,
        total_due=owed.total_due,
        late_fees=owed.late_fees,
        credit=owed.credit,
        sentence=sentence(number, latest[3:7] if latest else None, owed.total_due),
    )


def _spoken_digits(number: str) -> str:
    # Read digit by digit, as a voice line says account numbers.
    return "".join("零一二三四五六七八九"[int(c)] if c.isdigit() else c for c in number)


def sentence(
    number: str, latest: tuple[date, Decimal, Decimal, date] | None, total_due: Decimal
) -> str:
    """The answer as the voice line says it (amounts in yuan, two decimals); `latest` is the
    bill's period, kWh, amount and due date."""
    start = f"您户号{_spoken_digits(number)}"
    if latest is None:
        return f"{start}暂无电费账单，累计应缴{total_due:.2f}元。"
    period, kwh, amount, due_on = latest
    return (
        f"{start}{period.year}年{period.month}月电费{amount:.2f}元，"
        f"用电{kwh:.0f}千瓦时，累计应缴{total_due:.2f}元，"
        f"缴费截止日期{due_on.month}月{due_on.day}日。"
    )
