"""Crews, members and vehicles (managed by administrators), the duty roster, a crew's status and
position (from the dispatcher or the crew itself), and which crew to send.

Every use case takes its actor and checks it; reads of many crews are a fixed number of
statements whatever the number of crews.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Final, Literal

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, Role
from quarterhour.access.permissions import Permission, can, require
from quarterhour.crews import labels
from quarterhour.crews.models import (
    OPEN_JOB_STEPS,
    Crew,
    CrewJob,
    CrewMember,
    CrewShift,
    CrewStatus,
    CrewStatusChange,
    Vehicle,
    VehicleKind,
)
from quarterhour.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.kit.masking import mask_phone
from quarterhour.organisation import service as organisation
from quarterhour.organisation.models import Department, DepartmentKind, District, Staff

# Which status may follow which: the dispatcher's board and the crew's phone offer exactly these.
# A crew goes out from standby, arrives, and is back on standby when the job is done (or turned
# back on the way); it goes off duty only from standby, so a crew on a job is never lost.
TRANSITIONS: Final[dict[CrewStatus, tuple[CrewStatus, ...]]] = {
    CrewStatus.OFF_DUTY: (CrewStatus.AVAILABLE,),
    CrewStatus.AVAILABLE: (CrewStatus.EN_ROUTE, CrewStatus.OFF_DUTY),
    CrewStatus.EN_ROUTE: (CrewStatus.ON_SITE, CrewStatus.AVAILABLE),
    CrewStatus.ON_SITE: (CrewStatus.AVAILABLE, CrewStatus.EN_ROUTE),
}

# A time reported from a phone may run a little ahead of the server's clock (the same allowance
# as a step of a work order); beyond that it is a mistake. A status or a position older than a
# day is no news for a dispatcher: it is refused rather than written over the present.
CLOCK_SKEW = timedelta(minutes=2)
OLDEST_REPORT = timedelta(hours=24)
# No shift is longer than a day and a night; a longer one is a typing mistake.
LONGEST_SHIFT = timedelta(hours=24)
# A position older than this says little about where the crew is now: the suggestion falls back
# to the district's roster instead of measuring from it.
FRESH_POSITION = timedelta(hours=1)
EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberView:
    staff_id: int
    name: str
    phone: str | None  # masked (PIPL): lists never show a whole number
    is_leader: bool


@dataclass(frozen=True)
class CrewView:
    crew: Crew
    department_name: str
    district_id: int | None
    district_name: str | None
    members: list[MemberView] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    shifts: list[CrewShift] = field(default_factory=list)
    history: list[CrewStatusChange] = field(default_factory=list)

    @property
    def next_statuses(self) -> tuple[CrewStatus, ...]:
        return TRANSITIONS[CrewStatus(self.crew.status)]


def _views(
    session: Session,
    crews: list[tuple[Crew, str, int | None, str | None]],
    *,
    shifts_from: datetime,
    shifts_to: datetime,
) -> list[CrewView]:
    ids = [crew.id for crew, *_ in crews]
    members: dict[int, list[MemberView]] = defaultdict(list)
    vehicles: dict[int, list[Vehicle]] = defaultdict(list)
    shifts: dict[int, list[CrewShift]] = defaultdict(list)
    if ids:
        for member, name, phone in session.execute(
            select(CrewMember, Staff.full_name, Staff.phone)
            .join(Staff, Staff.id == CrewMember.staff_id)
            .where(CrewMember.crew_id.in_(ids))
            .order_by(CrewMember.is_leader.desc(), Staff.full_name)
        ):
            members[member.crew_id].append(
                MemberView(member.staff_id, name, mask_phone(phone), member.is_leader)
            )
        for vehicle in session.scalars(
            select(Vehicle)
            .where(Vehicle.crew_id.in_(ids), Vehicle.is_active.is_(True))
            .order_by(Vehicle.plate)
        ):
            vehicles[vehicle.crew_id or 0].append(vehicle)
        for shift in session.scalars(
            select(CrewShift)
            .where(
                CrewShift.crew_id.in_(ids),
                CrewShift.starts_at < shifts_to,
                CrewShift.ends_at > shifts_from,
            )
            .order_by(CrewShift.starts_at)
        ):
            shifts[shift.crew_id].append(shift)
    return [
        CrewView(
            crew,
            department,
            district_id,
            district,
            members[crew.id],
            vehicles[crew.id],
            shifts[crew.id],
        )
        for crew, department, district_id, district in crews
    ]


def _crew_rows(
    session: Session, *conditions: object
) -> list[tuple[Crew, str, int | None, str | None]]:
    return [
        (crew, department, district_id, district)
        for crew, department, district_id, district in session.execute(
            select(Crew, Department.name, Department.district_id, District.name)
            .join(Department, Department.id == Crew.department_id)
            .outerjoin(District, District.id == Department.district_id)
            .where(*conditions)  # type: ignore[arg-type]
            .order_by(District.id, Crew.code)
        )
    ]


def _day_of(at: datetime | None) -> tuple[datetime, datetime]:
    day = clock.local_date(at or clock.now())
    return clock.day_span(day, day)


def list_crews(
    session: Session,
    *,
    by: Actor,
    district_id: int | None = None,
    day_of: datetime | None = None,
    include_inactive: bool = False,
) -> list[CrewView]:
    """Every crew with its status, members, vehicles and the shifts of one day (today's)."""
    require(by, Permission.VIEW_CREWS)
    conditions: list[object] = []
    if district_id is not None:
        conditions.append(Department.district_id == district_id)
    if not include_inactive:
        conditions.append(Crew.is_active.is_(True))
    start, end = _day_of(day_of)
    return _views(session, _crew_rows(session, *conditions), shifts_from=start, shifts_to=end)


def get_crew(session: Session, crew_id: int, *, by: Actor) -> CrewView:
    """One crew as in the list, with its status history, newest first."""
    require(by, Permission.VIEW_CREWS)
    return _one_view(session, crew_id)


def reported_crew(session: Session, crew_id: int, *, by: Actor) -> CrewView:
    """The crew as its report left it, for whoever may report for it (a member from his phone
    sees his own crew, not the others')."""
    require(by, Permission.REPORT_CREW)
    _require_own_crew(session, by, crew_id)
    return _one_view(session, crew_id)


def _one_view(session: Session, crew_id: int) -> CrewView:
    rows = _crew_rows(session, Crew.id == crew_id)
    if not rows:
        raise NotFound(f"no crew {crew_id}", field="crew_id")
    start, end = _day_of(None)
    [view] = _views(session, rows, shifts_from=start, shifts_to=end)
    history = list(
        session.scalars(
            select(CrewStatusChange)
            .where(CrewStatusChange.crew_id == crew_id)
            .order_by(CrewStatusChange.id.desc())
            .limit(50)
        )
    )
    return CrewView(**{**view.__dict__, "history": history})


def crew_with_roster(
    session: Session, crew_id: int, *, by: Actor, days: int = 7
) -> tuple[CrewView, list[CrewShift]]:
    """One crew's page: the crew as in the list (with its history) and its shifts from the
    start of today over `days` days. Whoever sees the crews sees any; a member of the crew
    (from his phone) sees his own."""
    if can(by, Permission.VIEW_CREWS):
        require(by, Permission.VIEW_CREWS)  # asked again to be recorded as the request's check
    else:
        require(by, Permission.REPORT_CREW)
        _require_own_crew(session, by, crew_id)
    view = _one_view(session, crew_id)
    start, _ = _day_of(None)
    end = start + timedelta(days=days)
    shifts = list(
        session.scalars(
            select(CrewShift)
            .where(
                CrewShift.crew_id == crew_id,
                CrewShift.starts_at < end,
                CrewShift.ends_at > start,
            )
            .order_by(CrewShift.starts_at)
        )
    )
    return view, shifts


def _crew(session: Session, crew_id: int, *, lock: bool = False) -> Crew:
    statement = select(Crew).where(Crew.id == crew_id)
    if lock:
        # Serialises the writers of one crew's roster on PostgreSQL (SQLite's BEGIN IMMEDIATE
        # already does), so two shifts checked at once cannot both pass the overlap test.
        statement = statement.with_for_update()
    crew = session.scalar(statement)
    if crew is None:
        raise NotFound(f"no crew {crew_id}", field="crew_id")
    return crew


# --- crews, members, vehicles -----------------------------------------------------------------


def _repair_department(session: Session, department_id: int) -> Department:
    department = organisation.get_department(session, department_id, field="department_id")
    if department.kind != DepartmentKind.REPAIR:
        raise ValidationFailed(
            f"department {department_id} is not a repair department", field="department_id"
        )
    return department


def _text(value: str, *, field: str, longest: int) -> str:
    cleaned = bounds.check_text(value, field=field).strip()
    if not cleaned:
        raise ValidationFailed(f"{field}: must not be empty", field=field)
    if len(cleaned) > longest:
        raise ValidationFailed(f"{field}: at most {longest} characters", field=field)
    return cleaned


def create_crew(session: Session, *, by: Actor, code: str, name: str, department_id: int) -> Crew:
    require(by, Permission.MANAGE_CREWS)
    code = _text(code, field="code", longest=32)
    name = _text(name, field="name", longest=64)
    _repair_department(session, department_id)
    if session.scalar(select(Crew.id).where(Crew.code == code)) is not None:
        raise Conflict(f"a crew {code} exists already", field="code")
    now = clock.now()
    crew = Crew(
        code=code,
        name=name,
        department_id=department_id,
        status=CrewStatus.OFF_DUTY,
        status_since=now,
        is_active=True,
        created_at=now,
    )
    session.add(crew)
    session.flush()
    return crew


def edit_crew(
    session: Session,
    crew_id: int,
    *,
    by: Actor,
    name: str | None = None,
    department_id: int | None = None,
    is_active: bool | None = None,
) -> Crew:
    require(by, Permission.MANAGE_CREWS)
    crew = _crew(session, crew_id)
    if name is not None:
        crew.name = _text(name, field="name", longest=64)
    if department_id is not None and department_id != crew.department_id:
        _repair_department(session, department_id)
        if session.scalar(select(CrewMember.id).where(CrewMember.crew_id == crew_id).limit(1)):
            # Members belong to the crew's department; moving the crew would strand them.
            raise Conflict(
                "the crew has members of its department; remove them first",
                field="department_id",
            )
        crew.department_id = department_id
    if is_active is not None:
        crew.is_active = is_active
    session.flush()
    return crew


def add_member(
    session: Session, crew_id: int, *, by: Actor, staff_id: int, is_leader: bool = False
) -> CrewMember:
    require(by, Permission.MANAGE_CREWS)
    crew = _crew(session, crew_id)
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.is_active:
        raise ValidationFailed(f"no active staff member {staff_id}", field="staff_id")
    if staff.role != Role.HANDLER or staff.department_id != crew.department_id:
        raise ValidationFailed(
            f"staff member {staff_id} is not a handler of the crew's department",
            field="staff_id",
        )
    if session.scalar(select(CrewMember.id).where(CrewMember.staff_id == staff_id)) is not None:
        raise Conflict(f"staff member {staff_id} is on a crew already", field="staff_id")
    member = CrewMember(crew_id=crew_id, staff_id=staff_id, is_leader=is_leader)
    session.add(member)
    session.flush()
    return member


def remove_member(session: Session, crew_id: int, *, by: Actor, staff_id: int) -> None:
    require(by, Permission.MANAGE_CREWS)
    _crew(session, crew_id)
    removed = session.execute(
        delete(CrewMember).where(CrewMember.crew_id == crew_id, CrewMember.staff_id == staff_id)
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"staff member {staff_id} is not on crew {crew_id}", field="staff_id")


def set_leader(session: Session, crew_id: int, *, by: Actor, staff_id: int) -> CrewMember:
    """Make a member the crew's leader (班长); a crew has one, so the former leader is one no
    more."""
    require(by, Permission.MANAGE_CREWS)
    _crew(session, crew_id, lock=True)
    member = session.scalar(
        select(CrewMember).where(CrewMember.crew_id == crew_id, CrewMember.staff_id == staff_id)
    )
    if member is None:
        raise NotFound(f"staff member {staff_id} is not on crew {crew_id}", field="staff_id")
    session.execute(
        update(CrewMember)
        .where(CrewMember.crew_id == crew_id)
        .values(is_leader=CrewMember.staff_id == staff_id)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(member)
    return member


def member_candidates(session: Session, crew_id: int, *, by: Actor) -> list[tuple[int, str]]:
    """Who may join the crew: the active handlers of its department on no crew yet, by name."""
    require(by, Permission.MANAGE_CREWS)
    crew = _crew(session, crew_id)
    on_a_crew = select(CrewMember.staff_id)
    return [
        (staff_id, name)
        for staff_id, name in session.execute(
            select(Staff.id, Staff.full_name)
            .where(
                Staff.department_id == crew.department_id,
                Staff.role == Role.HANDLER,
                Staff.is_active.is_(True),
                Staff.id.not_in(on_a_crew),
            )
            .order_by(Staff.full_name, Staff.id)
        )
    ]


def repair_departments(session: Session, *, by: Actor) -> list[Department]:
    """The departments a crew may belong to."""
    require(by, Permission.MANAGE_CREWS)
    return list(
        session.scalars(
            select(Department)
            .where(Department.kind == DepartmentKind.REPAIR)
            .order_by(Department.district_id, Department.id)
        )
    )


def _kind(kind: str) -> VehicleKind:
    try:
        return VehicleKind(kind)
    except ValueError:
        allowed = ", ".join(VehicleKind)
        raise ValidationFailed(f"kind: one of {allowed}", field="kind") from None


def add_vehicle(
    session: Session, *, by: Actor, plate: str, kind: str, crew_id: int | None = None
) -> Vehicle:
    require(by, Permission.MANAGE_CREWS)
    plate = bounds.check_plate(plate)
    vehicle_kind = _kind(kind)
    if crew_id is not None:
        _crew(session, crew_id)
    if session.scalar(select(Vehicle.id).where(Vehicle.plate == plate)) is not None:
        raise Conflict(f"a vehicle {plate} exists already", field="plate")
    vehicle = Vehicle(plate=plate, kind=vehicle_kind, crew_id=crew_id, is_active=True)
    session.add(vehicle)
    session.flush()
    return vehicle


_KEEP: Final = object()


def edit_vehicle(
    session: Session,
    vehicle_id: int,
    *,
    by: Actor,
    kind: str | None = None,
    crew_id: int | object | None = _KEEP,
    is_active: bool | None = None,
) -> Vehicle:
    """Change a vehicle's kind, its crew (None: back to the yard) or whether it is in service."""
    require(by, Permission.MANAGE_CREWS)
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound(f"no vehicle {vehicle_id}", field="vehicle_id")
    if kind is not None:
        vehicle.kind = _kind(kind)
    if crew_id is not _KEEP:
        if isinstance(crew_id, int):
            _crew(session, crew_id)
        vehicle.crew_id = crew_id if isinstance(crew_id, int) else None
    if is_active is not None:
        vehicle.is_active = is_active
    session.flush()
    return vehicle


def list_vehicles(session: Session, *, by: Actor) -> list[Vehicle]:
    require(by, Permission.VIEW_CREWS)
    return list(session.scalars(select(Vehicle).order_by(Vehicle.plate)))


# --- the roster -------------------------------------------------------------------------------


def add_shift(
    session: Session, crew_id: int, *, by: Actor, starts_at: datetime, ends_at: datetime
) -> CrewShift:
    require(by, Permission.ROSTER_CREWS)
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment.tzinfo is None:
            raise ValidationFailed(f"{name}: give the time zone", field=name)
        bounds.check_date(clock.local_date(moment), field=name)
    if ends_at <= starts_at:
        raise ValidationFailed("ends_at: the shift ends after it starts", field="ends_at")
    if ends_at - starts_at > LONGEST_SHIFT:
        raise ValidationFailed("ends_at: a shift is at most 24 hours long", field="ends_at")
    _crew(session, crew_id, lock=True)
    # Half-open spans overlap when each starts before the other ends: back to back is allowed.
    clash = session.scalar(
        select(CrewShift)
        .where(
            CrewShift.crew_id == crew_id,
            CrewShift.starts_at < ends_at,
            CrewShift.ends_at > starts_at,
        )
        .order_by(CrewShift.starts_at)
        .limit(1)
    )
    if clash is not None:
        begins, ends = (
            f"{clock.local(t):%Y-%m-%d %H:%M}" for t in (clash.starts_at, clash.ends_at)
        )
        raise Conflict(
            f"the crew is on duty from {begins} to {ends} already",
            field="starts_at",
            shift_id=clash.id,
        )
    shift = CrewShift(
        crew_id=crew_id,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by_id=by.id,
    )
    session.add(shift)
    session.flush()
    return shift


def remove_shift(session: Session, crew_id: int, *, by: Actor, shift_id: int) -> None:
    require(by, Permission.ROSTER_CREWS)
    removed = session.execute(
        delete(CrewShift).where(CrewShift.id == shift_id, CrewShift.crew_id == crew_id)
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"crew {crew_id} has no shift {shift_id}", field="shift_id")


def roster(
    session: Session, *, by: Actor, start: datetime, end: datetime, crew_id: int | None = None
) -> list[CrewShift]:
    """The shifts that overlap [start, end), by start."""
    require(by, Permission.VIEW_CREWS)
    if end <= start:
        raise ValidationFailed("end: after start", field="end")
    statement = select(CrewShift).where(CrewShift.starts_at < end, CrewShift.ends_at > start)
    if crew_id is not None:
        _crew(session, crew_id)
        statement = statement.where(CrewShift.crew_id == crew_id)
    return list(session.scalars(statement.order_by(CrewShift.starts_at, CrewShift.crew_id)))


def _on_duty_rows(session: Session, district_id: int, at: datetime, *only: object) -> list[Crew]:
    return list(
        session.scalars(
            select(Crew)
            .join(Department, Department.id == Crew.department_id)
            .join(
                CrewShift,
                and_(
                    CrewShift.crew_id == Crew.id,
                    CrewShift.starts_at <= at,
                    CrewShift.ends_at > at,
                ),
            )
            .where(Department.district_id == district_id, Crew.is_active.is_(True), *only)  # type: ignore[arg-type]
            .order_by(Crew.status_since, Crew.id)
        )
    )


def on_duty(
    session: Session, *, by: Actor, district_id: int, at: datetime | None = None
) -> list[Crew]:
    """The district's crews on duty at `at` (now), whatever their status: longest in it first."""
    require(by, Permission.VIEW_CREWS)
    organisation.check_district(session, district_id, field="district_id")
    return _on_duty_rows(session, district_id, at or clock.now())


# --- status and position ----------------------------------------------------------------------


def _require_own_crew(session: Session, by: Actor, crew_id: int) -> None:
    """A handler reports for his own crew only (from his phone); the dispatcher for any."""
    if by.role is not Role.HANDLER:
        return
    member = session.scalar(
        select(CrewMember.id).where(CrewMember.crew_id == crew_id, CrewMember.staff_id == by.id)
    )
    if member is None:
        raise Forbidden("only the crew's own members report for it", permission="report_crew")


def _reported_time(at: datetime | None, *, field: str) -> datetime:
    now = clock.now()
    if at is None:
        return now
    if at.tzinfo is None:
        raise ValidationFailed(f"{field}: give the time zone", field=field)
    if at > now + CLOCK_SKEW:
        raise ValidationFailed(f"{field}: must not be in the future", field=field)
    if at < now - OLDEST_REPORT:
        raise ValidationFailed(f"{field}: at most 24 hours ago", field=field)
    return at


def set_status(
    session: Session, crew_id: int, *, by: Actor, status: str, at: datetime | None = None
) -> Crew:
    """Move the crew to `status` at `at` (now); an illegal move is 409 naming the allowed ones."""
    require(by, Permission.REPORT_CREW)
    try:
        target = CrewStatus(status)
    except ValueError:
        allowed_all = ", ".join(CrewStatus)
        raise ValidationFailed(f"status: one of {allowed_all}", field="status") from None
    when = _reported_time(at, field="at")
    crew = _crew(session, crew_id)
    _require_own_crew(session, by, crew_id)
    current = CrewStatus(crew.status)
    allowed = TRANSITIONS[current]
    if target not in allowed:
        allowed_text = ", ".join(allowed)
        raise IllegalTransition(
            f"a crew that is {current} cannot become {target}; it may become {allowed_text}",
            state=current,
            allowed=list(allowed),
            field="status",
        )
    # Not before the last change (the crew's creation is none: its first status may be dated
    # back to when it really came on).
    last = last_change_at(session, crew_id)
    if last is not None and when < last:
        since = clock.local(last)
        raise ValidationFailed(
            f"at: before the crew's last change, at {since:%Y-%m-%d %H:%M}", field="at"
        )
    return change_status(session, crew, current, target, when, by=by)


def last_change_at(session: Session, crew_id: int) -> datetime | None:
    """When the crew's status last changed (as claimed), if it ever did."""
    return session.scalar(
        select(CrewStatusChange.at)
        .where(CrewStatusChange.crew_id == crew_id)
        .order_by(CrewStatusChange.id.desc())
        .limit(1)
    )


def change_status(
    session: Session,
    crew: Crew,
    current: CrewStatus,
    target: CrewStatus,
    when: datetime,
    *,
    by: Actor,
) -> Crew:
    """The status write and its history row, for callers that checked the move and its time
    (set_status; a crew job's step, crews/jobs.py)."""
    crew_id = crew.id
    # Guarded by the status read: of two changes at once one wins, the other is told (409).
    moved = session.execute(
        update(Crew)
        .where(Crew.id == crew_id, Crew.status == current)
        .values(status=target, status_since=when)
        .execution_options(synchronize_session=False)
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        raise Conflict("the crew's status was changed by someone else; reload", field="status")
    session.add(
        CrewStatusChange(
            crew_id=crew_id,
            from_status=current,
            to_status=target,
            at=when,
            recorded_at=clock.now(),
            by_id=by.id,
            by_name=by.full_name or by.username,
        )
    )
    session.flush()
    session.refresh(crew)
    return crew


def report_position(
    session: Session,
    crew_id: int,
    *,
    by: Actor,
    latitude: float,
    longitude: float,
    reported_at: datetime | None = None,
) -> Crew:
    """The crew's last known position. A report older than the one kept (a phone sending what
    it queued while out of signal) leaves the newer one in place."""
    require(by, Permission.REPORT_CREW)
    lat, lon = bounds.check_coordinates(latitude, longitude)
    when = _reported_time(reported_at, field="reported_at")
    crew = _crew(session, crew_id)
    _require_own_crew(session, by, crew_id)
    return store_position(session, crew, lat, lon, when)


def store_position(
    session: Session, crew: Crew, lat: Decimal, lon: Decimal, when: datetime
) -> Crew:
    """Keep a checked fix unless a newer one is kept already (report_position; a crew job's
    step with the phone's position, crews/jobs.py)."""
    crew_id = crew.id
    session.execute(
        update(Crew)
        .where(
            Crew.id == crew_id,
            or_(Crew.position_reported_at.is_(None), Crew.position_reported_at < when),
        )
        .values(latitude=lat, longitude=lon, position_reported_at=when)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(crew)
    return crew


# --- which crew to send -----------------------------------------------------------------------


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): within a city the road is longer, but the order of
    the crews by it rarely differs, and it needs no map."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Suggestion:
    crew: Crew | None
    reason: Literal["distance", "district", "none"]  # labels.REASON
    distance_km: Decimal | None  # to the tenth of a kilometre, when measured
    candidates: int  # crews of the district on duty and available

    def explanation(self, lang: str) -> str:
        zh, en = labels.REASON[self.reason]
        return (en if lang == "en" else zh).format(km=self.distance_km)


def suggest_crew(
    session: Session,
    *,
    by: Actor,
    district_id: int,
    latitude: float | None,
    longitude: float | None,
    at: datetime | None = None,
    department_id: int | None = None,
) -> Suggestion:
    """The nearest available crew on duty in the district, measured from the positions known
    within the last hour; without one (or without the place: no coordinates), the crew that
    has waited longest on standby. With a department, only its crews (an order routed there is
    worked by them)."""
    require(by, Permission.VIEW_CREWS)
    place = None
    if latitude is not None and longitude is not None:
        place = bounds.check_coordinates(latitude, longitude)
    organisation.check_district(session, district_id, field="district_id")
    when = at or clock.now()
    # A crew already sent somewhere (even before it set off) is not free for the next job.
    busy = exists(
        select(CrewJob.id).where(
            CrewJob.crew_id == Crew.id, CrewJob.step.in_([s.value for s in OPEN_JOB_STEPS])
        )
    )
    only: list[object] = [Crew.status == CrewStatus.AVAILABLE, ~busy]
    if department_id is not None:
        only.append(Crew.department_id == department_id)
    candidates = _on_duty_rows(session, district_id, when, *only)
    return _suggestion(candidates, place, when)


def _suggestion(
    candidates: list[Crew], place: tuple[Decimal, Decimal] | None, when: datetime
) -> Suggestion:
    if place is None:
        return (
            Suggestion(candidates[0], "district", None, len(candidates))
            if candidates
            else Suggestion(None, "none", None, 0)
        )
    lat, lon = place
    measured = [
        (distance_km(float(lat), float(lon), float(c.latitude), float(c.longitude)), c.id, c)
        for c in candidates
        if c.latitude is not None
        and c.longitude is not None
        and c.position_reported_at is not None
        and abs(c.position_reported_at - when) <= FRESH_POSITION
    ]
    if measured:
        km, _, nearest = min(measured)
        return Suggestion(nearest, "distance", Decimal(str(round(km, 1))), len(candidates))
    if candidates:
        return Suggestion(candidates[0], "district", None, len(candidates))
    return Suggestion(None, "none", None, 0)
