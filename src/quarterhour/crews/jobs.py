"""Crew jobs (抢修任务): a crew sent to a repair order or to an outage, and the steps it takes —
接单 accepted, 出发 departed, 到场 arrived, 恢复供电 restored — each dated and checked.

This layer knows the order or the outage only by its id; what a step means for the order's
clocks or the outage's callers is workorders/crew_jobs.py's business.

- The steps go forward in order, each once. 接单 may be skipped: a crew that leaves has taken
  the job (a departure straight after the dispatch records the acceptance at the same moment,
  as two rows of the history). 到场 needs 出发 (a crew is on its way before it is there) and
  恢复供电 needs 到场.
- The time a step claims is never before the dispatch nor the step before it, never ahead of
  the server's clock (beyond the phone's allowed skew), never more than a day ago — the same
  rules as a crew's status report (crews/service.py).
- The crew's status follows through its status history: 出发 → en_route, 到场 → on_site, and
  restored or withdrawn → available once no other job of the crew is on the way or on site.
  A position sent with a step is the crew's last known position (an older fix never replaces
  a newer one).
- A job is written with a guard on the version read: of two taps racing, one wins and the
  other is told (409).
- Sending another crew to the same order or outage withdraws the open job of the crew sent
  before (收回), with its own row in the history.

Services flush, never commit: the entrypoint owns the transaction.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, Role
from quarterhour.access.permissions import Permission, require
from quarterhour.crews import service
from quarterhour.crews.models import (
    OPEN_JOB_STEPS,
    Crew,
    CrewJob,
    CrewJobStep,
    CrewMember,
    CrewStatus,
    JobStep,
)
from quarterhour.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.organisation.models import Department, DepartmentKind

# What may follow each step (the phone page offers exactly the first one).
NEXT: Final[dict[JobStep, tuple[JobStep, ...]]] = {
    JobStep.DISPATCHED: (JobStep.ACCEPTED, JobStep.DEPARTED),
    JobStep.ACCEPTED: (JobStep.DEPARTED,),
    JobStep.DEPARTED: (JobStep.ARRIVED,),
    JobStep.ARRIVED: (JobStep.RESTORED,),
    JobStep.RESTORED: (),
    JobStep.WITHDRAWN: (),
}
OPEN_STEPS: Final = OPEN_JOB_STEPS
# The steps a crew takes itself (withdrawing is the dispatcher's).
CREW_STEPS: Final = (JobStep.ACCEPTED, JobStep.DEPARTED, JobStep.ARRIVED, JobStep.RESTORED)
# The crew status each step puts the crew in.
STATUS_OF: Final[dict[JobStep, CrewStatus]] = {
    JobStep.DEPARTED: CrewStatus.EN_ROUTE,
    JobStep.ARRIVED: CrewStatus.ON_SITE,
}
# How a crew was chosen (crew_job.chosen_by).
CHOSEN_BY: Final = ("distance", "district", "manual", "automatic")
NOTE_LENGTH = 200


def _at_column(step: JobStep) -> str:
    return f"{step}_at"


def next_steps(job: CrewJob) -> tuple[JobStep, ...]:
    return NEXT[JobStep(job.step)]


def step_at(job: CrewJob) -> datetime:
    """When the job's current step was taken (its dispatch while none was)."""
    at: datetime | None = getattr(job, _at_column(JobStep(job.step)))
    return at or job.dispatched_at


def last_step_at(job: CrewJob) -> datetime:
    """When the job's latest step happened (its dispatch, before any step)."""
    times = [job.dispatched_at, job.accepted_at, job.departed_at, job.arrived_at]
    return max(t for t in times if t is not None)


# --- sending ----------------------------------------------------------------------------------


def _dispatchable_crew(session: Session, crew_id: int) -> Crew:
    found = session.execute(
        select(Crew, Department.kind)
        .join(Department, Department.id == Crew.department_id)
        .where(Crew.id == crew_id)
    ).first()
    if found is None:
        raise NotFound(f"no crew {crew_id}", field="crew_id")
    crew, kind = found
    if not crew.is_active or kind != DepartmentKind.REPAIR:
        raise ValidationFailed(
            f"crew {crew_id} is not an active crew of a repair department", field="crew_id"
        )
    if crew.status == CrewStatus.OFF_DUTY:
        raise Conflict(f"crew {crew_id} is off duty; send a crew on duty", field="crew_id")
    return crew


