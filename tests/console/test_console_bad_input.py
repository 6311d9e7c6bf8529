"""The console refuses input the database cannot hold with 422 naming the field, never a 500.

The console reads many forms by hand (the desk, policies, episodes): besides the types declared
on its parameters, every console request passes one check of its path, query and form values
(entrypoints/web/session.py) and the hand-written parsers are bounded (kit/bounds.py). Each case
below was a server error before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.web.session import COOKIE, csrf_for
from quarterhour.kit import clock
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db
Desk = Callable[[str], TestClient]

BEYOND_BIGINT = "99999999999999999999"
BEYOND_INTEGER = str(2**31)

# name → (who, method, path, form or None, text the answer must name)
CASES: dict[str, tuple[str, str, str, dict[str, str] | None, str]] = {
    "a customer id beyond integer": (
        "agent",
        "GET",
        f"/console/customers/{BEYOND_INTEGER}",
        None,
        "客户：",  # refused before the route: a page naming the field in Chinese
    ),
    "an order id beyond bigint": (
        "dispatcher",
        "GET",
        f"/console/orders/{BEYOND_BIGINT}",
        None,
        "order_id",
    ),
    "NUL in the caller lookup": ("agent", "GET", "/console/customers?q=%E8%A2%81%00", None, "q"),
    "a contact id beyond bigint on the desk": (
        "agent",
        "GET",
        f"/console/desk?taken={BEYOND_BIGINT}",
        None,
        "taken",
    ),
    "NUL in a matter's title at the desk": (
        "agent",
        "POST",
        "/console/desk",
        {
            "channel": "hotline",
            "caller_name": "袁女士",
            "caller_phone": "13855123456",
            "m0_order_type": "complaint",
            "m0_title": "抄表员\x00态度差",
            "do": "save",
        },
        "事项1的标题",
    ),
    "a customer id beyond integer at the desk": (
        "agent",
        "POST",
        "/console/desk",
        {"customer_id": BEYOND_INTEGER, "m0_order_type": "complaint", "m0_title": "态度差"},
        "来电人的编号",
    ),
    "a priority beyond integer": (
        "admin",
        "POST",
        "/console/admin/routing-rules",
        {"order_type": "complaint", "department_id": "1", "priority": "99999999999"},
        "priority",
    ),
    "NUL in a department's name": (
        "admin",
        "POST",
        "/console/admin/departments",
        {"code": "x1", "name": "营业\x00厅", "kind": "business_hall"},
        "name",
    ),
    "a time limit of a forged row": (
        "admin",
        "POST",
        "/console/admin/policies",
        {
            "code": "P2",
            "name": "试",
            "source": "试",
            "effective_from": "2027-01-01",
            "amount_x": "5",
        },
        "amount_x",
    ),
    "a policy from year 1": (
        "admin",
        "POST",
        "/console/admin/policies",
        {"code": "P2", "name": "试", "source": "试", "effective_from": "0001-01-01"},
        "effective_from",
    ),
    "an episode's leader beyond integer": (
        "supervisor",
        "POST",
        "/console/programme",
        {"air_date": "2026-12-01", "leader": "99999999999"},
        "leader",
    ),
    "an episode in year 9999": (
        "supervisor",
        "POST",
        "/console/programme",
        {"air_date": "9999-12-31", "leader": "1"},
        "air_date",
    ),
}


def _send(client: TestClient, method: str, path: str, form: dict[str, str] | None) -> Any:
    if method == "GET":
        return client.get(path)
    # The CSRF token the page would carry (derived from the session's own token).
    token = csrf_for(client.cookies[COOKIE])
    return client.post(path, data={"csrf": token, **(form or {})})


def test_bad_values_are_refused_naming_the_field(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI))
    clients: dict[str, TestClient] = {}
    wrong = []
    for case, (who, method, path, form, field) in sorted(CASES.items()):
        client = clients.setdefault(who, desk(who))
        response = _send(client, method, path, form)
        if response.status_code != 422 or field not in response.text:
            wrong.append(f"{case}: {response.status_code}, expected 422 naming {field}")
    assert not wrong, "\n".join(wrong)


def test_an_action_note_with_nul_is_refused_and_the_order_unchanged(
    desk: Desk, loop: LoopApi
) -> None:
    order = loop.intake("complaint")
    dispatcher = desk("dispatcher")
    response = _send(
        dispatcher,
        "POST",
        f"/console/orders/{order['id']}/act",
        {"action": "dispatch", "version": "1", "note": "请\x00处理"},
    )
    assert response.status_code == 422
    assert "说明：不能包含控制字符" in response.text
    assert loop.order(order["id"])["version"] == order["version"]


def test_a_counter_payment_beyond_the_column_is_refused(
    desk: Desk, session: Session, org: Organisation
) -> None:
    account, _ = Town(session, org).household("ZJ-RES")
    number, customer_id = account.number, account.customer_id
    session.commit()
    hall = desk("hall-baohe")
    response = _send(
        hall,
        "POST",
        f"/console/accounts/{number}/payments",
        {"customer_id": str(customer_id), "amount": "1e20"},
    )
    assert response.status_code == 422
    assert "amount" in response.text


def test_the_login_form_and_the_public_pages_refuse_nul(client: TestClient) -> None:
    login = client.post(
        "/console/login", data={"username": "ad\x00min", "password": "x"}, follow_redirects=False
    )
    assert login.status_code == 422
    assert "用户名" in login.text  # a page in Chinese naming the field, not the API's JSON
    status = client.get("/status", params={"number": "GD\x001", "phone_last4": "1234"})
    assert status.status_code == 422
    assert client.get("/disclosure", params={"on": "9999-12-31"}).status_code == 422


def test_a_forged_csrf_token_with_any_characters_is_a_403(desk: Desk) -> None:
    agent = desk("agent")
    for token in ("é", "令牌", "\x00"):
        response = agent.post("/console/desk", data={"csrf": token, "m0_title": "x"})
        assert response.status_code == 403, (token, response.text[:200])
    header = agent.post(
        "/console/desk", headers={"X-CSRF-Token": "é".encode("latin-1")}, data={"m0_title": "x"}
    )
    assert header.status_code == 403
