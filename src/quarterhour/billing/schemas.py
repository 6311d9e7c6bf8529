"""API shapes of billing: the public bill inquiry, late-fee rules as published, payments, held
readings and their review."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from quarterhour.kit.bounds import (
    MONEY_DIGITS,
    MONEY_PLACES,
    BigId,
    Money,
    SaneDateTime,
    Text,
)


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


# --- held readings reviewed (billing/reading_review.py) ---------------------------------------

RegisterValue = Annotated[
    Decimal, Field(ge=0, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
]


class HeldReadingOut(BaseModel):
    """A month the bill run would not bill for an account, waiting for a person."""

    id: int
    account: str
    period: date
    reason: Literal["negative", "missing", "implausible", "no_tariff"]
    detail: str | None = Field(description="the run's note, e.g. the consumption and the usual")
    created_at: datetime
    resolved_at: datetime | None
    decision: Literal["accept", "correct", "void"] | None


class MonthReadingOut(BaseModel):
    """One reading in force of the held month, with the value it follows (上次示数)."""

    id: int
    meter: str
    read_on: date
    total: Decimal
    previous_total: Decimal | None
    peak: Decimal | None
    valley: Decimal | None
    rolled_over: bool


class ReviewOut(BaseModel):
    """One decision: who, when, which, why, the register value and the month's kWh before and
    after (a correction's new reading supersedes `reading_id`, which is kept, voided)."""

    id: int
    held_reading_id: int
    account: str
    period: date
    decision: Literal["accept", "correct", "void"]
    reason: str
    reading_id: int | None
    new_reading_id: int | None
    total_before: Decimal | None
    total_after: Decimal | None
    kwh_before: Decimal | None
    kwh_after: Decimal | None
    reviewed_by_id: int | None
    reviewed_by: str
    reviewed_at: datetime


class HeldCaseOut(BaseModel):
    held: HeldReadingOut
    readings: list[MonthReadingOut]
    kwh: Decimal | None = Field(description="the month's consumption from its readings in force")
    usual: Decimal | None = Field(description="mean of up to 12 earlier bills, kWh")
    history: list[ReviewOut]
    next_held_id: int | None = Field(description="the next held month waiting for review")


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=200, description="why the consumption is real")


class CorrectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reading_id: BigId | None = Field(
        default=None, description="the month's reading to correct (default: its only one)"
    )
    total: RegisterValue = Field(description="the corrected register value")
    peak: RegisterValue | None = Field(default=None, description="time-of-use meters")
    valley: RegisterValue | None = Field(default=None, description="time-of-use meters")
    reason: Text = Field(min_length=1, max_length=200, description="why the reading was wrong")


class VoidHeldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reading_id: BigId | None = Field(
        default=None, description="the month's reading to void (default: its only one)"
    )
    reason: Text = Field(min_length=1, max_length=200, description="why the reading is wrong")