def _target(work_order_id: int | None, outage_id: int | None) -> object:
    if (work_order_id is None) == (outage_id is None):
        raise ValueError("a job is for an order or for an outage")
    if work_order_id is not None:
        return CrewJob.work_order_id == work_order_id
    return CrewJob.outage_id == outage_id


def new_job(
    crew: Crew,
    *,
    at: datetime,
    chosen_by: str,
    by: Actor,
    work_order_id: int | None = None,
    outage_id: int | None = None,
    distance_km: Decimal | None = None,
) -> CrewJob:
    """The job's row, unsaved: dispatch_job adds it; intake writes it with the new order in its
    one statement (an automatic dispatch)."""
    _target(work_order_id, outage_id)
    if chosen_by not in CHOSEN_BY:
        raise ValidationFailed(f"chosen_by: one of {', '.join(CHOSEN_BY)}", field="chosen_by")
    return CrewJob(
        crew_id=crew.id,
        work_order_id=work_order_id,
        outage_id=outage_id,
        step=JobStep.DISPATCHED.value,
        dispatched_at=at,
        dispatched_by_id=by.id,
        chosen_by=chosen_by,
        distance_km=distance_km,
        version=1,
    )


def dispatch_job(
    session: Session,
    crew_id: int,
    *,
    by: Actor,
    chosen_by: str,
    work_order_id: int | None = None,
    outage_id: int | None = None,
    distance_km: Decimal | None = None,
) -> CrewJob:
    """派给班组: a job for the crew, now. The open job of another crew for the same order or
    outage is withdrawn; the same crew's open job is the job (sending it twice is a 409)."""
    require(by, Permission.DISPATCH_CREWS)
    condition = _target(work_order_id, outage_id)
    crew = _dispatchable_crew(session, crew_id)
    now = clock.now()
    # Read whole (and locked on PostgreSQL) before any of them is written.
    open_jobs = session.scalars(
        select(CrewJob)
        .where(condition, CrewJob.step.in_([str(s) for s in OPEN_STEPS]))  # type: ignore[arg-type]
        .order_by(CrewJob.id)
        .with_for_update()
    ).all()
    for job in open_jobs:
        if job.crew_id == crew_id:
            raise Conflict(
                f"crew {crew_id} has this work already (job {job.id})",
                field="crew_id",
                job_id=job.id,
            )
    for job in open_jobs:
        _withdraw(session, job, by=by, at=now, note=f"改派 {crew.name}")
    job = new_job(
        crew,
        at=now,
        chosen_by=chosen_by,
        by=by,
        work_order_id=work_order_id,
        outage_id=outage_id,
        distance_km=distance_km,
    )
    session.add(job)
    session.flush()
    return job


def withdraw_job(session: Session, job_id: int, *, by: Actor, note: str | None = None) -> CrewJob:
    """收回: the job is no longer the crew's (the dispatcher's call)."""
    require(by, Permission.DISPATCH_CREWS)
    job = _job(session, job_id)
    if JobStep(job.step) not in OPEN_STEPS:
        raise IllegalTransition(
            f"job {job_id} is {job.step} already", state=job.step, allowed=[], field="step"
        )
    text = bounds.check_text(note, field="note") if note else None
    _withdraw(session, job, by=by, at=clock.now(), note=text)
    return job


def _withdraw(session: Session, job: CrewJob, *, by: Actor, at: datetime, note: str | None) -> None:
    was = JobStep(job.step)
    _guarded_write(session, job, JobStep.WITHDRAWN, {"withdrawn_at": at})
    session.add(
        CrewJobStep(
            job_id=job.id,
            step=JobStep.WITHDRAWN.value,
            at=at,
            recorded_at=at,
            by_id=by.id,
            note=note[:NOTE_LENGTH] if note else None,
        )
    )
    session.flush()
    if was in (JobStep.DEPARTED, JobStep.ARRIVED):  # only then did the job move the crew
        _back_on_standby(session, job, at, by=by)


