"""The live radio programme 供电一刻钟: weekday episodes 07:40–07:55 with a duty roster."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base


class Episode(Base):
    """One broadcast of the radio programme (weekdays 07:40–07:55), with its roster."""

    __tablename__ = "episode"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # 第N期
    air_date: Mapped[date] = mapped_column(Date, unique=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    title: Mapped[str | None] = mapped_column(String(200))
    is_special: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)


class RosterEntry(Base):
    """Who is on duty in an episode: a company leader and specialists."""

    __tablename__ = "roster_entry"
    __table_args__ = (UniqueConstraint("episode_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    duty: Mapped[str] = mapped_column(String(16))  # leader | specialist | host
