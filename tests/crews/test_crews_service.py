"""Crews through their use cases, on every configured database: the roster and who is on duty,
overlaps refused, status moves as data with their history and time checks, positions, and the
crew suggested by distance or, without positions, by the district's roster."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, Role, system
from quarterhour.access.permissions import Permission, can
from quarterhour.crews import service as crews
from quarterhour.crews.models import Crew, CrewStatusChange
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation import staff_accounts
from quarterhour.organisation.models import Staff

ADMIN = system("test")
# Near 包河区's office, and two points 2-3 km and about 10 km from it.
JOB = (31.7900, 117.3000)
NEAR = (31.8100, 117.3000)  # 2.2 km north
FAR = (31.8800, 117.3000)  # 10 km north


def _actor(session: Session, org: Organisation, username: str) -> Actor:
    staff = org.staff[username]
    return staff_accounts.actor_of(staff, "repair" if username.startswith("repair-") else None)


def _crew(session: Session, org: Organisation, code: str, district: str = "baohe") -> Crew:
    return crews.create_crew(
        session, by=ADMIN, code=code, name=f"{code}班", department_id=org.dept(f"repair-{district}")
    )


def _on_duty_today(session: Session, crew: Crew, now: datetime) -> None:
    start = clock.at(now.date(), datetime.min.time())
    crews.add_shift(
        session, crew.id, by=ADMIN, starts_at=start, ends_at=start + timedelta(hours=24)
    )


def test_the_crew_on_duty_at_a_time_follows_the_roster(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    day, night = _crew(session, org, "BH-1"), _crew(session, org, "BH-2")
    other = _crew(session, org, "SS-1", "shushan")
    morning = clock.at(frozen_clock.now.date(), datetime.min.time()) + timedelta(hours=8)
    crews.add_shift(
        session, day.id, by=ADMIN, starts_at=morning, ends_at=morning + timedelta(hours=12)
    )
    # Back to back with the day shift of the other crew, and its own night after it.
    evening = morning + timedelta(hours=12)
    crews.add_shift(
        session, night.id, by=ADMIN, starts_at=evening, ends_at=evening + timedelta(hours=12)
    )
    crews.add_shift(session, other.id, by=ADMIN, starts_at=morning, ends_at=evening)
    baohe = org.districts["baohe"]

    def who(at: datetime) -> list[str]:
        return [c.code for c in crews.on_duty(session, by=ADMIN, district_id=baohe, at=at)]

    assert who(morning) == ["BH-1"]  # a shift starts on its first minute
    assert who(evening - timedelta(seconds=1)) == ["BH-1"]
    assert who(evening) == ["BH-2"]  # and ends before its last: [start, end)
    assert who(morning - timedelta(minutes=1)) == []
    assert [
        c.code
        for c in crews.on_duty(session, by=ADMIN, district_id=org.districts["shushan"], at=morning)
    ] == ["SS-1"]


def test_a_crew_cannot_be_on_two_overlapping_shifts(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = _crew(session, org, "BH-1")
    start = frozen_clock.now
    crews.add_shift(session, crew.id, by=ADMIN, starts_at=start, ends_at=start + timedelta(hours=8))
    with pytest.raises(Conflict) as refused:
        crews.add_shift(
            session,
            crew.id,
            by=ADMIN,
            starts_at=start + timedelta(hours=7),
            ends_at=start + timedelta(hours=10),
        )
    assert refused.value.field == "starts_at"
    with pytest.raises(Conflict):  # one inside the other overlaps too
        crews.add_shift(
            session,
            crew.id,
            by=ADMIN,
            starts_at=start + timedelta(hours=1),
            ends_at=start + timedelta(hours=2),
        )
    # Another crew may be on duty then, and this one right after.
    crews.add_shift(
        session,
        _crew(session, org, "BH-2").id,
        by=ADMIN,
        starts_at=start,
        ends_at=start + timedelta(hours=8),
    )
    crews.add_shift(
        session,
        crew.id,
        by=ADMIN,
        starts_at=start + timedelta(hours=8),
        ends_at=start + timedelta(hours=16),
    )
    with pytest.raises(ValidationFailed) as backwards:
        crews.add_shift(
            session,
            crew.id,
            by=ADMIN,
            starts_at=start + timedelta(days=2),
            ends_at=start + timedelta(days=1),
        )
    assert backwards.value.field == "ends_at"
    with pytest.raises(ValidationFailed) as too_long:
        crews.add_shift(
            session,
            crew.id,
            by=ADMIN,
            starts_at=start + timedelta(days=3),
            ends_at=start + timedelta(days=4, hours=1),
        )
    assert too_long.value.field == "ends_at"


def test_status_moves_as_the_table_says_and_keeps_its_history(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = _crew(session, org, "BH-1")
    dispatcher = _actor(session, org, "dispatcher")
    assert crew.status == "off_duty"
    with pytest.raises(IllegalTransition) as refused:
        crews.set_status(session, crew.id, by=dispatcher, status="on_site")
    assert refused.value.details["allowed_actions"] == ["available"]
    assert refused.value.status_code == 409

    t0 = frozen_clock.now
    crews.set_status(
        session, crew.id, by=dispatcher, status="available", at=t0 - timedelta(minutes=30)
    )
    crews.set_status(
        session, crew.id, by=dispatcher, status="en_route", at=t0 - timedelta(minutes=20)
    )
    moved = crews.set_status(session, crew.id, by=dispatcher, status="on_site")
    assert (moved.status, moved.status_since) == ("on_site", t0)
    with pytest.raises(IllegalTransition) as no_leaving:  # a crew on a job is never sent home
        crews.set_status(session, crew.id, by=dispatcher, status="off_duty")
    assert no_leaving.value.details["allowed_actions"] == ["available", "en_route"]

    history = session.scalars(
        select(CrewStatusChange)
        .where(CrewStatusChange.crew_id == crew.id)
        .order_by(CrewStatusChange.id)
    ).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        ("off_duty", "available"),
        ("available", "en_route"),
        ("en_route", "on_site"),
    ]
    assert history[0].at == t0 - timedelta(minutes=30)
    assert {h.by_id for h in history} == {org.staff["dispatcher"].id}
    assert {h.recorded_at for h in history} == {t0}
    # The status is always the last change's.
    assert crews.get_crew(session, crew.id, by=dispatcher).history[0].to_status == "on_site"


def test_a_status_time_is_neither_ahead_nor_before_the_last_change(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = _crew(session, org, "BH-1")
    now = frozen_clock.now
    for at in (now + timedelta(minutes=10), now - timedelta(hours=25)):
        with pytest.raises(ValidationFailed) as refused:
            crews.set_status(session, crew.id, by=ADMIN, status="available", at=at)
        assert refused.value.field == "at"
    crews.set_status(session, crew.id, by=ADMIN, status="available", at=now - timedelta(minutes=5))
    with pytest.raises(ValidationFailed) as before:
        crews.set_status(
            session, crew.id, by=ADMIN, status="en_route", at=now - timedelta(minutes=6)
        )
    assert before.value.field == "at"
    # A phone a minute ahead of the server is still believed.
    frozen_clock.advance(minutes=1)
    crews.set_status(
        session, crew.id, by=ADMIN, status="en_route", at=frozen_clock.now + timedelta(minutes=1)
    )


def test_a_crew_member_reports_for_his_own_crew_only(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    own, other = _crew(session, org, "BH-1"), _crew(session, org, "BH-2")
    crews.add_member(
        session, own.id, by=ADMIN, staff_id=org.staff["repair-baohe"].id, is_leader=True
    )
    member = _actor(session, org, "repair-baohe")
    assert crews.set_status(session, own.id, by=member, status="available").status == "available"
    crews.report_position(session, own.id, by=member, latitude=JOB[0], longitude=JOB[1])
    with pytest.raises(Forbidden):
        crews.set_status(session, other.id, by=member, status="available")
    with pytest.raises(Forbidden):  # a business hall's handler is no crew
        crews.set_status(session, own.id, by=_actor(session, org, "hall-baohe"), status="en_route")
    with pytest.raises(Forbidden):  # setting crews up is the administrators'
        crews.create_crew(
            session,
            by=_actor(session, org, "dispatcher"),
            code="X",
            name="X",
            department_id=org.dept("repair-baohe"),
        )
    with pytest.raises(Forbidden):  # and a duty agent does not send crews
        crews.list_crews(session, by=_actor(session, org, "agent"))


def test_members_are_handlers_of_the_crews_department_on_one_crew(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew, second = _crew(session, org, "BH-1"), _crew(session, org, "BH-2")
    with pytest.raises(ValidationFailed) as elsewhere:
        crews.add_member(session, crew.id, by=ADMIN, staff_id=org.staff["repair-shushan"].id)
    assert elsewhere.value.field == "staff_id"
    session.get_one(Staff, org.staff["repair-baohe"].id).phone = "13905510201"
    crews.add_member(session, crew.id, by=ADMIN, staff_id=org.staff["repair-baohe"].id)
    with pytest.raises(Conflict):
        crews.add_member(session, second.id, by=ADMIN, staff_id=org.staff["repair-baohe"].id)
    with pytest.raises(ValidationFailed) as not_repair:
        crews.create_crew(
            session, by=ADMIN, code="H", name="H", department_id=org.dept("hall-baohe")
        )
    assert not_repair.value.field == "department_id"
    [view] = [v for v in crews.list_crews(session, by=ADMIN) if v.crew.id == crew.id]
    assert [(m.name, m.phone) for m in view.members] == [("邓师傅", "139****0201")]


def test_vehicles_by_plate(session: Session, org: Organisation, frozen_clock: Any) -> None:
    crew = _crew(session, org, "BH-1")
    van = crews.add_vehicle(session, by=ADMIN, plate="皖a d1234", kind="repair", crew_id=crew.id)
    assert van.plate == "皖A·D1234"  # written as a plate is, whatever was typed
    with pytest.raises(Conflict):
        crews.add_vehicle(session, by=ADMIN, plate="皖AD1234", kind="lift")
    for plate in ("AB12345", "皖I·12345", "皖A·1234", "皖A·1234567", "皖A\x001234"):
        with pytest.raises(ValidationFailed) as refused:
            crews.add_vehicle(session, by=ADMIN, plate=plate, kind="repair")
        assert refused.value.field == "plate"
    with pytest.raises(ValidationFailed) as kind:
        crews.add_vehicle(session, by=ADMIN, plate="皖A·F12345", kind="tank")
    assert kind.value.field == "kind"
    truck = crews.add_vehicle(session, by=ADMIN, plate="皖A·F12345", kind="live_line")
    crews.edit_vehicle(session, truck.id, by=ADMIN, crew_id=crew.id)
    [view] = [v for v in crews.list_crews(session, by=ADMIN) if v.crew.id == crew.id]
    assert [(v.plate, v.kind) for v in view.vehicles] == [
        ("皖A·D1234", "repair"),
        ("皖A·F12345", "live_line"),
    ]
    crews.edit_vehicle(session, van.id, by=ADMIN, crew_id=None)
    [view] = [v for v in crews.list_crews(session, by=ADMIN) if v.crew.id == crew.id]
    assert [v.plate for v in view.vehicles] == ["皖A·F12345"]


def test_an_older_position_does_not_replace_a_newer_one(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = _crew(session, org, "BH-1")
    now = frozen_clock.now
    crews.report_position(
        session, crew.id, by=ADMIN, latitude=NEAR[0], longitude=NEAR[1], reported_at=now
    )
    kept = crews.report_position(
        session,
        crew.id,
        by=ADMIN,
        latitude=FAR[0],
        longitude=FAR[1],
        reported_at=now - timedelta(minutes=5),
    )
    assert (float(kept.latitude or 0), kept.position_reported_at) == (NEAR[0], now)
    for lat, lon, field in (
        (91.0, 117.0, "latitude"),
        (31.0, -180.5, "longitude"),
        (float("nan"), 1.0, "latitude"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            crews.report_position(session, crew.id, by=ADMIN, latitude=lat, longitude=lon)
        assert refused.value.field == field
    with pytest.raises(ValidationFailed) as ahead:
        crews.report_position(
            session,
            crew.id,
            by=ADMIN,
            latitude=1.0,
            longitude=1.0,
            reported_at=now + timedelta(hours=1),
        )
    assert ahead.value.field == "reported_at"


def test_the_nearest_available_crew_on_duty_is_suggested(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    near, far, busy, off = (_crew(session, org, code) for code in ("BH-1", "BH-2", "BH-3", "BH-4"))
    now = frozen_clock.now
    for crew, place in ((near, NEAR), (far, FAR), (busy, JOB)):
        _on_duty_today(session, crew, now)
        crews.set_status(session, crew.id, by=ADMIN, status="available")
        crews.report_position(session, crew.id, by=ADMIN, latitude=place[0], longitude=place[1])
    crews.set_status(session, busy.id, by=ADMIN, status="en_route")  # closest, but on its way
    crews.set_status(session, off.id, by=ADMIN, status="available")  # not on the roster
    crews.report_position(session, off.id, by=ADMIN, latitude=JOB[0], longitude=JOB[1])

    found = crews.suggest_crew(
        session, by=ADMIN, district_id=org.districts["baohe"], latitude=JOB[0], longitude=JOB[1]
    )
    assert found.crew is not None and found.crew.code == "BH-1"
    assert (found.reason, str(found.distance_km), found.candidates) == ("distance", "2.2", 2)
    assert found.explanation("zh") == "距离2.2公里"
    assert found.explanation("en") == "2.2 km away"


def test_without_known_positions_the_district_roster_decides(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    first, second = _crew(session, org, "BH-1"), _crew(session, org, "BH-2")
    now = frozen_clock.now
    for crew in (second, first):  # the second has waited longer on standby
        _on_duty_today(session, crew, now)
        crews.set_status(session, crew.id, by=ADMIN, status="available")
        frozen_clock.advance(minutes=10)
    # A position two hours old says nothing about where the crew is now.
    crews.report_position(
        session,
        first.id,
        by=ADMIN,
        latitude=JOB[0],
        longitude=JOB[1],
        reported_at=frozen_clock.now - timedelta(hours=2),
    )
    baohe = org.districts["baohe"]
    found = crews.suggest_crew(
        session, by=ADMIN, district_id=baohe, latitude=JOB[0], longitude=JOB[1]
    )
    assert (found.crew and found.crew.code, found.reason, found.distance_km) == (
        "BH-2",
        "district",
        None,
    )
    assert found.explanation("zh") == "本区值班"
    # Nobody on duty in 蜀山区: said, not an error.
    nobody = crews.suggest_crew(
        session, by=ADMIN, district_id=org.districts["shushan"], latitude=JOB[0], longitude=JOB[1]
    )
    assert (nobody.crew, nobody.reason) == (None, "none")
    with pytest.raises(ValidationFailed) as unknown:
        crews.suggest_crew(session, by=ADMIN, district_id=9999, latitude=JOB[0], longitude=JOB[1])
    assert unknown.value.field == "district_id"
    with pytest.raises(NotFound):
        crews.set_status(session, 9999, by=ADMIN, status="available")


def test_haversine_distance() -> None:
    # One degree of latitude is 111.2 km on the mean sphere; Hefei to Nanjing about 140 km.
    assert crews.distance_km(0, 0, 1, 0) == pytest.approx(111.19, abs=0.01)
    assert crews.distance_km(31.82, 117.23, 32.06, 118.80) == pytest.approx(150, abs=10)
    assert crews.distance_km(31.0, 117.0, 31.0, 117.0) == 0


def test_roles_are_as_granted() -> None:
    dispatcher = Actor(id=1, username="d", role=Role.DISPATCHER, department_id=None)
    crews_handler = Actor(
        id=2, username="c", role=Role.HANDLER, department_id=1, department_kind="repair"
    )
    assert can(dispatcher, Permission.VIEW_CREWS) and can(dispatcher, Permission.ROSTER_CREWS)
    assert not can(dispatcher, Permission.MANAGE_CREWS)
    assert can(crews_handler, Permission.REPORT_CREW) and not can(
        crews_handler, Permission.VIEW_CREWS
    )
