"""Bill runs, bills with their lines, held readings, payments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.billing.arrears import LateFeeRule
from quarterhour.storage.base import Base
from quarterhour.tariffs.models import KWH, PRICE

DAILY_RATE = Numeric(8, 6)  # a fraction per day, as published (0.001 = 千分之一)
MONEY = Numeric(14, 2)  # yuan, to the fen


class BillRun(Base):
    """One `billing run` of a period (and maybe one district): what it found and wrote."""

    __tablename__ = "bill_run"
    __table_args__ = (
        CheckConstraint("status in ('running','done','failed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date]
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    status: Mapped[str] = mapped_column(String(8))
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    replaced: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class Bill(Base):
    """电费账单: one per account and period, whatever happens to the runs that compute it."""

    __tablename__ = "bill"
    __table_args__ = (UniqueConstraint("account_id", "period"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    period: Mapped[date]
    kwh: Mapped[Decimal] = mapped_column(KWH)
    # kWh billed in the calendar year up to and including this bill (annual tiers start here).
    year_kwh: Mapped[Decimal] = mapped_column(KWH)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    due_on: Mapped[date]
    # A digest of the lines: a re-run that computes the same bill leaves the row alone.
    fingerprint: Mapped[int] = mapped_column(BigInteger)
    run_id: Mapped[int] = mapped_column(ForeignKey("bill_run.id"), index=True)
    issued_at: Mapped[datetime]


class BillLine(Base):
    """A priced quantity of a bill: a tier, a time band or a tier surcharge, for some days."""

    __tablename__ = "bill_line"

    bill_id: Mapped[int] = mapped_column(
        ForeignKey("bill.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    kwh: Mapped[Decimal] = mapped_column(KWH)
    unit_price: Mapped[Decimal] = mapped_column(PRICE)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # exclusive


class HeldReading(Base):
    """A period the bill run would not bill for an account: negative, missing or implausible
    consumption waits here for a person instead of reaching the customer as a bill."""

    __tablename__ = "held_reading"
    __table_args__ = (
        UniqueConstraint("account_id", "period", "reason"),
        CheckConstraint(
            "reason in ('negative','missing','implausible','no_tariff')", name="reason_known"
        ),
        CheckConstraint("decision in ('accept','correct','void')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    period: Mapped[date]
    reason: Mapped[str] = mapped_column(String(12))
    detail: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("bill_run.id"))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The last review's decision (reading_review keeps every one). An accepted implausible
    # month is billed by the next run instead of being held again.
    decision: Mapped[str | None] = mapped_column(String(8))


class ReadingReview(Base):
    """One decision on a held month (审核): who, when, which, why, and the register value and
    the month's consumption before and after. Appended, never changed: the history."""

    __tablename__ = "reading_review"
    __table_args__ = (
        CheckConstraint("decision in ('accept','correct','void')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    held_reading_id: Mapped[int] = mapped_column(ForeignKey("held_reading.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    period: Mapped[date]
    decision: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(200))
    # The reading decided on (none when a month is accepted as a whole) and its successor.
    reading_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("meter_reading.id")
    )
    new_reading_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("meter_reading.id")
    )
    total_before: Mapped[Decimal | None] = mapped_column(KWH)
    total_after: Mapped[Decimal | None] = mapped_column(KWH)
    kwh_before: Mapped[Decimal | None] = mapped_column(KWH)
    kwh_after: Mapped[Decimal | None] = mapped_column(KWH)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime]


class Payment(Base):
    """缴费 against an account; applied to its oldest unpaid bills first, any excess is credit."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("channel in ('counter','bank','online')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    channel: Mapped[str] = mapped_column(String(8))
    paid_at: Mapped[datetime]
    # The bank's or counter's own reference: the same payment reported twice is one payment.
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


class LateFeeRuleRow(Base):
    """One version of the late-fee rule (电费违约金) from a day on, with its source; the value is
    `billing.arrears.LateFeeRule`. Versions are added, never changed: arrears of past days keep
    the rule that was in force on them."""

    __tablename__ = "late_fee_rule"
    __table_args__ = (
        CheckConstraint(
            "residential_rate >= 0 AND current_year_rate >= 0 AND earlier_years_rate >= 0"
            " AND residential_rate < 1 AND current_year_rate < 1 AND earlier_years_rate < 1",
            name="rates_are_fractions",
        ),
        CheckConstraint("minimum_fee >= 0", name="minimum_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(unique=True)
    residential_rate: Mapped[Decimal] = mapped_column(DAILY_RATE)
    current_year_rate: Mapped[Decimal] = mapped_column(DAILY_RATE)
    earlier_years_rate: Mapped[Decimal] = mapped_column(DAILY_RATE)
    minimum_fee: Mapped[Decimal] = mapped_column(MONEY)
    source: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    def rule(self) -> LateFeeRule:
        return LateFeeRule(
            effective_from=self.effective_from,
            residential=self.residential_rate,
            current_year=self.current_year_rate,
            earlier_years=self.earlier_years_rate,
            minimum=self.minimum_fee,
            source=self.source,
        )
