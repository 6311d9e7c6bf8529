"""The console's side of issue 14's intake: the desk tells of a planned outage at the caller's
premises and answers the call by it; the outage board lists the suspected fault outages with a
button to the declare form filled in; the outage page counts its calls."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.conftest import csrf_of
from outages.outage_network import load_network
from quarterhour.access.actor import system
from quarterhour.customers import accounts
from quarterhour.customers.models import Account, Customer
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.outages import service as outages
from quarterhour.workorders.intake import take_contact
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.schemas import ContactIn

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI)


def _customer(session: Session, account: str) -> int:
    customer_id = session.scalars(
        select(Account.customer_id).where(Account.number == account)
    ).one()
    session.rollback()
    return customer_id


def test_the_desk_answers_a_call_about_a_planned_outage(
    desk: Desk, org: Organisation, session: Session, frozen_clock: object
) -> None:
    load_network(session, org)
    starts = NOW + timedelta(days=8)
    planned = outages.declare(
        session,
        by=system("test"),
        kind="planned",
        cause="10kV线路检修",
        area="徽州大道",
        starts_at=starts,
        expected_restoration_at=starts + timedelta(hours=8),
        transformers=["TA-001"],
    )
    outages.publish_notice(session, planned.id, by=system("test"))
    session.commit()
    outage_id = planned.id
    frozen_clock.set(NOW + timedelta(days=3))  # type: ignore[attr-defined]
    customer_id = _customer(session, "3400100001")
    agent = desk("agent")
    page = agent.get(f"/console/desk?customer={customer_id}")
    assert page.status_code == 200
    assert f'id="planned-outage-{outage_id}"' in page.text
    assert "计划停电：12月5日 09:00–17:00 徽州大道（10kV线路检修）" in unescape(page.text)
    idem = re.search(r'name="idem" value="([^"]*)"', page.text)
    assert idem
    form = {
        "csrf": csrf_of(page.text),
        "idem": idem.group(1),
        "channel": "hotline",
        "customer_id": str(customer_id),
        "account": "3400100001",
        "m0_order_type": "consultation",
        "m0_title": "咨询停电",
        "m0_answered_by_outage_id": str(outage_id),
    }
    checked = agent.post("/console/desk", data=form | {"do": "preview"})
    assert checked.status_code == 200
    saved = agent.post("/console/desk", data=form | {"do": "save"})
    assert saved.status_code == 303, saved.text
    order = session.scalars(select(WorkOrder).order_by(WorkOrder.id.desc())).first()
    assert order is not None
    assert (order.state, order.outage_id, order.closed_on_intake) == ("archived", outage_id, True)
    session.rollback()
    # Another caller, outside it, is told nothing; a tick for a fault call is refused by name.
    outside = agent.get(f"/console/desk?customer={_customer(session, '3400100003')}")
    assert "planned-outage-" not in outside.text
    page = agent.get(f"/console/desk?customer={customer_id}")
    fresh = re.search(r'name="idem" value="([^"]*)"', page.text)
    assert fresh
    wrong = form | {
        "csrf": csrf_of(page.text),
        "idem": fresh.group(1),
        "m0_order_type": "fault_repair",
        "do": "save",
    }
    refused = agent.post("/console/desk", data=wrong)
    assert refused.status_code == 422
    assert 'name="m0_answered_by_outage_id"' in refused.text and "咨询" in refused.text
    # The outage's page counts the call.
    centre = desk("dispatcher")
    shown = centre.get(f"/console/outages/{outage_id}")
    assert "关联故障报修0件；当场答复1件" in shown.text


def test_the_board_suggests_a_fault_and_the_declaration_takes_the_calls(
    desk: Desk, org: Organisation, session: Session, frozen_clock: object, settings: object
) -> None:
    load_network(session, org)
    agent = actor_of(org.staff["agent"])
    for account in ("3400100001", "3400100002", "3400100001"):
        frozen_clock.advance(minutes=2)  # type: ignore[attr-defined]
        data = ContactIn.model_validate(
            {
                "channel": "hotline",
                "customer": {"account": account},
                "matters": [{"order_type": "fault_repair", "area_class": "urban", "title": "停电"}],
            }
        )
        take_contact(session, data, by=agent, settings=settings)  # type: ignore[arg-type]
    session.commit()
    centre = desk("dispatcher")
    board = centre.get("/console/outages")
    assert board.status_code == 200
    assert 'id="suggested-outages"' in board.text
    link = re.search(r'href="(/console/outages\?kind=[^"]*)"', board.text)
    assert link, board.text
    form_page = centre.get(unescape(link.group(1)))
    assert form_page.status_code == 200
    declare = form_page.text[form_page.text.index('id="declare"') :]
    assert 'name="transformers" value="TA-001"' in declare
    assert 'value="2026-11-27T09:02"' in declare  # the first call
    # A reader who does not see every order is not shown the section.
    assert 'id="suggested-outages"' not in desk("repair-baohe").get("/console/outages").text
    posted = centre.post(
        "/console/outages",
        data={
            "csrf": csrf_of(form_page.text),
            "kind": "fault",
            "cause": "台区变压器故障",
            "area": "",
            "starts_at": "2026-11-27T09:02",
            "expected_restoration_at": "2026-11-27T13:02",
            "feeders": "",
            "transformers": "TA-001",
        },
    )
    assert posted.status_code == 303, posted.text
    outage_id = int(posted.headers["location"].split("/")[-1].split("?")[0])
    linked = session.scalars(select(WorkOrder.outage_id)).all()
    session.rollback()  # nothing held: SQLite begins every transaction as a writer
    assert linked == [outage_id] * 3
    shown = centre.get(f"/console/outages/{outage_id}")
    assert "关联故障报修3件；当场答复0件" in shown.text
    assert "最近30分钟没有成片的故障报修。" in centre.get("/console/outages").text


def test_the_desk_reads_the_account_picked_for_a_caller_with_two_premises(
    desk: Desk, org: Organisation, session: Session
) -> None:
    load_network(session, org)
    now = clock.now()
    outages.declare(
        session,
        by=system("test"),
        kind="fault",
        cause="台区变压器烧毁",
        starts_at=now - timedelta(minutes=20),
        expected_restoration_at=now + timedelta(hours=3),
        transformers=["TA-001"],
    )
    first = session.scalars(select(Account).where(Account.number == "3400100001")).one()
    customer = session.get_one(Customer, first.customer_id)
    shop = accounts.add_premises(
        session,
        by=system("test"),
        address="合肥市包河区徽州大道5号商铺",
        district_id=org.districts["baohe"],
    )
    accounts.open_account(
        session,
        customer=customer,
        premises=shop,
        tariff_id=first.tariff_id,
        opened_on=first.opened_on,
        number="3400109999",
    )
    session.commit()
    customer_id = customer.id
    session.rollback()
    agent = desk("agent")
    # Two premises: which one the call is about is not known until the agent picks the account.
    assert 'id="outage-alert"' not in agent.get(f"/console/desk?customer={customer_id}").text
    picked = agent.get(f"/console/desk?customer={customer_id}&account=3400100001")
    assert 'id="outage-alert"' in picked.text
    other = agent.get(f"/console/desk?customer={customer_id}&account=3400109999")
    assert 'id="outage-alert"' not in other.text
