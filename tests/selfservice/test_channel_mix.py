"""The customers' own channels in the figures: web and app counted in the call mix per channel,
named by their labels on the dashboard, each number listing its orders."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.analytics import service as analytics
from quarterhour.analytics.schemas import MixQuery
from quarterhour.demo.organisation import DEMO_PASSWORD
from quarterhour.kit import clock
from selfservice.intake_client import ask_code, report, sent_code

pytestmark = pytest.mark.db


def _report(client: TestClient, engine: Engine, clock_: Any, phone: str, channel: str) -> None:
    ask_code(client, phone)
    answer = report(client, sent_code(engine, phone), phone=phone, channel=channel)
    assert answer.status_code == 201, answer.text
    clock_.advance(minutes=1)


@pytest.fixture
def three(client: TestClient, engine: Engine, frozen_clock: Any) -> None:
    frozen_clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI))
    _report(client, engine, frozen_clock, "13900000001", "web")
    _report(client, engine, frozen_clock, "13900000002", "web")
    _report(client, engine, frozen_clock, "13900000003", "app")


def test_the_mix_counts_web_and_app(three: None, session: Session) -> None:
    query = MixQuery(start=date(2026, 3, 1), end=date(2026, 3, 31))
    found = analytics.call_mix(session, query, by=system("test")).by_channel
    assert (found["web"], found["app"], found["hotline"]) == (2, 1, 0)


def test_the_dashboard_names_them_and_lists_their_orders(three: None, app: Any) -> None:
    supervisor = TestClient(app, follow_redirects=False)
    login = supervisor.post(
        "/console/login", data={"username": "supervisor", "password": DEMO_PASSWORD}
    )
    assert login.status_code == 303
    page = supervisor.get("/console/dashboard?start=2026-03-01&end=2026-03-31").text
    table = page.split('id="mix-channels"', 1)[1].split("</table>", 1)[0]
    rows = dict(
        re.findall(
            r'<td>([^<]+)</td>\s*<td><a href="[^"]+" data-figure="by_channel" data-count="(\d+)"',
            table,
        )
    )
    assert (rows["网站"], rows["手机应用"], rows["热线电话"]) == ("2", "1", "0")
    link = html.unescape(
        re.search(r'data-channel="app"><td>[^<]+</td>\s*<td><a href="([^"]+)"', table).group(1)
    )  # type: ignore[union-attr]
    listed = supervisor.get(link)
    assert listed.status_code == 200
    assert re.search(r'class="matched" data-total="1"', listed.text)
    english = supervisor.get("/console/dashboard?start=2026-03-01&end=2026-03-31&lang=en").text
    assert ">app</td>" in english and ">web</td>" in english
