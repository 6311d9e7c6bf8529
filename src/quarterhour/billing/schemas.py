"""API shapes of billing: the public bill inquiry, late-fee rules as published, payments."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from quarterhour.kit.bounds import Money, SaneDateTime, Text


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


class PublishedLateFeeRule(BaseModel):
    """The late-fee rule (电费违约金) in force on the day asked, as published, with its source.

    Rates are fractions per day (0.001 = 0.1 %) on what is unpaid, from the day after the due
    date to the day of payment; others than households pay `current_year_per_day` on a bill's
    days in its own year and `earlier_years_per_day` from 1 January after it. Each settlement
    (a payment of arrears, or today's statement) is rounded half-up to the fen once and charged
    at least `minimum` yuan."""

    effective_from: date
    residential_per_day: Decimal
    current_year_per_day: Decimal
    earlier_years_per_day: Decimal
    minimum: Decimal
    source: str


class PaymentIn(BaseModel):
    amount: Money = Field(gt=0, description="yuan, to the fen")
    channel: Literal["counter", "bank", "online"] = "counter"
    reference: Text | None = Field(
        default=None, max_length=64, description="receipt or bank reference"
    )
    paid_at: SaneDateTime | None = Field(
        default=None, description="default: now; not in the future, nor before the account opened"
    )


class StatementBill(BaseModel):
    period: date
    amount: Decimal
    due_on: date
    paid: Decimal
    unpaid: Decimal
    late_fee: Decimal = Field(
        description="this bill's share of the late fees, to the fen; the statement's late_fees"
        " are rounded once per settlement and at least the minimum, so the shares need not add up"
    )


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
