"""A minimal customer reference for the closed loop; accounts, premises and meters grow here next."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = (Index("ix_customer_phone_last4", "phone_last4"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # Full phone is personal data: shown masked everywhere but where the work needs it (PIPL).
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    address: Mapped[str | None] = mapped_column(String(200))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id"))
    created_at: Mapped[datetime]


class PersonalDataAccess(Base):
    """Who saw a full phone or ID number, when and why (PIPL: viewing personal data is logged)."""

    __tablename__ = "personal_data_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime]
