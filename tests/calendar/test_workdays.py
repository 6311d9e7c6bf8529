from __future__ import annotations

from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quarterhour.calendar.official import builtin_calendar
from quarterhour.calendar.workdays import WorkCalendar, WorkingDayResult
from quarterhour.kit import clock


@pytest.fixture
def cal() -> WorkCalendar:
    return builtin_calendar()


def test_spring_festival_example_from_product(cal: WorkCalendar) -> None:
    # PRODUCT.md: accepted Fri 2026-02-13 with 4 working days is due 2026-02-26;
    # Sat 2026-02-14 is a make-up day, 2026-02-15..23 the Spring Festival holiday.
    assert cal.add_working_days(date(2026, 2, 13), 4) == WorkingDayResult(
        date(2026, 2, 26), provisional=False
    )


def test_national_day_with_makeup_saturday(cal: WorkCalendar) -> None:
    # Oct 1–7 off; Thu 8, Fri 9, Sat 10 (调休上班), Mon 12, Tue 13.
    assert cal.add_working_days(date(2026, 9, 30), 5).day == date(2026, 10, 13)


@pytest.mark.parametrize("day", [date(2026, 2, 14), date(2026, 9, 20), date(2026, 10, 10)])
def test_makeup_weekend_days_are_working_days(cal: WorkCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert cal.is_working_day(day)


@pytest.mark.parametrize(
    "day", [date(2026, 1, 1), date(2026, 2, 16), date(2026, 10, 5), date(2026, 2, 21)]
)
def test_holidays_are_not_working_days(cal: WorkCalendar, day: date) -> None:
    assert not cal.is_working_day(day)


def test_ordinary_weekend_and_weekday(cal: WorkCalendar) -> None:
    assert not cal.is_working_day(date(2026, 3, 7))
    assert cal.is_working_day(date(2026, 3, 9))


def test_year_without_official_data_is_provisional(cal: WorkCalendar) -> None:
    assert not cal.has_official_data(2027)
    # Fri 2027-01-01 is 元旦 by statute, so the first working day is Mon 01-04 (provisionally).
    assert cal.add_working_days(date(2026, 12, 31), 1) == WorkingDayResult(
        date(2027, 1, 4), provisional=True
    )


def test_stepping_over_an_unofficial_year_is_provisional_even_if_result_is_official() -> None:
    cal = WorkCalendar({}, {}, frozenset({2026, 2028}))
    result = cal.add_working_days(date(2026, 12, 31), 300)
    assert result.day.year == 2028
    assert result.provisional


def test_unofficial_years_count_monday_to_friday_less_the_statutory_holidays(
    cal: WorkCalendar,
) -> None:
    # 2027 has no notice yet: 元旦 (Fri 01-01) is known by statute, make-up days are not.
    assert not cal.is_working_day(date(2027, 1, 1))
    assert not cal.is_working_day(date(2027, 1, 2))
    assert cal.is_working_day(date(2027, 1, 4))
    assert cal.add_working_days(date(2027, 1, 1), 1).day == date(2027, 1, 4)


def test_start_day_is_not_counted(cal: WorkCalendar) -> None:
    assert cal.add_working_days(date(2026, 3, 9), 1).day == date(2026, 3, 10)


def test_start_on_a_holiday_with_zero_days_is_the_start(cal: WorkCalendar) -> None:
    assert cal.add_working_days(date(2026, 10, 1), 0) == WorkingDayResult(
        date(2026, 10, 1), provisional=False
    )
    assert cal.add_working_days(date(2027, 10, 1), 0).provisional


def test_start_on_a_holiday_counts_from_the_next_working_day(cal: WorkCalendar) -> None:
    assert cal.add_working_days(date(2026, 10, 1), 1).day == date(2026, 10, 8)


def test_negative_days_are_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(date(2026, 3, 9), -1)


def test_working_days_between(cal: WorkCalendar) -> None:
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 26)) == 4
    assert cal.working_days_between(date(2026, 2, 26), date(2026, 2, 13)) == -4
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 13)) == 0
    # 2026: 261 weekdays, 19 of them holidays, plus 6 make-up weekend days.
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 19 + 6


def test_deadline_end_is_end_of_the_shanghai_day(cal: WorkCalendar) -> None:
    accepted = datetime(2026, 2, 13, 16, 30, tzinfo=clock.SHANGHAI)
    due, provisional = cal.deadline_end(accepted, 4)
    assert due == datetime.combine(date(2026, 2, 26), time(23, 59, 59), tzinfo=clock.SHANGHAI)
    assert provisional is False


def test_deadline_end_takes_the_day_in_shanghai_not_utc(cal: WorkCalendar) -> None:
    # 17:00 UTC on Thursday is already Friday 01:00 in Shanghai.
    accepted = datetime(2026, 2, 12, 17, 0, tzinfo=clock.UTC)
    assert cal.deadline_end(accepted, 4).due_at.date() == date(2026, 2, 26)


def test_deadline_end_rejects_naive_times(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        cal.deadline_end(datetime(2026, 2, 13, 9, 0), 1)  # naive on purpose


def test_agrees_with_chinese_calendar_on_every_shipped_day(cal: WorkCalendar) -> None:
    day, last = date(2004, 1, 1), date(2026, 12, 31)
    while day <= last:
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_rejects_inconsistent_data() -> None:
    with pytest.raises(ValueError, match="both"):
        WorkCalendar({date(2026, 2, 14): "x"}, {date(2026, 2, 14): "x"}, frozenset({2026}))
    with pytest.raises(ValueError, match="weekend"):
        WorkCalendar({}, {date(2026, 2, 13): "x"}, frozenset({2026}))
    with pytest.raises(ValueError, match="without official data"):
        WorkCalendar({date(2027, 1, 1): "元旦"}, {}, frozenset({2026}))


def test_calendar_cannot_be_changed_through_its_mappings(cal: WorkCalendar) -> None:
    with pytest.raises(TypeError):
        cal.holidays[date(2026, 3, 9)] = "x"  # type: ignore[index]


@given(
    start=st.dates(min_value=date(2010, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=0, max_value=40),
)
def test_between_inverts_add(start: date, n: int) -> None:
    cal = builtin_calendar()
    result = cal.add_working_days(start, n)
    assert cal.working_days_between(start, result.day) == n
    if n > 0:
        assert cal.is_working_day(result.day)
        # No earlier day would do: the day before the result is n - 1 working days away.
        assert cal.working_days_between(start, result.day - timedelta(days=1)) == n - 1
    assert result.provisional == (result.day.year > 2026)


@given(
    a=st.dates(min_value=date(2003, 1, 1), max_value=date(2028, 12, 31)),
    b=st.dates(min_value=date(2003, 1, 1), max_value=date(2028, 12, 31)),
)
def test_between_matches_counting_day_by_day(a: date, b: date) -> None:
    cal = builtin_calendar()
    low, high = min(a, b), max(a, b)
    if (high - low).days > 800:
        high = low + timedelta(days=800)
    counted = 0
    day = low
    while day < high:
        day += timedelta(days=1)
        counted += cal.is_working_day(day)
    assert cal.working_days_between(low, high) == counted
