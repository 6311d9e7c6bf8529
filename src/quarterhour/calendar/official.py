"""Official holiday schedules shipped with the product, one per year.

The data comes from the maintained `chinesecalendar` package, which transcribes the State Council
General Office notices (国务院办公厅关于…年部分节假日安排的通知). Years it does not cover are loaded
by an administrator (`schedule_file`, `service.load_year`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import metadata
from types import MappingProxyType

import chinese_calendar
from chinese_calendar import constants

from quarterhour.calendar.workdays import WorkCalendar


@dataclass(frozen=True)
class YearSchedule:
    year: int
    holidays: Mapping[date, str]
    makeup_workdays: Mapping[date, str]
    source: str

    def __post_init__(self) -> None:
        holidays = dict(self.holidays)
        makeup = dict(self.makeup_workdays)
        stray = sorted(day for day in holidays.keys() | makeup.keys() if day.year != self.year)
        if stray:
            raise ValueError(f"schedule for {self.year} lists days of other years: {stray}")
        both = sorted(holidays.keys() & makeup.keys())
        if both:
            raise ValueError(f"days both holiday and make-up workday: {both}")
        weekday_makeup = sorted(day for day in makeup if day.weekday() < 5)
        if weekday_makeup:
            raise ValueError(f"make-up workdays must be Saturdays or Sundays: {weekday_makeup}")
        # Schedules are shared through a cache; nobody may change one in place.
        object.__setattr__(self, "holidays", MappingProxyType(holidays))
        object.__setattr__(self, "makeup_workdays", MappingProxyType(makeup))


def _chinese_name(english: str) -> str:
    # The package stores the English enum value; the Chinese name is an attribute of the member.
    try:
        return str(constants.Holiday(english).chinese)
    except (ValueError, AttributeError):
        return english


def _package_version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:
        return str(getattr(chinese_calendar, "__version__", "unknown"))


@cache
def _schedules() -> Mapping[int, YearSchedule]:
    source = f"chinesecalendar {_package_version()} (国务院办公厅通知)"
    holidays: dict[int, dict[date, str]] = {}
    makeup: dict[int, dict[date, str]] = {}
    for day, english in constants.holidays.items():
        holidays.setdefault(day.year, {})[day] = _chinese_name(english)
    for day, english in constants.workdays.items():
        makeup.setdefault(day.year, {})[day] = _chinese_name(english)
    return MappingProxyType(
        {
            year: YearSchedule(year, holidays.get(year, {}), makeup.get(year, {}), source)
            for year in sorted(holidays.keys() | makeup.keys())
        }
    )


def builtin_schedules() -> dict[int, YearSchedule]:
    # A fresh dict each call, so a caller's edits never leak into the cached data.
    return dict(_schedules())


def calendar_from_schedules(schedules: Iterable[YearSchedule]) -> WorkCalendar:
    holidays: dict[date, str] = {}
    makeup: dict[date, str] = {}
    years: set[int] = set()
    for schedule in schedules:
        holidays.update(schedule.holidays)
        makeup.update(schedule.makeup_workdays)
        years.add(schedule.year)
    return WorkCalendar(holidays, makeup, frozenset(years))


@cache
def builtin_calendar() -> WorkCalendar:
    # Shipped data only: for pure tests and tools; the product reads `service.current_calendar`,
    # which adds the years an administrator loaded.
    return calendar_from_schedules(_schedules().values())
