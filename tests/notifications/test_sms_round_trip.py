"""The whole way over real HTTP: the server (uvicorn, its own worker) takes a contact, its worker
sends the 受理通知 to the sandbox SMS gateway, whose delivery report comes back signed; the reply
and the survey follow, the customer answers "3" from his phone (the sandbox's inbound), and the
order goes back to its department."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from notifications.conftest import KEY, eventually, hearing_back
from quarterhour.config import Settings
from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from workorders.loop_client import CUSTOMER_PHONE, MATTERS

pytestmark = pytest.mark.db
# Generous: on a loaded CI machine the server, its worker and the gateway share two cores.
WAIT = 60


def test_a_customer_hears_back_by_sms_and_answers_the_survey(
    settings: Settings, org: Organisation, frozen_clock: Any
) -> None:
    # A morning (frozen_clock): at night the quiet hours would hold the messages back.
    with hearing_back(settings) as heard, httpx.Client(base_url=heard.base, timeout=30) as api:
        sms = heard.sms

        def login(username: str) -> dict[str, str]:
            token = api.post(
                "/api/v1/auth/token",
                json={"username": username, "password": DEMO_PASSWORD},
            ).json()["access_token"]
            return {"Authorization": f"Bearer {token}"}

        def texts() -> list[str]:
            return heard.texts(CUSTOMER_PHONE)

        agent, dispatcher = login("agent"), login("dispatcher")
        contact: dict[str, Any] = {
            "channel": "hotline",
            "customer": {
                "name": "袁女士",
                "phone": CUSTOMER_PHONE,
                "address": "芜湖路174号宿舍楼",
                "district_id": org.districts["baohe"],
            },
            "matters": [MATTERS["complaint"]],
        }
        taken = api.post("/api/v1/contacts", json=contact, headers=agent)
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
        hall = login("hall-baohe")
        for action, by, body in (
            ("dispatch", dispatcher, {}),
            ("acknowledge", hall, {}),
            ("contact_customer", hall, {"note": "已电话联系客户"}),
            ("return_result", hall, {"result": "已向抄表员核实并致歉"}),
            ("approve", dispatcher, {}),
            ("reply", login("followup"), {"reply_method": "phone"}),
        ):
            moved = api.post(
                f"/api/v1/orders/{order['id']}/actions/{action}", json=body, headers=by
            )
            assert moved.status_code == 200, f"{action}: {moved.text}"
        eventually(lambda: any("回复1满意" in t for t in texts()), "the survey", seconds=WAIT)
        eventually(
            lambda: any("已向抄表员核实并致歉" in t for t in texts()), "the reply", seconds=WAIT
        )

        answered = httpx.post(
            f"{sms}/v1/simulate/inbound",
            json={"from": CUSTOMER_PHONE, "text": "3"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        assert answered.status_code < 300, answered.text
        eventually(
            lambda: (
                api.get(f"/api/v1/orders/{order['id']}", headers=dispatcher).json()["state"]
                == "dispatched"
            ),
            "the order back with its department",
            seconds=WAIT,
        )
