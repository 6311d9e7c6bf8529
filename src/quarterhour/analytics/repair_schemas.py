"""Shapes of the repair and outage figures (analytics/repairs.py): what is asked and answered.

Durations are minutes as exact decimals to one place (sent as strings, like the rates); a
figure over nothing counted is null, never 0.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from quarterhour.analytics.schemas import Rate
from quarterhour.kit.bounds import DbId, SaneDate

Minutes = Annotated[
    Decimal | None,
    WithJsonSchema({"anyOf": [{"type": "string", "examples": ["42.5"]}, {"type": "null"}]}),
]


class RepairQuery(BaseModel):
    """A period of Asia/Shanghai days, both ends included, and an optional district."""

    model_config = ConfigDict(extra="forbid")

    start: SaneDate = Field(description="first day, YYYY-MM-DD (Asia/Shanghai)")
    end: SaneDate = Field(description="last day, included; at most 5 years after start")
    district_id: DbId | None = None


class BucketCount(BaseModel):
    above: int = Field(description="more than this many minutes")
    up_to: int | None = Field(description="at most this many minutes; null: no upper end")
    count: int


class Spread(BaseModel):
    """How long one step took over a group: the SGCC figures and their distribution."""

    count: int = Field(description="steps with both ends recorded")
    mean: Minutes
    median: Minutes = Field(description="the middle value (two middles averaged)")
    p90: Minutes = Field(description="nearest rank: 90 % took at most this long")
    limit: int | None = Field(
        description="the commitment in minutes when the whole group has one (one area class)"
    )
    judged: int = Field(description="steps whose area class has a commitment")
    within: int = Field(description="of those, done within it (the limit itself included)")
    within_rate: Rate = Field(description="within / judged")
    buckets: list[BucketCount]


class TimeRow(BaseModel):
    key: str | None = Field(description="district id or area class; null: not recorded")
    label: str
    arrival: Spread = Field(description="到达现场: accepted (or started) → crew on site")
    restoration: Spread = Field(description="恢复供电: crew on site → supply restored")


class TimeFigures(BaseModel):
    total: TimeRow
    by_district: list[TimeRow]
    by_area_class: list[TimeRow]


class CauseRow(BaseModel):
    key: str = Field(description="the cause as entered, or the kind")
    label: str
    outages: int
    customers: int = Field(description="accounts supplied by the outages' transformers")
    customer_hours: Decimal = Field(description="customers × hours without supply")


class OutageRow(BaseModel):
    outage_id: int
    kind: str
    cause: str
    state: str
    district_id: int | None = Field(description="where most of its customers are")
    area_class: str | None
    started_at: datetime
    restored_at: datetime | None = Field(description="null: still out, counted up to as_of")
    hours: Decimal
    customers: int
    customer_hours: Decimal
    calls: int = Field(description="fault calls linked to it (no clock of their own)")


class OutageFigures(BaseModel):
    outages: int
    customers: int
    customer_hours: Decimal
    customers_in_scope: int = Field(description="accounts served in the period in the scope")
    saidi_minutes: Minutes = Field(
        description="SAIDI-style: customer-hours × 60 / customers in scope"
    )
    calls: int = Field(description="fault calls linked to the outages")
    calls_per_outage: Minutes = Field(description="calls / outages (a plain number, one place)")
    most_calls: int
    by_kind: list[CauseRow]
    by_cause: list[CauseRow] = Field(description="most outages first")
    listed: list[OutageRow] = Field(description="most customer-hours first, at most 100")


class RepairReport(BaseModel):
    """Definitions and sources: analytics/repairs.py."""

    start: date
    end: date
    district_id: int | None
    as_of: datetime
    policy: str = Field(description="the time-limit policy whose commitments are applied")
    repairs: TimeFigures = Field(
        description="fault repairs accepted in the period, not linked to an outage"
    )
    fault_outages: TimeFigures = Field(
        description="fault outages started in the period: from the start to the first crew"
        " on site, then to restoration"
    )
    outages: OutageFigures
