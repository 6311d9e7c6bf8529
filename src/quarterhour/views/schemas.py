"""Shapes of the read side that spans areas: the customer view with its accounts and orders, and
what the search box finds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

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
    # 台区 and 线路 of the premises (codes and names), from the network file; None if not in it.
    transformer: str | None = None
    transformer_name: str | None = None
    feeder: str | None = None
    feeder_name: str | None = None
    # Where the premises is (WGS 84 degrees), when the register gave it.
    latitude: Decimal | None = None
    longitude: Decimal | None = None
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


class OrderHit(BaseModel):
    """An order the search found, as lists show it: the caller masked."""

    id: int
    number: str
    order_type: str
    subtype: str | None
    title: str  # phone and ID numbers in it masked
    state: str
    department_id: int | None
    accepted_at: datetime
    address: str | None
    customer_name: str | None  # masked
    customer_phone: str | None  # masked


class CustomerHit(BaseModel):
    """A customer the search found: name and phone masked, with the account numbers (户号)."""

    id: int
    name: str  # masked
    phone: str | None  # masked
    address: str | None
    district_id: int | None
    accounts: list[str] = Field(description="account numbers (户号), the first five in order")
    more_accounts: int = Field(description="how many more accounts the customer holds")


class SearchOut(BaseModel):
    """What one search box finds: orders (any state, newest first; only those the reader may
    see) and customers, each list at most `limit` long. What was typed is not echoed: a whole
    phone number in it would be one more copy of it."""

    kind: str = Field(
        description="what the text was taken for: order_number, contact_number, phone_last4, "
        "mobile, number (an account number or a landline) or words",
        examples=["order_number"],
    )
    orders: list[OrderHit]
    more_orders: bool = Field(description="more orders match than were returned")
    customers: list[CustomerHit]
    more_customers: bool = Field(description="more customers match than were returned")
    parts_searched: bool = Field(
        description="false when the words were too short (under three characters) to look for "
        "part of an address or of an order's text: only the start of names was searched"
    )
    orders_searched: bool = Field(description="the reader may see orders")
    customers_searched: bool = Field(description="the reader may see customers")
    own_department_only: bool = Field(description="only the reader's department's orders")
