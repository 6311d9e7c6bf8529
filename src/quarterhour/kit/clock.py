"""Time in one place: every timestamp the product stores or compares is aware, in Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")

# Tests and the demo generator replace the source of "now"; production reads the system clock.
_now_source: Callable[[], datetime] | None = None


def now() -> datetime:
    if _now_source is not None:
        return _now_source().astimezone(SHANGHAI)
    return datetime.now(SHANGHAI)


def now_source() -> Callable[[], datetime] | None:
    """The source in force, so a caller that replaces it can put it back afterwards."""
    return _now_source


def set_now_source(source: Callable[[], datetime] | None) -> None:
    global _now_source
    _now_source = source


@contextmanager
def using(source: Callable[[], datetime]) -> Iterator[None]:
    """Read "now" from `source` inside the block, then put back whatever was in force before."""
    previous = _now_source
    set_now_source(source)
    try:
        yield
    finally:
        set_now_source(previous)


def local(moment: datetime) -> datetime:
    """The same instant seen in Shanghai; naive values are a programming error, not a guess."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every time in Quarter Hour carries its zone")
    return moment.astimezone(SHANGHAI)


def local_date(moment: datetime) -> date:
    return local(moment).date()


def at(day: date, clock_time: time) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=SHANGHAI)


def end_of_day(day: date) -> datetime:
    # A deadline in working days means "by the end of that day", the reading customers expect.
    return at(day, time(23, 59, 59))


def start_of_day(day: date) -> datetime:
    return at(day, time(0, 0))


def day_span(first: date, last: date) -> tuple[datetime, datetime]:
    """Half-open [start of first, start of the day after last)."""
    return start_of_day(first), start_of_day(last + timedelta(days=1))
