"""API shapes of the closed loop. Personal data leaves only masked (see kit/masking)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from quarterhour.kit.bounds import DbId, Money, NoControl, SaneDate, SaneDateTime
from quarterhour.outages.schemas import PlannedOutageOut
from quarterhour.workorders.kinds import AreaClass, Channel, FollowUpOutcome, OrderType, ReplyMethod

# Text without control characters (kit/bounds), within the lengths of the columns it fills.
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NoControl
]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), NoControl]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32), NoControl]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), NoControl]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoControl]

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf", "image/tiff")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerRef(Strict):
    """An existing customer by id or by account number, or a caller described by phone / name /
    address."""

    id: DbId | None = None
    account: str | None = Field(
        default=None,
        pattern=r"^\d{6,20}$",
        description="户号: the caller's account; its customer is the caller, and the orders are"
        " about this account",
    )
    name: Name | None = None
    phone: Phone | None = None
    address: Address | None = None
    district_id: DbId | None = None


class MatterIn(Strict):
    order_type: OrderType
    subtype: Annotated[str, StringConstraints(max_length=32), NoControl] | None = None
    title: ShortText
    description: LongText | None = None
    address: Address | None = None
    district_id: DbId | None = None
    department_id: DbId | None = Field(default=None, description="override the routing")
    area_class: AreaClass | None = None
    answer: LongText | None = Field(
        default=None, description="the answer given on the spot: closes a consultation at intake"
    )
    answered_by_outage_id: DbId | None = Field(
        default=None,
        description="a consultation about this planned or temporary outage at the caller's"
        " premises (on now or within 7 days), answered on the spot: closed at intake, linked to"
        " the outage and counted there; the answer defaults to what the outage's notice says",
    )


class ContactIn(Strict):
    channel: Channel
    customer: CustomerRef
    caller_name: Name | None = None
    caller_phone: Phone | None = None
    received_at: SaneDateTime | None = None
    episode_id: DbId | None = None
    summary: LongText | None = None
    matters: list[MatterIn] = Field(min_length=1, max_length=20)


class AttachmentMeta(Strict):
    name: ShortText
    content_type: Annotated[str, StringConstraints(max_length=100), NoControl]
    size: int = Field(ge=1, le=MAX_ATTACHMENT_BYTES)
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None


class ActionIn(Strict):
    version: DbId | None = Field(default=None, description="the version you saw; 409 if stale")
    note: LongText | None = None
    department_id: DbId | None = None
    outcome: FollowUpOutcome | None = None
    reply_method: ReplyMethod | None = None
    result: LongText | None = None
    at: SaneDateTime | None = Field(
        default=None,
        description="when it happened, if not now (a claim: not in the future, not before the"
        " step it follows; kept next to the time it was entered)",
    )
    crew: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), NoControl] | None
    ) = None
    area_class: AreaClass | None = None


class StepWithFiles(ActionIn):
    """A step with the files attached to it. Only `workorders.attachments.store` makes the
    metadata, from the bytes it stored: a caller cannot name a file (another order's photo,
    by its digest) that it did not send."""

    attachments: list[AttachmentMeta] = Field(default_factory=list, max_length=20)


class DeadlineOut(BaseModel):
    kind: str
    seq: int
    due_at: datetime
    is_provisional: bool
    met_at: datetime | None
    is_late: bool
    amount: int
    unit: str
    paused_working_days: int = Field(
        default=0, description="working days the customer had the matter: the limit waited"
    )


class EventOut(BaseModel):
    id: int
    action: str
    from_state: str | None
    to_state: str
    actor_id: int | None
    actor_name: str | None
    at: datetime = Field(description="when the step was entered")
    claimed_at: datetime | None = Field(
        default=None, description="the time the step claims, when its author gave one"
    )
    claim_beyond_tolerance: bool = Field(
        default=False,
        description="the claim was entered too long after the time it claims: kept, but the"
        " deadlines count the entry time",
    )
    note: str | None
    data: dict[str, object] | None


class LinkedOutage(BaseModel):
    """The outage a fault call was linked to at intake: its expected restoration is the promise."""

    id: int
    kind: str
    cause: str
    started_at: datetime | None
    expected_restoration_at: datetime
    state: str
    crew: str | None = Field(default=None, description="the crew sent to the outage, if any")
    crew_step: str | None = Field(
        default=None, description="its step: dispatched, accepted, departed, arrived, restored"
    )
    crew_step_at: datetime | None = None


class AutomaticDispatch(BaseModel):
    """A fault repair its routing rule sent at once to the crew on duty (派单 by the system)."""

    crew: str | None = Field(
        description="the crew sent; null: no crew on duty and available, the order waits for"
        " the dispatcher"
    )
    explanation: str = Field(examples=["距离2.3公里", "本区值班", "本区暂无待命的值班班组"])
    explanation_en: str


class OrderSummary(BaseModel):
    id: int
    number: str
    order_type: str
    subtype: str | None
    title: str
    state: str
    department_id: int | None
    district_id: int | None
    # Where the work is (the service address): a crew picks its next job by it.
    address: str | None = None
    customer_name: str | None
    customer_phone: str | None  # masked
    accepted_at: datetime
    due_at: datetime | None
    replied_at: datetime | None
    is_overdue: bool
    is_escalated: bool
    has_provisional_deadline: bool
    rework_count: int
    version: int
    outage: LinkedOutage | None = Field(
        default=None, description="the outage this fault call is linked to (no clock of its own)"
    )
    automatic_dispatch: AutomaticDispatch | None = Field(
        default=None,
        description="at intake only: the routing policy sends this fault repair to the crew on"
        " duty",
    )
    sms_survey_until: datetime | None = Field(
        default=None,
        description="replied: the survey by SMS waits for the customer's answer until then;"
        " the follow-up agents call after it",
    )


class RelatedOrder(BaseModel):
    id: int
    number: str
    order_type: str
    state: str


class MessageOut(BaseModel):
    """A message to the order's customer (the outbox): its delivery as it stands."""

    id: int
    kind: str
    channel: str
    recipient: str = Field(description="masked: 139****5678, z***@example.cn")
    status: str = Field(description="queued, sending, sent, delivered, failed or suppressed")
    created_at: datetime
    not_before: datetime = Field(description="not sent before (quiet hours, a retry's wait)")
    sent_at: datetime | None
    delivered_at: datetime | None
    attempts: int
    last_error: str | None = Field(
        description="why it failed or waits; for a suppressed one: opted_out, sms_refused, email_refused"
    )


