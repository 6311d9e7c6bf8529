"""Use cases of the working-day calendar. Sessions are passed in; the caller commits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.calendar import statutory
from quarterhour.calendar.models import CalendarDay, CalendarYear
from quarterhour.calendar.official import (
    YearSchedule,
    builtin_schedules,
    calendar_from_schedules,
)
from quarterhour.calendar.workdays import DayKind, WorkCalendar
from quarterhour.kit import clock
from quarterhour.kit.recheck import Recheck, database_key

# (database, number of loaded years, latest loaded_at): changes whenever any process loads a year.
_Stamp = tuple[str, int, datetime | None]


@dataclass(frozen=True)
class _Cached:
    stamp: _Stamp
    calendar: WorkCalendar


_cached: _Cached | None = None
_recheck = Recheck()


def load_year(session: Session, schedule: YearSchedule, *, by: Actor) -> CalendarYear:
    require(by, Permission.MANAGE_CALENDAR)
    year = session.get(CalendarYear, schedule.year)
    latest = session.scalar(select(func.max(CalendarYear.loaded_at)))
    loaded_at = clock.now()
    if latest is not None and loaded_at <= latest:
        # The cache stamp must change on every load, even under a frozen test clock or a clock
        # that stepped back, or other processes would keep the replaced days.
        loaded_at = latest + timedelta(microseconds=1)
    if year is None:
        year = CalendarYear(year=schedule.year)
        session.add(year)
    year.source = schedule.source
    year.loaded_at = loaded_at
    year.loaded_by = by.username
    session.flush()  # the year row first: days refer to it
    session.execute(delete(CalendarDay).where(CalendarDay.year == schedule.year))
    rows = [
        {"day": day, "year": schedule.year, "kind": DayKind.HOLIDAY.value, "name": name}
        for day, name in schedule.holidays.items()
    ] + [
        {"day": day, "year": schedule.year, "kind": DayKind.WORKDAY.value, "name": name}
        for day, name in schedule.makeup_workdays.items()
    ]
    if rows:
        session.execute(insert(CalendarDay), rows)
    invalidate_cache()
    return year


def loaded_years(session: Session, *, by: Actor) -> list[CalendarYear]:
    require(by, Permission.MANAGE_CALENDAR)
    return list(session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def current_calendar(session: Session) -> WorkCalendar:
    global _cached
    database = _database_key(session)
    cached = _cached
    if cached is not None and cached.stamp[0] == database and _recheck.fresh(database):
        return cached.calendar
    count, latest = session.execute(
        select(func.count(), func.max(CalendarYear.loaded_at)).select_from(CalendarYear)
    ).one()
    if cached is not None and cached.stamp == (database, count, latest):
        _recheck.checked(database)
        return cached.calendar
    years = session.execute(
        select(CalendarYear.year, CalendarYear.source, CalendarYear.loaded_at)
    ).all()
    # Days are read after years, so they are never older than the stamp built from those years;
    # a load committed in between only makes the stamp stale, which forces a re-read next time.
    days = session.execute(
        select(CalendarDay.year, CalendarDay.day, CalendarDay.kind, CalendarDay.name)
    ).all()
    loaded_at = [row.loaded_at for row in years]
    stamp: _Stamp = (database, len(years), max(loaded_at) if loaded_at else None)
    calendar = _merge(
        {row.year: row.source for row in years}, [(d.year, d.day, d.kind, d.name) for d in days]
    )
    # One assignment, so threads racing here at worst both build; no lock held across queries.
    _cached = _Cached(stamp, calendar)
    _recheck.checked(database)
    return calendar


def covered_years(session: Session) -> list[int]:
    return sorted(current_calendar(session).official_years)


def missing_years(session: Session, today: date) -> list[int]:
    """This year, and from November next year, when they have no official data."""
    calendar = current_calendar(session)
    missing: list[int] = []
    if not calendar.has_official_data(today.year):
        missing.append(today.year)
    # The State Council publishes next year's schedule in November, and from then on deadlines
    # of up to 30 working days reach into the new year.
    if today.month >= 11 and not calendar.has_official_data(today.year + 1):
        missing.append(today.year + 1)
    return missing


def provisional_holidays(session: Session, years: list[int]) -> dict[int, Mapping[date, str]]:
    """What each year without official data is known to have off: its statutory holidays."""
    calendar = current_calendar(session)
    return {year: calendar.provisional_holidays(year) for year in years}


@dataclass(frozen=True)
class MissingYears:
    """Years without the State Council's notice whose deadlines are provisional meanwhile: a
    warning for the administrators, `code` with its `years` (the console words it in its
    reader's language, entrypoints/web/wording.py); `message` is the CLI's and the API's
    English."""

    years: tuple[int, ...]
    code = "calendar_year_missing"

    @property
    def message(self) -> str:
        years = " and ".join(str(year) for year in self.years)
        return (
            f"No official holiday schedule is loaded for {years}: deadlines falling there count"
            " Monday to Friday less the statutory holidays (元旦 1 Jan, 春节 New Year's Eve to the"
            " third lunar day, 清明, 劳动节 1-2 May, 端午, 中秋, 国庆 1-3 Oct; lunar dates"
            f" computed). The {statutory.UNKNOWN_EN} are unknown, so these deadlines are"
            " provisional until an administrator loads the State Council notice, which"
            " recomputes them."
        )


def missing_year_warning(session: Session, today: date) -> MissingYears | None:
    missing = missing_years(session, today)
    return MissingYears(tuple(missing)) if missing else None


def invalidate_cache() -> None:
    global _cached
    _cached = None
    _recheck.forget()


def _database_key(session: Session) -> str:
    return database_key(session.get_bind())


def _merge(loaded: dict[int, str], days: list[tuple[int, date, str, str]]) -> WorkCalendar:
    holidays: dict[int, dict[date, str]] = {year: {} for year in loaded}
    makeup: dict[int, dict[date, str]] = {year: {} for year in loaded}
    for year, day, kind, name in days:
        (holidays if kind == DayKind.HOLIDAY else makeup)[year][day] = name
    schedules = builtin_schedules()
    # A loaded year replaces the shipped one whole: a corrected notice may drop days.
    for year, source in loaded.items():
        schedules[year] = YearSchedule(year, holidays[year], makeup[year], source)
    return calendar_from_schedules(schedules.values())
