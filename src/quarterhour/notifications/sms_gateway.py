"""SMS through an HTTP gateway, the shape of Chinese SMS providers' APIs (docs/integration.md).

`POST {url}/v1/sms` with the key as a bearer token and JSON {to, text, client_ref, sender}; the
gateway answers 200/202 {id, status: "accepted"}. `client_ref` is the outbox message's id, so a
gateway that saw a message already (we timed out after it accepted) can answer with the same id
instead of sending it twice. Later the gateway POSTs delivery reports and customers' replies to
our callbacks, signed `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with the same key:
`verify_signature`, then `parse_delivery_report` / `parse_inbound`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import httpx

from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock, masking
from quarterhour.notifications.channels import ChannelError, Outgoing, Sent

# A mainland mobile number, optionally written with the country code.
_MOBILE = re.compile(r"^(?:\+86)?(1[3-9]\d{9})$")
SIGNATURE_HEADER = "X-Signature"
# A callback's body is a few hundred bytes; anything far larger is not the gateway's.
MAX_CALLBACK_BYTES = 64 * 1024
MAX_ID = 64
MAX_TEXT = 1000
MAX_ERROR = 500
DELIVERY_STATUSES = ("delivered", "failed")


def mobile_number(text: str) -> str | None:
    """The 11 digits of a mainland mobile number (a leading +86 dropped), None if it is not one."""
    found = _MOBILE.match(text.strip())
    return found.group(1) if found else None


def sign(key: str, body: bytes) -> str:
    """The signature header's value for `body`: sha256=<hex HMAC-SHA256 keyed with `key`>."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(key: str, body: bytes, header: str | None) -> bool:
    """Whether `header` signs exactly `body` with `key` (in constant time)."""
    if not header:
        return False
    return hmac.compare_digest(header.strip().encode(), sign(key, body).encode())


@dataclass(frozen=True)
class DeliveryReport:
    """The gateway's word on a message it accepted: `provider_id` is the id it answered with,
    `client_ref` the outbox message's id that we gave it."""

    provider_id: str
    client_ref: str
    status: Literal["delivered", "failed"]
    at: datetime
    error: str | None


@dataclass(frozen=True)
class InboundSms:
    """A customer's reply (to a survey: "1", "2", "3"); `phone` is the sender's 11 digits."""

    provider_id: str
    phone: str
    text: str
    at: datetime


def parse_delivery_report(body: bytes) -> DeliveryReport:
    document = _document(body)
    status = _text(document, "status", MAX_ID)
    if status not in DELIVERY_STATUSES:
        raise ValidationFailed("status: delivered or failed", field="status")
    error = document.get("error")
    if error is not None and not isinstance(error, str):
        raise ValidationFailed("error: text or null", field="error")
    return DeliveryReport(
        provider_id=_text(document, "id", MAX_ID),
        client_ref=_text(document, "client_ref", MAX_ID),
        status="delivered" if status == "delivered" else "failed",
        at=_moment(document),
        error=masking.mask_text(error[:MAX_ERROR]) if error else None,
    )


def parse_inbound(body: bytes) -> InboundSms:
    document = _document(body)
    phone = mobile_number(_text(document, "from", 20))
    if phone is None:
        raise ValidationFailed("from: a mobile number (11 digits, 1[3-9]…)", field="from")
    text = document.get("text")
    if not isinstance(text, str):
        raise ValidationFailed("text: the reply's text", field="text")
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"text: at most {MAX_TEXT} characters", field="text")
    return InboundSms(
        provider_id=_text(document, "id", MAX_ID), phone=phone, text=text, at=_moment(document)
    )


def _document(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_CALLBACK_BYTES:
        raise ValidationFailed(f"body: at most {MAX_CALLBACK_BYTES} bytes", field="body")
    try:
        document = json.loads(body)
    except ValueError:
        raise ValidationFailed("body: a JSON document", field="body") from None
    if not isinstance(document, dict):
        raise ValidationFailed("body: a JSON object", field="body")
    return document


def _text(document: dict[str, Any], field: str, longest: int) -> str:
    value = document.get(field)
    # Some gateways send their ids as numbers.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{field}: required", field=field)
    if len(value) > longest:
        raise ValidationFailed(f"{field}: at most {longest} characters", field=field)
    return value.strip()


def _moment(document: dict[str, Any]) -> datetime:
    text = _text(document, "at", 40)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("at: an ISO-8601 time", field="at") from None
    # A Chinese gateway that leaves the zone out means Beijing time.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.SHANGHAI)
    return clock.local(moment)


class SmsGateway:
    """The `sms` channel. One `httpx.Client` for the process's life: its pool keeps connections
    to the gateway alive between messages (no TCP and TLS handshake per SMS). The sender's
    threads share it (httpcore locks its pool), each with a connection of its own."""

    name = "sms"
    concurrent = True

    def __init__(self, url: str, key: str, sender: str, timeout: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the SMS gateway's URL starts with http:// or https://")
        self.sender = sender
        self._client = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {key}"},
            timeout=timeout,
            follow_redirects=False,
        )

    def send(self, message: Outgoing) -> Sent:
        phone = mobile_number(message.to)
        if phone is None:
            raise ChannelError(
                f"not a mobile number: {masking.mask_phone(message.to)}", retryable=False
            )
        document = {
            "to": phone,
            "text": message.body,
            "client_ref": str(message.message_id),
            "sender": self.sender,
        }
        try:
            response = self._client.post("/v1/sms", json=document)
        except httpx.TimeoutException:
            raise ChannelError("the gateway did not answer in time", retryable=True) from None
        except httpx.TransportError as exc:
            raise ChannelError(
                f"the gateway is unreachable ({type(exc).__name__})", retryable=True
            ) from None
        status = response.status_code
        if response.is_success:
            return Sent(provider_id=_provider_id(response), detail=f"HTTP {status}")
        retryable = status == 429 or status >= 500
        raise ChannelError(f"the gateway answered {_said(response)}", retryable=retryable)

    def close(self) -> None:
        self._client.close()


def _provider_id(response: httpx.Response) -> str | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    value = answer.get("id") if isinstance(answer, dict) else None
    return str(value)[:MAX_ID] if isinstance(value, str | int) and str(value) else None


def _said(response: httpx.Response) -> str:
    """HTTP status and the gateway's own words, short and masked: some echo the number."""
    words = response.text.strip()[:200]
    said = f"HTTP {response.status_code}"
    return f"{said}: {masking.mask_text(words)}" if words else said
