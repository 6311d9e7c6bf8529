"""The outbox (one row per message to one recipient on one channel), its delivery log, the
administrators' template overrides, the customers' contact preferences and webhook endpoints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from quarterhour.storage.base import Base

# queued: waiting for not_before (quiet hours, flood control, a retry's backoff); sending: held by
# locked_by until locked_until (an expired lease is a sender that died: another takes it over);
# sent: the channel took it; delivered: the channel or its delivery report confirmed it; failed:
# refused for good or out of attempts; suppressed: never to be sent (the customer's preference),
# written all the same so that the order's timeline says why nothing was sent.
MESSAGE_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "suppressed")
CHANNELS = ("sms", "email", "webhook")
ATTEMPT_OUTCOMES = ("sent", "retry", "failed", "delivered")
LANGUAGES = ("zh", "en")


class OutboxMessage(Base):
    """One message to one recipient on one channel, rendered when the event was written."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(
            "status in ('queued','sending','sent','delivered','failed','suppressed')",
            name="status_known",
        ),
        CheckConstraint("channel in ('sms','email','webhook')", name="channel_known"),
        # The sender's claim: the due queued messages, oldest first.
        Index("ix_outbox_message_due", "status", "not_before"),
        # Flood control: what one number was sent in the last hour.
        Index("ix_outbox_message_recipient_sent", "recipient", "sent_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    # Full phone, e-mail address or URL: personal data, masked wherever it is shown.
    recipient: Mapped[str] = mapped_column(String(500))
    lang: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str | None] = mapped_column(String(200))
    # What the event said when it was written: a template edited later changes new messages only.
    body: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    work_order_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("work_order.id"), index=True
    )
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outage.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    webhook_endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoint.id"))
    status: Mapped[str] = mapped_column(String(10))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    not_before: Mapped[datetime]
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None]
    # The gateway's id, which its delivery reports quote.
    provider_id: Mapped[str | None] = mapped_column(String(100), index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    # The same event written twice (a retried request, a rerun job) gives one message.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class DeliveryAttempt(Base):
    """The delivery log: each try of a message and what came of it (webhooks especially)."""

    __tablename__ = "delivery_attempt"
    __table_args__ = (
        CheckConstraint("outcome in ('sent','retry','failed','delivered')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    message_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("outbox_message.id", ondelete="CASCADE"),
        index=True,
    )
    at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(9))
    # "HTTP 200", a gateway's refusal: never the full phone or address.
    detail: Mapped[str | None] = mapped_column(String(500))


class MessageTemplate(Base):
    """An administrator's text for one kind, channel and language, instead of the default in
    notifications/templates.py."""

    __tablename__ = "message_template"
    __table_args__ = (UniqueConstraint("kind", "channel", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    lang: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime]


class ContactPreference(Base):
    """How a customer wants to hear from us. No row: SMS to the registered phone, in Chinese."""

    __tablename__ = "contact_preference"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    sms_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    lang: Mapped[str] = mapped_column(String(2), default="zh")
    # Kinds the customer refused (PIPL art. 44: he may refuse service messages); the statutory
    # notices are sent all the same (templates.STATUTORY).
    opted_out: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime]


class WebhookEndpoint(Base):
    """Another system that hears of events: where to POST, the key it checks our signature
    with, and which kinds it takes."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    kinds: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


class InboundSms(Base):
    """A text a customer sent to the gateway's number (its inbound webhook): kept whatever it
    says, with the order it answered and how, or why it answered none."""

    __tablename__ = "inbound_sms"
    __table_args__ = (
        Index("ix_inbound_sms_sender_received", "sender", "received_at"),
        # The figures count a period's replies.
        Index("ix_inbound_sms_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # The gateway's id: a webhook delivered twice is recorded once.
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Personal data, like every full number: masked wherever shown.
    sender: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime]
    work_order_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("work_order.id")
    )
    # The survey it answered (whatever it said): the survey's response rate counts these.
    survey_message_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("outbox_message.id")
    )
    # What it was taken as (satisfied, basically_satisfied, dissatisfied), or None.
    outcome: Mapped[str | None] = mapped_column(String(24))
    # Why it answered no order ("no survey waiting", "not a 1, 2 or 3"), for whoever reads them.
    note: Mapped[str | None] = mapped_column(String(200))
