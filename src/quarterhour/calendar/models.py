"""Official schedules loaded by an administrator; a loaded year replaces the shipped one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base


class CalendarYear(Base):
    """A year of official working-day data (国务院办公厅 notice): where it came from, who loaded it."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The notice the days were transcribed from, e.g. 国办发明电〔2026〕…号.
    source: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[datetime]
    loaded_by: Mapped[str | None] = mapped_column(String(64))


class CalendarDay(Base):
    """One exception to Monday–Friday in a loaded year: a holiday, or a make-up working day (调休)."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    day: Mapped[date] = mapped_column(primary_key=True)
    # A day belongs to a loaded year, so a year is always replaced as a whole.
    year: Mapped[int] = mapped_column(ForeignKey("calendar_year.year"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
