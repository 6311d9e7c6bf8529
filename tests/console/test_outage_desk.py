"""The intake desk and an outage at the caller's premises (issue 14): said when the caller is
picked and in the check before saving, and the fault call saved is linked to the outage."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.conftest import csrf_of
from outages.outage_network import load_network
from quarterhour.access.actor import system
from quarterhour.crews import service as crews
from quarterhour.customers.models import Account
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.outages import service as outages
from quarterhour.workorders import crew_jobs, outage_calls
from quarterhour.workorders.models import WorkOrder

pytestmark = pytest.mark.db


Desk = Callable[[str], TestClient]


def _fault_on_ta001(session: Session, org: Organisation) -> tuple[int, int]:
    """The test network, a fault in effect on 台区 TA-001 for 20 minutes; the outage's id and
    the customer of account 3400100001, whose premises it supplies."""
    load_network(session, org)
    now = clock.now()
    outage = outages.declare(
        session,
        by=system("test"),
        kind="fault",
        cause="台区变压器烧毁",
        starts_at=now - timedelta(minutes=20),
        expected_restoration_at=now + timedelta(hours=3),
        transformers=["TA-001"],
    )
    session.commit()
    outage_id = outage.id
    inside = session.scalars(
        select(Account.customer_id).where(Account.number == "3400100001")
    ).one()
    session.rollback()  # nothing held: SQLite begins every transaction as a writer
    return outage_id, inside


def _fault_call(page_text: str, customer_id: int) -> dict[str, str]:
    """The desk's form for a fault call of that customer, as the agent fills it."""
    idem = re.search(r'name="idem" value="([^"]*)"', page_text)
    assert idem
    return {
        "csrf": csrf_of(page_text),
        "idem": idem.group(1),
        "channel": "hotline",
        "customer_id": str(customer_id),
        "account": "3400100001",
        "m0_order_type": "fault_repair",
        "m0_area_class": "urban",
        "m0_title": "家里没电",
    }


def _taken(desk: Desk, customer_id: int) -> None:
    agent = desk("agent")
    picked = agent.get(f"/console/desk?customer={customer_id}")
    saved = agent.post("/console/desk", data=_fault_call(picked.text, customer_id) | {"do": "save"})
    assert saved.status_code in (200, 303), saved.text


def test_the_desk_says_the_supply_is_off_and_links_the_fault_call(
    desk: Desk, org: Organisation, session: Session
) -> None:
    outage_id, inside = _fault_on_ta001(session, org)
    outside = session.scalars(
        select(Account.customer_id).where(Account.number == "3400100003")
    ).one()
    session.rollback()

    agent = desk("agent")
    picked = agent.get(f"/console/desk?customer={inside}")
    assert picked.status_code == 200
    assert 'id="outage-alert"' in picked.text
    assert "该地址所在台区正在停电：原因台区变压器烧毁" in picked.text
    assert 'id="outage-alert"' not in agent.get(f"/console/desk?customer={outside}").text

    data = _fault_call(picked.text, inside)
    checked = agent.post("/console/desk", data=data | {"do": "preview"})
    assert checked.status_code == 200, checked.text
    assert 'class="bad outage-linked"' in checked.text
    assert "不另计到达时限" in checked.text
    saved = agent.post("/console/desk", data=data | {"do": "save"})
    assert saved.status_code in (200, 303), saved.text
    order = session.scalars(select(WorkOrder).where(WorkOrder.customer_id == inside)).one()
    assert order.outage_id == outage_id and order.due_at is None
    session.rollback()  # nothing held: SQLite begins every transaction as a writer


def test_restoring_from_the_outage_page_replies_to_the_linked_call(
    desk: Desk, org: Organisation, session: Session
) -> None:
    outage_id, inside = _fault_on_ta001(session, org)
    _taken(desk, inside)
    dispatcher = desk("dispatcher")
    page = dispatcher.get(f"/console/outages/{outage_id}")
    restored = dispatcher.post(
        f"/console/outages/{outage_id}/restore", data={"csrf": csrf_of(page.text)}
    )
    assert restored.status_code == 303, restored.text
    order = session.scalars(select(WorkOrder).where(WorkOrder.customer_id == inside)).one()
    assert (order.state, order.outage_id) == ("replied", outage_id)
    assert order.result is not None and "恢复供电" in order.result
    session.rollback()


def test_a_linked_calls_page_shows_its_outage(
    desk: Desk, org: Organisation, session: Session
) -> None:
    outage_id, inside = _fault_on_ta001(session, org)
    _taken(desk, inside)
    order_id = session.scalars(select(WorkOrder.id).where(WorkOrder.customer_id == inside)).one()
    session.rollback()
    page = desk("dispatcher").get(f"/console/orders/{order_id}").text
    shown = re.search(r'<p class="bad" id="linked-outage">(.*?)</p>', page, re.S)
    assert shown and f'href="/console/outages/{outage_id}"' in shown.group(1)
    assert "关联停电：" in shown.group(1) and "台区变压器烧毁" in shown.group(1)


def test_the_desk_tells_the_next_caller_which_crew_is_on_it(
    desk: Desk, org: Organisation, session: Session, frozen_clock: Any
) -> None:
    outage_id, inside = _fault_on_ta001(session, org)
    agent = desk("agent")
    before = agent.get(f"/console/desk?customer={inside}").text
    assert re.search(r'<span id="outage-crew">\s*尚未派抢修班组\s*</span>', before)

    by = system("test")
    crew = crews.create_crew(
        session, by=by, code="BH-1", name="包河区抢修一班", department_id=org.dept("repair-baohe")
    )
    start = clock.now() - timedelta(hours=1)
    crews.add_shift(session, crew.id, by=by, starts_at=start, ends_at=start + timedelta(hours=8))
    crews.set_status(session, crew.id, by=by, status="available", at=start)
    crew_jobs.send_outage_to_crew(session, outage_id, by=by, crew_id=crew.id)
    sent_at = clock.local(clock.now()).strftime("%H:%M")
    session.commit()
    after = agent.get(f"/console/desk?customer={inside}").text
    assert f"抢修班组：包河区抢修一班（{sent_at} 已派单）" in after
    linked = outage_calls.linked_outages(session, {outage_id}, by=by)[outage_id]
    assert (linked.crew, linked.crew_step) == ("包河区抢修一班", "dispatched")
    session.rollback()
