"""The e-mail channel against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from notifications.conftest import Mailbox, SmtpServer
from quarterhour.notifications.channels import ChannelError, Outgoing
from quarterhour.notifications.email import SmtpChannel
from serving import free_port


def mail(message_id: int = 1, to: str = "li.wei@example.cn") -> Outgoing:
    return Outgoing(
        message_id,
        "email",
        to,
        "电费账单已出 — 2026年11月",
        "尊敬的客户：您11月的电费为 ¥236.40，请于12月20日前缴纳。",
        "bill_ready",
    )


def channel_for(server: SmtpServer) -> SmtpChannel:
    return SmtpChannel("127.0.0.1", server.port, None, None, "noreply@quarterhour.local", False)


def parsed(server: SmtpServer, n: int) -> Message:
    content = server.mailbox.messages[n][1].content
    assert isinstance(content, bytes)
    return message_from_bytes(content)


def test_a_utf8_subject_and_body_arrive(smtp_server: SmtpServer) -> None:
    channel = channel_for(smtp_server)
    sent = channel.send(mail(12))
    channel.close()

    assert sent.delivered is True
    assert sent.provider_id is not None
    [(_, envelope)] = smtp_server.mailbox.messages
    assert envelope.rcpt_tos == ["li.wei@example.cn"]
    assert envelope.mail_from == "noreply@quarterhour.local"
    message = parsed(smtp_server, 0)
    assert str(make_header(decode_header(message["Subject"]))) == "电费账单已出 — 2026年11月"
    assert message.get_content_charset() == "utf-8"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert (
        body.decode("utf-8").strip() == "尊敬的客户：您11月的电费为 ¥236.40，请于12月20日前缴纳。"
    )
    assert message["Message-ID"] == sent.provider_id
    assert message["X-QuarterHour-Message"] == "12"


def test_one_connection_serves_many_messages(smtp_server: SmtpServer) -> None:
    channel = channel_for(smtp_server)
    for n in range(5):
        channel.send(mail(n))
    channel.close()

    peers = {peer for peer, _ in smtp_server.mailbox.messages}
    assert len(smtp_server.mailbox.messages) == 5
    assert len(peers) == 1


def test_a_refused_recipient_is_not_retried_and_not_named(smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.refuse["nobody@example.cn"] = (
        "550 5.1.1 <nobody@example.cn>: Recipient address rejected"
    )
    channel = channel_for(smtp_server)
    with pytest.raises(ChannelError) as refused:
        channel.send(mail(to="nobody@example.cn"))

    assert refused.value.retryable is False
    assert "550" in refused.value.reason
    assert "nobody@example.cn" not in refused.value.reason
    # The connection is still good for the next message.
    assert channel.send(mail(2)).delivered
    channel.close()
    assert len(smtp_server.mailbox.messages) == 1


def test_a_busy_mailbox_is_retried(smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.refuse["busy@example.cn"] = "450 4.2.1 Mailbox busy, try later"
    channel = channel_for(smtp_server)
    with pytest.raises(ChannelError) as busy:
        channel.send(mail(to="busy@example.cn"))
    channel.close()

    assert busy.value.retryable is True
    assert "450" in busy.value.reason


def test_a_dropped_connection_is_opened_again(smtp_server: SmtpServer) -> None:
    channel = channel_for(smtp_server)
    channel.send(mail(1))
    smtp_server.restart()  # the kept connection is closed by the server
    channel.send(mail(2))
    channel.close()

    [first, second] = [peer for peer, _ in smtp_server.mailbox.messages]
    assert first != second
    assert [parsed(smtp_server, n)["X-QuarterHour-Message"] for n in (0, 1)] == ["1", "2"]


def test_an_unreachable_server_is_retried() -> None:
    channel = SmtpChannel("127.0.0.1", free_port(), None, None, "noreply@quarterhour.local", False)
    with pytest.raises(ChannelError) as unreachable:
        channel.send(mail())
    channel.close()
    assert unreachable.value.retryable is True


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, Mailbox]]:
    """A server that requires STARTTLS and a login (qh / pw), with a certificate for 127.0.0.1
    that this test's clients trust (SSL_CERT_FILE)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        good = isinstance(data, LoginPassword) and (data.login, data.password) == (b"qh", b"pw")
        # handled=False: the server answers 235 or 535 itself.
        return AuthResult(success=good, handled=False)

    mailbox, port = Mailbox(), free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticate,
    )
    controller.start()
    yield port, mailbox
    controller.stop()


def test_starttls_and_a_login_send_and_a_wrong_password_is_final(
    tls_server: tuple[int, Mailbox],
) -> None:
    port, mailbox = tls_server
    channel = SmtpChannel("127.0.0.1", port, "qh", "pw", "noreply@quarterhour.local", True)
    assert channel.send(mail(1)).delivered
    channel.close()
    assert len(mailbox.messages) == 1

    wrong = SmtpChannel("127.0.0.1", port, "qh", "nope", "noreply@quarterhour.local", True)
    with pytest.raises(ChannelError) as refused:
        wrong.send(mail(2))
    wrong.close()
    assert refused.value.retryable is False
    assert "535" in refused.value.reason

    plain = SmtpChannel("127.0.0.1", port, None, None, "noreply@quarterhour.local", False)
    with pytest.raises(ChannelError) as refused:
        plain.send(mail(3))
    plain.close()
    assert refused.value.retryable is False
    assert "530" in refused.value.reason
    assert len(mailbox.messages) == 1
