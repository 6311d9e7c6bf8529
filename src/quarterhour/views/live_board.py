"""The dispatcher's live board: the outages on now (and the planned ones starting today) with the
calls linked to each and the crew sent to it, the crews of the viewer's district with their
current job, and the transformer areas for the map — a read across outages, crews and the
closed loop, so it lives here above them.

A fixed number of statements whatever the number of outages, crews or areas; no personal data
(the board hangs on a wall: crews by code and name, no members, no phones)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.crews import jobs as crew_jobs
from quarterhour.crews.models import OPEN_JOB_STEPS, Crew, CrewJob
from quarterhour.kit import clock
from quarterhour.organisation.models import Department, District
from quarterhour.outages.lifecycle import State
from quarterhour.outages.models import Feeder, Outage, OutageTransformer, TransformerArea
from quarterhour.workorders.models import WorkOrder

LIMIT = 100  # outages shown; more than this at once is a storm the list cannot help with


@dataclass(frozen=True)
class Job:
    """A crew's open job: for an order (its number) or for an outage."""

    crew_id: int
    crew_code: str
    crew_name: str
    step: str  # JobStep
    dispatched_at: datetime
    step_at: datetime  # when the current step was taken
    work_order_id: int | None
    order_number: str | None
    outage_id: int | None


@dataclass(frozen=True)
class OutageLine:
    outage: Outage
    late: bool  # on, and its expected restoration has passed
    calls: int  # work orders linked to it
    job: Job | None  # the crew sent, if any (the latest open job)


@dataclass(frozen=True)
class CrewLine:
    crew: Crew
    district: str | None
    job: Job | None
    position_age: timedelta | None  # since the last position report


@dataclass(frozen=True)
class Area:
    id: int
    code: str
    name: str
    feeder: str
    latitude: Decimal | None
    longitude: Decimal | None
    state: str  # "supplied", "active" or "planned" (today)


@dataclass(frozen=True)
class LiveBoard:
    as_of: datetime
    outages: list[OutageLine]
    crews: list[CrewLine]
    areas: list[Area]
    covers: dict[int, list[str]]  # outage → codes of its transformer areas
    district: str | None  # the viewer's district, when the crews are only its


def live_board(session: Session, *, by: Actor, now: datetime | None = None) -> LiveBoard:
    require(by, Permission.VIEW_OUTAGES)
    require(by, Permission.VIEW_CREWS)
    now = now or clock.now()
    today_ends = clock.day_span(clock.local_date(now), clock.local_date(now))[1]
    outages = list(
        session.scalars(
            select(Outage)
            .where(
                or_(
                    Outage.state == State.ACTIVE,
                    # Planned (or announced) to start before today is out: the crews get ready.
                    Outage.state.in_([State.PLANNED, State.ANNOUNCED])
                    & (Outage.starts_at < today_ends),
                )
            )
            .order_by(Outage.state != State.ACTIVE, Outage.started_at, Outage.starts_at, Outage.id)
            .limit(LIMIT)
        )
    )
    ids = [o.id for o in outages]
    calls: dict[int, int] = {}
    covers: dict[int, list[str]] = defaultdict(list)
    state_of: dict[int, str] = {}
    if ids:
        calls = {
            outage_id: int(n)
            for outage_id, n in session.execute(
                select(WorkOrder.outage_id, func.count())
                .where(WorkOrder.outage_id.in_(ids))
                .group_by(WorkOrder.outage_id)
            )
            if outage_id is not None
        }
        active = {o.id for o in outages if o.state == State.ACTIVE}
        for outage_id, transformer_id, code in session.execute(
            select(OutageTransformer.outage_id, TransformerArea.id, TransformerArea.code)
            .join(TransformerArea, TransformerArea.id == OutageTransformer.transformer_id)
            .where(OutageTransformer.outage_id.in_(ids))
            .order_by(OutageTransformer.outage_id, TransformerArea.code)
        ):
            covers[outage_id].append(code)
            if outage_id in active or state_of.get(transformer_id) != "active":
                state_of[transformer_id] = "active" if outage_id in active else "planned"
    district_id, district = _scope(session, by)
    crew_rows = session.execute(
        select(Crew, District.name)
        .join(Department, Department.id == Crew.department_id)
        .outerjoin(District, District.id == Department.district_id)
        .where(
            Crew.is_active.is_(True),
            *([Department.district_id == district_id] if district_id is not None else []),
        )
        .order_by(District.id, Crew.code)
    ).all()
    crew_ids = [crew.id for crew, _ in crew_rows]
    jobs = _open_jobs(session, crew_ids, ids)
    by_crew = {job.crew_id: job for job in jobs if job.crew_id in crew_ids}
    by_outage: dict[int, Job] = {}
    for job in jobs:
        if job.outage_id is not None:
            by_outage.setdefault(job.outage_id, job)
    areas = [
        Area(id_, code, name, feeder, lat, lon, state_of.get(id_, "supplied"))
        for id_, code, name, feeder, lat, lon in session.execute(
            select(
                TransformerArea.id,
                TransformerArea.code,
                TransformerArea.name,
                Feeder.code,
                TransformerArea.latitude,
                TransformerArea.longitude,
            )
            .join(Feeder, Feeder.id == TransformerArea.feeder_id)
            .order_by(TransformerArea.code)
        )
    ]
    return LiveBoard(
        as_of=now,
        outages=[
            OutageLine(
                o,
                late=o.state == State.ACTIVE and o.expected_restoration_at < now,
                calls=calls.get(o.id, 0),
                job=by_outage.get(o.id),
            )
            for o in outages
        ],
        crews=[
            CrewLine(
                crew,
                name,
                by_crew.get(crew.id),
                now - crew.position_reported_at if crew.position_reported_at else None,
            )
            for crew, name in crew_rows
        ],
        areas=areas,
        covers=dict(covers),
        district=district,
    )


def _scope(session: Session, by: Actor) -> tuple[int | None, str | None]:
    """The district whose crews the viewer sees: his department's, or every district's when his
    department serves them all (the service centre) or he has none."""
    if by.department_id is None:
        return None, None
    row = session.execute(
        select(Department.district_id, District.name)
        .outerjoin(District, District.id == Department.district_id)
        .where(Department.id == by.department_id)
    ).first()
    if row is None or row.district_id is None:
        return None, None
    return row.district_id, row.name


def _open_jobs(session: Session, crew_ids: list[int], outage_ids: list[int]) -> list[Job]:
    """The open jobs of these crews or for these outages, newest first."""
    if not crew_ids and not outage_ids:
        return []
    rows = session.execute(
        select(CrewJob, Crew.code, Crew.name, WorkOrder.number)
        .join(Crew, Crew.id == CrewJob.crew_id)
        .outerjoin(WorkOrder, WorkOrder.id == CrewJob.work_order_id)
        .where(
            CrewJob.step.in_([s.value for s in OPEN_JOB_STEPS]),
            or_(CrewJob.crew_id.in_(crew_ids), CrewJob.outage_id.in_(outage_ids)),
        )
        .order_by(CrewJob.dispatched_at.desc(), CrewJob.id.desc())
    )
    return [
        Job(
            crew_id=job.crew_id,
            crew_code=code,
            crew_name=name,
            step=job.step,
            dispatched_at=job.dispatched_at,
            step_at=crew_jobs.step_at(job),
            work_order_id=job.work_order_id,
            order_number=number,
            outage_id=job.outage_id,
        )
        for job, code, name, number in rows
    ]
