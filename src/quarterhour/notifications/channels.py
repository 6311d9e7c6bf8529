"""What the outbox hands a channel and what it gets back: one message out, its outcome.

A channel sends one message and answers `Sent`, or raises `ChannelError` saying whether trying
again later may succeed (the gateway was busy, the connection dropped) or never will (a bad
number, a refused address). Reasons go to the delivery log: they never hold a whole phone number
or e-mail address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from quarterhour.config import Settings

CHANNELS = ("sms", "email", "webhook")


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
    """The message did not go out. `retryable`: the same message may go out on a later try."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Channel(Protocol):
    name: str
    # Whether several sender threads may use it at once (an HTTP client's pool: yes; one SMTP
    # connection: no). sending.send_due sends a concurrent channel's messages side by side.
    concurrent: bool

    def send(self, message: Outgoing) -> Sent: ...

    def close(self) -> None: ...


def channels_from_settings(settings: Settings) -> dict[str, Channel]:
    """The channels this installation can use, by name. SMS needs the gateway's URL and key,
    e-mail an SMTP host; webhooks need nothing (each endpoint brings its URL and secret)."""
    # The adapters import the types above: imported here, not at the top, to keep one direction.
    from quarterhour.notifications.email import SmtpChannel
    from quarterhour.notifications.sms_gateway import SmsGateway
    from quarterhour.notifications.webhooks import WebhookChannel

    channels: dict[str, Channel] = {}
    if settings.sms_gateway_url and settings.sms_gateway_key:
        channels["sms"] = SmsGateway(
            settings.sms_gateway_url, settings.sms_gateway_key, settings.sms_sender_name
        )
    if settings.smtp_host:
        channels["email"] = SmtpChannel(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_from,
            settings.smtp_starttls,
        )
    channels["webhook"] = WebhookChannel()
    return channels
