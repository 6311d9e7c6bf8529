"""What an account owes: its bills, the payments applied to them, late fees (电费违约金).

Payments are applied to the oldest bill first, in the order they were made. Money paid beyond the
bills goes to the late fees, then stays as credit — it is never lost.

Late fees follow 《供电营业规则》 (国家发展改革委令2024年第14号, in force 2024-06-01, replacing the
1996 text whose art. 98 said the same), as versioned rules (`LateFeeRule`, stored by
`late_fees`): a bill unpaid after its due date draws, for every day from the day after the due
date to the day it is paid, a fee on what is still unpaid that day —

- residential accounts 0.1 % a day;
- other accounts 0.2 % a day on the current year's arrears and 0.3 % a day on arrears carried
  over from earlier years: a bill of year Y (its period's year) is current-year arrears for its
  late days in Y and earlier-years arrears from 1 January Y+1 on, so arrears that cross a year
  end are split at 31 December.

Each day is charged at the rule in force on that day. The fee is reckoned exactly (Decimal, no
rounding per day, per segment or per bill) and rounded half-up to the fen once per settlement —
a payment that pays arrears late, or, for what is still unpaid, the statement or inquiry of the
day — and a settlement whose fee comes to less than the minimum (1 yuan) is charged the minimum:
the minimum applies to the total late fee of a settlement, not to each bill.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from quarterhour.kit.money import ZERO, to_fen

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class LateFeeRule:
    """One version of the late-fee rule: daily rates as fractions (0.001 = 0.1 %) from a day on."""

    effective_from: date
    residential: Decimal
    current_year: Decimal
    earlier_years: Decimal
    minimum: Decimal  # the least fee a settlement with any fee at all is charged
    source: str

    def rate(self, *, residential: bool, bill_year: int, day: date) -> Decimal:
        if residential:
            return self.residential
        return self.current_year if day.year <= bill_year else self.earlier_years


SOURCE_1996 = "《供电营业规则》(电力工业部令第8号, 1996年10月8日起施行)第九十八条"
SOURCE_2024 = (
    "《供电营业规则》(国家发展改革委令2024年第14号, 2024年6月1日起施行)关于电费违约金的规定"
)

# The shipped versions; `quarterhour db upgrade` stores them, administrators add later ones.
DEFAULT_RULES: tuple[LateFeeRule, ...] = tuple(
    LateFeeRule(day, Decimal("0.001"), Decimal("0.002"), Decimal("0.003"), Decimal("1.00"), src)
    for day, src in ((date(1996, 10, 8), SOURCE_1996), (date(2024, 6, 1), SOURCE_2024))
)


class LateFeeBook:
    """The versions of the rule in date order, and the arithmetic every reader shares."""

    def __init__(self, rules: Iterable[LateFeeRule]) -> None:
        ordered = sorted(rules, key=lambda rule: rule.effective_from)
        starts = tuple(rule.effective_from for rule in ordered)
        if len(set(starts)) != len(starts):
            raise ValueError("two late-fee rules start on the same day")
        self.rules: tuple[LateFeeRule, ...] = tuple(ordered)
        self._starts = starts

    def _index(self, day: date) -> int:
        """The position of the rule in force on `day`; -1 before the first."""
        return bisect_right(self._starts, day) - 1

    def in_force(self, day: date) -> LateFeeRule | None:
        index = self._index(day)
        return self.rules[index] if index >= 0 else None

    def accrued(
        self, amount: Decimal, *, bill_year: int, residential: bool, due_on: date, until: date
    ) -> Decimal:
        """The exact fee on `amount` left unpaid every day from the day after `due_on` to
        `until`, both included (电费违约金从逾期之日起计算至交纳日止)."""
        first = due_on + _ONE_DAY
        if amount <= 0 or until < first:
            return Decimal(0)
        # The rate can change where a new version starts and, for others than households, on
        # 1 January after the bill's year; between those days it is constant.
        low, high = self._index(first), self._index(until)
        year_end = None if residential else date(bill_year + 1, 1, 1)
        crosses = year_end is not None and first < year_end <= until
        if low == high and not crosses:  # one rule, one rate: the usual case, kept cheap
            if low < 0:
                return Decimal(0)
            rate = self.rules[low].rate(residential=residential, bill_year=bill_year, day=first)
            return amount * rate * ((until - first).days + 1)
        cuts = set(self._starts[low + 1 : high + 1])  # versions starting after `first`
        if crosses and year_end is not None:
            cuts.add(year_end)
        starts = [first, *sorted(cuts)]
        total = Decimal(0)
        for start, end in zip(starts, [*starts[1:], until + _ONE_DAY], strict=True):
            rule = self.in_force(start)
            if rule is None:
                continue  # before any rule: no fee
            rate = rule.rate(residential=residential, bill_year=bill_year, day=start)
            total += amount * rate * (end - start).days
        return total

    def settle(self, accrued: Decimal, on: date) -> Decimal:
        """One settlement's fee: rounded half-up to the fen once, and at least the minimum of the
        rule in force on the settlement day when anything accrued at all."""
        if accrued <= 0:
            return ZERO
        fee = to_fen(accrued)
        rule = self.in_force(on)
        return max(fee, rule.minimum) if rule is not None else fee


DEFAULT_BOOK = LateFeeBook(DEFAULT_RULES)


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
    # This bill's share of the fees charged, to the fen; the settlements round and apply the
    # minimum to their totals, so these need not add up to `Statement.late_fees_charged`.
    late_fee: Decimal = ZERO

    @property
    def unpaid(self) -> Decimal:
        return self.bill.amount - self.paid


@dataclass(frozen=True)
class Settlement:
    """Late fees charged at once: by a payment of arrears, or on the statement's day."""

    on: date
    accrued: Decimal  # exact
    fee: Decimal  # to the fen, at least the minimum
    by_payment: bool


