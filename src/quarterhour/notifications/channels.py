"""What the sender hands a channel (SMS gateway, SMTP, webhook) and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    message_id: int  # the outbox row's id: the idempotency key the gateway sees
    channel: str  # "sms" | "email" | "webhook"
    to: str  # full phone number, e-mail address, or the webhook endpoint's URL
    subject: str | None  # e-mail subject (None for sms/webhook)
    body: str  # the text (sms/e-mail) or the webhook's JSON document
    kind: str  # message kind, e.g. "contact_accepted"
    signing_secret: str | None = None  # webhooks: the endpoint's HMAC-SHA256 key


@dataclass(frozen=True)
class Sent:
    provider_id: str | None  # the gateway's id, which its delivery reports quote
    delivered: bool = False  # the channel confirmed delivery at once (SMTP accepted, webhook 2xx)
    detail: str | None = None  # e.g. "HTTP 200", for the delivery log (no personal data)


class ChannelError(Exception):
    """A send that did not happen; `reason` never contains the full phone or e-mail address."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> Sent: ...

    def close(self) -> None: ...
