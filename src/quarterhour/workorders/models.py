"""Tables of the closed loop: contacts, work orders, their events and deadlines, time-limit policies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base

# Rows in these states leave every queue; partial indexes only hold the rest (millions of
# archived orders stay out of the hot indexes).
OPEN_PREDICATE = "state NOT IN ('archived', 'cancelled')"
DEPARTMENT_PREDICATE = "state IN ('dispatched', 'acknowledged', 'in_progress')"


class Contact(Base):
    """来电/来访记录: one conversation with one customer on one channel; holds one or more matters."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    caller_name: Mapped[str | None] = mapped_column(String(64))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(index=True)
    # None: the customer's own, on the public page or API (the system took it).
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episode.id"), index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    # A retried intake with the same key returns the first contact instead of a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class WorkOrder(Base):
    """工单. `state` is a copy of what the last event says, kept for indexed filtering."""

    __tablename__ = "work_order"
    __table_args__ = (
        # Department queue: the work sitting with a department, nearest deadline first.
        Index(
            "ix_work_order_queue",
            "department_id",
            "due_at",
            "id",
            postgresql_where=text(DEPARTMENT_PREDICATE),
            sqlite_where=text(DEPARTMENT_PREDICATE),
        ),
        # Service-centre queues by state (to dispatch, to review, to reply, to follow up).
        Index(
            "ix_work_order_state_queue",
            "state",
            "due_at",
            "id",
            postgresql_where=text(OPEN_PREDICATE),
            sqlite_where=text(OPEN_PREDICATE),
        ),
        # The console's "all open, nearest deadline first" (and overdue, escalated) lists: read
        # in deadline order and stop at the page, instead of sorting every open order (1 M
        # orders, 49 k open: 59 ms → about 1 ms; docs/benchmarks.md).
        # It carries department, district and type so that the dashboard's "overdue now" per
        # department is an index-only scan of the overdue range (migration 0015).
        Index(
            "ix_work_order_open_due",
            "due_at",
            "id",
            postgresql_where=text(OPEN_PREDICATE),
            postgresql_include=["department_id", "district_id", "order_type"],
            sqlite_where=text(OPEN_PREDICATE),
        ),
        # A period's quality figures read only this index on PostgreSQL (an index-only scan of
        # the period's range): 1 M orders, one month, 31-37 ms → 15-18 ms (docs/benchmarks.md).
        Index(
            "ix_work_order_accepted",
            "accepted_at",
            postgresql_include=[
                "order_type",
                "subtype",
                "department_id",
                "district_id",
                "state",
                "closed_on_intake",
                "follow_up_required",
                "replied_at",
                "follow_up_outcome",
                "answered_follow_ups",
                "satisfied_follow_ups",
                "is_overdue",
                "rework_count",
                "due_at",
            ],
        ),
        CheckConstraint("rework_count >= 0", name="rework_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    # The account (户号) the matter is about, when the caller gave it (a bill, a meter, a split).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    order_type: Mapped[str] = mapped_column(String(32))
    subtype: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    state: Mapped[str] = mapped_column(String(16))
    accepted_at: Mapped[datetime]
    # Nearest open deadline (denormalised from `deadline` for the queue index).
    due_at: Mapped[datetime | None]
    is_overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    is_escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    has_provisional_deadline: Mapped[bool] = mapped_column(Boolean, default=False)
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_on_intake: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reply_method: Mapped[str | None] = mapped_column(String(16))
    follow_up_required: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up_attempts: Mapped[int] = mapped_column(Integer, default=0)
    follow_up_outcome: Mapped[str | None] = mapped_column(String(24))
    # Answered follow-up calls (satisfied, basically satisfied, dissatisfied) and the satisfied
    # ones among them, kept on the order so a period's satisfaction rate is one pass over the
    # period's orders instead of a join with every call.
    answered_follow_ups: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    satisfied_follow_ups: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    followed_up_at: Mapped[datetime | None]
    # The satisfaction survey sent by SMS with the reply waits for the customer's answer until
    # then; after it, the follow-up is a call again (workorders/sms_survey.py).
    sms_survey_until: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # archived or cancelled
    # Fault repair (抢修): area class and the times the SGCC commitments are measured on.
    area_class: Mapped[str | None] = mapped_column(String(8))
    crew: Mapped[str | None] = mapped_column(String(100))
    crew_dispatched_at: Mapped[datetime | None]
    # When the work was last sent to the department that has it (派单, 改派, or back for 重办):
    # the step a claimed arrival or return may not precede.
    dispatched_at: Mapped[datetime | None]
    # Since when the clock of a 报装 stands still because the customer has to act (暂停); None
    # while it runs (十项承诺 第六条 counts the utility's stages only).
    paused_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    restored_at: Mapped[datetime | None]
    # A fault call linked at intake to the outage that already covers the caller's premises
    # (workorders/outage_calls.py): no clock of its own, answered when the outage is restored.
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outage.id"), index=True)
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook


class OrderEvent(Base):
    """Append-only history: who, when, from → to, note and attachment metadata."""

    __tablename__ = "order_event"
    __table_args__ = (Index("ix_order_event_order", "order_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # When the step was entered. A step dated by its author (a crew's arrival typed in after the
    # fact) keeps the time claimed here, next to the time it was entered (moves._when).
    at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Deadline(Base):
    """One time limit of one order; keeps its basis so provisional ones can be recomputed."""

    __tablename__ = "deadline"
    __table_args__ = (
        # Also the index for an order's deadlines (order_id leads).
        UniqueConstraint("order_id", "kind", "seq"),
        # The sweep reads only what it still has to do: unmet deadlines not yet warned about,
        # and unmet deadlines not yet escalated. Met ones leave these indexes.
        Index(
            "ix_deadline_to_warn",
            "warn_at",
            postgresql_where=text("met_at IS NULL AND warned_at IS NULL"),
            sqlite_where=text("met_at IS NULL AND warned_at IS NULL"),
        ),
        Index(
            "ix_deadline_to_escalate",
            "due_at",
            postgresql_where=text("met_at IS NULL AND escalated_at IS NULL"),
            sqlite_where=text("met_at IS NULL AND escalated_at IS NULL"),
        ),
        Index(
            "ix_deadline_provisional",
            "order_id",
            postgresql_where=text("is_provisional"),
            sqlite_where=text("is_provisional"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer, default=1)
    start_at: Mapped[datetime]
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime]
    warn_at: Mapped[datetime]
    is_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # Working days the customer had the matter (暂停 … 恢复): added to `amount` for the due date,
    # so that the limit counts the utility's stages only and a recomputation keeps them.
    paused_working_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    met_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    policy_id: Mapped[int] = mapped_column(ForeignKey("time_limit_policy.id"))


class TimeLimitPolicy(Base):
    """A versioned set of time limits, naming where its numbers come from."""

    __tablename__ = "time_limit_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(300))
    effective_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]


class TimeLimit(Base):
    """One limit of a policy: an order type (sub-type, area class), a deadline kind, an amount."""

    __tablename__ = "time_limit"
    __table_args__ = (
        UniqueConstraint("policy_id", "order_type", "subtype", "area_class", "kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("unit in ('minutes','hours','working_days')", name="unit_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("time_limit_policy.id", ondelete="CASCADE"))
    order_type: Mapped[str] = mapped_column(String(32))
    subtype: Mapped[str | None] = mapped_column(String(32))
    area_class: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(300))


class FollowUpRule(Base):
    """Whether a policy has every order of a type followed up (回访)."""

    __tablename__ = "follow_up_rule"
    __table_args__ = (UniqueConstraint("policy_id", "order_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("time_limit_policy.id", ondelete="CASCADE"))
    order_type: Mapped[str] = mapped_column(String(32))
    is_required: Mapped[bool] = mapped_column(Boolean)


class FollowUp(Base):
    """Each follow-up call (回访), answered or not: the satisfaction rate counts these."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_at", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("work_order.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(24))
    # Who called; None when the customer answered the survey by SMS himself (sms_survey.py).
    by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    note: Mapped[str | None] = mapped_column(Text)
