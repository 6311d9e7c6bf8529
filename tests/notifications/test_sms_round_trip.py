"""The whole way over real HTTP: the server (uvicorn, its own worker) takes a contact, its worker
sends the 受理通知 to the sandbox SMS gateway, whose delivery report comes back signed; the reply
and the survey follow, the customer answers "3" from his phone (the sandbox's inbound), and the
order goes back to its department."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from notifications.conftest import complaint, eventually, hearing_back, logins, reply_to
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from workorders.loop_client import CUSTOMER_PHONE

pytestmark = pytest.mark.db
# Generous: on a loaded CI machine the server, its worker and the gateway share two cores.
WAIT = 60


def test_a_customer_hears_back_by_sms_and_answers_the_survey(
    settings: Settings, org: Organisation, frozen_clock: Any
) -> None:
    # A morning (frozen_clock): at night the quiet hours would hold the messages back.
    with hearing_back(settings) as heard, httpx.Client(base_url=heard.base, timeout=30) as api:
        login = logins(api)

        def texts() -> list[str]:
            return heard.texts(CUSTOMER_PHONE)

        agent, dispatcher = login("agent"), login("dispatcher")
        taken = api.post("/api/v1/contacts", json=complaint(org), headers=agent)
        assert taken.status_code == 201, taken.text
        order = taken.json()["orders"][0]
        eventually(lambda: any(order["number"] in t for t in texts()), "the 受理通知", seconds=WAIT)

        def status() -> list[tuple[str, str]]:
            found = api.get(f"/api/v1/orders/{order['id']}", headers=dispatcher).json()
            return [(m["kind"], m["status"]) for m in found["messages"]]

        eventually(
            lambda: ("contact_accepted", "delivered") in status(),
            "the delivery report",
            seconds=WAIT,
        )
        reply_to(api, order["id"], login)
        eventually(lambda: any("回复1满意" in t for t in texts()), "the survey", seconds=WAIT)
        eventually(
            lambda: any("已向抄表员核实并致歉" in t for t in texts()), "the reply", seconds=WAIT
        )

        heard.answer(CUSTOMER_PHONE, "3")
        eventually(
            lambda: (
                api.get(f"/api/v1/orders/{order['id']}", headers=dispatcher).json()["state"]
                == "dispatched"
            ),
            "the order back with its department",
            seconds=WAIT,
        )
