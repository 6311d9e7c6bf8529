"""API shapes of billing: the public bill inquiry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field


class BillInquiryOut(BaseModel):
    """This month's bill and the total due; amounts in yuan as exact decimals. Nothing personal."""

    account: str
    period: date | None
    kwh: Decimal | None
    amount: Decimal | None
    due_on: date | None
    total_due: Decimal
    late_fees: Decimal
    credit: Decimal
    sentence: str


class PublishedTariff(BaseModel):
    """A tariff as published (公开): the version in force on the day asked, with its source."""

    code: str
    name: str
    region: str
    source: str
    is_verified: bool
    effective_from: date
    tier_mode: str
    flat_price: Decimal
    tier1_limit: Decimal | None
    tier2_limit: Decimal | None
    tier2_surcharge: Decimal
    tier3_surcharge: Decimal
    peak_price: Decimal | None
    valley_price: Decimal | None


class PaymentIn(BaseModel):
    amount: Decimal = Field(gt=0, decimal_places=2, description="yuan, to the fen")
    channel: Literal["counter", "bank", "online"] = "counter"
    reference: str | None = Field(
        default=None, max_length=64, description="receipt or bank reference"
    )
    paid_at: AwareDatetime | None = None


class StatementBill(BaseModel):
    period: date
    amount: Decimal
    due_on: date
    paid: Decimal
    unpaid: Decimal
    late_fee: Decimal


class StatementOut(BaseModel):
    """What an account owes on a day: bills oldest first, payments applied, late fees."""

    account: str
    as_of: date
    bills: list[StatementBill]
    unpaid: Decimal
    late_fees: Decimal
    total_due: Decimal
    credit: Decimal


class PaymentOut(BaseModel):
    id: int
    account: str
    amount: Decimal
    channel: str
    paid_at: datetime
    statement: StatementOut
