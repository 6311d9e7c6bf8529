"""The supply network as customer service needs it — feeders (线路), transformer areas (台区) and
the premises each supplies — and outages (停电) over it, with their notices and history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base


class Feeder(Base):
    """线路: a 10 kV line out of a substation, the unit a planned outage is usually announced by."""

    __tablename__ = "feeder"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class TransformerArea(Base):
    """台区: the premises one distribution transformer supplies, on one feeder."""

    __tablename__ = "transformer_area"
    __table_args__ = (
        CheckConstraint("latitude between -90 and 90", name="latitude_range"),
        CheckConstraint("longitude between -180 and 180", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    feeder_id: Mapped[int] = mapped_column(ForeignKey("feeder.id"), index=True)
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class PremisesSupply(Base):
    """Which transformer supplies a premises. A row of its own rather than a column of
    `premises`: the register (customers) knows nothing of the network, and the network file
    comes from another system (the GIS / 营销系统's 户变关系) on its own schedule."""

    __tablename__ = "premises_supply"

    premises_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), primary_key=True)
    transformer_id: Mapped[int] = mapped_column(ForeignKey("transformer_area.id"), index=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class Outage(Base):
    """停电: planned (计划停电), temporary (临时) or fault (故障), over feeders and transformers."""

    __tablename__ = "outage"
    __table_args__ = (
        CheckConstraint("kind in ('planned','temporary','fault')", name="kind_known"),
        CheckConstraint(
            "state in ('planned','announced','active','restored','cancelled')", name="state_known"
        ),
        CheckConstraint("expected_restoration_at > starts_at", name="restoration_after_start"),
        # The disclosure page: announced and active outages by their start.
        Index("ix_outage_state_starts", "state", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))
    cause: Mapped[str] = mapped_column(String(200))
    # Where it applies, as the notice says it (街道, 小区); the scope itself is the transformers.
    area: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime]  # as planned (a fault: as reported)
    expected_restoration_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    restored_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)


class OutageFeeder(Base):
    """A feeder an outage was declared for (its transformers are in outage_transformer)."""

    __tablename__ = "outage_feeder"

    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id"), primary_key=True)
    feeder_id: Mapped[int] = mapped_column(ForeignKey("feeder.id"), primary_key=True, index=True)


class OutageTransformer(Base):
    """The transformers an outage covers, each with the outage's window copied onto it, so that
    "is this premises out now?" is one probe of one index whatever the history holds:
    `begins_at` ≤ at < `ends_at` (open while NULL). The window is the plan before the outage
    starts, then the actual start until restoration; a cancelled outage's window is empty."""

    __tablename__ = "outage_transformer"
    __table_args__ = (
        Index("ix_outage_transformer_window", "transformer_id", "begins_at", "ends_at"),
    )

    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id"), primary_key=True)
    transformer_id: Mapped[int] = mapped_column(ForeignKey("transformer_area.id"), primary_key=True)
    begins_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]


class OutageNotice(Base):
    """停电公告: what was published and when; the 7-day rule is checked against `published_at`."""

    __tablename__ = "outage_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id"), index=True)
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The times as announced (the outage's may move afterwards; the notice stays as it was).
    starts_at: Mapped[datetime]
    expected_restoration_at: Mapped[datetime]
    text: Mapped[str | None] = mapped_column(String(1000))


class OutageEvent(Base):
    """One step of an outage's history: who, when, what, from which state to which."""

    __tablename__ = "outage_event"
    __table_args__ = (Index("ix_outage_event_outage", "outage_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outage_id: Mapped[int] = mapped_column(ForeignKey("outage.id"))
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(10))
    to_state: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime]
    # The time the step claims (a restoration entered afterwards) and what changed.
    claimed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(500))
