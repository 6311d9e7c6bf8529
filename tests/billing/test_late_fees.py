"""Late fees (电费违约金) on worked examples, with the arithmetic written out.

Rules (《供电营业规则》, 国家发展改革委令2024年第14号): residential 0.1 % a day; others 0.2 % a day
on the current year's arrears, 0.3 % on arrears carried over from earlier years; from the day after
the due date to the day of payment; exact decimals, rounded half-up to the fen once per settlement;
a settlement's fee under 1 yuan is charged 1 yuan.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from quarterhour.billing.arrears import (
    DEFAULT_RULES,
    BillDue,
    LateFeeBook,
    LateFeeRule,
    PaymentMade,
    statement,
)

D = Decimal


def household(n: int, period: date, amount: str, due_on: date) -> BillDue:
    return BillDue(n, period, D(amount), due_on, residential=True)


def business(n: int, period: date, amount: str, due_on: date) -> BillDue:
    return BillDue(n, period, D(amount), due_on, residential=False)


def test_the_one_yuan_minimum_applies_to_the_settlement_not_to_each_bill() -> None:
    a = household(1, date(2026, 9, 1), "100.00", date(2026, 10, 20))
    b = household(2, date(2026, 9, 1), "50.00", date(2026, 10, 21))
    # On 10-23: A 3 days late, 100.00 × 0.001 × 3 = 0.30; B 2 days, 50.00 × 0.001 × 2 = 0.10.
    # One settlement: 0.40 → under 1 yuan → 1.00 (not 1.00 per bill, 2.00).
    owed = statement([a, b], [], date(2026, 10, 23))
    assert owed.late_fees == D("1.00")
    assert [x.late_fee for x in owed.bills] == [D("0.30"), D("0.10")]  # each bill's share
    assert owed.total_due == D("151.00")


def test_a_payment_of_several_late_bills_is_one_settlement() -> None:
    a = household(1, date(2026, 9, 1), "100.00", date(2026, 10, 20))
    b = household(2, date(2026, 9, 1), "50.00", date(2026, 10, 21))
    # 150.00 paid on 10-23 settles both: 0.30 + 0.10 = 0.40 → 1.00, still owed (nothing spare).
    owed = statement([a, b], [PaymentMade(D("150.00"), date(2026, 10, 23))], date(2026, 11, 1))
    assert owed.unpaid == D("0.00")
    assert [(s.on, s.fee, s.by_payment) for s in owed.settlements] == [
        (date(2026, 10, 23), D("1.00"), True)
    ]
    assert owed.late_fees == D("1.00")


def test_each_payment_is_its_own_settlement() -> None:
    a = household(1, date(2026, 9, 1), "100.00", date(2026, 10, 20))
    # 60.00 paid 10 days late (10-30): 60.00 × 0.001 × 10 = 0.60 → 1.00 at that payment.
    # The 40.00 left, as of 11-09 (20 days late): 40.00 × 0.001 × 20 = 0.80 → 1.00 today.
    owed = statement([a], [PaymentMade(D("60.00"), date(2026, 10, 30))], date(2026, 11, 9))
    assert [s.fee for s in owed.settlements] == [D("1.00"), D("1.00")]
    assert owed.late_fees == D("2.00")
    assert owed.bills[0].late_fee == D("1.40")  # 0.60 + 0.80, the bill's share
    assert owed.total_due == D("42.00")


def test_rounding_happens_once_per_settlement() -> None:
    a = business(1, date(2026, 9, 1), "502.25", date(2026, 10, 20))
    b = business(2, date(2026, 9, 1), "502.25", date(2026, 10, 20))
    # 1 day late each: 502.25 × 0.002 × 1 = 1.0045; together 2.0090 → 2.01 (half-up, once).
    # Rounded per bill it would be 1.00 + 1.00 = 2.00.
    owed = statement([a, b], [], date(2026, 10, 21))
    assert owed.settlements[0].accrued == D("2.0090")
    assert owed.late_fees == D("2.01")


def test_business_arrears_crossing_a_year_end_are_split_at_31_december() -> None:
    november = business(1, date(2026, 11, 1), "1000.00", date(2026, 12, 20))
    # Late from 12-21. As of 2027-01-10:
    #   2026-12-21 … 12-31: 11 days of this year's arrears, 1000.00 × 0.002 × 11 = 22.00
    #   2027-01-01 … 01-10: 10 days carried over,        1000.00 × 0.003 × 10 = 30.00
    owed = statement([november], [], date(2027, 1, 10))
    assert owed.late_fees == D("52.00")  # not 21 days × 0.3 % = 63.00, nor × 0.2 % = 42.00
    # Still 2026 on 12-31: all 11 days at this year's rate.
    assert statement([november], [], date(2026, 12, 31)).late_fees == D("22.00")


def test_a_part_payment_across_the_year_end_is_split_too() -> None:
    november = business(1, date(2026, 11, 1), "1000.00", date(2026, 12, 20))
    paid = PaymentMade(D("400.00"), date(2027, 1, 5))
    # The 400.00 paid on 01-05: 400.00 × (0.002 × 11 + 0.003 × 5) = 400.00 × 0.037 = 14.80.
    # The 600.00 left, on 01-10: 600.00 × (0.002 × 11 + 0.003 × 10) = 600.00 × 0.052 = 31.20.
    owed = statement([november], [paid], date(2027, 1, 10))
    assert [s.fee for s in owed.settlements] == [D("14.80"), D("31.20")]
    assert owed.late_fees == D("46.00")
    assert owed.total_due == D("646.00")


def test_a_bill_of_an_earlier_year_is_carried_over_arrears_from_1_january() -> None:
    december = business(1, date(2026, 12, 1), "1000.00", date(2027, 1, 20))
    # A 2026 bill: its late days all fall in 2027, so 0.3 %: 1000.00 × 0.003 × 10 = 30.00.
    assert statement([december], [], date(2027, 1, 30)).late_fees == D("30.00")


def test_households_pay_a_tenth_of_a_percent_whatever_the_year() -> None:
    november = household(1, date(2026, 11, 1), "100.00", date(2026, 12, 20))
    # 21 days (12-21 … 01-10): 100.00 × 0.001 × 21 = 2.10.
    assert statement([november], [], date(2027, 1, 10)).late_fees == D("2.10")


def test_each_day_is_charged_at_the_rule_in_force_that_day() -> None:
    lower = LateFeeRule(
        date(2027, 1, 1), D("0.0005"), D("0.001"), D("0.002"), D("0.50"), "a later notice"
    )
    book = LateFeeBook([*DEFAULT_RULES, lower])
    bill = household(1, date(2026, 11, 1), "200.00", date(2026, 12, 20))
    # 12-21 … 12-31: 200.00 × 0.001 × 11 = 2.20; 01-01 … 01-10: 200.00 × 0.0005 × 10 = 1.00.
    assert statement([bill], [], date(2027, 1, 10), book).late_fees == D("3.20")
    # The minimum is the one in force on the settlement day: 0.30 → 0.50 under the later rule.
    short = household(2, date(2026, 12, 1), "100.00", date(2027, 1, 20))
    assert statement([short], [], date(2027, 1, 26), book).late_fees == D("0.50")
    assert book.in_force(date(2026, 12, 31)) == DEFAULT_RULES[-1]
    assert book.in_force(date(1990, 1, 1)) is None


def test_the_shipped_rules_cite_the_2024_text() -> None:
    current = LateFeeBook(DEFAULT_RULES).in_force(date(2026, 12, 4))
    assert current is not None
    assert current.effective_from == date(2024, 6, 1)
    assert "国家发展改革委令2024年第14号" in current.source
    assert "第九十八条" not in current.source
    assert (current.residential, current.current_year, current.earlier_years) == (
        D("0.001"),
        D("0.002"),
        D("0.003"),
    )
    assert current.minimum == D("1.00")


def test_days_before_the_first_rule_draw_no_fee() -> None:
    book = LateFeeBook(DEFAULT_RULES)
    # Due 1996-09-30: late from 10-01; the 1996 text is in force from 10-08, so 10-08 … 10-17:
    # 100.00 × 0.001 × 10 = 1.00.
    fee = book.accrued(
        D("100.00"),
        bill_year=1996,
        residential=True,
        due_on=date(1996, 9, 30),
        until=date(1996, 10, 17),
    )
    assert fee == D("1.00000")
    assert book.accrued(
        D("100.00"),
        bill_year=1996,
        residential=True,
        due_on=date(1996, 9, 1),
        until=date(1996, 9, 30),
    ) == D(0)


LATER = LateFeeRule(
    date(2027, 3, 1), D("0.0005"), D("0.0015"), D("0.0025"), D("0.50"), "a later notice"
)


@given(
    due_on=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    days=st.integers(min_value=-5, max_value=800),
    bill_year=st.integers(min_value=2023, max_value=2028),
    residential=st.booleans(),
    amount=st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2),
)
def test_accrual_equals_charging_each_day_at_its_own_rate(
    due_on: date, days: int, bill_year: int, residential: bool, amount: Decimal
) -> None:
    book = LateFeeBook([*DEFAULT_RULES, LATER])
    until = due_on + timedelta(days=days)
    expected = Decimal(0)
    day = due_on + timedelta(days=1)
    while day <= until:
        rule = book.in_force(day)
        assert rule is not None
        expected += amount * rule.rate(residential=residential, bill_year=bill_year, day=day)
        day += timedelta(days=1)
    got = book.accrued(
        amount, bill_year=bill_year, residential=residential, due_on=due_on, until=until
    )
    assert got == expected
