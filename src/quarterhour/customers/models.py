"""Customers, their premises, accounts (户号) and meters (一户一表 / 合表), and meter readings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quarterhour.notifications.models import ContactPreference
from quarterhour.storage.base import Base


class Customer(Base):
    """A person or organisation who calls or holds accounts; phone and ID number are personal data."""

    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_phone_last4", "phone_last4"),
        # Imports match customers by ID number.
        Index("ix_customer_id_number", "id_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # Full phone is personal data: shown masked everywhere but where the work needs it (PIPL).
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    address: Mapped[str | None] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    # 身份证号: personal data like the phone; only its masked form leaves the server.
    id_number: Mapped[str | None] = mapped_column(String(18))
    created_at: Mapped[datetime]
    # How he wants to hear from us (notifications/): read with him where a message follows, so
    # that intake's 受理通知 costs no query of its own.
    preference: Mapped[ContactPreference | None] = relationship(viewonly=True, lazy="select")


class Premises(Base):
    """A service address (one household's flat, a shop, a plant) in a district."""

    __tablename__ = "premises"
    __table_args__ = (
        CheckConstraint("area_class in ('urban','rural','remote')", name="area_class_known"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="position_whole"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(200), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    # Repair time limits depend on it (PRODUCT.md: urban 45 min, rural 90, remote 120).
    area_class: Mapped[str] = mapped_column(String(8), default="urban")
    # Where it is, when known (optional): the crew's distance, the map, calls grouped by distance
    # where the supply network is not known.
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    created_at: Mapped[datetime]


class Account(Base):
    """户号: what a bill is addressed to; one customer, one premises, one tariff."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("category in ('residential','non_residential')", name="category_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariff.id"), index=True)
    # The registered phone: the bill inquiry checks its last four digits.
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime]


class Meter(Base):
    """电能表. Billed to one account; a shared meter (合表) serves several households."""

    __tablename__ = "meter"
    __table_args__ = (
        CheckConstraint("multiplier > 0", name="multiplier_positive"),
        CheckConstraint("digits between 4 and 10", name="digits_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    # 倍率: register units × multiplier = kWh (current-transformer meters).
    multiplier: Mapped[int] = mapped_column(Integer, default=1)
    # The register rolls over to zero after 10^digits − 1.
    digits: Mapped[int] = mapped_column(SmallInteger, default=6)
    is_time_of_use: Mapped[bool] = mapped_column(Boolean, default=False)
    is_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    installed_on: Mapped[date]
    removed_on: Mapped[date | None]
    # The service request (分户装表, 新装) that installed it, when there was one.
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)


class MeterHousehold(Base):
    """Which households (premises) a meter serves: one for 一户一表, several for a 合表."""

    __tablename__ = "meter_household"

    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"), primary_key=True)
    premises_id: Mapped[int] = mapped_column(
        ForeignKey("premises.id"), primary_key=True, index=True
    )
    since: Mapped[date]


class MeterReading(Base):
    """抄表: a register value on a day. `initial` and `final` mark a meter's first and last.

    A wrong reading is voided, never deleted: it stays in the meter's history with who voided it,
    when and why, and the bill run and the chain of readings (上次示数) pass over it."""

    __tablename__ = "meter_reading"
    __table_args__ = (
        # One reading of a kind per meter and day, among those in force: a voided one may be
        # replaced by the right reading of the same day.
        Index(
            "uq_meter_reading_in_force",
            "meter_id",
            "read_on",
            "kind",
            unique=True,
            postgresql_where=text("voided_at IS NULL"),
            sqlite_where=text("voided_at IS NULL"),
        ),
        Index("ix_meter_reading_period", "period", "meter_id"),
        CheckConstraint("kind in ('regular','initial','final')", name="kind_known"),
        CheckConstraint("source in ('actual','estimated')", name="source_known"),
        CheckConstraint("total >= 0", name="total_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meter.id"))
    period: Mapped[date]  # the billing month it counts towards (its first day)
    read_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(8), default="regular")
    source: Mapped[str] = mapped_column(String(10), default="actual")
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    peak: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    valley: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # 上次示数: the register values this reading follows (none for an installation reading), so
    # that a month's consumption is read from the month's own rows.
    previous_total: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    previous_peak: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    previous_valley: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # Set when the register passed its maximum since the previous reading.
    rolled_over: Mapped[bool] = mapped_column(Boolean, default=False)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    created_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    void_reason: Mapped[str | None] = mapped_column(String(200))
    # A corrected reading names the one it supersedes (voided, kept): a held month's review.
    corrects_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("meter_reading.id")
    )


class PersonalDataAccess(Base):
    """Who saw a full phone or ID number, when and why (PIPL: viewing personal data is logged)."""

    __tablename__ = "personal_data_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime]
