"""Published tariffs and the versions of their prices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base
from quarterhour.tariffs.reference import TariffVersion, TierMode

PRICE = Numeric(10, 4)  # yuan per kWh, as published (0.5653)
KWH = Numeric(14, 2)


class Tariff(Base):
    """A published tariff (居民阶梯, 合表, 非居民 …) with where its figures come from."""

    __tablename__ = "tariff"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(300))
    # Samples whose figures nobody has checked against the official notice say so.
    is_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class TariffVersionRow(Base):
    """One version of a tariff's prices; `tariffs.reference.TariffVersion` is its value."""

    __tablename__ = "tariff_version"
    __table_args__ = (
        UniqueConstraint("tariff_id", "effective_from"),
        CheckConstraint("tier_mode in ('none','monthly','annual')", name="tier_mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tariff_id: Mapped[int] = mapped_column(ForeignKey("tariff.id"))
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]  # exclusive; None: in force until a newer version
    tier_mode: Mapped[str] = mapped_column(String(8))
    flat_price: Mapped[Decimal] = mapped_column(PRICE)
    tier1_limit: Mapped[Decimal | None] = mapped_column(KWH)
    tier2_limit: Mapped[Decimal | None] = mapped_column(KWH)
    tier2_surcharge: Mapped[Decimal] = mapped_column(PRICE, default=Decimal(0))
    tier3_surcharge: Mapped[Decimal] = mapped_column(PRICE, default=Decimal(0))
    peak_price: Mapped[Decimal | None] = mapped_column(PRICE)
    valley_price: Mapped[Decimal | None] = mapped_column(PRICE)
    source: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]

    def terms(self, tariff_code: str) -> TariffVersion:
        return TariffVersion(
            tariff_code=tariff_code,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            tier_mode=TierMode(self.tier_mode),
            flat_price=self.flat_price,
            tier1_limit=self.tier1_limit,
            tier2_limit=self.tier2_limit,
            tier2_surcharge=self.tier2_surcharge,
            tier3_surcharge=self.tier3_surcharge,
            peak_price=self.peak_price,
            valley_price=self.valley_price,
        )
