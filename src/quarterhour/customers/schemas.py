from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from quarterhour.kit.bounds import Text


class CustomerOut(BaseModel):
    """A customer as lists show it: personal data masked on the server."""

    id: int
    name: str
    phone: str | None
    address: str | None
    district_id: int | None


class FullPhoneOut(BaseModel):
    customer_id: int
    phone: str | None


class MeterOut(BaseModel):
    number: str
    multiplier: int
    is_time_of_use: bool
    is_shared: bool  # 合表: serves several households
    households: int
    installed_on: date
    removed_on: date | None


class BillOut(BaseModel):
    period: date
    kwh: Decimal
    amount: Decimal
    due_on: date


class PaymentOut(BaseModel):
    amount: Decimal
    channel: str
    paid_at: datetime


class AccountOut(BaseModel):
    number: str
    category: str
    tariff: str
    address: str
    district_id: int
    phone: str | None  # masked
    opened_on: date
    meters: list[MeterOut]
    bills: list[BillOut]  # the last 12
    payments: list[PaymentOut]  # the last 12
    unpaid: Decimal
    late_fees: Decimal
    total_due: Decimal  # 累计应缴
    credit: Decimal


class ReadingOut(BaseModel):
    """One reading of a meter, as its history keeps it: a voided one says who, when and why."""

    id: int
    meter: str
    read_on: date
    period: date
    kind: str
    source: str
    total: Decimal
    peak: Decimal | None
    valley: Decimal | None
    previous_total: Decimal | None  # 上次示数: the reading in force it follows
    rolled_over: bool
    voided_at: datetime | None
    voided_by_id: int | None
    void_reason: str | None


class VoidReadingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=200, description="why the reading is wrong")
