"""Which channels an installation has, from its settings; the sandbox gateway's own surface."""

from __future__ import annotations

import httpx
import pytest
from typer.testing import CliRunner

from notifications.conftest import KEY, Receiver, Sandbox, serving_asgi
from quarterhour.config import Settings
from quarterhour.entrypoints.cli.main import app as cli
from quarterhour.notifications import sandbox_gateway
from quarterhour.notifications.channels import Outgoing, channels_from_settings
from quarterhour.notifications.email import SmtpChannel
from quarterhour.notifications.sms_gateway import SmsGateway
from quarterhour.notifications.webhooks import WebhookChannel

AUTH = {"Authorization": f"Bearer {KEY}"}


def test_unset_channels_are_not_configured() -> None:
    channels = channels_from_settings(Settings(database_url="sqlite://"))
    assert sorted(channels) == ["webhook"]
    assert isinstance(channels["webhook"], WebhookChannel)
    for channel in channels.values():
        channel.close()


def test_the_settings_from_the_environment_configure_sms_and_email(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUARTERHOUR_SMS_GATEWAY_URL", "http://127.0.0.1:8025")
    monkeypatch.setenv("QUARTERHOUR_SMS_GATEWAY_KEY", "k")
    monkeypatch.setenv("QUARTERHOUR_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("QUARTERHOUR_SMTP_PORT", "2525")
    monkeypatch.setenv("QUARTERHOUR_SMTP_STARTTLS", "yes")
    settings = Settings.from_env()
    assert (settings.smtp_port, settings.smtp_starttls) == (2525, True)
    assert settings.sms_sender_name == "供电一刻钟"

    channels = channels_from_settings(settings)
    assert sorted(channels) == ["email", "sms", "webhook"]
    assert isinstance(channels["sms"], SmsGateway)
    assert isinstance(channels["email"], SmtpChannel)
    for channel in channels.values():
        channel.close()


def test_a_gateway_without_its_key_is_not_configured() -> None:
    settings = Settings(database_url="sqlite://", sms_gateway_url="http://127.0.0.1:8025")
    assert "sms" not in channels_from_settings(settings)


def test_the_sandbox_lists_a_numbers_messages_newest_last(sandbox: Sandbox) -> None:
    channel = SmsGateway(sandbox.url, KEY, "供电一刻钟")
    for n, text in enumerate(["一", "二", "三"]):
        channel.send(Outgoing(n, "sms", "13912345678", None, text, "survey"))
    channel.send(Outgoing(9, "sms", "13700000000", None, "别人的", "survey"))
    channel.close()

    assert httpx.get(f"{sandbox.url}/v1/sms").status_code == 401  # full numbers: the key's
    mine = httpx.get(f"{sandbox.url}/v1/sms", params={"to": "13912345678"}, headers=AUTH).json()
    assert [m["text"] for m in mine["messages"]] == ["一", "二", "三"]
    last = httpx.get(f"{sandbox.url}/v1/sms", params={"limit": 1}, headers=AUTH).json()
    assert ([m["text"] for m in last["messages"]], last["total"]) == (["别人的"], 4)
    assert httpx.get(f"{sandbox.url}/v1/sms", params={"limit": 0}, headers=AUTH).status_code == 400


def test_the_sandbox_refuses_a_malformed_message_naming_the_field(sandbox: Sandbox) -> None:
    good = {"to": "13912345678", "text": "hi", "client_ref": "1", "sender": "s"}
    for field, value in [("to", "123"), ("text", ""), ("client_ref", None), ("sender", 5)]:
        answer = httpx.post(f"{sandbox.url}/v1/sms", json={**good, field: value}, headers=AUTH)
        assert (answer.status_code, answer.json()["field"]) == (400, field)
    assert httpx.post(f"{sandbox.url}/v1/sms", content=b"[", headers=AUTH).status_code == 400
    assert sandbox.gateway.received() == []


def test_failures_can_be_asked_for_over_http(sandbox: Sandbox) -> None:
    asked = httpx.post(
        f"{sandbox.url}/v1/simulate/fail", json={"count": 2, "status": 503}, headers=AUTH
    )
    assert asked.status_code == 200
    message = {"to": "13912345678", "text": "hi", "client_ref": "1", "sender": "s"}
    statuses = [
        httpx.post(f"{sandbox.url}/v1/sms", json=message, headers=AUTH).status_code
        for _ in range(3)
    ]
    assert statuses == [503, 503, 202]


def test_no_reports_when_asked_for_none(receiver: Receiver) -> None:
    app = sandbox_gateway.make_app(KEY, report_url=f"{receiver.url}/reports", report_delay=None)
    with serving_asgi(app) as base:
        channel = SmsGateway(base, KEY, "供电一刻钟")
        channel.send(Outgoing(1, "sms", "13912345678", None, "hi", "survey"))
        channel.close()
        assert app.state.gateway.stats()["reports_queued"] == 0
    assert receiver.on("/reports") == []


def test_the_cli_has_the_sandbox_gateway() -> None:
    result = CliRunner().invoke(cli, ["notifications", "sandbox-gateway", "--help"])
    assert result.exit_code == 0
    assert "--report-url" in result.output
