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
