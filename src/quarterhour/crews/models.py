"""Repair crews (抢修班组), their members, vehicles (抢修车辆), duty roster and status history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base


class CrewStatus(StrEnum):
    AVAILABLE = "available"  # 待命
    EN_ROUTE = "en_route"  # 出发
    ON_SITE = "on_site"  # 到场
    OFF_DUTY = "off_duty"  # 下班


class VehicleKind(StrEnum):
    REPAIR = "repair"  # 抢修车
    LIVE_LINE = "live_line"  # 带电作业车
    LIFT = "lift"  # 升降车


# Degrees to the millionth: about 0.1 m, finer than any phone's fix, and exact in both databases.
COORDINATE = Numeric(9, 6)


class Crew(Base):
    """A repair crew of a repair department; its status and last known position are kept on the
    row (read by every suggestion), their history in crew_status_change."""

    __tablename__ = "crew"
    __table_args__ = (
        CheckConstraint(
            "status in ('available','en_route','on_site','off_duty')", name="status_known"
        ),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        # A position is a fix: both coordinates and the time they were taken, or nothing.
        CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL) AND (latitude IS NULL) = "
            "(position_reported_at IS NULL)",
            name="position_whole",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=CrewStatus.OFF_DUTY.value)
    status_since: Mapped[datetime]
    latitude: Mapped[Decimal | None] = mapped_column(COORDINATE)
    longitude: Mapped[Decimal | None] = mapped_column(COORDINATE)
    position_reported_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class CrewMember(Base):
    """A staff member of the crew's department on the crew; one crew per person at a time."""

    __tablename__ = "crew_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crew.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), unique=True)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)  # 班长


class Vehicle(Base):
    """A repair vehicle by its plate (车牌), assigned to a crew or standing in the yard."""

    __tablename__ = "vehicle"
    __table_args__ = (CheckConstraint("kind in ('repair','live_line','lift')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crew.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CrewShift(Base):
    """A crew on duty over [starts_at, ends_at): back-to-back shifts meet, never overlap."""

    __tablename__ = "crew_shift"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # "who is on duty at t": the shifts of a crew that started by t, latest first.
        Index("ix_crew_shift_crew_starts", "crew_id", "starts_at"),
        Index("ix_crew_shift_starts_ends", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crew.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class CrewStatusChange(Base):
    """One change of a crew's status: who, when it happened (`at`, as claimed), when it was
    entered (`recorded_at`), from → to. The crew's status is always the last change's `to`."""

    __tablename__ = "crew_status_change"
    __table_args__ = (Index("ix_crew_status_change_crew", "crew_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crew.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    by_name: Mapped[str] = mapped_column(String(64))


class JobStep(StrEnum):
    DISPATCHED = "dispatched"  # 派给班组
    ACCEPTED = "accepted"  # 接单
    DEPARTED = "departed"  # 出发
    ARRIVED = "arrived"  # 到场
    RESTORED = "restored"  # 恢复供电
    WITHDRAWN = "withdrawn"  # 收回 (another crew goes, or the job is no longer needed)


# A job still open: the crew has it (the phone page lists it; the crew is not free for another).
OPEN_JOB_STEPS = (JobStep.DISPATCHED, JobStep.ACCEPTED, JobStep.DEPARTED, JobStep.ARRIVED)


class CrewJob(Base):
    """One sending of a crew to a repair order or to an outage, with the time of each step the
    crew took (the job's history with positions is crew_job_step). The crew's phone page lists
    its open jobs: not restored, not withdrawn."""

    __tablename__ = "crew_job"
    __table_args__ = (
        CheckConstraint("(work_order_id IS NULL) <> (outage_id IS NULL)", name="order_or_outage"),
        CheckConstraint(
            "step in ('dispatched','accepted','departed','arrived','restored','withdrawn')",
            name="step_known",
        ),
        # The crew's open jobs, newest first; an order's or outage's current crew.
        Index("ix_crew_job_crew_step", "crew_id", "step", "dispatched_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crew.id"))
    # Named by table: the job sits between crews and the work it is for (workorders/crew_jobs.py
    # takes the order's and the outage's side of each step).
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outage.id"), index=True)
    step: Mapped[str] = mapped_column(String(12), default=JobStep.DISPATCHED.value)
    dispatched_at: Mapped[datetime]
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # How the crew was chosen: distance, district, manual, automatic (routing policy).
    chosen_by: Mapped[str] = mapped_column(String(12))
    distance_km: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    accepted_at: Mapped[datetime | None]
    departed_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    restored_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook


class CrewJobStep(Base):
    """One step of a crew job as the crew (or the dispatcher) entered it: when it happened (`at`,
    checked: never before the dispatch, never in the future), when it was entered, who, and the
    phone's position when it gave one."""

    __tablename__ = "crew_job_step"
    __table_args__ = (
        Index("ix_crew_job_step_job", "job_id", "id"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="position_whole"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("crew_job.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    latitude: Mapped[Decimal | None] = mapped_column(COORDINATE)
    longitude: Mapped[Decimal | None] = mapped_column(COORDINATE)
    note: Mapped[str | None] = mapped_column(String(200))
