"""The demo's repair crews: one per district's repair department (its repair-<district> handler
as leader), two vehicles each, a day and a night shift over the demo period and the week after,
and each crew's status and position at the end of the history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.crews import service as crews
from quarterhour.kit import clock
from quarterhour.organisation.models import Department, Staff
from quarterhour.outages.lifecycle import Kind
from quarterhour.outages.lifecycle import State as OutageState
from quarterhour.outages.models import Outage
from quarterhour.workorders import crew_jobs

# district code → (crew name's district, plates, where the crew waits, its status at the end).
# The positions are near each district's office in Hefei.
CREWS = {
    "baohe": ("包河区", (("皖A·D1234", "repair"), ("皖A·D1235", "live_line")), (31.7936, 117.3095)),
    "shushan": ("蜀山区", (("皖A·D2234", "repair"), ("皖A·D2235", "lift")), (31.8512, 117.2606)),
    "luyang": (
        "庐阳区",
        (("皖A·D3234", "repair"), ("皖A·D3235", "live_line")),
        (31.8783, 117.2654),
    ),
    "yaohai": ("瑶海区", (("皖A·D4234", "repair"), ("皖A·F42345", "lift")), (31.8579, 117.3093)),
}
# How the history ends: a crew on standby, one on its way, one on site, one still on standby
# without a position (the suggestion falls back to the roster there).
LAST_MOVES = {
    "baohe": ("available",),
    "shushan": ("available", "en_route"),
    "luyang": ("available", "en_route", "on_site"),
    "yaohai": ("available",),
}
DAY, NIGHT = time(8, 0), time(20, 0)
ROSTER_AHEAD = 7  # days rostered after the anchor


def install(session: Session, *, first_day: date, anchor: datetime) -> int:
    """The crews; returns how many. Their statuses are set at the anchor, as the last hours of
    the history."""
    by = system("demo")
    departments = {
        d.code: d
        for d in session.scalars(select(Department).where(Department.code.like("repair-%")))
    }
    staff = {
        s.username: s for s in session.scalars(select(Staff).where(Staff.username.like("repair-%")))
    }
    made = 0
    for code, (district, vehicles, (lat, lon)) in CREWS.items():
        department = departments.get(f"repair-{code}")
        if department is None:
            continue
        crew = crews.create_crew(
            session,
            by=by,
            code=f"{code.upper()}-1",
            name=f"{district}抢修一班",
            department_id=department.id,
        )
        made += 1
        if (leader := staff.get(f"repair-{code}")) is not None:
            crews.add_member(session, crew.id, by=by, staff_id=leader.id, is_leader=True)
        for plate, kind in vehicles:
            crews.add_vehicle(session, by=by, plate=plate, kind=kind, crew_id=crew.id)
        day = first_day
        while day <= anchor.date() + timedelta(days=ROSTER_AHEAD):
            morning, evening = clock.at(day, DAY), clock.at(day, NIGHT)
            crews.add_shift(session, crew.id, by=by, starts_at=morning, ends_at=evening)
            crews.add_shift(
                session, crew.id, by=by, starts_at=evening, ends_at=morning + timedelta(days=1)
            )
            day += timedelta(days=1)
        moves = LAST_MOVES[code]
        with clock.using(lambda: anchor):
            for n, status in enumerate(moves):
                at = anchor - timedelta(minutes=20 * (len(moves) - n))
                crews.set_status(session, crew.id, by=by, status=status, at=at)
            if code != "yaohai":
                crews.report_position(
                    session, crew.id, by=by, latitude=lat, longitude=lon, reported_at=anchor
                )
    session.flush()
    return made


def send_to_the_active_fault(session: Session, *, anchor: datetime) -> int:
    """The nearest crew sent to the fault still active at the end (the crew's phone page has a
    job to show, the outage's page its crew); how many jobs (0 without such a fault)."""
    outage_id = session.scalar(
        select(Outage.id)
        .where(Outage.kind == Kind.FAULT, Outage.state == OutageState.ACTIVE)
        .order_by(Outage.id.desc())
        .limit(1)
    )
    if outage_id is None:
        return 0
    with clock.using(lambda: anchor):
        crew_jobs.send_outage_to_crew(session, outage_id, by=system("demo"))
    session.flush()
    return 1
