"""Shapes of the read side that spans areas: the customer view with its accounts and orders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from quarterhour.customers.schemas import BillOut, CustomerOut, MeterOut, PaymentOut
from quarterhour.workorders.schemas import OrderSummary

BillStatus = Literal["paid", "part_paid", "unpaid", "overdue"]


class BillReading(BaseModel):
    """A meter reading a bill was computed from: the register before and after, and the kWh."""

    meter: str
    read_on: date
    previous: Decimal | None  # 上次示数 (none after an installation reading that is missing)
    current: Decimal  # 本次示数
    # (current − previous, a register that rolled over adding its span) × the multiplier
    kwh: Decimal | None
    estimated: bool  # 估抄


class AccountBill(BillOut):
    """A bill as the customer asks about it: what it was read from and what is paid of it."""

    paid: Decimal
    unpaid: Decimal
    late_fee: Decimal  # its share of the late fees charged so far (paid or not)
    status: BillStatus
    readings: list[BillReading]


class AccountOut(BaseModel):
    number: str
    category: str
    tariff: str
    address: str
    district_id: int
    phone: str | None  # masked
    opened_on: date
    meters: list[MeterOut]
    bills: list[AccountBill]  # the last 12, newest first
    payments: list[PaymentOut]  # the last 12
    unpaid: Decimal
    late_fees: Decimal
    total_due: Decimal  # 累计应缴
    credit: Decimal


class CustomerView(BaseModel):
    """Everything the agent needs while the caller is on the line; personal data masked."""

    customer: CustomerOut
    id_number: str | None  # masked
    # How to address the caller once identified (刘女士): the surname and a title, never the
    # whole name (kit.masking.salutation); none when the record does not say.
    customer_surname: str | None = None
    customer_title: Literal["ms", "mr"] | None = None
    accounts: list[AccountOut]
    orders: list[OrderSummary]
