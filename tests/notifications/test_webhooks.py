"""Webhooks to a local receiver over real HTTP: the signature a receiver checks, and how the
endpoint's answers are classed."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from notifications.conftest import Receiver
from quarterhour.notifications import sms_gateway
from quarterhour.notifications.channels import ChannelError, Outgoing
from quarterhour.notifications.webhooks import WebhookChannel, signature, verify_webhook

SECRET = "whsec-0c1d"
EVENT = json.dumps({"order": "GD20261127001", "state": "replied"}, ensure_ascii=False)


def hook(url: str, message_id: int = 31, secret: str | None = SECRET) -> Outgoing:
    return Outgoing(
        message_id, "webhook", url, None, EVENT, "result_replied", signing_secret=secret
    )


@pytest.fixture
def channel() -> Any:
    webhooks = WebhookChannel()
    yield webhooks
    webhooks.close()


def test_a_delivered_event_carries_a_signature_the_receiver_verifies(
    channel: WebhookChannel, receiver: Receiver, frozen_clock: Any
) -> None:
    sent = channel.send(hook(f"{receiver.url}/hooks/orders?token=abc"))

    assert (sent.delivered, sent.detail) == (True, "HTTP 200")
    [posted] = receiver.on("/hooks/orders")
    headers = posted.headers
    assert posted.body.decode() == EVENT
    assert headers["x-quarterhour-event"] == "result_replied"
    assert headers["x-quarterhour-delivery"] == "31"
    assert headers["x-quarterhour-timestamp"] == str(int(frozen_clock.now.timestamp()))
    assert verify_webhook(
        SECRET,
        headers["x-quarterhour-timestamp"],
        posted.body,
        headers["x-quarterhour-signature"],
        now=frozen_clock.now + timedelta(seconds=2),
    )


def test_a_tampered_body_another_secret_or_an_old_timestamp_is_refused(
    channel: WebhookChannel, receiver: Receiver, frozen_clock: Any
) -> None:
    channel.send(hook(f"{receiver.url}/hooks"))
    [posted] = receiver.on("/hooks")
    stamp = posted.headers["x-quarterhour-timestamp"]
    header = posted.headers["x-quarterhour-signature"]
    now = frozen_clock.now

    assert verify_webhook(SECRET, stamp, posted.body, header, now=now)
    assert not verify_webhook(
        SECRET, stamp, posted.body.replace(b"replied", b"closed"), header, now=now
    )
    assert not verify_webhook("another", stamp, posted.body, header, now=now)
    # The same request replayed later, or with its time moved forward to look fresh.
    assert not verify_webhook(SECRET, stamp, posted.body, header, now=now + timedelta(seconds=301))
    assert not verify_webhook(
        SECRET, str(int(stamp) + 600), posted.body, header, now=now + timedelta(seconds=600)
    )
    assert not verify_webhook(SECRET, stamp, posted.body, None, now=now)
    assert not verify_webhook(SECRET, None, posted.body, header, now=now)
    assert not verify_webhook(SECRET, "soon", posted.body, header, now=now)


def test_the_signature_covers_the_timestamp_and_the_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(b"k", b"1764205200.{}", hashlib.sha256).hexdigest()
    assert signature("k", "1764205200", b"{}") == f"sha256={expected}"


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (429, True), (404, False), (400, False)]
)
def test_an_endpoint_failure_is_classed_by_its_status(
    channel: WebhookChannel, receiver: Receiver, status: int, retryable: bool
) -> None:
    receiver.answers.append(status)
    with pytest.raises(ChannelError) as failed:
        channel.send(hook(f"{receiver.url}/hooks?token=secret-token"))

    assert failed.value.retryable is retryable
    assert f"HTTP {status}" in failed.value.reason
    assert "secret-token" not in failed.value.reason


@pytest.mark.parametrize(
    "url", ["ftp://example.cn/hook", "file:///etc/passwd", "javascript:alert(1)", "hooks"]
)
def test_only_http_endpoints_are_called(channel: WebhookChannel, url: str) -> None:
    with pytest.raises(ChannelError) as refused:
        channel.send(hook(url))
    assert refused.value.retryable is False


def test_an_endpoint_without_a_secret_is_not_called(
    channel: WebhookChannel, receiver: Receiver
) -> None:
    with pytest.raises(ChannelError) as refused:
        channel.send(hook(f"{receiver.url}/hooks", secret=None))
    assert refused.value.retryable is False
    assert receiver.requests == []


def test_an_unreachable_endpoint_is_retried(channel: WebhookChannel) -> None:
    from serving import free_port

    with pytest.raises(ChannelError) as unreachable:
        channel.send(hook(f"http://127.0.0.1:{free_port()}/hooks"))
    assert unreachable.value.retryable is True


def test_an_endpoint_that_does_not_answer_in_time_is_retried(receiver: Receiver) -> None:
    impatient = WebhookChannel(timeout=0.2)
    receiver.delay = 1.0
    with pytest.raises(ChannelError) as late:
        impatient.send(hook(f"{receiver.url}/hooks"))
    impatient.close()
    assert late.value.retryable is True


def _snippet(function: str) -> Any:
    """A function of a Python example in docs/integration.md, run as an integrator would."""
    text = (Path(__file__).parents[2] / "docs" / "integration.md").read_text(encoding="utf-8")
    for block in re.findall(r"```python\n(.*?)```", text, re.DOTALL):
        if f"def {function}(" in block:
            namespace: dict[str, Any] = {}
            exec(block, namespace)
            return namespace[function]
    pytest.fail(f"docs/integration.md has no example defining {function}")


def test_the_documented_webhook_check_accepts_ours_and_refuses_tampering(
    channel: WebhookChannel, receiver: Receiver, frozen_clock: Any
) -> None:
    verify = _snippet("verify")
    channel.send(hook(f"{receiver.url}/hooks"))
    [posted] = receiver.on("/hooks")
    headers = {
        name: posted.headers[name.lower()]
        for name in ("X-QuarterHour-Timestamp", "X-QuarterHour-Signature")
    }
    now = frozen_clock.now.timestamp()

    assert verify(SECRET, headers, posted.body, now=now + 5)
    assert not verify(SECRET, headers, posted.body + b" ", now=now)
    assert not verify("another", headers, posted.body, now=now)
    assert not verify(SECRET, headers, posted.body, now=now + 301)


def test_the_documented_gateway_check_is_verify_signature() -> None:
    signed_by_gateway = _snippet("signed_by_gateway")
    body = b'{"id": "sb1", "client_ref": "9", "status": "delivered"}'
    header = sms_gateway.sign("K", body)

    assert signed_by_gateway("K", body, header)
    assert not signed_by_gateway("K", body.replace(b"delivered", b"failed"), header)
    assert not signed_by_gateway("K", body, None)
