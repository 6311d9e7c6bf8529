"""Read side of billing for the staff: one bill with its itemised lines, the bill runs, the
readings held for review. Each read asks the permission layer first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.billing.models import Bill, BillLine, BillRun, HeldReading
from quarterhour.customers import accounts
from quarterhour.customers.models import Account
from quarterhour.errors import NotFound


@dataclass(frozen=True)
class ItemisedBill:
    account: Account
    bill: Bill
    lines: list[BillLine]


def itemised_bill(
    session: Session, account_number: str, period: date, *, by: Actor
) -> ItemisedBill:
    """Two queries: the account with the bill, then its lines in order."""
    require(by, Permission.VIEW_CUSTOMERS)
    account = accounts.get_account(session, account_number)
    bill = session.scalar(
        select(Bill).where(Bill.account_id == account.id, Bill.period == period.replace(day=1))
    )
    if bill is None:
        raise NotFound(f"account {account_number} has no bill for {period:%Y-%m}", field="period")
    lines = list(
        session.scalars(
            select(BillLine).where(BillLine.bill_id == bill.id).order_by(BillLine.line_no)
        )
    )
    return ItemisedBill(account, bill, lines)


def _require_billing_view(by: Actor) -> None:
    require(by, Permission.VIEW_BILLING)


def recent_runs(session: Session, *, by: Actor, limit: int = 24) -> list[BillRun]:
    _require_billing_view(by)
    return list(session.scalars(select(BillRun).order_by(BillRun.started_at.desc()).limit(limit)))


def held_for_review(
    session: Session, *, by: Actor, limit: int = 100, offset: int = 0
) -> list[tuple[HeldReading, str]]:
    """Readings the bill run would not bill, still unresolved, with their account numbers."""
    _require_billing_view(by)
    rows = session.execute(
        select(HeldReading, Account.number)
        .join(Account, Account.id == HeldReading.account_id)
        .where(HeldReading.resolved_at.is_(None))
        .order_by(HeldReading.period.desc(), HeldReading.id)
        .limit(limit)
        .offset(offset)
    )
    return [(held, number) for held, number in rows]


def runs_for_export(session: Session, *, by: Actor) -> list[BillRun]:
    """The bill runs as a spreadsheet: up to the last 1,000."""
    require(by, Permission.EXPORT_LISTS)
    return recent_runs(session, by=by, limit=1000)


def held_for_export(session: Session, *, by: Actor) -> list[tuple[HeldReading, str]]:
    """Every reading held for review (up to 100,000): the list the billing staff work through."""
    require(by, Permission.EXPORT_LISTS)
    return held_for_review(session, by=by, limit=100_000)
