"""Shapes of the read side that spans areas: the customer view with its accounts and orders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel

from quarterhour.customers.schemas import BillOut, CustomerOut, MeterOut, PaymentOut
from quarterhour.workorders.schemas import OrderSummary


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


class CustomerView(BaseModel):
    """Everything the agent needs while the caller is on the line; personal data masked."""

    customer: CustomerOut
    id_number: str | None  # masked
    # How to address the caller once identified (刘女士 / Ms 刘): the surname and a title, never
    # the whole name (customers/salutation.py).
    addressed_as_zh: str | None = None
    addressed_as_en: str | None = None
    accounts: list[AccountOut]
    orders: list[OrderSummary]
