"""Long jobs started from the console (a bill run, an import): what was asked, how far it got,
the outcome (done, failed, or stopped when its server shut down)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base


class Job(Base):
    """A long job started from the console (a bill run, an import): its steps, message and heartbeat."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("status in ('running','done','failed','stopped')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8))
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(String(300))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    started_at: Mapped[datetime]
    # Moves with every step: a running job whose heartbeat stopped was cut off (a restart).
    heartbeat_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
