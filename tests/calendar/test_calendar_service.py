from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, Role, system
from quarterhour.calendar import service
from quarterhour.calendar.models import CalendarDay, CalendarYear
from quarterhour.calendar.official import YearSchedule
from quarterhour.kit import clock, recheck

pytestmark = pytest.mark.db

# Invented schedules for the tests, not official data. 2030-01-01 is a Tuesday, 2030-01-26 a
# Saturday; 2027-01-01 a Friday.
SCHEDULE_2030 = YearSchedule(
    2030,
    {date(2030, 1, 1): "元旦", date(2030, 2, 4): "春节", date(2030, 2, 5): "春节"},
    {date(2030, 1, 26): "春节"},
    "test notice 2030",
)
SCHEDULE_2027 = YearSchedule(2027, {date(2027, 1, 1): "元旦"}, {}, "test notice 2027")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    # The calendar cache lives per process; tests must not see each other's databases through it.
    service.invalidate_cache()
    yield
    service.invalidate_cache()


class QueryCounter:
    def __init__(self, session: Session) -> None:
        self.engine = session.get_bind().engine
        self.statements: list[str] = []

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append(statement)


def test_empty_database_uses_the_shipped_data(session: Session) -> None:
    assert service.loaded_years(session, by=system("test")) == []
    assert service.covered_years(session) == list(range(2004, 2027))
    cal = service.current_calendar(session)
    assert cal.add_working_days(date(2026, 2, 13), 4).day == date(2026, 2, 26)
    assert cal.add_working_days(date(2026, 12, 31), 1).provisional


def test_load_year_stores_the_year_and_its_days(session: Session) -> None:
    year = service.load_year(session, SCHEDULE_2030, by=_admin("admin01"))
    assert (year.year, year.source, year.loaded_by) == (2030, "test notice 2030", "admin01")
    assert year.loaded_at.tzinfo is not None
    rows = session.execute(
        select(CalendarDay.day, CalendarDay.year, CalendarDay.kind, CalendarDay.name).order_by(
            CalendarDay.day
        )
    ).all()
    assert [tuple(row) for row in rows] == [
        (date(2030, 1, 1), 2030, "holiday", "元旦"),
        (date(2030, 1, 26), 2030, "workday", "春节"),
        (date(2030, 2, 4), 2030, "holiday", "春节"),
        (date(2030, 2, 5), 2030, "holiday", "春节"),
    ]
    assert [y.year for y in service.loaded_years(session, by=system("test"))] == [2030]


def test_loaded_year_joins_the_calendar(session: Session) -> None:
    service.load_year(session, SCHEDULE_2030, by=system("test"))
    cal = service.current_calendar(session)
    assert cal.has_official_data(2030)
    assert not cal.is_working_day(date(2030, 1, 1))
    assert cal.is_working_day(date(2030, 1, 26))
    assert cal.add_working_days(date(2029, 12, 31), 1).day == date(2030, 1, 2)
    assert not cal.add_working_days(date(2030, 2, 1), 3).provisional
    assert 2030 in service.covered_years(session)


def test_reloading_a_year_replaces_its_days(session: Session) -> None:
    service.load_year(session, SCHEDULE_2030, by=_admin("admin01"))
    assert not service.current_calendar(session).is_working_day(date(2030, 2, 5))
    corrected = YearSchedule(2030, {date(2030, 1, 1): "元旦"}, {}, "corrected notice")
    year = service.load_year(session, corrected, by=_admin("admin02"))
    assert (year.source, year.loaded_by) == ("corrected notice", "admin02")
    assert session.scalars(select(CalendarDay.day)).all() == [date(2030, 1, 1)]
    cal = service.current_calendar(session)
    assert cal.is_working_day(date(2030, 2, 5))
    assert not cal.is_working_day(date(2030, 1, 26))
    assert len(service.loaded_years(session, by=system("test"))) == 1


def test_loaded_year_replaces_the_shipped_year_whole(session: Session) -> None:
    # A corrected 2026 that only keeps 元旦: the shipped National Day days must not linger.
    service.load_year(
        session, YearSchedule(2026, {date(2026, 1, 1): "元旦"}, {}, "fix"), by=system("test")
    )
    cal = service.current_calendar(session)
    assert cal.is_working_day(date(2026, 10, 1))
    assert not cal.is_working_day(date(2026, 2, 14))
    assert not cal.is_working_day(date(2026, 1, 1))
    assert not cal.is_working_day(date(2025, 10, 1))  # other shipped years untouched


