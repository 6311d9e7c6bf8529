"""The dispatcher's live board (/console/outages/live) on every configured database: the fault
off now with its linked call and the crew sent (step, time on the job), a temporary outage
starting today, the crews with their jobs and the age of their positions, the map inline with
its legend and text alternative, refreshed without script; only for those who see outages and
crews, and never a phone number. And the customer view's premises coordinates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from outages.outage_network import load_network
from quarterhour.access.actor import Actor, Role, system
from quarterhour.config import Settings
from quarterhour.crews import service as crews
from quarterhour.crews.models import CrewJob
from quarterhour.customers.models import Account, Premises
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.web import render
from quarterhour.kit import clock
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import Staff
from quarterhour.outages import service as outages
from quarterhour.views import live_board
from quarterhour.workorders import intake
from quarterhour.workorders.kinds import AreaClass, Channel, OrderType
from quarterhour.workorders.schemas import ContactIn, CustomerRef, MatterIn

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]
PHONE = "13905510299"


def _scene(session: Session, org: Organisation, settings: Settings) -> dict[str, int]:
    """The test network; a fault on TA-001 for 40 minutes, its expected restoration passed, with
    one linked call and crew BH-1 on its way to it; a temporary outage on TA-003 this afternoon;
    crew BH-2 on site at that call's order, without a position."""
    load_network(session, org)
    by = system("test")
    now = clock.now()
    fault = outages.declare(
        session,
        by=by,
        kind="fault",
        cause="台区变压器烧毁",
        area="徽州大道一带",
        starts_at=now - timedelta(minutes=40),
        expected_restoration_at=now - timedelta(minutes=5),
        transformers=["TA-001"],
    )
    later = outages.declare(
        session,
        by=by,
        kind="temporary",
        cause="临时抢修配合停电",
        starts_at=now + timedelta(hours=5),
        expected_restoration_at=now + timedelta(hours=7),
        transformers=["TA-003"],
    )
    session.get_one(Staff, org.staff["repair-baohe"].id).phone = PHONE
    one = crews.create_crew(
        session, by=by, code="BH-1", name="包河区抢修一班", department_id=org.dept("repair-baohe")
    )
    crews.add_member(session, one.id, by=by, staff_id=org.staff["repair-baohe"].id)
    two = crews.create_crew(
        session, by=by, code="BH-2", name="包河区抢修二班", department_id=org.dept("repair-baohe")
    )
    for crew, moves in ((one, ("available", "en_route")), (two, ("available", "en_route"))):
        for status in moves:
            crews.set_status(session, crew.id, by=by, status=status)
    crews.set_status(session, two.id, by=by, status="on_site")
    crews.report_position(
        session,
        one.id,
        by=by,
        latitude=31.821,
        longitude=117.291,
        reported_at=now - timedelta(minutes=3),
    )
    # A fault call from a premises on TA-001: intake links it to the outage.
    call = ContactIn(
        channel=Channel.HOTLINE,
        customer=CustomerRef(account="3400100001"),
        matters=[
            MatterIn(
                order_type=OrderType.FAULT_REPAIR, title="家里没电", area_class=AreaClass.URBAN
            )
        ],
    )
    agent = staff_accounts.actor_of(session.get_one(Staff, org.staff["agent"].id))
    [order] = intake.take_contact(session, call, by=agent, settings=settings).orders
    assert order.outage_id == fault.id
    session.add_all(
        [
            CrewJob(
                crew_id=one.id,
                outage_id=fault.id,
                step="departed",
                dispatched_at=now - timedelta(minutes=30),
                accepted_at=now - timedelta(minutes=28),
                departed_at=now - timedelta(minutes=25),
                chosen_by="distance",
            ),
            CrewJob(
                crew_id=two.id,
                work_order_id=order.id,
                step="arrived",
                dispatched_at=now - timedelta(hours=3),
                arrived_at=now - timedelta(hours=2),
                chosen_by="manual",
            ),
            # Done jobs are not the crew's current one.
            CrewJob(
                crew_id=two.id,
                outage_id=later.id,
                step="withdrawn",
                dispatched_at=now - timedelta(minutes=1),
                withdrawn_at=now,
                chosen_by="manual",
            ),
        ]
    )
    session.commit()
    ids = {"fault": fault.id, "later": later.id, "one": one.id, "two": two.id, "order": order.id}
    session.rollback()
    return ids


@pytest.fixture
def scene(
    session: Session, org: Organisation, settings: Settings, frozen_clock: Any
) -> dict[str, int]:
    return _scene(session, org, settings)


