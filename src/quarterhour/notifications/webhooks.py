"""Webhooks: events POSTed to other systems' endpoints, signed so that they can trust them.

Each request carries `X-QuarterHour-Event` (the message kind), `X-QuarterHour-Delivery` (the
outbox message's id: the same on every retry, so a receiver can drop repeats),
`X-QuarterHour-Timestamp` (unix seconds of this attempt) and `X-QuarterHour-Signature:
sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the endpoint's secret. Signing the time
with the body lets a receiver refuse a captured request replayed later (`verify_webhook`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from quarterhour.kit import clock
from quarterhour.notifications.channels import ChannelError, Outgoing, Sent

EVENT_HEADER = "X-QuarterHour-Event"
DELIVERY_HEADER = "X-QuarterHour-Delivery"
TIMESTAMP_HEADER = "X-QuarterHour-Timestamp"
SIGNATURE_HEADER = "X-QuarterHour-Signature"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_webhook(
    secret: str,
    timestamp: str | None,
    body: bytes,
    header: str | None,
    *,
    now: datetime,
    tolerance_seconds: int = 300,
) -> bool:
    """What a receiving system checks: the signature is ours over this timestamp and body, and
    the timestamp is within `tolerance_seconds` of `now` (an aware time) either way."""
    if not timestamp or not header or not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(clock.local(now).timestamp() - int(timestamp)) > tolerance_seconds:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(header.strip().encode(), expected.encode())


class WebhookChannel:
    """The `webhook` channel: `to` is the endpoint's URL, `signing_secret` its key. One client for
    all endpoints, keeping their connections alive between events; redirects are not followed
    (a signed event goes where it was configured to go, or not at all)."""

    name = "webhook"
    concurrent = True

    def __init__(self, timeout: float = 5.0) -> None:
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def send(self, message: Outgoing) -> Sent:
        parts = urlsplit(message.to)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChannelError("the endpoint's URL is not http(s)", retryable=False)
        if not message.signing_secret:
            raise ChannelError("the endpoint has no signing secret", retryable=False)
        body = message.body.encode()
        timestamp = str(int(clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            EVENT_HEADER: message.kind,
            DELIVERY_HEADER: str(message.message_id),
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(message.signing_secret, timestamp, body),
        }
        # The host only: an endpoint's path or query may carry its own token.
        where = parts.hostname
        try:
            response = self._client.post(message.to, content=body, headers=headers)
        except httpx.InvalidURL:
            raise ChannelError("the endpoint's URL is not valid", retryable=False) from None
        except httpx.TimeoutException:
            raise ChannelError(f"{where} did not answer in time", retryable=True) from None
        except httpx.TransportError as exc:
            raise ChannelError(
                f"{where} is unreachable ({type(exc).__name__})", retryable=True
            ) from None
        status = response.status_code
        if response.is_success:
            return Sent(provider_id=None, delivered=True, detail=f"HTTP {status}")
        retryable = status == 429 or status >= 500
        raise ChannelError(f"{where} answered HTTP {status}", retryable=retryable)

    def close(self) -> None:
        self._client.close()
