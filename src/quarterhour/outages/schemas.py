"""API shapes of outages and the supply lookup (Pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from quarterhour.kit.bounds import NoControl, SaneDateTime, Text

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), NoControl
]


class DeclareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["planned", "temporary", "fault"] = Field(
        description="planned (计划停电: announced at least 7 days ahead), temporary (临时), fault (故障: in effect now)"
    )
    cause: Text = Field(min_length=1, max_length=200, description="停电原因")
    area: Text | None = Field(
        default=None, max_length=200, description="where, as a notice says it"
    )
    starts_at: SaneDateTime = Field(description="planned start (a fault: when it began)")
    expected_restoration_at: SaneDateTime = Field(description="预计复电时间, after the start")
    feeders: list[Code] = Field(default_factory=list, max_length=200, description="线路 codes")
    transformers: list[Code] = Field(
        default_factory=list, max_length=5000, description="台区 codes"
    )


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Text | None = Field(default=None, max_length=1000, description="the notice as published")


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    starts_at: SaneDateTime
    expected_restoration_at: SaneDateTime


class MomentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: SaneDateTime | None = Field(
        default=None, description="when it happened, if entered afterwards (default: now)"
    )


class RestorationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expected_restoration_at: SaneDateTime
    note: Text | None = Field(default=None, max_length=300, description="why it moved")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=300)


class OutageOut(BaseModel):
    id: int
    kind: str
    state: str
    cause: str
    area: str | None
    starts_at: datetime
    expected_restoration_at: datetime
    started_at: datetime | None
    restored_at: datetime | None
    version: int


class NoticeOut(BaseModel):
    published_at: datetime
    starts_at: datetime
    expected_restoration_at: datetime
    text: str | None
    days_ahead: float = Field(description="days between publication and the announced start")


class EventOut(BaseModel):
    action: str
    from_state: str | None
    to_state: str
    actor_id: int | None
    at: datetime
    claimed_at: datetime | None
    note: str | None


class CallsOut(BaseModel):
    linked: int = Field(description="fault calls linked to it, replied to at restoration")
    answered_on_the_spot: int = Field(description="calls about it answered during the call")


class OutageRecordOut(BaseModel):
    outage: OutageOut
    feeders: list[str]
    transformers: int = Field(description="how many transformer areas (台区) it covers")
    notices: list[NoticeOut]
    events: list[EventOut]
    allowed_actions: list[str]
    replied_calls: int | None = Field(
        default=None,
        description="restore only: the calls linked to the outage replied to now (短信答复)",
    )
    linked_calls: int | None = Field(
        default=None,
        description="declare only: the open fault calls from inside a fault linked to it now",
    )
    calls: CallsOut | None = Field(default=None, description="the calls the outage took")


class PlannedOutageOut(BaseModel):
    """A planned or temporary outage as the customer is told of it (bill line, order status)."""

    kind: str = Field(description="planned (计划停电) or temporary (临时停电)")
    state: str = Field(description="announced, or active once the supply is off")
    starts_at: datetime
    expected_restoration_at: datetime
    area: str | None
    cause: str
    published_at: datetime | None = Field(description="when its notice was published")
    text: str = Field(description="计划停电：12月10日 08:00–17:00 …（原因）")


class LookupOut(BaseModel):
    """What supplies the premises and the outage covering it at the moment asked, if any."""

    premises_id: int
    at: datetime
    transformer: str | None = Field(description="台区 code; none when the network file lacks it")
    transformer_name: str | None
    feeder: str | None
    feeder_name: str | None
    outage: OutageOut | None
