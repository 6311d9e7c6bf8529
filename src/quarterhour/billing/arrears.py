"""What an account owes: its bills, the payments applied to them, late fees (电费违约金).

Payments are applied to the oldest bill first, in the order they were made. A bill unpaid after
its due date draws a late fee per day on what is still unpaid (供电营业规则 art. 98): residential
0.1 %; others 0.2 % for arrears of the current year and 0.3 % for earlier years; from the day
after the due date; a bill's fee under 1 yuan is charged as 1 yuan. Money paid beyond the bills
goes to the late fees, then stays as credit — it is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from quarterhour.kit.money import ZERO, to_fen

ONE_YUAN = Decimal("1.00")


@dataclass(frozen=True)
class LateFeeRates:
    """Per day, as fractions (0.001 = 0.1 %). Defaults: 供电营业规则 art. 98."""

    residential: Decimal = Decimal("0.001")
    current_year: Decimal = Decimal("0.002")
    earlier_years: Decimal = Decimal("0.003")


@dataclass(frozen=True)
class BillDue:
    bill_id: int
    period: date
    amount: Decimal
    due_on: date
    residential: bool


@dataclass(frozen=True)
class PaymentMade:
    amount: Decimal
    paid_on: date


@dataclass
class BillBalance:
    bill: BillDue
    paid: Decimal = ZERO
    late_fee: Decimal = ZERO

    @property
    def unpaid(self) -> Decimal:
        return self.bill.amount - self.paid


@dataclass
class Statement:
    as_of: date
    bills: list[BillBalance] = field(default_factory=list)
    fees_paid: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def unpaid(self) -> Decimal:
        return sum((b.unpaid for b in self.bills), ZERO)

    @property
    def late_fees(self) -> Decimal:
        return sum((b.late_fee for b in self.bills), ZERO) - self.fees_paid

    @property
    def total_due(self) -> Decimal:
        """累计应缴: unpaid bills and late fees, less nothing (credit is shown apart)."""
        return self.unpaid + self.late_fees


def _rate(bill: BillDue, as_of: date, rates: LateFeeRates) -> Decimal:
    if bill.residential:
        return rates.residential
    return rates.current_year if bill.period.year == as_of.year else rates.earlier_years


def statement(
    bills: Sequence[BillDue],
    payments: Sequence[PaymentMade],
    as_of: date,
    rates: LateFeeRates | None = None,
) -> Statement:
    rates = rates or LateFeeRates()
    balances = [BillBalance(b) for b in sorted(bills, key=lambda b: (b.period, b.bill_id))]
    accrued = {id(b): Decimal(0) for b in balances}  # unrounded fee per bill
    spare = ZERO  # paid beyond the bills, waiting for fees
    for payment in sorted(payments, key=lambda p: p.paid_on):
        left = payment.amount
        for balance in balances:
            if left <= 0:
                break
            take = min(left, balance.unpaid)
            if take <= 0:
                continue
            late_days = (payment.paid_on - balance.bill.due_on).days
            if late_days > 0:
                accrued[id(balance)] += (
                    take * _rate(balance.bill, payment.paid_on, rates) * late_days
                )
            balance.paid += take
            left -= take
        spare += left
    for balance in balances:
        late_days = (as_of - balance.bill.due_on).days
        if late_days > 0 and balance.unpaid > 0:
            accrued[id(balance)] += balance.unpaid * _rate(balance.bill, as_of, rates) * late_days
        fee = to_fen(accrued[id(balance)])
        balance.late_fee = max(fee, ONE_YUAN) if fee > 0 else ZERO
    fees = sum((b.late_fee for b in balances), ZERO)
    result = Statement(as_of=as_of, bills=balances)
    result.fees_paid = min(spare, fees)
    result.credit = spare - result.fees_paid
    return result