class OrderDetail(OrderSummary):
    contact_id: int
    contact_number: str | None
    account_number: str | None  # 户号, when the order is about an account
    channel: str
    episode_id: int | None
    description: str | None
    address: str | None
    assignee_id: int | None
    result: str | None
    reply_method: str | None
    replied_by_id: int | None
    follow_up_required: bool
    follow_up_attempts: int
    follow_up_outcome: str | None
    closed_on_intake: bool
    area_class: str | None
    crew: str | None
    crew_dispatched_at: datetime | None
    dispatched_at: datetime | None = None
    paused_at: datetime | None = Field(
        default=None, description="since when the clock waits for the customer (暂停)"
    )
    arrived_at: datetime | None
    restored_at: datetime | None
    closed_at: datetime | None
    allowed_actions: list[str]
    deadlines: list[DeadlineOut]
    events: list[EventOut]
    related_order_ids: list[int]
    related_orders: list[RelatedOrder]  # the same contact's other orders that the reader sees
    # Whether the reader may see the caller's whole number (POST /orders/{id}/phone, recorded).
    may_reveal_phone: bool = False
    customer_id: int | None = Field(default=None, description="the caller's customer record")
    customer_surname: str | None = Field(
        default=None,
        description="how staff address the caller, with customer_title (刘 + ms: 刘女士), when"
        " the name and ID number say; otherwise the masked customer_name is all there is",
    )
    customer_title: Literal["ms", "mr"] | None = None
    account_customer_id: int | None = Field(
        default=None, description="the account's holder (the customer view of its bills)"
    )
    account_address: str | None = Field(
        default=None, description="the address of the account's premises"
    )
    messages: list[MessageOut] = Field(
        default_factory=list, description="what the customer was sent about it, and how it went"
    )


class ContactOut(BaseModel):
    id: int
    number: str
    channel: str
    customer_id: int
    received_at: datetime
    episode_id: int | None
    orders: list[OrderSummary]


class ActionResult(BaseModel):
    id: int
    number: str
    state: str
    version: int
    due_at: datetime | None
    rework_count: int
    allowed_actions: list[str]


class OrderPage(BaseModel):
    items: list[OrderSummary]
    page: int
    per_page: int
    total: int | None


class PublicStatus(BaseModel):
    """What anyone with the order number and the phone's last four digits may see: no personal data."""

    number: str
    order_type: str
    state: str
    accepted_at: datetime
    due_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    steps: list[dict[str, str]]
    planned_outages: list[PlannedOutageOut] = Field(
        default_factory=list,
        description="计划/临时停电 announced at the order's premises, on now or within 7 days",
    )


class PublishedLimit(BaseModel):
    """One service commitment (服务承诺时限) in force, with where it comes from."""

    order_type: str
    subtype: str | None
    area_class: str | None
    kind: str
    amount: int
    unit: str
    source: str


class PublishedCommitments(BaseModel):
    policy: str
    effective_from: date
    limits: list[PublishedLimit]
    follow_up_required: dict[str, bool]


# 倍率: what the meters file accepts (customers/register_import.py); register × multiplier then
# stays well within the bill run's 64-bit sums (billing/consumption.py).
MAX_MULTIPLIER = 100_000
Code32 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), NoControl
]


class MeterSplitIn(Strict):
    """分户装表 done on site: the household leaves the shared meter for its own meter and account."""

    version: DbId | None = Field(default=None, description="the version you saw; 409 if stale")
    shared_meter: Code32
    premises_id: DbId = Field(description="the household leaving the shared meter")
    new_meter: Code32
    tariff: Code32
    installed_on: SaneDate | None = Field(
        default=None, description="default: today; not in the future"
    )
    initial_reading: Money = Field(default=Decimal(0), ge=0)
    shared_meter_reading: Money | None = Field(default=None, ge=0)
    multiplier: int = Field(default=1, ge=1, le=MAX_MULTIPLIER)
    digits: int = Field(default=6, ge=4, le=10)
    note: LongText | None = None


class MeterSplitOut(BaseModel):
    account: str
    meter: str
    order: ActionResult