def close_for_outage(session: Session, outage_id: int, *, by: Actor, at: datetime) -> int:
    """The outage restored from its page or the API, not from the crew's phone: the crews still
    on it are done, so none stays 到场 on supply that is back — a crew on site restored it then
    (never before its arrival), one not there yet is withdrawn. Returns how many jobs closed."""
    require(by, Permission.MANAGE_OUTAGES)
    open_jobs = session.scalars(
        select(CrewJob)
        .where(CrewJob.outage_id == outage_id, CrewJob.step.in_([s.value for s in OPEN_STEPS]))
        .order_by(CrewJob.id)
    ).all()
    now = clock.now()
    for job in open_jobs:
        if JobStep(job.step) is JobStep.ARRIVED:
            when = max(at, last_step_at(job))
            _guarded_write(session, job, JobStep.RESTORED, {"restored_at": when})
            session.add(
                CrewJobStep(
                    job_id=job.id,
                    step=JobStep.RESTORED.value,
                    at=when,
                    recorded_at=now,
                    by_id=by.id,
                    note="停电已登记复电",
                )
            )
            session.flush()
            _back_on_standby(session, job, when, by=by)
        else:
            _withdraw(session, job, by=by, at=now, note="停电已复电")
    return len(open_jobs)


def withdraw_for_orders(
    session: Session, work_order_ids: list[int], *, by: Actor, note: str
) -> int:
    """Calls joined to an outage: the crews sent to them one by one are withdrawn (the outage
    has its own crew), each back on standby if it had set off. Returns how many jobs."""
    require(by, Permission.MANAGE_OUTAGES)
    open_jobs = session.scalars(
        select(CrewJob)
        .where(
            CrewJob.work_order_id.in_(work_order_ids),
            CrewJob.step.in_([s.value for s in OPEN_STEPS]),
        )
        .order_by(CrewJob.id)
    ).all()
    now = clock.now()
    for job in open_jobs:
        _withdraw(session, job, by=by, at=now, note=note)
    return len(open_jobs)


# --- steps ------------------------------------------------------------------------------------


def _job(session: Session, job_id: int) -> CrewJob:
    job = session.get(CrewJob, job_id, populate_existing=True)
    if job is None:
        raise NotFound(f"no crew job {job_id}", field="job_id")
    return job


def _require_may_step(session: Session, by: Actor, crew_id: int) -> None:
    """The crew's own members from their phones; the dispatcher or a supervisor for any crew
    (a step called in on the radio)."""
    if by.role is Role.HANDLER:
        require(by, Permission.REPORT_CREW)
        service._require_own_crew(session, by, crew_id)
        return
    require(by, Permission.DISPATCH_CREWS)


@dataclass(frozen=True)
class Taken:
    """A step taken: the job as written, the step, the time it claims, and the steps recorded
    (two when a departure records the skipped acceptance too)."""

    job: CrewJob
    step: JobStep
    at: datetime
    recorded: tuple[JobStep, ...]


