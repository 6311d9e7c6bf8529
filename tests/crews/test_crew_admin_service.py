"""What the crew page's forms call besides the API's use cases: the leader (one a crew), who may
join, the departments a crew may belong to, and one crew with its coming week for whoever may
see it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, Role, system
from quarterhour.crews import service as crews
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Forbidden, NotFound
from quarterhour.kit import clock
from quarterhour.organisation import staff_accounts

pytestmark = pytest.mark.db
ADMIN = system("test")


def _handler(session: Session, org: Organisation, username: str, district: str) -> int:
    return staff_accounts.create_staff(
        session,
        by=ADMIN,
        username=username,
        full_name=username,
        role="handler",
        password="secret123",
        department_id=org.dept(f"repair-{district}"),
        password_cost=(1, 8),
    ).id


def _as(org: Organisation, username: str) -> Actor:
    staff = org.staff[username]
    return Actor(
        id=staff.id,
        username=staff.username,
        role=Role(staff.role),
        department_id=staff.department_id,
        full_name=staff.full_name,
    )


def test_one_leader_a_crew(session: Session, org: Organisation) -> None:
    crew = crews.create_crew(
        session, by=ADMIN, code="BH-1", name="一班", department_id=org.dept("repair-baohe")
    )
    first = org.staff["repair-baohe"].id
    second = _handler(session, org, "bh2", "baohe")
    crews.add_member(session, crew.id, by=ADMIN, staff_id=first, is_leader=True)
    crews.add_member(session, crew.id, by=ADMIN, staff_id=second)
    crews.set_leader(session, crew.id, by=ADMIN, staff_id=second)
    leaders = [
        m.staff_id for m in crews.get_crew(session, crew.id, by=ADMIN).members if m.is_leader
    ]
    assert leaders == [second]
    with pytest.raises(NotFound):
        crews.set_leader(session, crew.id, by=ADMIN, staff_id=org.staff["agent"].id)
    with pytest.raises(Forbidden):
        crews.set_leader(session, crew.id, by=_as(org, "dispatcher"), staff_id=first)


def test_who_may_join_and_where_a_crew_belongs(session: Session, org: Organisation) -> None:
    crew = crews.create_crew(
        session, by=ADMIN, code="BH-1", name="一班", department_id=org.dept("repair-baohe")
    )
    free = _handler(session, org, "bh2", "baohe")
    _handler(session, org, "ss2", "shushan")  # another department's
    assert set(crews.member_candidates(session, crew.id, by=ADMIN)) == {
        (free, "bh2"),
        (org.staff["repair-baohe"].id, "邓师傅"),
    }
    crews.add_member(session, crew.id, by=ADMIN, staff_id=free)
    assert [c[0] for c in crews.member_candidates(session, crew.id, by=ADMIN)] == [
        org.staff["repair-baohe"].id
    ]
    departments = crews.repair_departments(session, by=ADMIN)
    assert {d.id for d in departments} == {
        org.dept(f"repair-{d}") for d in ("baohe", "shushan", "luyang", "yaohai")
    }
    with pytest.raises(Forbidden):
        crews.member_candidates(session, crew.id, by=_as(org, "dispatcher"))


def test_a_crew_with_its_coming_week(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = crews.create_crew(
        session, by=ADMIN, code="BH-1", name="一班", department_id=org.dept("repair-baohe")
    )
    other = crews.create_crew(
        session, by=ADMIN, code="SS-1", name="一班", department_id=org.dept("repair-shushan")
    )
    crews.add_member(session, crew.id, by=ADMIN, staff_id=org.staff["repair-baohe"].id)
    today = clock.at(frozen_clock.now.date(), datetime.min.time())
    for days in (-1, 0, 6, 7):
        start = today + timedelta(days=days, hours=8)
        crews.add_shift(
            session, crew.id, by=ADMIN, starts_at=start, ends_at=start + timedelta(hours=8)
        )
    view, week = crews.crew_with_roster(session, crew.id, by=_as(org, "supervisor"))
    assert view.crew.code == "BH-1"
    assert [s.starts_at for s in week] == [
        today + timedelta(hours=8),
        today + timedelta(days=6, hours=8),
    ]
    # His own crew for a member of it; no other crew, and not for a handler of another one.
    member = _as(org, "repair-baohe")
    assert crews.crew_with_roster(session, crew.id, by=member)[0].crew.id == crew.id
    with pytest.raises(Forbidden):
        crews.crew_with_roster(session, other.id, by=member)
    with pytest.raises(Forbidden):
        crews.crew_with_roster(session, crew.id, by=_as(org, "repair-shushan"))
    with pytest.raises(Forbidden):
        crews.crew_with_roster(session, crew.id, by=_as(org, "agent"))
