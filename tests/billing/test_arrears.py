"""Payments against bills, late fees (《供电营业规则》, 2024 text) and credit; the worked examples
of the late-fee rules are in test_late_fees.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from quarterhour.billing.arrears import (
    DEFAULT_RULES,
    BillDue,
    LateFeeBook,
    LateFeeRule,
    PaymentMade,
    statement,
)

D = Decimal
SEPT = BillDue(1, date(2026, 9, 1), D("100.00"), date(2026, 10, 20), residential=True)
OCT = BillDue(2, date(2026, 10, 1), D("80.00"), date(2026, 11, 20), residential=True)


def test_payments_go_to_the_oldest_bill_first() -> None:
    result = statement(
        [OCT, SEPT], [PaymentMade(D("120.00"), date(2026, 10, 15))], date(2026, 11, 1)
    )
    assert [(b.bill.bill_id, b.paid, b.unpaid) for b in result.bills] == [
        (1, D("100.00"), D("0.00")),
        (2, D("20.00"), D("60.00")),
    ]
    assert result.total_due == D("60.00")
    assert result.late_fees == D("0.00")


def test_residential_arrears_draw_a_tenth_of_a_percent_a_day_from_the_day_after_the_due_date() -> (
    None
):
    # 100 yuan unpaid, due 10-20; on 11-19 it is 30 days late: 100 × 0.001 × 30 = 3.00.
    result = statement([SEPT], [], date(2026, 11, 19))
    assert result.bills[0].late_fee == D("3.00")
    assert result.total_due == D("103.00")
    assert statement([SEPT], [], date(2026, 10, 20)).late_fees == D("0.00")  # the due date itself


def test_a_fee_under_one_yuan_is_charged_as_one_yuan() -> None:
    result = statement([SEPT], [], date(2026, 10, 23))  # 3 days: 0.30 → 1.00
    assert result.bills[0].late_fee == D("0.30")  # the bill's share; the settlement is charged:
    assert result.late_fees == D("1.00")


def test_a_late_payment_fixes_the_fee_on_what_it_paid_and_the_rest_keeps_running() -> None:
    paid_late = PaymentMade(D("100.00"), date(2026, 10, 30))  # 10 days late on 100: 1.00
    assert statement([SEPT], [paid_late], date(2026, 11, 9)).total_due == D("1.00")
    part = PaymentMade(D("60.00"), date(2026, 10, 30))  # 60 yuan, 10 days: 0.60 (→ 1.00)
    result = statement([SEPT], [part], date(2026, 11, 9))  # 40 yuan, 20 days: 0.80 (→ 1.00)
    assert result.bills[0].late_fee == D("1.40")  # the bill's share: 0.60 + 0.80
    assert result.total_due == D("42.00")  # two settlements, each at least 1 yuan


def test_non_residential_rates_depend_on_the_year_of_the_arrears() -> None:
    last_year = BillDue(3, date(2025, 12, 1), D("1000.00"), date(2026, 1, 20), residential=False)
    this_year = BillDue(4, date(2026, 9, 1), D("1000.00"), date(2026, 10, 20), residential=False)
    result = statement([last_year, this_year], [], date(2026, 10, 30))
    assert [b.late_fee for b in result.bills] == [
        D("849.00"),
        D("20.00"),
    ]  # 283 days × 0.3 %; 10 × 0.2 %
    assert result.late_fees == D("869.00")
    lower = LateFeeRule(date(2026, 1, 1), D("0.001"), D("0.001"), D("0.003"), D("1.00"), "x")
    custom = statement([this_year], [], date(2026, 10, 30), LateFeeBook([*DEFAULT_RULES, lower]))
    assert custom.late_fees == D("10.00")


def test_money_paid_beyond_the_bills_pays_the_fees_then_stays_as_credit() -> None:
    late = statement([SEPT], [], date(2026, 11, 19))  # 3.00 of fees
    assert late.late_fees == D("3.00")
    result = statement([SEPT], [PaymentMade(D("150.00"), date(2026, 10, 15))], date(2026, 11, 19))
    assert result.total_due == D("0.00")
    assert result.credit == D("50.00")
    overpaid_late = statement(
        [SEPT], [PaymentMade(D("110.00"), date(2026, 11, 19))], date(2026, 11, 19)
    )
    assert overpaid_late.late_fees == D("0.00")
    assert overpaid_late.credit == D("7.00")  # 110 − 100 − 3.00 of fees
