"""The crew page and its forms, on every configured database: an administrator sets up a crew,
its members and vehicles, a dispatcher its shifts; each form refused shows its message in
Chinese beside its input and keeps what was typed; a crew member sees his own crew's page and
may post none of its forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from console.conftest import csrf_of
from console.refused import next_to, summary
from quarterhour.access.actor import system
from quarterhour.crews import service as crews
from quarterhour.crews.models import CrewMember, CrewShift, Vehicle
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.organisation import staff_accounts
from quarterhour.storage.engine import make_session_factory

Desk = Callable[[str], TestClient]
pytestmark = pytest.mark.db


def _setup(engine: Engine, org: Organisation, now: datetime) -> dict[str, int]:
    """Crew BH-1 with 邓师傅 (repair-baohe) as its leader, a van and a shift today; BH-2 empty; a
    second handler of the department free to join."""
    with make_session_factory(engine)() as session:
        by = system("test")
        crew = crews.create_crew(
            session,
            by=by,
            code="BH-1",
            name="包河区抢修一班",
            department_id=org.dept("repair-baohe"),
        )
        other = crews.create_crew(
            session,
            by=by,
            code="BH-2",
            name="包河区抢修二班",
            department_id=org.dept("repair-baohe"),
        )
        crews.add_member(
            session, crew.id, by=by, staff_id=org.staff["repair-baohe"].id, is_leader=True
        )
        newcomer = staff_accounts.create_staff(
            session,
            by=by,
            username="repair-baohe-2",
            full_name="孙师傅",
            role="handler",
            password="secret123",
            department_id=org.dept("repair-baohe"),
            password_cost=(1, 8),
        )
        van = crews.add_vehicle(session, by=by, plate="皖A·D1234", kind="repair", crew_id=crew.id)
        morning = clock.at(now.date(), datetime.min.time()) + timedelta(hours=8)
        shift = crews.add_shift(
            session, crew.id, by=by, starts_at=morning, ends_at=morning + timedelta(hours=12)
        )
        session.commit()
        return {
            "crew": crew.id,
            "other": other.id,
            "newcomer": newcomer.id,
            "leader": org.staff["repair-baohe"].id,
            "van": van.id,
            "shift": shift.id,
        }


def _table(page: str, id_: str) -> str:
    return page.split(f'id="{id_}"')[1].split("</table>")[0]


def _post(client: TestClient, page: str, path: str, **form: str) -> Any:
    return client.post(path, data={"csrf": csrf_of(page), **form})


def test_an_administrator_sets_up_a_crew_from_the_list(desk: Desk, org: Organisation) -> None:
    admin = desk("admin")
    page = admin.get("/console/crews").text
    assert "新建班组" in page
    made = _post(
        admin,
        page,
        "/console/crews",
        code="BH-9",
        name="包河区抢修九班",
        department_id=str(org.dept("repair-baohe")),
    )
    assert made.status_code == 303
    crew_page = admin.get(made.headers["location"])
    assert "班组已建立。" in crew_page.text and "包河区抢修九班" in crew_page.text

    again = _post(
        admin,
        page,
        "/console/crews",
        code="BH-9",
        name="又一个",
        department_id=str(org.dept("repair-baohe")),
    )
    assert again.status_code == 409
    assert next_to(again.text, "code") == "班组BH-9已存在"
    assert 'value="又一个"' in again.text  # what was typed stays
    # A department that sends no crews: refused beside the select.
    hall = _post(
        admin,
        page,
        "/console/crews",
        code="X-1",
        name="营业",
        department_id=str(org.dept("hall-baohe")),
    )
    assert hall.status_code == 422
    assert "不是抢修部门" in next_to(hall.text, "department_id")
    # The dispatcher sees the list without the form.
    assert "新建班组" not in desk("dispatcher").get("/console/crews").text


def test_the_crew_page_shows_the_crew(
    desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    ids = _setup(engine, org, frozen_clock.now)
    html = desk("dispatcher").get(f"/console/crews/{ids['crew']}").text
    for words in (
        "包河区抢修一班",
        "包河区抢修班",
        "下班",
        "邓师傅（班长）",
        "皖A·D1234",
        "抢修车",
    ):
        assert words in html, words
    assert "08:00–20:00" in html
    assert "2026-11-27 08:00" in html  # the week's roster
    # The dispatcher keeps the roster, not the crew.
    assert "排班" in html and "添加成员" not in html and "设为班长" not in html
    english = desk("dispatcher").get(f"/console/crews/{ids['crew']}?lang=en").text
    assert "Roster of the coming 7 days" in english and "repair van" in english


def test_edit_the_crew(desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any) -> None:
    ids = _setup(engine, org, frozen_clock.now)
    admin = desk("admin")
    url = f"/console/crews/{ids['crew']}"
    page = admin.get(url).text
    saved = _post(admin, page, f"{url}/edit", name="包河一班", is_active="0")
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}?done=edit"
    shown = admin.get(saved.headers["location"]).text
    assert "班组已修改。" in shown and "包河一班" in shown and "（已停用）" in shown
    # Out of service, it stays on the administrator's list to be put back.
    assert "包河一班" in admin.get("/console/crews").text

    empty = _post(admin, page, f"{url}/edit", name="  ", is_active="1")
    assert empty.status_code == 422
    assert next_to(empty.text, "name") == "不能为空"
    assert summary(empty.text) == "班组名称：不能为空"  # a crew's name, not a person's
    long = _post(admin, page, f"{url}/edit", name="班" * 65, is_active="1")
    assert long.status_code == 422
    assert next_to(long.text, "name") == "最多64个字符"
    odd = _post(admin, page, f"{url}/edit", name="一班", is_active="maybe")
    assert odd.status_code == 422
    assert next_to(odd.text, "is_active") == "须为1（是）或0（否）"
    # A flash asked for by hand that no form gives is no error.
    assert admin.get(f"{url}?done=zzz").status_code == 200


def test_members_join_lead_and_leave(
    desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    ids = _setup(engine, org, frozen_clock.now)
    admin = desk("admin")
    url = f"/console/crews/{ids['crew']}"
    page = admin.get(url).text
    assert f'<option value="{ids["newcomer"]}">孙师傅</option>' in page
    added = _post(admin, page, f"{url}/add_member", staff_id=str(ids["newcomer"]), is_leader="0")
    assert added.status_code == 303
    page = admin.get(added.headers["location"]).text
    assert "成员已添加。" in page and "孙师傅" in page

    led = _post(admin, page, f"{url}/set_leader/{ids['newcomer']}")
    assert led.status_code == 303
    assert "孙师傅（班长）" in admin.get(url).text
    with make_session_factory(engine)() as session:
        leaders = session.scalars(
            select(CrewMember.staff_id).where(CrewMember.is_leader.is_(True))
        ).all()
        assert leaders == [ids["newcomer"]]

    # Someone on a crew already, chosen in a page read before: refused beside the select.
    twice = _post(admin, page, f"{url}/add_member", staff_id=str(ids["newcomer"]), is_leader="0")
    assert twice.status_code == 409
    assert next_to(twice.text, "staff_id") == f"员工{ids['newcomer']}已在其他班组中"

    removed = _post(admin, page, f"{url}/remove_member/{ids['leader']}")
    assert removed.status_code == 303
    assert "邓师傅" not in _table(admin.get(url).text, "crew-members")
    gone = _post(admin, page, f"{url}/remove_member/{ids['leader']}")
    assert gone.status_code == 404
    assert summary(gone.text) == f"员工{ids['leader']}不在班组{ids['crew']}中"
    stale_leader = _post(admin, page, f"{url}/set_leader/{ids['leader']}")
    assert stale_leader.status_code == 404
    assert "不在班组" in summary(stale_leader.text)


def test_vehicles_are_added_moved_and_retired(
    desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    ids = _setup(engine, org, frozen_clock.now)
    admin = desk("admin")
    url = f"/console/crews/{ids['crew']}"
    page = admin.get(url).text
    added = _post(admin, page, f"{url}/add_vehicle", plate="皖a d5678", kind="lift")
    assert added.status_code == 303
    page = admin.get(url).text
    assert "皖A·D5678" in page and "升降车" in page

    bad = _post(admin, page, f"{url}/add_vehicle", plate="ABC", kind="lift")
    assert bad.status_code == 422
    assert "请填写车牌号" in next_to(bad.text, "plate")
    assert 'value="ABC"' in bad.text

    van = f"{url}/edit_vehicle/{ids['van']}"
    kind = _post(admin, page, van, kind="live_line", crew_id=str(ids["crew"]))
    assert kind.status_code == 303
    assert "带电作业车" in admin.get(url).text
    moved = _post(admin, page, van, kind="live_line", crew_id=str(ids["other"]))
    assert moved.status_code == 303
    assert "皖A·D1234" not in _table(admin.get(url).text, "crew-vehicles")
    assert "皖A·D1234" in _table(admin.get(f"/console/crews/{ids['other']}").text, "crew-vehicles")
    # No longer this crew's: its form on the old page is refused, nothing changes.
    stale = _post(admin, page, van, kind="repair", crew_id="")
    assert stale.status_code == 404
    assert summary(stale.text) == f"没有编号为{ids['van']}的车辆"

    other = f"/console/crews/{ids['other']}"
    other_page = admin.get(other).text
    nowhere = _post(
        admin, other_page, f"{other}/edit_vehicle/{ids['van']}", kind="repair", crew_id="99999"
    )
    assert nowhere.status_code == 404
    assert next_to(nowhere.text, "crew_id") == "没有编号为99999的抢修班组"
    odd = _post(admin, other_page, f"{other}/edit_vehicle/{ids['van']}", kind="tank", crew_id="")
    assert odd.status_code == 422
    assert "须为以下之一" in next_to(odd.text, "kind")
    assert summary(odd.text).startswith("车型：须为以下之一")

    retired = _post(admin, other_page, f"{other}/retire_vehicle/{ids['van']}")
    assert retired.status_code == 303
    assert "皖A·D1234" not in _table(admin.get(other).text, "crew-vehicles")
    with make_session_factory(engine)() as session:
        vehicle = session.get_one(Vehicle, ids["van"])
        assert vehicle.is_active is False and vehicle.crew_id is None


def test_shifts_are_added_and_removed(
    desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    ids = _setup(engine, org, frozen_clock.now)
    dispatcher = desk("dispatcher")
    url = f"/console/crews/{ids['crew']}"
    page = dispatcher.get(url).text
    added = _post(
        dispatcher,
        page,
        f"{url}/add_shift",
        starts_at="2026-11-27T20:00",
        ends_at="2026-11-28T08:00",
    )
    assert added.status_code == 303
    page = dispatcher.get(added.headers["location"]).text
    assert "班次已添加。" in page and "2026-11-28 08:00" in page

    overlap = _post(
        dispatcher,
        page,
        f"{url}/add_shift",
        starts_at="2026-11-27T18:00",
        ends_at="2026-11-27T22:00",
    )
    assert overlap.status_code == 409
    assert (
        next_to(overlap.text, "starts_at") == "该班组在2026-11-27 08:00至2026-11-27 20:00已有班次"
    )
    assert 'value="2026-11-27T18:00"' in overlap.text
    english = dispatcher.post(
        f"{url}/add_shift?lang=en",
        data={
            "csrf": csrf_of(page),
            "starts_at": "2026-11-27T18:00",
            "ends_at": "2026-11-27T22:00",
        },
    )
    assert english.status_code == 409
    assert (
        next_to(english.text, "starts_at")
        == "the crew is on duty from 2026-11-27 08:00 to 2026-11-27 20:00 already"
    )
    dispatcher.get(f"{url}?lang=zh")
    garbled = _post(dispatcher, page, f"{url}/add_shift", starts_at="tomorrow", ends_at="")
    assert garbled.status_code == 422
    assert "请填写日期和时间" in next_to(garbled.text, "starts_at")

    removed = _post(dispatcher, page, f"{url}/remove_shift/{ids['shift']}")
    assert removed.status_code == 303
    with make_session_factory(engine)() as session:
        assert session.get(CrewShift, ids["shift"]) is None
    again = _post(dispatcher, page, f"{url}/remove_shift/{ids['shift']}")
    assert again.status_code == 404
    assert summary(again.text) == f"班组{ids['crew']}没有编号为{ids['shift']}的班次"
    # The roster is the dispatcher's, the crew the administrator's.
    assert _post(dispatcher, page, f"{url}/edit", name="x", is_active="1").status_code == 403


def test_a_crew_member_sees_his_crew_and_posts_nothing(
    desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    ids = _setup(engine, org, frozen_clock.now)
    member = desk("repair-baohe")
    url = f"/console/crews/{ids['crew']}"
    page = member.get(url)
    assert page.status_code == 200
    assert "包河区抢修一班" in page.text and "皖A·D1234" in page.text
    assert "<form" not in page.text.split('id="crew-facts"')[1]
    assert member.get(f"/console/crews/{ids['other']}").status_code == 403
    token = csrf_of(page.text)
    for path, form in (
        (f"{url}/edit", {"name": "x", "is_active": "1"}),
        (f"{url}/add_member", {"staff_id": str(ids["newcomer"]), "is_leader": "0"}),
        (f"{url}/remove_member/{ids['leader']}", {}),
        (f"{url}/set_leader/{ids['leader']}", {}),
        (f"{url}/add_vehicle", {"plate": "皖A·D9999", "kind": "repair"}),
        (f"{url}/edit_vehicle/{ids['van']}", {"kind": "lift", "crew_id": ""}),
        (f"{url}/retire_vehicle/{ids['van']}", {}),
        (f"{url}/add_shift", {"starts_at": "2026-11-28T08:00", "ends_at": "2026-11-28T20:00"}),
        (f"{url}/remove_shift/{ids['shift']}", {}),
        ("/console/crews", {"code": "Z", "name": "Z", "department_id": "1"}),
    ):
        assert member.post(path, data={"csrf": token, **form}).status_code == 403, path
    with make_session_factory(engine)() as session:
        assert session.get(CrewShift, ids["shift"]) is not None
        assert session.get_one(Vehicle, ids["van"]).kind == "repair"
