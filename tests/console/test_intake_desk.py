"""The intake desk over HTTP: lookup, the customer view, checking before saving, saving once."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from console.conftest import csrf_of
from quarterhour.access.actor import system
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.programme import service as programme
from quarterhour.storage.engine import make_session_factory
from quarterhour.workorders.models import Contact, WorkOrder
from workorders.loop_client import CUSTOMER_PHONE, LoopApi

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]


def _count(engine: Engine, model: type) -> int:
    with make_session_factory(engine)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _form(page: str, **fields: str) -> dict[str, str]:
    idem = re.search(r'name="idem" value="([^"]*)"', page)
    assert idem
    return {"csrf": csrf_of(page), "idem": idem.group(1), **fields}


def test_the_lookup_finds_a_caller_by_the_last_four_digits_and_masks_him(
    desk: Desk, loop: LoopApi
) -> None:
    loop.intake("complaint")  # the caller is on record now
    agent = desk("agent")
    rows = agent.get("/console/desk/callers?q=3456")
    assert rows.status_code == 200
    assert "袁**" in rows.text and "138****3456" in rows.text
    assert CUSTOMER_PHONE not in rows.text
    found = re.search(r'form="contact-form" name="pick" value="(\d+)"', rows.text)
    assert found
    page = agent.get(f"/console/desk?customer={found.group(1)}")
    assert 'id="customer-view"' in page.text
    assert "重复来电" in page.text  # he called within the last 30 days
    assert agent.get("/console/desk/callers?q=nobody-here").text.count("没有找到") == 1


def test_choosing_the_caller_keeps_the_matter_typed_and_addresses_him_by_surname(
    desk: Desk, loop: LoopApi
) -> None:
    loop.intake("complaint")  # 袁先生 is on record with one account-less customer row
    agent = desk("agent")
    page = agent.get("/console/desk?q=3456")
    chosen = re.search(r'form="contact-form" name="pick" value="(\d+)"', page.text)
    assert chosen
    typed = _form(
        page.text,
        channel="hotline",
        m0_order_type="complaint",
        m0_title="抄表员没来抄表",
        m0_description="上月起一直估抄",
        pick=chosen.group(1),
    )
    back = agent.post("/console/desk", data=typed)
    assert back.status_code == 200
    assert 'id="customer-view"' in back.text
    assert 'value="抄表员没来抄表"' in back.text and "上月起一直估抄" in back.text
    assert f'name="customer_id" value="{chosen.group(1)}"' in back.text
    addressed = re.search(r'id="addressed-as">([^<]+)<', back.text)
    assert addressed and addressed.group(1).strip() == "袁女士"
    assert CUSTOMER_PHONE not in back.text  # the phone stays masked


def test_checking_shows_department_and_deadlines_and_writes_nothing(
    desk: Desk, org: Organisation, engine: Engine
) -> None:
    agent = desk("agent")
    page = agent.get("/console/desk")
    data = _form(
        page.text,
        channel="hotline",
        caller_name="钱先生",
        caller_phone="13955500001",
        caller_address="合肥市包河区徽州大道1号",
        caller_district_id=str(org.districts["baohe"]),
        m0_order_type="complaint",
        m0_title="营业厅排队时间过长",
        m1_order_type="consultation",
        m1_title="咨询峰谷电价",
        m1_answer="峰谷电价执行时段为8:00-22:00为峰段。",
        do="preview",
    )
    checked = agent.post("/console/desk", data=data)
    assert checked.status_code == 200, checked.text
    previews = re.findall(r'class="flash info preview" data-matter="(\d)"', checked.text)
    assert previews == ["0", "1"]
    assert "包河区供电营业厅" in checked.text
    assert "首次联系客户" in checked.text and "办结答复" in checked.text
    assert "当场办结" in checked.text
    assert "营业厅排队时间过长" in checked.text  # the form keeps what was typed
    assert _count(engine, Contact) == 0


def test_saving_records_one_contact_with_its_matters_once(
    desk: Desk, org: Organisation, engine: Engine
) -> None:
    agent = desk("agent")
    page = agent.get("/console/desk")
    data = _form(
        page.text,
        channel="hotline",
        caller_name="钱先生",
        caller_phone="13955500001",
        caller_district_id=str(org.districts["baohe"]),
        m0_order_type="complaint",
        m0_title="营业厅排队时间过长",
        m1_order_type="consultation",
        m1_title="咨询峰谷电价",
        m1_answer="峰段8:00-22:00。",
        do="save",
    )
    saved = agent.post("/console/desk", data=data)
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/console/desk?taken=")
    again = agent.post("/console/desk", data=data)  # a double click, a resend
    assert again.status_code == 303
    assert again.headers["location"] == saved.headers["location"]
    assert _count(engine, Contact) == 1
    assert _count(engine, WorkOrder) == 2
    shown = agent.get(saved.headers["location"])
    assert "已受理" in shown.text and "GD" in shown.text
    assert shown.text.count('id="recorded"') == 1
    assert "已归档" in shown.text  # the consultation closed at intake


def test_a_matter_without_a_title_is_named_and_the_form_kept(
    desk: Desk, org: Organisation, engine: Engine
) -> None:
    agent = desk("agent")
    page = agent.get("/console/desk")
    data = _form(
        page.text,
        caller_name="钱先生",
        caller_phone="13955500001",
        m0_order_type="complaint",
        m0_description="客户说抄表员态度很差",
        do="save",
    )
    refused = agent.post("/console/desk", data=data)
    assert refused.status_code == 422
    assert "事项1的标题" in refused.text
    assert "客户说抄表员态度很差" in refused.text
    assert _count(engine, Contact) == 0


def test_a_handler_has_no_intake_desk(desk: Desk) -> None:
    handler = desk("hall-baohe")
    assert "/console/desk" not in handler.get("/console/my-work").text
    assert handler.get("/console/desk").status_code == 403


def test_on_air_the_desk_shows_the_episode_and_defaults_to_the_programme(
    desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 11, 25, 7, 45, tzinfo=clock.SHANGHAI))  # a Wednesday
    with make_session_factory(engine)() as session:
        programme.create_episode(
            session,
            by=system("test"),
            air_date=frozen_clock.now.date(),
            roster=[
                programme.RosterMember(org.staff["leader"].id, "leader"),
                programme.RosterMember(org.staff["specialist"].id, "specialist"),
            ],
        )
        session.commit()
    page = desk("specialist").get("/console/desk")
    assert 'id="on-air"' in page.text
    assert "直播中" in page.text and org.staff["leader"].full_name in page.text
    assert re.search(r'<option value="programme"\s+selected', page.text)


def test_a_caller_with_one_account_has_it_chosen(
    desk: Desk, session: Session, org: Organisation
) -> None:
    from billing.town import Town

    account, _ = Town(session, org).household("ZJ-RES")
    session.commit()
    page = desk("agent").get(f"/console/desk?customer={account.customer_id}")
    assert f'<option value="{account.number}" selected>' in page.text
