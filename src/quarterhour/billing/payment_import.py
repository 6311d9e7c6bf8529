"""Payments from a bank's or an online channel's file: account, amount, paid_at, reference
[, channel] — checked row by row like every import (`records.imports`).

The reference is the bank's own serial number: a payment reported again (the same reference, the
same account and amount, in this file or an earlier one) is the same payment and is not recorded
twice; the same reference with another account or amount is set aside. Amounts are exact yuan to
the fen; a payment beyond what is owed stays on the account as credit (`billing.arrears`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.billing.models import Payment
from quarterhour.billing.payments import CHANNELS
from quarterhour.customers.models import Account
from quarterhour.errors import ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.kit.money import FEN
from quarterhour.records import imports
from quarterhour.records.imports import ImportReport, Problem, Row, RowProblem

REQUIRED = ("account", "amount", "paid_at", "reference")
_FORMS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def import_payments(
    session: Session, data: bytes, *, file_name: str, strict: bool = False, by: Actor
) -> ImportReport:
    require(by, Permission.IMPORT_RECORDS)
    return imports.run(
        session,
        data,
        kind="payments",
        file_name=file_name,
        required=REQUIRED,
        strict=strict,
        by_id=by.id,
        plan=_plan,
        write=_write,
    )


def _paid_at(text: str) -> datetime:
    """A moment in Shanghai time (what the bank's file says), or a day (taken as its noon)."""
    moment = None
    for form in _FORMS:
        try:
            moment = datetime.strptime(text, form).replace(tzinfo=clock.SHANGHAI)
            break
        except ValueError:
            continue
    if moment is None:
        try:
            day = imports.parse_date(text)
        except ValueError:
            raise RowProblem("paid_at", f"{text!r} is not a date and time") from None
        moment = datetime.combine(day, time(12), tzinfo=clock.SHANGHAI)
    problem = bounds.window_problem(moment.date())
    if problem is not None:
        raise RowProblem("paid_at", problem)
    return moment


def _plan(
    session: Session, rows: list[Row], report: ImportReport
) -> tuple[list[dict[str, Any]], int]:
    numbers = {v.get("account", "") for _, v in rows}
    accounts: dict[str, tuple[int, date]] = {
        number: (account_id, opened_on)
        for number, account_id, opened_on in imports.rows_where_in(
            session, select(Account.number, Account.id, Account.opened_on), Account.number, numbers
        )
    }
    references = {v.get("reference", "") for _, v in rows}
    recorded = select(Payment.reference, Payment.account_id, Payment.amount)
    known: dict[str, tuple[int, Decimal]] = {
        reference: (account_id, amount)
        for reference, account_id, amount in imports.rows_where_in(
            session, recorded, Payment.reference, references
        )
    }
    accepted: list[dict[str, Any]] = []
    now = clock.now()
    for n, values in rows:
        try:
            row = _row(values, accounts, now)
        except RowProblem as problem:
            report.problems.append(Problem(n, problem.field, problem.message, values))
            continue
        earlier = known.get(row["reference"])
        if earlier is None:
            known[row["reference"]] = (row["account_id"], row["amount"])
            accepted.append(row)
        elif earlier != (row["account_id"], row["amount"]):
            message = "this reference was used for another payment"
            report.problems.append(Problem(n, "reference", message, values))
        else:
            report.unchanged += 1  # reported again: already recorded
    return accepted, len(accepted)


def _row(
    values: dict[str, str], accounts: dict[str, tuple[int, date]], now: datetime
) -> dict[str, Any]:
    found = accounts.get(values.get("account", ""))
    if found is None:
        raise RowProblem("account", f"no account {values.get('account')!r}")
    account_id, opened_on = found
    amount = imports.number_field(values, "amount")
    if amount is None or amount <= 0:
        raise RowProblem("amount", "a payment is more than 0 yuan")
    if amount != amount.quantize(FEN):
        raise RowProblem("amount", "a payment is counted to the fen (two decimals)")
    try:
        bounds.check_decimal(amount, field="amount")
    except ValidationFailed as error:
        raise RowProblem("amount", error.message.removeprefix("amount: ")) from None
    paid_at = _paid_at(values.get("paid_at", ""))
    if paid_at > now:
        raise RowProblem("paid_at", "in the future")
    if paid_at.date() < opened_on:
        raise RowProblem("paid_at", f"before the account was opened on {opened_on}")
    reference = imports.text_field(values, "reference", 64)
    channel = values.get("channel") or "bank"
    if channel not in CHANNELS:
        raise RowProblem("channel", f"one of {', '.join(CHANNELS)}")
    return {
        "account_id": account_id,
        "amount": amount,
        "channel": channel,
        "paid_at": paid_at,
        "reference": reference,
        "created_at": now,
    }


def _write(session: Session, accepted: list[dict[str, Any]], batch_id: int) -> None:
    del batch_id  # payments keep the bank's reference, which is what a reconciliation needs
    imports.insert_all(session, Payment, accepted)
