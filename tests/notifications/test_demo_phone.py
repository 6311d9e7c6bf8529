"""The demo's SMS without a gateway: the sandbox mounted on the server itself
(Settings.sms_sandbox, what `quarterhour demo` turns on) takes what the server's own worker
sends, the console's 演示手机 shows it with the number masked, and an answer typed there reaches
the server as the gateway's signed inbound text: "3" to the survey sends the work back."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from console.conftest import csrf_of
from notifications.conftest import complaint, eventually, hearing_back, logins, reply_to
from quarterhour.config import Settings
from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from workorders.loop_client import CUSTOMER_PHONE

pytestmark = pytest.mark.db
WAIT = 60  # a loaded CI machine: the server, its worker and the sandbox share two cores


def test_the_demo_reads_its_sms_on_the_demo_phone_and_answers_the_survey(
    settings: Settings, org: Organisation, frozen_clock: Any
) -> None:
    with (
        hearing_back(settings) as heard,
        httpx.Client(base_url=heard.base, timeout=30) as api,
        httpx.Client(base_url=heard.base, timeout=30) as console,
    ):
        login = logins(api)

        logged_in = console.post(
            "/console/login", data={"username": "agent", "password": DEMO_PASSWORD}
        )
        assert logged_in.status_code in (200, 303), logged_in.text
        agent, dispatcher = login("agent"), login("dispatcher")
        taken = api.post("/api/v1/contacts", json=complaint(org), headers=agent)
        assert taken.status_code == 201, taken.text
        order = taken.json()["orders"][0]

        def phone() -> str:
            return console.get("/console/demo-phone").text

        eventually(lambda: order["number"] in phone(), "the 受理通知 on the demo phone", WAIT)
        page = phone()
        assert "演示手机" in page
        assert f'<a href="/console/search?q={order["number"]}">' in page  # opens the order
        assert CUSTOMER_PHONE not in page and CUSTOMER_PHONE[-4:] in page  # masked
        reply_to(api, order["id"], login)
        eventually(lambda: "回复1满意" in phone(), "the survey on the demo phone", WAIT)
        page = phone()
        survey = re.search(r'<tr data-id="([^"]+)">(?:(?!</tr>).)*回复1满意', page, re.S)
        assert survey, "the survey's row"
        refused = console.post(
            "/console/demo-phone/reply",
            data={"csrf": csrf_of(page), "message": survey.group(1), "text": ""},
        )
        assert refused.status_code == 422 and 'id="error"' in refused.text
        answered = console.post(
            "/console/demo-phone/reply",
            data={"csrf": csrf_of(page), "message": survey.group(1), "text": "3"},
        )
        assert answered.status_code == 303, answered.text
        eventually(
            lambda: (
                api.get(f"/api/v1/orders/{order['id']}", headers=dispatcher).json()["state"]
                == "dispatched"
            ),
            "the order back with its department",
            WAIT,
        )
        unknown = console.post(
            "/console/demo-phone/reply",
            data={"csrf": csrf_of(page), "message": "sb999999999", "text": "1"},
        )
        assert unknown.status_code == 404


def test_a_server_with_a_real_gateway_has_no_demo_phone(desk: Any) -> None:
    agent: TestClient = desk("agent")
    assert agent.get("/console/demo-phone").status_code == 404
    assert "/console/demo-phone" not in agent.get("/console/desk").text