@dataclass
class Statement:
    as_of: date
    bills: list[BillBalance] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)
    fees_paid: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def unpaid(self) -> Decimal:
        return sum((b.unpaid for b in self.bills), ZERO)

    @property
    def late_fees_charged(self) -> Decimal:
        return sum((s.fee for s in self.settlements), ZERO)

    @property
    def late_fees(self) -> Decimal:
        """Late fees still owed: every settlement's fee less what spare money paid of them."""
        return self.late_fees_charged - self.fees_paid

    @property
    def total_due(self) -> Decimal:
        """累计应缴: unpaid bills and late fees, less nothing (credit is shown apart)."""
        return self.unpaid + self.late_fees


def statement(
    bills: Sequence[BillDue],
    payments: Sequence[PaymentMade],
    as_of: date,
    book: LateFeeBook | None = None,
) -> Statement:
    book = book or DEFAULT_BOOK
    balances = [BillBalance(b) for b in sorted(bills, key=lambda b: (b.period, b.bill_id))]
    accrued = {id(b): Decimal(0) for b in balances}  # exact fee per bill, for its share
    result = Statement(as_of=as_of, bills=balances)
    spare = ZERO  # paid beyond the bills, waiting for fees
    for payment in sorted(payments, key=lambda p: p.paid_on):
        left = payment.amount
        fee = Decimal(0)
        for balance in balances:
            if left <= 0:
                break
            take = min(left, balance.unpaid)
            if take <= 0:
                continue
            part = _accrued(book, balance.bill, take, payment.paid_on)
            accrued[id(balance)] += part
            fee += part
            balance.paid += take
            left -= take
        spare += left
        if fee > 0:
            result.settlements.append(
                Settlement(payment.paid_on, fee, book.settle(fee, payment.paid_on), True)
            )
    fee = Decimal(0)
    for balance in balances:
        if balance.unpaid > 0:
            part = _accrued(book, balance.bill, balance.unpaid, as_of)
            accrued[id(balance)] += part
            fee += part
    if fee > 0:
        result.settlements.append(Settlement(as_of, fee, book.settle(fee, as_of), False))
    for balance in balances:
        balance.late_fee = to_fen(accrued[id(balance)])
    result.fees_paid = min(spare, result.late_fees_charged)
    result.credit = spare - result.fees_paid
    return result


def _accrued(book: LateFeeBook, bill: BillDue, amount: Decimal, until: date) -> Decimal:
    return book.accrued(
        amount,
        bill_year=bill.period.year,
        residential=bill.residential,
        due_on=bill.due_on,
        until=until,
    )
