"""The closed loop driven through the API, as staff would drive it.

Shared by tests/workorders, tests/access, tests/api and tests/stories, which import it as
`workorders.loop_client` (the root conftest puts tests/ on sys.path) and each offer it as the
`loop` fixture.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from quarterhour.customers.models import Customer
from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from quarterhour.kit import clock
from quarterhour.workorders.models import Contact, Deadline, FollowUp, OrderEvent, WorkOrder

Step = tuple[str, str, str, dict[str, Any]]  # (state reached, who, action, body)

# The usual way through the loop per order type, for orders taken in 包河区; a handler's username
# is the code of the department he works in.
PATHS: dict[str, list[Step]] = {
    "complaint": [
        ("dispatched", "dispatcher", "dispatch", {}),
        ("acknowledged", "hall-baohe", "acknowledge", {}),
        ("in_progress", "hall-baohe", "contact_customer", {"note": "已电话联系客户"}),
        ("returned", "hall-baohe", "return_result", {"result": "已向客户解释并纠正"}),
        ("reviewed", "dispatcher", "approve", {}),
        ("replied", "followup", "reply", {"reply_method": "phone"}),
        ("followed_up", "followup", "follow_up", {"outcome": "satisfied"}),
        ("archived", "followup", "archive", {}),
    ],
    "fault_repair": [
        ("dispatched", "dispatcher", "dispatch", {"crew": "包河抢修一班"}),
        ("acknowledged", "repair-baohe", "acknowledge", {}),
        ("in_progress", "repair-baohe", "arrive", {}),
        ("in_progress", "repair-baohe", "restore", {}),
        ("returned", "repair-baohe", "return_result", {"result": "更换接户线，已恢复供电"}),
        ("reviewed", "dispatcher", "approve", {}),
        ("replied", "followup", "reply", {"reply_method": "phone"}),
        ("followed_up", "followup", "follow_up", {"outcome": "satisfied"}),
        ("archived", "followup", "archive", {}),
    ],
}
PATHS["service_request"] = PATHS["complaint"]
# A connection whose customer has to act on the way: the clock is paused, the return resumes it.
PATHS["new_connection"] = [
    *PATHS["complaint"][:3],
    ("in_progress", "hall-baohe", "pause", {"note": "等待客户完成受电工程"}),
    *PATHS["complaint"][3:],
]

MATTERS: dict[str, dict[str, Any]] = {
    "complaint": {"order_type": "complaint", "title": "抄表员态度差"},
    "fault_repair": {"order_type": "fault_repair", "title": "整栋楼停电", "area_class": "urban"},
    "service_request": {"order_type": "service_request", "subtype": "general", "title": "更名"},
    "new_connection": {
        "order_type": "service_request",
        "subtype": "new_connection",
        "title": "新房报装",
    },
    "consultation": {"order_type": "consultation", "title": "咨询峰谷电价"},
    "opinion": {"order_type": "opinion", "title": "希望延长营业厅开放时间"},
}

CUSTOMER_PHONE = "13855123456"


class LoopApi:
    def __init__(self, client: httpx.Client, org: Organisation) -> None:
        # A TestClient, or an httpx.Client on a live server.
        self.client = client
        self.org = org
        self._tokens: dict[str, tuple[str, datetime]] = {}

    def headers(self, username: str) -> dict[str, str]:
        # Tests move the clock by days; a token older than its TTL is renewed, as staff would.
        cached = self._tokens.get(username)
        if cached is None or cached[1] <= clock.now() + timedelta(minutes=1):
            response = self.client.post(
                "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 200, response.text
            body = response.json()
            cached = (body["access_token"], datetime.fromisoformat(body["expires_at"]))
            self._tokens[username] = cached
        return {"Authorization": f"Bearer {cached[0]}"}

    def customer(self, **overrides: Any) -> dict[str, Any]:
        return {
            "name": "袁女士",
            "phone": CUSTOMER_PHONE,
            "address": "芜湖路174号宿舍楼",
            "district_id": self.org.districts["baohe"],
            **overrides,
        }

    def contact(
        self, *matters: dict[str, Any], by: str = "agent", expect: int = 201, **fields: Any
    ) -> dict[str, Any]:
        body = {"channel": "hotline", "customer": self.customer(), "matters": list(matters)}
        body.update(fields)
        response = self.client.post("/api/v1/contacts", json=body, headers=self.headers(by))
        assert response.status_code == expect, response.text
        result: dict[str, Any] = response.json()
        return result

    def intake(self, kind: str = "complaint", **matter: Any) -> dict[str, Any]:
        order: dict[str, Any] = self.contact({**MATTERS[kind], **matter})["orders"][0]
        return order

    def act(
        self, by: str, order_id: int, action: str, *, expect: int = 200, **body: Any
    ) -> dict[str, Any]:
        response = self.client.post(
            f"/api/v1/orders/{order_id}/actions/{action}", json=body, headers=self.headers(by)
        )
        assert response.status_code == expect, f"{by} {action}: {response.text}"
        result: dict[str, Any] = response.json()
        return result

    def order(self, order_id: int, by: str = "dispatcher") -> dict[str, Any]:
        response = self.client.get(f"/api/v1/orders/{order_id}", headers=self.headers(by))
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def drive(self, order_id: int, kind: str, until: str, *, steps: int | None = None) -> None:
        """Walk the usual path up to the first arrival in `until` (or a number of steps)."""
        if until == "accepted":
            return
        for index, (reached, by, action, body) in enumerate(PATHS[kind], start=1):
            self.act(by, order_id, action, **body)
            if (steps is None and reached == until) or index == steps:
                return
        raise AssertionError(f"{kind} never reaches {until}")

    def new_order(self, kind: str, state: str, *, steps: int | None = None) -> dict[str, Any]:
        order = self.intake(kind)
        self.drive(order["id"], kind, state, steps=steps)
        return self.order(order["id"])


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in the tables a request of the loop may write; compared before and after."""
    tables = {
        "contact": Contact,
        "customer": Customer,
        "work_order": WorkOrder,
        "order_event": OrderEvent,
        "deadline": Deadline,
        "follow_up": FollowUp,
    }
    with engine.connect() as connection:
        return {
            name: int(connection.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in tables.items()
        }
