"""One rule for whose orders a reader sees, wherever orders appear, and who may see a caller's
whole number: a handler sees his own department's orders only (as on GET /orders/{id}) in the
customer view, on an order's page and in exports, and calls back only the callers of his own
department's open orders."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from quarterhour.customers.models import PersonalDataAccess
from quarterhour.storage.engine import make_session_factory
from workorders.loop_client import CUSTOMER_PHONE, MATTERS, PATHS, LoopApi

pytestmark = pytest.mark.db


def _two_departments(loop: LoopApi) -> tuple[dict[str, Any], dict[str, Any], int]:
    """One call, two matters: a complaint for the 包河 hall, a fault for the 包河 crew."""
    contact = loop.contact(
        {**MATTERS["complaint"], "description": f"客户电话 {CUSTOMER_PHONE}，请回电"},
        MATTERS["fault_repair"],
    )
    complaint, repair = contact["orders"]
    loop.act("dispatcher", complaint["id"], "dispatch")
    loop.act("dispatcher", repair["id"], "dispatch", crew="包河抢修一班")
    return complaint, repair, contact["customer_id"]


def _numbers(orders: list[dict[str, Any]]) -> set[str]:
    return {o["number"] for o in orders}


def test_the_customer_view_lists_only_the_orders_the_reader_may_see(loop: LoopApi) -> None:
    complaint, repair, customer_id = _two_departments(loop)
    seen = {}
    for user in ("dispatcher", "agent", "hall-baohe", "repair-baohe", "hall-shushan"):
        response = loop.client.get(f"/api/v1/customers/{customer_id}", headers=loop.headers(user))
        assert response.status_code == 200, response.text
        seen[user] = _numbers(response.json()["orders"])
    both = {complaint["number"], repair["number"]}
    assert seen["dispatcher"] == seen["agent"] == both
    assert seen["hall-baohe"] == {complaint["number"]}
    assert seen["repair-baohe"] == {repair["number"]}
    assert seen["hall-shushan"] == set()


def test_an_orders_page_names_only_the_sibling_orders_the_reader_may_see(loop: LoopApi) -> None:
    complaint, repair, _ = _two_departments(loop)
    assert [r["number"] for r in loop.order(complaint["id"])["related_orders"]] == [
        repair["number"]
    ]
    assert loop.order(complaint["id"], by="hall-baohe")["related_orders"] == []


def test_a_handler_calls_back_only_the_caller_of_his_own_departments_open_order(
    loop: LoopApi, engine: Engine
) -> None:
    complaint, repair, customer_id = _two_departments(loop)

    def reveal(user: str, path: str) -> Any:
        return loop.client.post(path, headers=loop.headers(user))

    # Any caller's number: the desk, the centre and follow-up only.
    assert reveal("hall-baohe", f"/api/v1/customers/{customer_id}/phone").status_code == 403
    assert reveal("agent", f"/api/v1/customers/{customer_id}/phone").json()["phone"] == (
        CUSTOMER_PHONE
    )
    # The caller of an order: its own department while it is open.
    own = reveal("hall-baohe", f"/api/v1/orders/{complaint['id']}/phone")
    assert own.status_code == 200 and own.json()["phone"] == CUSTOMER_PHONE
    assert reveal("repair-baohe", f"/api/v1/orders/{complaint['id']}/phone").status_code == 403
    assert reveal("hall-shushan", f"/api/v1/orders/{complaint['id']}/phone").status_code == 403
    assert reveal("supervisor", f"/api/v1/orders/{complaint['id']}/phone").status_code == 403
    detail = loop.order(complaint["id"], by="hall-baohe")
    assert detail["may_reveal_phone"] and CUSTOMER_PHONE in detail["description"]
    assert loop.order(repair["id"], by="repair-baohe")["may_reveal_phone"]

    for _, user, action, body in PATHS["complaint"][1:]:  # dispatched already: the rest
        loop.act(user, complaint["id"], action, **body)
    closed = loop.order(complaint["id"], by="hall-baohe")
    assert closed["state"] == "archived"
    assert not closed["may_reveal_phone"] and CUSTOMER_PHONE not in closed["description"]
    assert reveal("hall-baohe", f"/api/v1/orders/{complaint['id']}/phone").status_code == 403
    assert reveal("followup", f"/api/v1/orders/{complaint['id']}/phone").status_code == 200

    with make_session_factory(engine)() as session:
        looks = session.scalar(select(func.count()).select_from(PersonalDataAccess))
    assert looks == 3  # the agent's, the hall's while open, the follow-up agent's


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_step_attaches_the_files_it_sends_and_cannot_name_another_orders(
    loop: LoopApi,
) -> None:
    complaint, repair, _ = _two_departments(loop)
    crew = loop.headers("repair-baohe")
    loop.act("repair-baohe", repair["id"], "acknowledge")
    sent = loop.client.post(
        f"/api/v1/orders/{repair['id']}/actions/arrive/files",
        data={"step": '{"note": "到达现场"}'},
        files=[("files", ("现场.pdf", PNG, "application/pdf"))],  # the name and type lie
        headers=crew,
    )
    assert sent.status_code == 200, sent.text
    events = loop.order(repair["id"])["events"]
    (meta,) = [a for e in events for a in (e.get("data") or {}).get("attachments", [])]
    assert meta["content_type"] == "image/png" and meta["size"] == len(PNG)
    digest = meta["sha256"]
    got = loop.client.get(f"/api/v1/orders/{repair['id']}/attachments/{digest}", headers=crew)
    assert got.status_code == 200 and got.content == PNG
    assert (
        loop.client.get(
            f"/api/v1/orders/{repair['id']}/attachments/{digest}",
            headers=loop.headers("hall-shushan"),
        ).status_code
        == 403
    )

    # The hall names the crew's photo on its own order: the API takes no file descriptions.
    hall = loop.headers("hall-baohe")
    loop.act("hall-baohe", complaint["id"], "acknowledge")
    named = {"name": "x.png", "content_type": "image/png", "size": len(PNG), "sha256": digest}
    forged = loop.client.post(
        f"/api/v1/orders/{complaint['id']}/actions/record_progress",
        json={"note": "见附件", "attachments": [named]},
        headers=hall,
    )
    assert forged.status_code == 422 and forged.json()["field"] == "attachments"
    forged = loop.client.post(
        f"/api/v1/orders/{complaint['id']}/actions/record_progress/files",
        data={"step": json.dumps({"note": "见附件", "attachments": [{"sha256": digest}]})},
        files=[("files", ("a.png", PNG, "image/png"))],
        headers=hall,
    )
    assert forged.status_code == 422 and forged.json()["field"] == "attachments"
    stolen = loop.client.get(f"/api/v1/orders/{complaint['id']}/attachments/{digest}", headers=hall)
    assert stolen.status_code == 404


@pytest.mark.parametrize(
    ("step", "content", "field"),
    [
        ("{not json", PNG, "step"),
        ('{"note": "x"}', b"just text, not a photo", "attachments"),
        ('{"colour": "red"}', PNG, "colour"),
    ],
)
def test_a_bad_step_with_files_is_refused_naming_the_field(
    loop: LoopApi, step: str, content: bytes, field: str
) -> None:
    _, repair, _ = _two_departments(loop)
    refused = loop.client.post(
        f"/api/v1/orders/{repair['id']}/actions/acknowledge/files",
        data={"step": step},
        files=[("files", ("a.png", content, "image/png"))],
        headers=loop.headers("repair-baohe"),
    )
    assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    assert loop.order(repair["id"])["state"] == "dispatched"