def take_step(
    session: Session,
    job_id: int,
    step: str,
    *,
    by: Actor,
    at: datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    note: str | None = None,
    version: int | None = None,
) -> Taken:
    """One step of the job at `at` (now), with the phone's position when it gave one."""
    try:
        wanted = JobStep(step)
    except ValueError:
        raise ValidationFailed(f"step: one of {', '.join(CREW_STEPS)}", field="step") from None
    if wanted not in CREW_STEPS:
        raise ValidationFailed(f"step: one of {', '.join(CREW_STEPS)}", field="step")
    job = _job(session, job_id)
    _require_may_step(session, by, job.crew_id)
    if version is not None and version != job.version:
        raise Conflict(
            f"the job changed since version {version}; it is now {job.step}",
            field="version",
            step=job.step,
            version=job.version,
        )
    current = JobStep(job.step)
    allowed = NEXT[current]
    if wanted not in allowed:
        raise IllegalTransition(
            f"a job that is {current} cannot be {wanted}",
            state=current,
            allowed=[str(s) for s in allowed],
            field="step",
            version=job.version,
        )
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise ValidationFailed(f"{missing}: a position has both coordinates", field=missing)
    position = None
    if latitude is not None and longitude is not None:
        position = bounds.check_coordinates(latitude, longitude)
    when = service._reported_time(at, field="at")
    previous = last_step_at(job)
    if when < previous:
        since = clock.local(previous)
        if current is JobStep.DISPATCHED:
            raise ValidationFailed(
                f"at: before the crew was sent ({since:%Y-%m-%d %H:%M})", field="at"
            )
        raise ValidationFailed(f"at: before the step before ({since:%Y-%m-%d %H:%M})", field="at")
    recorded = [wanted]
    values: dict[str, datetime] = {_at_column(wanted): when}
    if wanted is JobStep.DEPARTED and job.accepted_at is None:
        recorded.insert(0, JobStep.ACCEPTED)
        values["accepted_at"] = when
    _guarded_write(session, job, wanted, values)
    now = clock.now()
    lat, lon = position if position is not None else (None, None)
    text = bounds.check_text(note, field="note") if note else None
    for taken in recorded:
        session.add(
            CrewJobStep(
                job_id=job.id,
                step=taken.value,
                at=when,
                recorded_at=now,
                by_id=by.id,
                latitude=lat,
                longitude=lon,
                note=text[:NOTE_LENGTH] if text and taken is wanted else None,
            )
        )
    session.flush()
    crew = session.get_one(Crew, job.crew_id)
    if position is not None:
        service.store_position(session, crew, position[0], position[1], when)
    if wanted in STATUS_OF:
        _follow(session, crew, STATUS_OF[wanted], when, by=by)
    elif wanted is JobStep.RESTORED:
        _back_on_standby(session, job, when, by=by)
    session.refresh(job)
    return Taken(job, wanted, when, tuple(recorded))


