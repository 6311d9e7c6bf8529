"""API shapes of billing: the public bill inquiry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel


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
