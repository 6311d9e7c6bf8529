"""The SMS channel against the sandbox gateway over real HTTP: sends, the failures a gateway
answers and how they are classed, keep-alive, delivery reports and replies with their
signatures, and the parsing of callbacks."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from notifications.conftest import KEY, Receiver, Sandbox, eventually
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.notifications.channels import ChannelError, Outgoing
from quarterhour.notifications.sms_gateway import (
    SmsGateway,
    mobile_number,
    parse_delivery_report,
    parse_inbound,
    sign,
    verify_signature,
)

PHONE = "13912345678"


def sms(
    message_id: int = 1, to: str = PHONE, text: str = "您的报修已受理，工单号GD001"
) -> Outgoing:
    return Outgoing(message_id, "sms", to, None, text, "contact_accepted")


@pytest.fixture
def channel(sandbox: Sandbox) -> SmsGateway:
    gateway = SmsGateway(sandbox.url, KEY, "供电一刻钟")
    yield gateway
    gateway.close()


def test_an_accepted_message_reaches_the_gateway_with_its_reference(
    channel: SmsGateway, sandbox: Sandbox
) -> None:
    sent = channel.send(sms(41, to="+8613912345678"))

    assert sent.provider_id is not None
    assert sent.delivered is False  # the report will say
    assert sent.detail == "HTTP 202"
    [received] = httpx.get(
        f"{sandbox.url}/v1/sms", params={"to": PHONE}, headers={"Authorization": f"Bearer {KEY}"}
    ).json()["messages"]
    assert received["id"] == sent.provider_id
    assert received["to"] == PHONE  # the country code dropped
    assert received["text"] == "您的报修已受理，工单号GD001"
    assert received["client_ref"] == "41"
    assert received["sender"] == "供电一刻钟"


def test_the_same_message_sent_twice_is_received_once(
    channel: SmsGateway, sandbox: Sandbox
) -> None:
    first = channel.send(sms(7))
    again = channel.send(sms(7))

    assert again.provider_id == first.provider_id
    assert again.detail == "HTTP 200"
    assert len(sandbox.gateway.received(PHONE)) == 1
    # Counted all the same: the bench tells a message sent twice by it.
    assert sandbox.gateway.stats()["repeated"] == 1


def test_a_wrong_key_is_not_retried(sandbox: Sandbox) -> None:
    wrong = SmsGateway(sandbox.url, "not-the-key", "供电一刻钟")
    with pytest.raises(ChannelError) as refused:
        wrong.send(sms())
    wrong.close()

    assert refused.value.retryable is False
    assert "HTTP 401" in refused.value.reason
    assert sandbox.gateway.received() == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_busy_or_failing_gateway_is_retried(
    channel: SmsGateway, sandbox: Sandbox, status: int
) -> None:
    sandbox.gateway.fail_next(1, status)
    with pytest.raises(ChannelError) as failed:
        channel.send(sms(3))
    assert failed.value.retryable is True
    assert f"HTTP {status}" in failed.value.reason

    assert channel.send(sms(3)).provider_id is not None  # the retry goes through
    assert len(sandbox.gateway.received()) == 1


def test_a_gateway_that_does_not_answer_in_time_is_retried_and_sends_once(
    sandbox: Sandbox,
) -> None:
    impatient = SmsGateway(sandbox.url, KEY, "供电一刻钟", timeout=0.2)
    sandbox.gateway.delay_next(1, 1.0)
    with pytest.raises(ChannelError) as late:
        impatient.send(sms(5))
    assert late.value.retryable is True

    # The gateway accepted it after all; the retry quotes the same reference.
    eventually(lambda: len(sandbox.gateway.received()) == 1, "the late acceptance")
    retried = impatient.send(sms(5))
    impatient.close()
    assert retried.provider_id == sandbox.gateway.received()[0]["id"]
    assert len(sandbox.gateway.received()) == 1


def test_an_unreachable_gateway_is_retried() -> None:
    from serving import free_port

    nobody = SmsGateway(f"http://127.0.0.1:{free_port()}", KEY, "供电一刻钟")
    with pytest.raises(ChannelError) as unreachable:
        nobody.send(sms())
    nobody.close()
    assert unreachable.value.retryable is True


@pytest.mark.parametrize("number", ["12912345678", "1391234567", "139123456789", "010-12345678"])
def test_a_bad_number_is_refused_before_sending_and_not_shown_whole(
    channel: SmsGateway, sandbox: Sandbox, number: str
) -> None:
    with pytest.raises(ChannelError) as refused:
        channel.send(sms(to=number))

    assert refused.value.retryable is False
    assert number not in refused.value.reason
    assert sandbox.gateway.received() == []


def test_a_refusal_never_carries_the_whole_number(sandbox: Sandbox) -> None:
    wrong = SmsGateway(sandbox.url, "not-the-key", "供电一刻钟")
    with pytest.raises(ChannelError) as refused:
        wrong.send(sms(to=PHONE))
    wrong.close()
    assert PHONE not in str(refused.value)


def test_many_sends_share_one_kept_alive_connection(channel: SmsGateway, sandbox: Sandbox) -> None:
    for n in range(50):
        channel.send(sms(100 + n, to=f"1391234{n:04d}"))

    assert len(sandbox.gateway.received()) == 50
    assert sandbox.gateway.stats()["connections"] == 1


def test_sender_threads_can_share_the_channel(channel: SmsGateway, sandbox: Sandbox) -> None:
    def send_many(first: int) -> None:
        for n in range(first, first + 25):
            channel.send(sms(n, to=f"1371234{n:04d}"))

    threads = [threading.Thread(target=send_many, args=(first,)) for first in (0, 100, 200, 300)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    received = sandbox.gateway.received()
    assert len(received) == 100
    assert len({m["client_ref"] for m in received}) == 100


def test_a_delivery_report_is_posted_signed_and_verifies(
    channel: SmsGateway, sandbox: Sandbox, receiver: Receiver
) -> None:
    sent = channel.send(sms(9))
    eventually(lambda: len(receiver.on("/reports")) == 1, "the delivery report")
    [posted] = receiver.on("/reports")
    assert sandbox.gateway.stats()["reports_queued"] == 1

    assert verify_signature(KEY, posted.body, posted.headers["x-signature"])
    report = parse_delivery_report(posted.body)
    assert (report.provider_id, report.client_ref, report.status) == (
        sent.provider_id,
        "9",
        "delivered",
    )
    assert report.error is None
    assert report.at.tzinfo is not None


def test_an_undeliverable_number_is_reported_failed(
    channel: SmsGateway, receiver: Receiver
) -> None:
    channel.send(sms(10, to="13800000000"))
    eventually(lambda: len(receiver.on("/reports")) == 1, "the delivery report")

    report = parse_delivery_report(receiver.on("/reports")[0].body)
    assert report.status == "failed"
    assert report.error == "UNDELIVERABLE"


def test_a_tampered_callback_or_another_key_is_refused(
    channel: SmsGateway, receiver: Receiver
) -> None:
    channel.send(sms(11))
    eventually(lambda: len(receiver.on("/reports")) == 1, "the delivery report")
    [posted] = receiver.on("/reports")
    header = posted.headers["x-signature"]

    tampered = posted.body.replace(b'"delivered"', b'"failed"')
    assert tampered != posted.body
    assert not verify_signature(KEY, tampered, header)
    assert not verify_signature("another-key", posted.body, header)
    assert not verify_signature(KEY, posted.body, None)
    assert not verify_signature(KEY, posted.body, "sha256=" + "0" * 64)
    assert not verify_signature(KEY, posted.body, "签名")


def test_a_reply_typed_into_the_sandbox_is_forwarded_signed(
    sandbox: Sandbox, receiver: Receiver
) -> None:
    answer = httpx.post(
        f"{sandbox.url}/v1/simulate/inbound",
        json={"from": "+8613912345678", "text": "3"},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert answer.status_code == 200, answer.text

    [posted] = receiver.on("/inbound")
    assert verify_signature(KEY, posted.body, posted.headers["x-signature"])
    reply = parse_inbound(posted.body)
    assert (reply.phone, reply.text, reply.provider_id) == (PHONE, "3", answer.json()["id"])
    assert not verify_signature(
        KEY, posted.body.replace(b'"3"', b'"1"'), posted.headers["x-signature"]
    )


def test_the_sandbox_refuses_to_simulate_without_the_key(sandbox: Sandbox) -> None:
    answer = httpx.post(f"{sandbox.url}/v1/simulate/inbound", json={"from": PHONE, "text": "1"})
    assert answer.status_code == 401


def test_sign_is_the_hmac_of_the_raw_body() -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert sign("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_mobile_numbers() -> None:
    assert mobile_number("13912345678") == PHONE
    assert mobile_number(" +8613912345678 ") == PHONE
    assert mobile_number("8613912345678") is None
    assert mobile_number("11912345678") is None


def _report(**changes: object) -> bytes:
    document = {
        "id": "sb1",
        "client_ref": "9",
        "status": "delivered",
        "at": "2026-11-27T09:00:05+08:00",
        "error": None,
    }
    document.update(changes)
    return json.dumps({k: v for k, v in document.items() if v != "-"}).encode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (b"x" * 70_000, "body"),
        (_report(id="-"), "id"),
        (_report(id=""), "id"),
        (_report(client_ref="r" * 65), "client_ref"),
        (_report(status="read"), "status"),
        (_report(at="yesterday"), "at"),
        (_report(at="-"), "at"),
        (_report(error=42), "error"),
    ],
)
def test_a_bad_delivery_report_names_its_field(body: bytes, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_delivery_report(body)
    assert refused.value.field == field


def test_a_report_without_a_zone_is_in_beijing_time_and_numeric_ids_are_read() -> None:
    report = parse_delivery_report(_report(id=12345, client_ref=9, at="2026-11-27 09:00:05"))
    assert report.provider_id == "12345"
    assert report.client_ref == "9"
    assert report.at.tzinfo == clock.SHANGHAI
    assert report.at.isoformat() == "2026-11-27T09:00:05+08:00"


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"id": "in1", "from": "12345", "text": "3", "at": "2026-11-27T09:00:00+08:00"}, "from"),
        ({"id": "in1", "from": PHONE, "text": None, "at": "2026-11-27T09:00:00+08:00"}, "text"),
        (
            {"id": "in1", "from": PHONE, "text": "x" * 1001, "at": "2026-11-27T09:00:00+08:00"},
            "text",
        ),
        ({"from": PHONE, "text": "3", "at": "2026-11-27T09:00:00+08:00"}, "id"),
        ({"id": "in1", "from": PHONE, "text": "3", "at": "soon"}, "at"),
    ],
)
def test_a_bad_reply_names_its_field(document: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_inbound(json.dumps(document).encode())
    assert refused.value.field == field