def test_loaded_at_moves_forward_even_under_a_frozen_clock(session: Session) -> None:
    frozen = datetime(2026, 11, 20, 9, 0, tzinfo=clock.SHANGHAI)
    with clock.using(lambda: frozen):
        first = service.load_year(session, SCHEDULE_2030, by=system("test")).loaded_at
        second = service.load_year(session, SCHEDULE_2027, by=system("test")).loaded_at
        third = service.load_year(session, SCHEDULE_2030, by=system("test")).loaded_at
    assert first == frozen
    assert first < second < third


class Later:
    """Moves the monotonic clock that kit.recheck reads, as if seconds had passed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = 0.0
        real = time.monotonic
        monkeypatch.setattr(recheck.time, "monotonic", lambda: real() + self.offset)

    def past_the_window(self) -> None:
        self.offset += recheck.SECONDS + 0.1


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Later:
    return Later(monkeypatch)


def test_cached_calendar_costs_no_query_then_one_per_window(session: Session, later: Later) -> None:
    service.load_year(session, SCHEDULE_2030, by=system("test"))
    first = service.current_calendar(session)
    with QueryCounter(session) as counter:
        again = service.current_calendar(session)
    assert again is first
    assert counter.statements == []
    later.past_the_window()
    with QueryCounter(session) as counter:
        again = service.current_calendar(session)
        service.current_calendar(session)
    assert again is first
    assert len(counter.statements) == 1  # the stamp, unchanged


def test_a_year_loaded_by_another_process_is_seen(session: Session, later: Later) -> None:
    before = service.current_calendar(session)
    assert not before.has_official_data(2030)
    # What another process's committed load_year looks like from here: rows, and no call into
    # this process's cache.
    session.execute(
        insert(CalendarYear).values(
            year=2030,
            source="other process",
            loaded_at=datetime(2030, 1, 1, tzinfo=clock.SHANGHAI) - timedelta(days=60),
            loaded_by=None,
        )
    )
    session.execute(
        insert(CalendarDay).values(day=date(2030, 1, 1), year=2030, kind="holiday", name="元旦")
    )
    # Another process's change shows once this process's copy is due for its check.
    assert service.current_calendar(session) is before
    later.past_the_window()
    after = service.current_calendar(session)
    assert after is not before
    assert after.has_official_data(2030)
    assert not after.is_working_day(date(2030, 1, 1))


def test_day_kind_is_checked_by_the_database(session: Session) -> None:
    service.load_year(session, SCHEDULE_2030, by=system("test"))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            insert(CalendarDay).values(day=date(2030, 3, 1), year=2030, kind="nap", name="x")
        )


def test_no_warning_when_this_year_is_covered_outside_november(session: Session) -> None:
    assert service.missing_year_warning(session, date(2026, 6, 1)) is None
    assert service.missing_year_warning(session, date(2026, 10, 31)) is None


@pytest.mark.parametrize("today", [date(2026, 11, 1), date(2026, 12, 31)])
def test_warning_in_november_and_december_when_next_year_is_missing(
    session: Session, today: date
) -> None:
    warning = service.missing_year_warning(session, today)
    assert warning is not None
    assert warning.code == "calendar_year_missing"
    assert warning.years == (2027,)
    assert "No official holiday schedule is loaded for 2027:" in warning.message


def test_the_warning_says_what_a_provisional_year_knows_and_does_not(session: Session) -> None:
    warning = service.missing_year_warning(session, date(2026, 12, 1))
    assert warning is not None
    # The CLI's and the API's English; the console's words are the reader's (tests/console).
    assert "statutory holidays" in warning.message
    assert "make-up working days (调休), bridging days" in warning.message
    assert service.provisional_holidays(session, [2027])[2027][date(2027, 2, 5)] == "春节"


def test_loading_next_year_silences_the_warning(session: Session) -> None:
    service.load_year(session, SCHEDULE_2027, by=system("test"))
    assert service.missing_year_warning(session, date(2026, 11, 20)) is None


def test_warning_when_the_current_year_is_missing(session: Session) -> None:
    warning = service.missing_year_warning(session, date(2027, 3, 1))
    assert warning is not None
    assert warning.years == (2027,)
    both = service.missing_year_warning(session, date(2027, 11, 2))
    assert both is not None
    assert both.years == (2027, 2028)
    assert "2027 and 2028" in both.message


def _admin(username: str) -> Actor:
    return Actor(id=None, username=username, role=Role.ADMIN, department_id=None)