def _guarded_write(
    session: Session, job: CrewJob, step: JobStep, values: dict[str, datetime]
) -> None:
    seen = job.version
    written = session.execute(
        update(CrewJob)
        .where(CrewJob.id == job.id, CrewJob.version == seen)
        .values(step=step.value, version=seen + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if not written.rowcount:  # type: ignore[attr-defined]
        raise Conflict("the job was changed by someone else; reload", field="step", job_id=job.id)
    session.expire(job)


def _path(current: CrewStatus, target: CrewStatus) -> list[CrewStatus]:
    """The shortest way through the crew's status moves (off duty → available → en route)."""
    routes: deque[list[CrewStatus]] = deque([[current]])
    seen = {current}
    while routes:
        route = routes.popleft()
        if route[-1] is target:
            return route[1:]
        for following in service.TRANSITIONS[route[-1]]:
            if following not in seen:
                seen.add(following)
                routes.append([*route, following])
    return []


def _follow(session: Session, crew: Crew, target: CrewStatus, when: datetime, *, by: Actor) -> None:
    """The crew's status follows its job, through its status history. A step dated before the
    crew's last change (entered late) changes the status as of that change, so the history
    stays in order."""
    current = CrewStatus(crew.status)
    last = service.last_change_at(session, crew.id)
    at = when if last is None else max(when, last)
    for status in _path(current, target):
        service.change_status(session, crew, current, status, at, by=by)
        current = status


def _back_on_standby(session: Session, job: CrewJob, when: datetime, *, by: Actor) -> None:
    """Restored or withdrawn: the crew is available again unless another of its jobs has it on
    the way or on site."""
    busy = session.scalar(
        select(CrewJob.id)
        .where(
            CrewJob.crew_id == job.crew_id,
            CrewJob.id != job.id,
            CrewJob.step.in_([JobStep.DEPARTED.value, JobStep.ARRIVED.value]),
        )
        .limit(1)
    )
    if busy is not None:
        return
    crew = session.get_one(Crew, job.crew_id)
    if crew.status in (CrewStatus.EN_ROUTE, CrewStatus.ON_SITE):
        _follow(session, crew, CrewStatus.AVAILABLE, when, by=by)


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobView:
    job: CrewJob
    crew_name: str
    steps: list[CrewJobStep]

    @property
    def next_steps(self) -> tuple[JobStep, ...]:
        return NEXT[JobStep(self.job.step)]

    @property
    def is_open(self) -> bool:
        return JobStep(self.job.step) in OPEN_STEPS


def _views(session: Session, *conditions: object, limit: int = 50) -> list[JobView]:
    rows = session.execute(
        select(CrewJob, Crew.name)
        .join(Crew, Crew.id == CrewJob.crew_id)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(CrewJob.dispatched_at.desc(), CrewJob.id.desc())
        .limit(limit)
    ).all()
    ids = [job.id for job, _ in rows]
    steps: dict[int, list[CrewJobStep]] = {i: [] for i in ids}
    if ids:
        for step in session.scalars(
            select(CrewJobStep).where(CrewJobStep.job_id.in_(ids)).order_by(CrewJobStep.id)
        ):
            steps[step.job_id].append(step)
    return [JobView(job, name, steps[job.id]) for job, name in rows]


def get_job(session: Session, job_id: int, *, by: Actor) -> JobView:
    job = _job(session, job_id)
    if by.role is Role.HANDLER:
        require(by, Permission.REPORT_CREW)
        service._require_own_crew(session, by, job.crew_id)
    else:
        require(by, Permission.VIEW_CREWS)
    return _views(session, CrewJob.id == job_id)[0]


def jobs_for_crew(
    session: Session, crew_id: int, *, by: Actor, open_only: bool = False, limit: int = 50
) -> list[JobView]:
    """The crew's jobs, newest first (its own members and the centre see them)."""
    service._crew(session, crew_id)
    if by.role is Role.HANDLER:
        require(by, Permission.REPORT_CREW)
        service._require_own_crew(session, by, crew_id)
    else:
        require(by, Permission.VIEW_CREWS)
    conditions: list[object] = [CrewJob.crew_id == crew_id]
    if open_only:
        conditions.append(CrewJob.step.in_([str(s) for s in OPEN_STEPS]))
    return _views(session, *conditions, limit=limit)


def open_jobs_for_crew(session: Session, crew_id: int, *, by: Actor) -> list[JobView]:
    return jobs_for_crew(session, crew_id, by=by, open_only=True)


def jobs_for_order(session: Session, work_order_id: int, *, by: Actor) -> list[JobView]:
    """Every crew sent to the order, newest first (the caller checked who may see the order)."""
    require(by, Permission.VIEW_ORDERS)
    return _views(session, CrewJob.work_order_id == work_order_id)


def jobs_for_outage(session: Session, outage_id: int, *, by: Actor) -> list[JobView]:
    require(by, Permission.VIEW_OUTAGES)
    return _views(session, CrewJob.outage_id == outage_id)


def crew_of(session: Session, by: Actor) -> Crew | None:
    """The crew the actor is a member of, if any (the phone page's crew)."""
    require(by, Permission.REPORT_CREW)
    if by.id is None:
        return None
    return session.scalar(
        select(Crew)
        .join(CrewMember, CrewMember.crew_id == Crew.id)
        .where(CrewMember.staff_id == by.id)
    )


@dataclass(frozen=True)
class OutageCrew:
    """The crew on an outage, as the desk tells the next caller: who, which step, since when."""

    crew: str
    step: str  # JobStep
    at: datetime


def crews_on_outages(session: Session, outage_ids: list[int]) -> dict[int, OutageCrew]:
    """The latest crew sent to each outage and not withdrawn (one statement for all of them);
    outages without one are left out. Read by whoever may see the outage."""
    if not outage_ids:
        return {}
    rows = session.execute(
        select(CrewJob, Crew.name)
        .join(Crew, Crew.id == CrewJob.crew_id)
        .where(
            CrewJob.outage_id.in_(sorted(set(outage_ids))),
            CrewJob.step != JobStep.WITHDRAWN.value,
        )
        .order_by(CrewJob.outage_id, CrewJob.id)
    ).all()
    found: dict[int, OutageCrew] = {}
    for job, name in rows:  # the later job of an outage overwrites the earlier
        assert job.outage_id is not None
        found[job.outage_id] = OutageCrew(name, job.step, step_at(job))
    return found
