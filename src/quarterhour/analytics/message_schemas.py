"""Shapes of the delivery figures (analytics/messages.py): what is asked and answered.

Latencies are seconds as exact decimals to one place and rates four places, both sent as
strings like the other figures; a figure over nothing counted is null, never 0.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from quarterhour.analytics.schemas import Rate
from quarterhour.kit.bounds import SaneDate

Seconds = Annotated[
    Decimal | None,
    WithJsonSchema({"anyOf": [{"type": "string", "examples": ["1.5"]}, {"type": "null"}]}),
]


class MessageQuery(BaseModel):
    """A period of Asia/Shanghai days, both ends included: messages written in it."""

    model_config = ConfigDict(extra="forbid")

    start: SaneDate = Field(description="first day, YYYY-MM-DD (Asia/Shanghai)")
    end: SaneDate = Field(description="last day, included; at most 5 years after start")


class StatusCounts(BaseModel):
    """Messages written in the period by where they stand now."""

    written: int = Field(description="every message written, suppressed ones included")
    suppressed: int = Field(description="never to be sent: the customer's preference")
    queued: int = Field(description="not handed to the channel yet (waiting or being sent)")
    sent: int = Field(description="taken by the channel, no delivery report (yet)")
    delivered: int = Field(description="confirmed by the channel or its delivery report")
    failed: int = Field(description="refused for good, out of attempts or reported undelivered")
    delivery_rate: Rate = Field(description="delivered / (sent + delivered + failed)")
    failure_rate: Rate = Field(description="failed / (sent + delivered + failed)")


class Latency(BaseModel):
    """From a message written to one of its steps, over the messages that reached it."""

    count: int
    mean: Seconds
    p50: Seconds = Field(description="the middle value (two middles averaged)")
    p90: Seconds = Field(description="nearest rank: 90 % took at most this long")
    p99: Seconds = Field(description="nearest rank: 99 % took at most this long")


class ChannelFigures(StatusCounts):
    channel: str | None = Field(description="sms, email or webhook; null: all channels")
    to_sent: Latency = Field(
        description="due (written, or the quiet hours over) → handed to the channel"
    )
    to_delivered: Latency = Field(description="due → delivered")


class KindFigures(StatusCounts):
    kind: str
    label: str


class SurveyFigures(BaseModel):
    """The SMS satisfaction survey (回访短信) and the follow-ups it closed."""

    surveys_written: int = Field(description="follow-up surveys written by SMS in the period")
    surveys_sent: int = Field(description="of those, taken by the gateway and not reported failed")
    replied: int = Field(description="follow-ups recorded from an SMS reply in the period")
    response_rate: Rate = Field(description="replied / surveys_sent")
    follow_ups: int = Field(
        description="follow-ups in the period that reached the customer (any way)"
    )
    closed_by_sms: int = Field(description="of those, recorded from an SMS reply")
    closed_by_sms_share: Rate = Field(description="closed_by_sms / follow_ups")


class MessageReport(BaseModel):
    """Definitions: analytics/messages.py."""

    start: date
    end: date
    as_of: datetime
    total: ChannelFigures
    by_channel: list[ChannelFigures] = Field(description="sms, email and webhook, always")
    by_kind: list[KindFigures] = Field(description="the kinds written in the period")
    survey: SurveyFigures
