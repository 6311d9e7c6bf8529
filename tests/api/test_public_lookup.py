"""The public status lookup reveals nothing personal and cannot be used to probe numbers; staff
lists and order pages never carry a whole phone number."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from quarterhour.kit import clock
from workorders.loop_client import CUSTOMER_PHONE, LoopApi

CALLER_PHONE = "13966778899"  # a neighbour calling for the customer
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
PERSONAL = ("袁女士", "芜湖路", CUSTOMER_PHONE, CALLER_PHONE, "138****", "王芳", "邓玲")


def _order(loop: LoopApi, comment: str = f"客户电话{CUSTOMER_PHONE}，下午联系") -> dict[str, Any]:
    contact = loop.contact(
        {"order_type": "complaint", "title": "袁女士投诉抄表员", "description": "芜湖路174号"},
        caller_name="邻居张先生",
        caller_phone=CALLER_PHONE,
    )
    order_id = contact["orders"][0]["id"]
    loop.act("dispatcher", order_id, "dispatch")
    loop.act("hall-baohe", order_id, "acknowledge")
    loop.act("hall-baohe", order_id, "comment", note=comment)
    return loop.order(order_id)


def _lookup(loop: LoopApi, number: str, last4: str) -> Any:
    return loop.client.get(f"/api/v1/public/orders/{number}", params={"phone_last4": last4})


def test_the_right_number_and_digits_show_state_and_steps_only(
    loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 5, 11, 9, 0, tzinfo=clock.SHANGHAI))
    order = _order(loop)
    for last4 in (CUSTOMER_PHONE[-4:], CALLER_PHONE[-4:]):
        response = _lookup(loop, order["number"], last4)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {
            "number",
            "order_type",
            "state",
            "accepted_at",
            "due_at",
            "replied_at",
            "closed_at",
            "steps",
            "planned_outages",
        }
        assert body["planned_outages"] == []
        assert (body["number"], body["state"]) == (order["number"], "acknowledged")
        assert [(s["action"], s["step"]) for s in body["steps"]] == [
            ("accept", "受理"),
            ("dispatch", "派单"),
            ("acknowledge", "接单"),
        ]
        for step in body["steps"]:
            assert set(step) == {"at", "step", "action"}
        for personal in PERSONAL:
            assert personal not in response.text, personal
        assert not MOBILE.search(response.text)
        assert "Authorization" not in response.request.headers


def test_a_wrong_number_and_wrong_digits_look_exactly_alike(loop: LoopApi) -> None:
    order = _order(loop)
    wrong_digits = _lookup(loop, order["number"], "0000")
    wrong_number = _lookup(loop, "GD20990101999999", CUSTOMER_PHONE[-4:])
    staff_digits = _lookup(
        loop, order["number"], "0103"
    )  # the dispatcher's phone, not the caller's
    assert wrong_digits.status_code == wrong_number.status_code == staff_digits.status_code == 404
    assert wrong_digits.content == wrong_number.content == staff_digits.content
    assert wrong_digits.json()["field"] == "number"


def test_malformed_digits_are_refused_before_any_lookup(loop: LoopApi) -> None:
    order = _order(loop)
    for last4 in ("345", "34567", "34a6"):
        response = _lookup(loop, order["number"], last4)
        assert response.status_code == 422
        assert response.json()["field"] == "phone_last4"


def test_repeated_failures_from_one_caller_are_refused_for_a_while(loop: LoopApi) -> None:
    order = _order(loop)
    limit = loop.client.app.state.settings.public_lookup_limit  # type: ignore[attr-defined]
    assert limit == 10
    for attempt in range(limit):  # a different number each time: the caller's budget runs out
        assert _lookup(loop, f"GD2099010199{attempt:04d}", "1234").status_code == 404
    blocked = _lookup(loop, order["number"], CUSTOMER_PHONE[-4:])
    # Even the right number and digits: guessing 10,000 combinations must not pay off.
    assert blocked.status_code == 429
    assert blocked.json()["field"] == "phone_last4"
    assert _lookup(loop, "GD20990101999999", "1234").status_code == 429


def test_lists_and_pages_never_show_a_whole_phone(loop: LoopApi) -> None:
    order = _order(loop, comment="已约客户下午见面")
    loop.contact(
        {"order_type": "fault_repair", "title": "停电", "area_class": "urban"},
        customer=loop.customer(phone="139-0551-2345", name="钱先生"),
    )
    pages = {
        "agent": ["/api/v1/orders", "/api/v1/orders?sort=newest&with_total=true"],
        "dispatcher": ["/api/v1/orders?state=acknowledged", f"/api/v1/orders/{order['id']}"],
        "hall-baohe": ["/api/v1/orders?queue=true", f"/api/v1/orders/{order['id']}"],
        "supervisor": ["/api/v1/orders?overdue=false", f"/api/v1/orders/{order['id']}"],
        "admin": ["/api/v1/staff"],
    }
    for who, paths in pages.items():
        for path in paths:
            response = loop.client.get(path, headers=loop.headers(who))
            assert response.status_code == 200, (who, path, response.text)
            body = response.json()
            assert body.get("items", True) if isinstance(body, dict) else body  # not vacuous
            found = MOBILE.findall(re.sub(r"[\s-]", "", response.text))
            assert not found, (who, path, found)
    detail = loop.order(order["id"])
    assert detail["customer_phone"] == "138****3456"
    assert detail["customer_name"] == "袁**"
    contact = loop.contact({"order_type": "praise", "title": "表扬抢修班"})
    assert not MOBILE.search(str(contact))
    assert contact["orders"][0]["customer_phone"] == "138****3456"
