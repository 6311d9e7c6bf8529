"""The delivery figures served: GET /api/v1/stats/messages, `quarterhour stats --section
messages` and the dashboard's 消息送达 section, on the October of message_scenario.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analytics.message_scenario import build_messages
from analytics.scenario import Builder
from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from quarterhour.entrypoints.cli.main import app

pytestmark = pytest.mark.db

OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}
runner = CliRunner()


@pytest.fixture
def scenario(builder: Builder) -> dict[str, int]:
    return build_messages(builder)


def test_the_api_answers_the_figures(
    scenario: dict[str, int], client: TestClient, login: Any
) -> None:
    response = client.get("/api/v1/stats/messages", params=OCTOBER, headers=login("supervisor"))
    assert response.status_code == 200, response.text
    body = response.json()
    sms = body["by_channel"][0]
    assert (sms["channel"], sms["written"], sms["delivered"]) == ("sms", 9, 4)
    assert sms["delivery_rate"] == "0.5714"
    assert sms["to_sent"] == {"count": 7, "mean": "1.0", "p50": "0.7", "p90": "3.0", "p99": "3.0"}
    assert body["total"]["to_delivered"]["p99"] == "10.0"
    assert body["survey"]["response_rate"] == "0.6667"
    assert body["survey"]["closed_by_sms_share"] == "0.5000"


def test_the_api_refuses_bad_input_naming_the_field(client: TestClient, login: Any) -> None:
    headers = login("supervisor")
    backwards = client.get(
        "/api/v1/stats/messages",
        params={"start": "2026-10-31", "end": "2026-10-01"},
        headers=headers,
    )
    assert backwards.status_code == 422
    assert "end" in backwards.text
    too_long = client.get(
        "/api/v1/stats/messages",
        params={"start": "2020-01-01", "end": "2026-01-01"},
        headers=headers,
    )
    assert too_long.status_code == 422
    assert "end" in too_long.text
    not_a_day = client.get(
        "/api/v1/stats/messages", params={"start": "someday", "end": "2026-10-01"}, headers=headers
    )
    assert not_a_day.status_code == 422
    assert "start" in not_a_day.text
    extra = client.get(
        "/api/v1/stats/messages", params={**OCTOBER, "district_id": 1}, headers=headers
    )
    assert extra.status_code == 422
    denied = client.get("/api/v1/stats/messages", params=OCTOBER, headers=login("agent"))
    assert denied.status_code == 403


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    return database_url


MESSAGES = ["stats", "--section", "messages", "--start", "2026-10-01", "--end", "2026-10-31"]


def test_the_cli_prints_json_and_tables(cli_env: str, scenario: dict[str, int]) -> None:
    result = runner.invoke(app, [*MESSAGES, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["total"]["delivery_rate"] == "0.8621"
    assert body["survey"]["surveys_sent"] == 3
    result = runner.invoke(app, MESSAGES)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "消息送达 Messages: 2026-10-01 – 2026-10-31" in out
    assert "57.14%" in out  # the SMS delivery rate
    assert "10.0 s" in out  # the webhooks' p99
    assert "66.67%" in out  # the survey's response rate
    assert "满意度回访" in out


def test_the_cli_refuses_filters_messages_do_not_have(cli_env: str, org: Organisation) -> None:
    result = runner.invoke(app, [*MESSAGES, "--district", "1"])
    assert result.exit_code == 2
    assert "do not apply to messages" in result.stderr


def _console(app: Any, username: str) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    response = c.post("/console/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 303, response.text
    return c


def _figure(table: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', table)
    assert found, name
    return found.group(1)


def test_the_dashboard_shows_a_table_per_channel_and_the_latency_in_words(
    scenario: dict[str, int], app: Any, client: TestClient
) -> None:
    console = _console(app, "supervisor")
    page = console.get("/console/dashboard", params=OCTOBER)
    assert page.status_code == 200, page.text
    section = page.text.split('id="messages"', 1)[1]
    assert "消息送达" in section
    tables = {
        channel: section.split(f'data-channel="{channel}"', 1)[1].split("</table>", 1)[0]
        for channel in ("sms", "email", "webhook", "total")
    }
    assert [_figure(tables["sms"], f) for f in ("written", "queued", "sent", "delivered")] == [
        "9",
        "1",
        "2",
        "4",
    ]
    assert _figure(tables["sms"], "delivery_rate") == "57.14%"
    assert _figure(tables["email"], "failure_rate") == "50.00%"
    assert _figure(tables["webhook"], "queued") == "1"
    assert _figure(tables["total"], "written") == "32"
    latency = section.split('id="mf-latency"', 1)[1]
    assert "短信：7条已发出，一半在0.7秒内，90%在3.0秒内，99%在3.0秒内（平均1.0秒）。" in latency
    assert "4条确认送达，一半在应发后1.8秒内，99%在4.0秒内。" in latency
    assert 'data-figure="response_rate"' in section and "66.67%" in section
    assert "满意度回访" in section.split('id="mf-kinds"', 1)[1]
    english = console.get("/console/dashboard", params={**OCTOBER, "lang": "en"}).text
    section = english.split('id="messages"', 1)[1]
    assert "Messages to customers" in section
    assert "SMS: 7 sent, half within 0.7 s, 90% within 3.0 s, 99% within 3.0 s" in section
    assert "follow-up survey" in section.split('id="mf-kinds"', 1)[1]
    console.close()


def test_the_dashboard_says_when_nothing_was_written(
    app: Any, client: TestClient, org: Organisation
) -> None:
    console = _console(app, "supervisor")
    page = console.get("/console/dashboard", params=OCTOBER)
    assert page.status_code == 200, page.text
    section = page.text.split('id="messages"', 1)[1]
    assert "本期没有写入通知。" in section
    assert "短信：本期没有发出的通知。" in section
    console.close()
