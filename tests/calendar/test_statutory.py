"""A year without official data still knows its statutory holidays (《全国年节及纪念日放假办法》)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from chinese_calendar import constants
from hypothesis import given
from hypothesis import strategies as st

from quarterhour.calendar.official import builtin_calendar
from quarterhour.calendar.statutory import qingming, rule_for, statutory_holidays
from quarterhour.calendar.workdays import WorkCalendar, WorkingDayResult
from quarterhour.kit import clock

OFFICIAL_YEARS = sorted({day.year for day in constants.holidays})


def test_a_year_without_official_data_knows_its_statutory_holidays() -> None:
    # 2027 under the 2024 revision (国务院令第795号): 春节 is 除夕 Fri 02-05 to 初三 Mon 02-08
    # (初一 is Sat 02-06), 清明 Mon 04-05, 劳动节 Sat 05-01 and Sun 05-02, 端午 (五月初五) Wed
    # 06-09, 中秋 (八月十五) Wed 09-15, 国庆 Fri 10-01 to Sun 10-03.
    assert dict(statutory_holidays(2027)) == {
        date(2027, 1, 1): "元旦",
        date(2027, 2, 5): "春节",
        date(2027, 2, 6): "春节",
        date(2027, 2, 7): "春节",
        date(2027, 2, 8): "春节",
        date(2027, 4, 5): "清明节",
        date(2027, 5, 1): "劳动节",
        date(2027, 5, 2): "劳动节",
        date(2027, 6, 9): "端午节",
        date(2027, 9, 15): "中秋节",
        date(2027, 10, 1): "国庆节",
        date(2027, 10, 2): "国庆节",
        date(2027, 10, 3): "国庆节",
    }
    cal = builtin_calendar()
    assert not cal.has_official_data(2027)
    for day in (date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 8), date(2027, 4, 5)):
        assert not cal.is_working_day(day), day
    for day in (date(2027, 6, 9), date(2027, 9, 15), date(2027, 10, 1)):
        assert not cal.is_working_day(day), day
    # What only the notice can say is not guessed: Mon 05-03 (补假 for Sun 05-02?) and the
    # bridging days after 国庆 stay working days until the year is loaded.
    assert cal.is_working_day(date(2027, 5, 3))
    assert cal.is_working_day(date(2027, 10, 4))


def test_a_deadline_across_a_provisional_holiday_skips_it_and_stays_provisional() -> None:
    cal = builtin_calendar()
    # Thu 2026-12-31 + 1 working day: Fri 2027-01-01 is 元旦, Sat and Sun are weekend.
    assert cal.add_working_days(date(2026, 12, 31), 1) == WorkingDayResult(
        date(2027, 1, 4), provisional=True
    )
    # Wed 2027-02-03 + 4: Thu 04, (除夕 Fri 05, weekend, 初三 Mon 08), Tue 09, Wed 10, Thu 11.
    assert cal.add_working_days(date(2027, 2, 3), 4) == WorkingDayResult(
        date(2027, 2, 11), provisional=True
    )
    assert cal.working_days_between(date(2027, 2, 3), date(2027, 2, 11)) == 4


def test_the_revision_in_force_decides_which_days() -> None:
    assert rule_for(2007) is None
    assert rule_for(2013).spring_festival_eve  # type: ignore[union-attr]
    assert not rule_for(2024).spring_festival_eve  # type: ignore[union-attr]
    assert rule_for(2025).labour_days == 2  # type: ignore[union-attr]
    assert "795" in rule_for(2099).source  # type: ignore[union-attr]
    # 2024 (the 2013 text): 初一 to 初三, 1 May only; 2025 (the 2024 text) adds 除夕 and 2 May.
    assert date(2024, 2, 9) not in statutory_holidays(2024)  # 除夕 2024
    assert date(2024, 5, 2) not in statutory_holidays(2024)
    assert date(2025, 1, 28) in statutory_holidays(2025)  # 除夕 2025
    assert date(2025, 5, 2) in statutory_holidays(2025)
    assert statutory_holidays(2000) == {}


@pytest.mark.parametrize("year", [y for y in OFFICIAL_YEARS if y >= 2008])
def test_every_statutory_holiday_is_a_day_off_in_the_official_schedule(year: int) -> None:
    # The notices add bridging days and make-up days, so inclusion, not equality.
    for day, name in statutory_holidays(year).items():
        assert day not in constants.workdays, (day, name)
        if day.weekday() < 5:
            assert day in constants.holidays, (day, name)
        else:
            # chinesecalendar leaves a few weekend days of a break out of its list (端午
            # 2012-06-23, a Saturday of the 22–24 June break), so: a weekend day not worked.
            assert not chinese_calendar.is_workday(day), (day, name)


def test_statutory_holidays_of_official_years_change_nothing() -> None:
    # The shipped years keep their notices' days exactly; the rule fills only unofficial years.
    cal = builtin_calendar()
    day = date(2024, 2, 9)  # 除夕 2024 was a working day (the 2013 text), and stays one
    assert cal.is_working_day(day) == chinese_calendar.is_workday(day) is True
    assert cal.provisional_holidays(2026) == {}


# Lunar dates from an independent table (python-lunardate 0.3.0, table-driven to 2099): 初一,
# 五月初五, 八月十五. 2028: 中秋 on 3 October; 2033: the leap eleventh month.
LUNAR_TABLE = {
    2027: (date(2027, 2, 6), date(2027, 6, 9), date(2027, 9, 15)),
    2028: (date(2028, 1, 26), date(2028, 5, 28), date(2028, 10, 3)),
    2030: (date(2030, 2, 3), date(2030, 6, 5), date(2030, 9, 12)),
    2033: (date(2033, 1, 31), date(2033, 6, 1), date(2033, 9, 8)),
    2040: (date(2040, 2, 12), date(2040, 6, 14), date(2040, 9, 20)),
    2050: (date(2050, 1, 23), date(2050, 6, 23), date(2050, 9, 30)),
    2061: (date(2061, 1, 21), date(2061, 6, 22), date(2061, 9, 28)),
    2099: (date(2099, 1, 21), date(2099, 6, 23), date(2099, 9, 29)),
}


@pytest.mark.parametrize(("year", "expected"), sorted(LUNAR_TABLE.items()))
def test_lunar_holidays_agree_with_an_independent_table(
    year: int, expected: tuple[date, date, date]
) -> None:
    new_year, dragon_boat, mid_autumn = expected
    days = statutory_holidays(year)
    assert [d for d, name in days.items() if name.startswith("春节")] == [
        new_year + timedelta(days=n) for n in range(-1, 3)
    ]
    assert days[dragon_boat] == "端午节"
    assert mid_autumn in days and "中秋节" in days[mid_autumn]


def test_mid_autumn_on_national_day_is_one_day_off_with_both_names() -> None:
    days = statutory_holidays(2028)
    assert days[date(2028, 10, 3)] == "中秋节、国庆节"
    assert len(days) == 12


def test_every_year_to_2100_has_its_holidays_in_their_seasons() -> None:
    for year in range(2025, 2101):
        days = statutory_holidays(year)
        spring = sorted(d for d, n in days.items() if n == "春节")
        assert len(spring) == 4 and date(year, 1, 20) <= spring[0] <= date(year, 2, 19), year
        assert [d.month for d, n in days.items() if n == "端午节"] in ([5], [6]), year
        autumn = [d for d, n in days.items() if "中秋节" in n]
        assert len(autumn) == 1 and date(year, 9, 7) <= autumn[0] <= date(year, 10, 8), year


def _sun_longitude(moment: datetime) -> float:
    """Apparent ecliptic longitude of the sun in degrees (Meeus, Astronomical Algorithms ch. 25,
    low precision: about 0.01°, i.e. a quarter of an hour of the sun's motion). No tables."""
    julian_day = 2440587.5 + moment.timestamp() / 86400 + 69 / 86400  # TT ≈ UTC + 69 s
    t = (julian_day - 2451545.0) / 36525
    mean = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    anomaly = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
    centre = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * math.sin(anomaly)
        + (0.019993 - 0.000101 * t) * math.sin(2 * anomaly)
        + 0.000289 * math.sin(3 * anomaly)
    )
    node = math.radians(125.04 - 1934.136 * t)
    return (mean + centre - 0.00569 - 0.00478 * math.sin(node)) % 360


