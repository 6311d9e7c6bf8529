from __future__ import annotations

from datetime import date

import pytest

from quarterhour.calendar.official import (
    YearSchedule,
    builtin_calendar,
    builtin_schedules,
    calendar_from_schedules,
)


def test_shipped_years_are_2004_to_2026() -> None:
    assert sorted(builtin_schedules()) == list(range(2004, 2027))


def test_2026_schedule_with_chinese_names_and_source() -> None:
    schedule = builtin_schedules()[2026]
    assert schedule.year == 2026
    assert schedule.holidays[date(2026, 1, 1)] == "元旦"
    assert schedule.holidays[date(2026, 2, 17)] == "春节"
    assert schedule.holidays[date(2026, 10, 1)] == "国庆节"
    assert schedule.makeup_workdays[date(2026, 2, 14)] == "春节"
    assert set(schedule.makeup_workdays) == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert schedule.source.startswith("chinesecalendar 1.")
    assert "国务院办公厅" in schedule.source


def test_callers_cannot_spoil_the_cached_data() -> None:
    schedules = builtin_schedules()
    del schedules[2026]
    assert 2026 in builtin_schedules()
    with pytest.raises(TypeError):
        builtin_schedules()[2026].holidays[date(2026, 3, 9)] = "x"  # type: ignore[index]


def test_builtin_calendar_covers_the_shipped_years() -> None:
    assert builtin_calendar().official_years == frozenset(range(2004, 2027))


def test_year_schedule_rejects_days_of_other_years_and_weekday_makeup() -> None:
    with pytest.raises(ValueError, match="other years"):
        YearSchedule(2027, {date(2026, 12, 31): "元旦"}, {}, "test")
    with pytest.raises(ValueError, match="Saturdays or Sundays"):
        YearSchedule(2027, {}, {date(2027, 2, 8): "春节"}, "test")


def test_calendar_from_schedules_marks_years_official_even_without_days() -> None:
    cal = calendar_from_schedules([YearSchedule(2030, {date(2030, 1, 1): "元旦"}, {}, "test")])
    assert cal.has_official_data(2030)
    assert not cal.is_working_day(date(2030, 1, 1))
