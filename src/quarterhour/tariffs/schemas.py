"""API shapes of tariffs: as published, and as an administrator adds them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from quarterhour.kit.bounds import Money, Price, SaneDate, Text


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


class TariffVersionIn(BaseModel):
    """A version of a tariff's prices from a day on (published notices give every figure)."""

    effective_from: SaneDate
    tier_mode: Literal["none", "monthly", "annual"] = "none"
    flat_price: Price = Field(ge=0)
    tier1_limit: Money | None = Field(default=None, gt=0)
    tier2_limit: Money | None = Field(default=None, gt=0)
    tier2_surcharge: Price = Field(default=Decimal(0), ge=0)
    tier3_surcharge: Price = Field(default=Decimal(0), ge=0)
    peak_price: Price | None = Field(default=None, ge=0)
    valley_price: Price | None = Field(default=None, ge=0)
    source: Text = Field(min_length=1, max_length=300, description="the price notice")


class TariffIn(BaseModel):
    code: Text = Field(min_length=1, max_length=32)
    name: Text = Field(min_length=1, max_length=100)
    region: Text = Field(default="", max_length=32)
    first_version: TariffVersionIn
