"""Administration in the console: staff, departments and routing, policies, the calendar (a new
year loaded, provisional deadlines recomputed), tariffs; only for administrators."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from console.conftest import csrf_of
from quarterhour.access.actor import system
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.storage.engine import make_session_factory
from quarterhour.tariffs import tariff_book
from quarterhour.workorders.kinds import OrderType
from workorders.loop_client import LoopApi
from workorders.test_deadlines_api import CALENDAR_2027

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]
PAGES = ("staff", "organisation", "policies", "calendar", "tariffs")


@pytest.mark.parametrize("page", PAGES)
def test_only_an_administrator_opens_the_administration(desk: Desk, page: str) -> None:
    assert desk("admin").get(f"/console/admin/{page}").status_code == 200
    for username in ("dispatcher", "supervisor"):
        assert desk(username).get(f"/console/admin/{page}").status_code == 403


def test_adding_and_disabling_a_staff_member(
    desk: Desk, client: TestClient, org: Organisation
) -> None:
    admin = desk("admin")
    page = admin.get("/console/admin/staff")
    form = {
        "csrf": csrf_of(page.text),
        "username": "agent9",
        "full_name": "钱九",
        "role": "duty_agent",
        "password": "a-long-password-9",
    }
    assert admin.post("/console/admin/staff", data=form).status_code == 303
    again = admin.post("/console/admin/staff", data=form)
    assert again.status_code == 409
    assert "agent9" in again.text and 'value="钱九"' in again.text
    assert "a-long-password-9" not in again.text  # a password is never sent back
    assert (
        client.post(
            "/console/login",
            data={"username": "agent9", "password": "a-long-password-9"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    off = admin.post(
        "/console/admin/staff/agent9/active", data={"csrf": csrf_of(page.text), "active": "0"}
    )
    assert off.status_code == 303
    assert (
        client.post(
            "/console/login",
            data={"username": "agent9", "password": "a-long-password-9"},
            follow_redirects=False,
        ).status_code
        == 401
    )


def test_a_routing_rule_added_in_the_console_routes_the_next_contact(
    desk: Desk, loop: LoopApi, org: Organisation
) -> None:
    admin = desk("admin")
    page = admin.get("/console/admin/organisation")
    added = admin.post(
        "/console/admin/routing-rules",
        data={
            "csrf": csrf_of(page.text),
            "order_type": "suggestion",
            "district_id": str(org.districts["baohe"]),
            "department_id": str(org.dept("marketing")),
            "priority": "5",
        },
    )
    assert added.status_code == 303
    order = loop.intake("opinion", order_type="suggestion", title="建议增加缴费网点")
    assert order["department_id"] == org.dept("marketing")
    missing = admin.post(
        "/console/admin/routing-rules",
        data={"csrf": csrf_of(page.text), "order_type": "suggestion", "department_id": ""},
    )
    assert missing.status_code == 422 and "department_id" in missing.text


def test_loading_a_new_year_recomputes_provisional_deadlines(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 12, 31, 10, 0, tzinfo=clock.SHANGHAI))
    order = loop.intake("complaint")
    assert loop.order(order["id"])["has_provisional_deadline"] is True
    admin = desk("admin")
    page = admin.get("/console/admin/calendar")
    assert 'data-warning="provisional_deadlines"' in page.text
    # What 2027 is known to have off before its notice: the statutory days, lunar ones computed.
    assert 'id="provisional-2027"' in page.text
    assert '<td class="time">2027-02-05</td><td>春节</td>' in page.text
    assert '<td class="time">2027-09-15</td><td>中秋节</td>' in page.text
    loaded = admin.post(
        "/console/admin/calendar",
        data={"csrf": csrf_of(page.text), "source": "国办发明电〔2026〕（测试用）"},
        files={"file": ("2027.csv", CALENDAR_2027.encode(), "text/csv")},
    )
    assert loaded.status_code == 303, loaded.text
    after = admin.get("/console/admin/calendar")
    assert "国办发明电〔2026〕（测试用）" in after.text
    assert "data-warning" not in after.text
    assert 'id="provisional-2027"' not in after.text
    assert loop.order(order["id"])["has_provisional_deadline"] is False
    bad = admin.post(
        "/console/admin/calendar",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("2028.csv", b"date,kind,name\nnot-a-date,holiday,x\n", "text/csv")},
    )
    assert bad.status_code == 422


def test_a_new_tariff_version_from_a_future_day(
    desk: Desk, engine: Engine, org: Organisation
) -> None:
    with make_session_factory(engine)() as session:
        tariff_book.install_samples(session, by=system("test"))
        session.commit()
    admin = desk("admin")
    page = admin.get("/console/admin/tariffs")
    assert "AH-RES" in page.text
    form = {
        "csrf": csrf_of(page.text),
        "code": "AH-RES",
        "effective_from": "2027-01-01",
        "tier_mode": "monthly",
        "flat_price": "0.5853",
        "tier1_limit": "180",
        "tier2_limit": "350",
        "tier2_surcharge": "0.05",
        "tier3_surcharge": "0.30",
        "source": "测试用价格通知",
    }
    assert admin.post("/console/admin/tariffs/versions", data=form).status_code == 303
    with make_session_factory(engine)() as session:
        tariff = tariff_book.get_tariff(session, "AH-RES")
        versions = tariff_book.versions_by_tariff(session)[tariff.id]
        assert versions[-1].effective_from.isoformat() == "2027-01-01"
    bad = admin.post("/console/admin/tariffs/versions", data=form | {"flat_price": "-1"})
    assert bad.status_code in (409, 422)
    assert re.search(r"flat_price|2027-01-01", bad.text)


def test_a_new_time_limit_version_holds_orders_accepted_from_its_first_day(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI))  # a Friday
    admin = desk("admin")
    page = admin.get("/console/admin/policies")
    # The newest policy's complaint completion limit (4 working days) becomes 2.
    row = re.search(
        r"<td>投诉</td><td>—</td>\s*<td>—</td><td>办结答复</td>\s*"
        r'<td><input name="amount_(\d+)"',
        page.text,
    )
    assert row, page.text
    n = row.group(1)
    form = {
        "csrf": csrf_of(page.text),
        "code": "HF-2026-12",
        "name": "合肥供电公司服务承诺（2026年12月）",
        "effective_from": "2026-12-01",
        "source": "合肥供电公司服务承诺（测试用）",
        f"amount_{n}": "2",
        f"unit_{n}": "working_days",
        # As the page sends them: 1 for each kind followed up, 0 for the others.
        **{f"follow_up_{kind.value}": "0" for kind in OrderType},
        "follow_up_complaint": "1",
        "follow_up_fault_repair": "1",
    }
    saved = admin.post("/console/admin/policies", data=form)
    assert saved.status_code == 303, saved.text
    again = admin.post("/console/admin/policies", data=form)
    assert again.status_code == 409 and "HF-2026-12" in again.text
    before = loop.intake("complaint")  # accepted under the old limits
    frozen_clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=clock.SHANGHAI))  # a Tuesday
    after = loop.intake("complaint")
    limit = {
        o["id"]: next(d for d in loop.order(o["id"])["deadlines"] if d["kind"] == "completion")
        for o in (before, after)
    }
    assert limit[before["id"]]["amount"] == 4
    assert limit[after["id"]]["amount"] == 2
    assert limit[after["id"]]["due_at"].startswith("2026-12-03")
    assert desk("supervisor").post("/console/admin/policies", data=form).status_code == 403


def test_a_password_reset_ends_the_members_sessions_and_a_supervisor_is_assigned(
    desk: Desk, client: TestClient, org: Organisation, engine: Engine
) -> None:
    agent = desk("agent")
    assert agent.get("/console/desk").status_code == 200
    admin = desk("admin")
    page = admin.get("/console/admin/staff")
    reset = admin.post(
        "/console/admin/staff/agent/password",
        data={"csrf": csrf_of(page.text), "password": "another-long-password"},
    )
    assert reset.status_code == 303
    assert agent.get("/console/desk").status_code == 303  # back to the login form
    weak = admin.post(
        "/console/admin/staff/agent/password", data={"csrf": csrf_of(page.text), "password": "x"}
    )
    assert weak.status_code == 422
    organisation = admin.get("/console/admin/organisation")
    hall = org.dept("hall-shushan")
    leader = org.staff["leader"].id
    assigned = admin.post(
        f"/console/admin/departments/{hall}/supervisor",
        data={"csrf": csrf_of(organisation.text), "staff_id": str(leader)},
    )
    assert assigned.status_code == 303
    from quarterhour.organisation.models import Department
    from quarterhour.storage.engine import make_session_factory

    with make_session_factory(engine)() as session:
        assert session.get_one(Department, hall).supervisor_id == leader


def test_a_members_role_changes_and_his_sessions_end(desk: Desk, org: Organisation) -> None:
    agent = desk("agent2")
    assert agent.get("/console/desk").status_code == 200
    admin = desk("admin")
    page = admin.get("/console/admin/staff")
    moved = admin.post(
        "/console/admin/staff/agent2/role",
        data={
            "csrf": csrf_of(page.text),
            "role": "handler",
            "department_id": str(org.dept("hall-luyang")),
        },
    )
    assert moved.status_code == 303
    assert agent.get("/console/desk").status_code == 303  # logged out
    again = desk("agent2")
    assert again.get("/console").headers["location"] == "/console/my-work"
    no_department = admin.post(
        "/console/admin/staff/agent2/role",
        data={"csrf": csrf_of(page.text), "role": "handler", "department_id": ""},
    )
    assert no_department.status_code == 422 and "department" in no_department.text
    self_demotion = admin.post(
        "/console/admin/staff/admin/role",
        data={"csrf": csrf_of(page.text), "role": "dispatcher", "department_id": ""},
    )
    assert self_demotion.status_code == 409


def test_an_administrator_adds_a_district(desk: Desk) -> None:
    admin = desk("admin")
    page = admin.get("/console/admin/organisation")
    form = {"csrf": csrf_of(page.text), "code": "feixi", "name": "肥西县"}
    assert admin.post("/console/admin/districts", data=form).status_code == 303
    assert "肥西县" in admin.get("/console/admin/organisation").text
    again = admin.post("/console/admin/districts", data=form)
    assert again.status_code == 409 and 'value="feixi"' in again.text


def test_a_schedule_file_with_several_problems_is_refused_part_by_part_in_chinese(
    desk: Desk,
) -> None:
    admin = desk("admin")
    page = admin.get("/console/admin/calendar")
    bad = admin.post(
        "/console/admin/calendar",
        data={"csrf": csrf_of(page.text)},
        files={
            "file": (
                "2028.csv",
                b"date,kind,name\nnot-a-date,holiday,x\n2028-01-01,party,y\n",
                "text/csv",
            )
        },
    )
    assert bad.status_code == 422
    found = re.search(r'<div class="flash error" role="alert" id="error">(.*?)</div>', bad.text)
    assert found, "no refusal shown"
    said = html.unescape(found.group(1))
    assert said.startswith("共2处问题：第2行 日期：") and "；第3行 类型：" in said, said
    assert "problems" not in said and "line" not in said