def _qingming_moment(year: int) -> datetime:
    low = datetime(year, 4, 2, tzinfo=clock.SHANGHAI)
    high = datetime(year, 4, 8, tzinfo=clock.SHANGHAI)
    while high - low > timedelta(seconds=30):
        middle = low + (high - low) / 2
        low, high = (middle, high) if _sun_longitude(middle) < 15 else (low, middle)
    return high


def test_qingming_is_the_day_the_sun_reaches_15_degrees_in_beijing_time() -> None:
    # 2100: the formula gives 00:40 on 5 April; chinesecalendar's fitted constants say 4 April.
    checked = 0
    for year in range(2004, 2101):
        moment = _qingming_moment(year)
        since_midnight = moment - moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if min(since_midnight, timedelta(days=1) - since_midnight) < timedelta(minutes=30):
            continue  # too close to midnight for a quarter-hour formula to decide the day
        assert qingming(year) == moment.date(), year
        checked += 1
    assert checked >= 90
    assert qingming(2100) == date(2100, 4, 5)


@given(
    start=st.dates(min_value=date(2026, 6, 1), max_value=date(2031, 12, 31)),
    n=st.integers(min_value=0, max_value=40),
)
def test_between_inverts_add_across_provisional_years(start: date, n: int) -> None:
    cal = WorkCalendar({}, {}, frozenset({2026}))
    result = cal.add_working_days(start, n)
    assert cal.working_days_between(start, result.day) == n
    if n > 0:
        assert cal.is_working_day(result.day)
        assert result.provisional == (result.day.year > 2026)
        assert cal.working_days_between(start, result.day - timedelta(days=1)) == n - 1
