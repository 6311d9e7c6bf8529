"""Chinese working days: Monday to Friday, minus official holidays, plus make-up days (调休上班).

Pure rules, no database: `service.current_calendar` builds a `WorkCalendar` from the shipped data
and the years an administrator loaded. A year without official data is provisional: it knows the
statutory holidays (`statutory`), not the make-up days, bridging days and days in lieu that only
the State Council's notice for that year fixes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from quarterhour.calendar.statutory import statutory_holidays
from quarterhour.kit import clock

_ONE_DAY = timedelta(days=1)


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # 休: an official day off
    WORKDAY = "workday"  # 班: a weekend day worked to make up for a holiday bridge


@dataclass(frozen=True)
class WorkingDayResult:
    day: date
    # True when any day counted (the result included) lies in a year without official data: the
    # result then rests on the statutory holidays alone and may move when the State Council
    # publishes the year's make-up and bridging days.
    provisional: bool


class Deadline(NamedTuple):
    due_at: datetime
    provisional: bool


def _weekdays_up_to(ordinal: int) -> int:
    # Mon–Fri among ordinals 1..ordinal; ordinal 1 (0001-01-01) is a Monday.
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


@dataclass(frozen=True)
class WorkCalendar:
    holidays: Mapping[date, str]
    makeup_workdays: Mapping[date, str]
    official_years: frozenset[int]

    # Lookup structures derived once: deadlines are computed at every intake.
    _days_off: frozenset[date] = field(init=False, repr=False, compare=False)
    _days_on: frozenset[date] = field(init=False, repr=False, compare=False)
    _weekday_holidays: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _makeup_ordinals: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        holidays = dict(self.holidays)
        makeup = dict(self.makeup_workdays)
        both = holidays.keys() & makeup.keys()
        if both:
            raise ValueError(f"days both holiday and make-up workday: {sorted(both)}")
        weekday_makeup = sorted(day for day in makeup if day.weekday() < 5)
        if weekday_makeup:
            # A weekday is a working day anyway; listing it as make-up means the data is wrong.
            raise ValueError(f"make-up workdays must be weekend days: {weekday_makeup}")
        unofficial = sorted(
            day for day in holidays.keys() | makeup.keys() if day.year not in self.official_years
        )
        if unofficial:
            raise ValueError(f"days listed for years without official data: {unofficial}")
        set_field = object.__setattr__  # the dataclass is frozen; derive once, here
        set_field(self, "holidays", MappingProxyType(holidays))
        set_field(self, "makeup_workdays", MappingProxyType(makeup))
        set_field(self, "official_years", frozenset(self.official_years))
        set_field(self, "_days_off", frozenset(holidays))
        set_field(self, "_days_on", frozenset(makeup))
        set_field(
            self,
            "_weekday_holidays",
            tuple(sorted(day.toordinal() for day in holidays if day.weekday() < 5)),
        )
        set_field(self, "_makeup_ordinals", tuple(sorted(day.toordinal() for day in makeup)))

    def has_official_data(self, year: int) -> bool:
        return year in self.official_years

    def is_working_day(self, day: date) -> bool:
        if day in self._days_on:
            return True
        if day in self._days_off:
            return False
        if day.weekday() >= 5:
            return False
        # Official years list all their holidays; a provisional year knows the statutory ones.
        return day.year in self.official_years or day not in statutory_holidays(day.year)

    def provisional_holidays(self, year: int) -> Mapping[date, str]:
        """The days off a year without official data is known to have (none for an official
        year: its notice lists them all)."""
        return {} if year in self.official_years else statutory_holidays(year)

    def add_working_days(self, start: date, n: int) -> WorkingDayResult:
        # 民法典 art. 201: a period counted in days starts on the following day, so the start day
        # itself is never counted, whether or not it is a working day.
        if n < 0:
            raise ValueError(f"number of working days must not be negative, got {n}")
        if n == 0:
            return WorkingDayResult(start, provisional=not self.has_official_data(start.year))
        day = start
        remaining = n
        while remaining:
            day += _ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        official = self.official_years
        provisional = any(
            year not in official for year in range((start + _ONE_DAY).year, day.year + 1)
        )
        return WorkingDayResult(day, provisional=provisional)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b], the inverse of `add_working_days`; negative if b is before a."""
        if b < a:
            return -self.working_days_between(b, a)
        low, high = a.toordinal(), b.toordinal()
        weekdays = _weekdays_up_to(high) - _weekdays_up_to(low)
        holidays = _count_in(self._weekday_holidays, low, high)
        makeup = _count_in(self._makeup_ordinals, low, high)
        for year in range(a.year, b.year + 1):
            holidays += sum(
                1
                for day in self.provisional_holidays(year)
                if day.weekday() < 5 and low < day.toordinal() <= high
            )
        return weekdays - holidays + makeup

    def deadline_end(self, start: datetime, n: int) -> Deadline:
        # The start day is the Shanghai calendar day on which the case was accepted.
        result = self.add_working_days(clock.local_date(start), n)
        return Deadline(clock.end_of_day(result.day), result.provisional)


def _count_in(ordinals: tuple[int, ...], low: int, high: int) -> int:
    """How many of the sorted ordinals lie in (low, high]."""
    return bisect_right(ordinals, high) - bisect_right(ordinals, low)
