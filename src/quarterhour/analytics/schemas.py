"""Shapes of the quality figures: what is asked (a period and filters) and what is answered.

Rates are exact decimals to four places (0.6667), sent as strings in JSON so no client meets a
float; a rate whose denominator is zero is null, never 0 or 1.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from quarterhour.kit.bounds import DbId, SaneDate
from quarterhour.workorders.kinds import OrderType


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday, as Chinese calendars print them
    MONTH = "month"


class StatsQuery(BaseModel):
    """A period of Asia/Shanghai days, both ends included, and optional filters."""

    model_config = ConfigDict(extra="forbid")

    start: SaneDate = Field(description="first day, YYYY-MM-DD (Asia/Shanghai)")
    end: SaneDate = Field(description="last day, included; at most 5 years after start")
    order_type: OrderType | None = None
    department_id: DbId | None = None
    district_id: DbId | None = None


class MixQuery(StatsQuery):
    bucket: Bucket = Bucket.MONTH


# "0.6667": four places, half up; null when nothing was counted (no rate, not 0 %).
Rate = Annotated[
    Decimal | None,
    WithJsonSchema({"anyOf": [{"type": "string", "examples": ["0.6667"]}, {"type": "null"}]}),
]


class Figures(BaseModel):
    """Definitions and sources: analytics/quality.py."""

    accepted: int = Field(
        description="受理: orders accepted in the period, cancelled ones excluded"
    )
    handled: int = Field(description="已处置: returned with a result (回单) or closed at intake")
    handling_rate: Rate = Field(description="处置率 = handled / accepted")
    closed_on_intake: int = Field(description="直接办结")
    follow_up_due: int = Field(description="应回访: replied to, follow-up required")
    followed_up: int = Field(description="已回访: of those, the last reply has a follow-up outcome")
    follow_up_rate: Rate = Field(description="回访率 = followed_up / follow_up_due")
    answered_follow_ups: int = Field(description="follow-up calls that reached the customer")
    satisfied_follow_ups: int = Field(description="of those, satisfied or basically satisfied")
    satisfaction_rate: Rate = Field(
        description="满意率 = satisfied_follow_ups / answered_follow_ups"
    )
    answered_orders: int = Field(description="orders with at least one answered follow-up call")
    dissatisfied_orders: int = Field(
        description="orders with at least one answered call that was not satisfied"
    )
    completed: int = Field(description="已办结: the customer has the answer (答复 or later)")
    on_time: int = Field(description="of those, no deadline was ever missed")
    on_time_rate: Rate = Field(description="及时率 = on_time / completed")
    rework_count: int = Field(description="重办次数: 退回重办 and dissatisfied follow-ups")
    reworked_orders: int = Field(description="orders redone at least once")
    overdue_open: int = Field(
        description="超期: still open and its running deadline has passed (the order list's"
        " overdue=true)"
    )
    cancelled: int = Field(description="撤销: duplicates and withdrawals, outside every figure")


class TypeFigures(Figures):
    order_type: str
    label: str


class ComplaintClassFigures(Figures):
    complaint_class: str | None = Field(
        description="95598's class: service, business, outage, power_quality,"
        " grid_construction; null: taken without a class"
    )
    label: str


class DepartmentFigures(Figures):
    department_id: int | None = Field(description="null: orders no routing rule placed")
    department: str


class QualityReport(BaseModel):
    start: date
    end: date
    order_type: OrderType | None
    department_id: int | None
    district_id: int | None
    as_of: datetime = Field(description="states are counted as they stand at this moment")
    total: Figures
    by_type: list[TypeFigures]
    by_complaint_class: list[ComplaintClassFigures] = Field(default_factory=list)
    by_department: list[DepartmentFigures]


class OverdueDepartment(BaseModel):
    department_id: int | None = Field(description="null: not yet placed with a department")
    department: str
    overdue: int


class OverdueReport(BaseModel):
    """Open orders whose running deadline has passed, now, whatever their acceptance date."""

    order_type: OrderType | None
    department_id: int | None
    district_id: int | None
    as_of: datetime
    total: int
    by_department: list[OverdueDepartment] = Field(description="most overdue first")


class MixRow(BaseModel):
    bucket_start: date = Field(description="first day of the day, week (Monday) or month")
    counts: dict[str, int] = Field(description="orders accepted per order type, zeros included")
    total: int


class MixReport(BaseModel):
    start: date
    end: date
    bucket: Bucket
    order_types: list[str]
    rows: list[MixRow]
    by_channel: dict[str, int] = Field(
        default_factory=dict,
        description="orders accepted in the period per channel (every channel, zeros included)",
    )