def test_the_dispatcher_sees_outages_crews_and_the_map(desk: Desk, scene: dict[str, int]) -> None:
    dispatcher = desk("dispatcher")
    page = dispatcher.get("/console/outages/live")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'href="/console/outages/live" aria-current="page"' in html
    # Refreshed by the console's own script (no inline script, no meta refresh), pausable.
    assert 'id="live-board" data-refresh="30"' in html and 'id="live-pause"' in html
    assert "http-equiv" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/console.js" defer>']
    assert "截至09:00" in html
    fault = _row(html, f"live-outage-{scene['fault']}")
    for words in ("故障停电", "徽州大道一带", "台区变压器烧毁", "已停40分钟", "已超过预计复电时间"):
        assert words in fault, words
    assert re.search(r'<td class="num">1</td>', fault)  # one linked call
    assert "BH-1 包河区抢修一班" in fault and "已出发（08:35）" in fault and "任务已30分钟" in fault
    later = _row(html, f"live-outage-{scene['later']}")
    assert "临时抢修配合停电" in later and "未派班组" in later  # the withdrawn job is not sent
    one = _row(html, f"live-crew-{scene['one']}")
    assert "出发" in one and f'href="/console/outages/{scene["fault"]}"' in one
    assert "3分钟前" in one
    two = _row(html, f"live-crew-{scene['two']}")
    assert f'href="/console/orders/{scene["order"]}">GD' in two
    assert "已到场" in two and "任务已3小时" in two and "没有位置" in two
    # The map is inline SVG with its title, legend and the outage's areas in colour.
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert '<title id="map-title">供电网络与班组位置</title>' in html
    assert 'fill="#D55E00"' in html and 'fill="#0072B2"' in html
    areas = _table(html, "map-areas")
    assert "TA-001" in areas and "TA-003" in areas and "TA-002" not in areas
    assert "没有坐标" in _table(html, "map-crews")  # BH-2 has no position
    assert "另有1个台区没有坐标" in html  # TA-002, supplied: counted, not listed
    assert PHONE not in html and PHONE[-4:] not in html
    assert "style=" not in html

    english = dispatcher.get("/console/outages/live?lang=en").text
    assert "Live board" in english and "past the expected restoration" in english
    assert "Supply network and crews" in english


def test_the_board_is_for_those_who_see_outages_and_crews(
    desk: Desk, scene: dict[str, int]
) -> None:
    assert desk("supervisor").get("/console/outages/live").status_code == 200
    agent = desk("agent")  # sees outages, not crews
    assert agent.get("/console/outages/live").status_code == 403
    assert "/console/outages/live" not in agent.get("/console/outages").text
    assert "/console/outages/live" in desk("dispatcher").get("/console/outages").text
    for role in (Role.DISPATCHER, Role.SUPERVISOR):
        actor = Actor(id=1, username="x", role=role, department_id=None)
        assert any(item.href == "/console/outages/live" for item in render.menu(actor))


def test_the_customer_view_shows_where_the_premises_is(
    desk: Desk, session: Session, org: Organisation
) -> None:
    load_network(session, org)
    premises_id, customer_id = session.execute(
        select(Account.premises_id, Account.customer_id).where(Account.number == "3400100001")
    ).one()
    session.execute(
        update(Premises)
        .where(Premises.id == premises_id)
        .values(latitude=Decimal("31.820512"), longitude=Decimal("117.290144"))
    )
    session.commit()
    other = session.scalars(select(Account.customer_id).where(Account.number == "3400100003")).one()
    session.rollback()
    agent = desk("agent")
    html = agent.get(f"/console/desk?customer={customer_id}").text
    assert '<a href="geo:31.820512,117.290144">31.820512, 117.290144</a>' in html
    assert "徽州大道1号台区" in html and "徽州线" in html  # its supply, as before
    assert "（没有坐标）" in agent.get(f"/console/desk?customer={other}").text


def _row(html: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert found, row_id
    return found.group(1)


def _table(html: str, table_id: str) -> str:
    found = re.search(rf'<table class="list" id="{table_id}">(.*?)</table>', html, re.S)
    assert found, table_id
    return found.group(1)


def test_a_viewer_of_one_district_sees_its_crews_only(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    by = system("test")
    for code, district in (("BH-9", "baohe"), ("SS-9", "shushan")):
        crews.create_crew(
            session,
            by=by,
            code=code,
            name=f"{code}班",
            department_id=org.dept(f"repair-{district}"),
        )
    session.commit()
    centre = Actor(id=1, username="d", role=Role.DISPATCHER, department_id=org.dept("centre"))
    local = Actor(id=2, username="s", role=Role.SUPERVISOR, department_id=org.dept("repair-baohe"))
    seen = live_board.live_board(session, by=centre)
    assert [line.crew.code for line in seen.crews] == ["BH-9", "SS-9"] and seen.district is None
    mine = live_board.live_board(session, by=local)
    assert [line.crew.code for line in mine.crews] == ["BH-9"] and mine.district
    assert mine.outages == [] and mine.areas == []
    session.rollback()
