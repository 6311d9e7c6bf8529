"""Crew jobs through their use cases, on every configured database: the steps in order and each
once, their times checked (never before the dispatch or the step before, never ahead), the
crew's status and position following, the job withdrawn when another crew is sent, and two taps
racing told apart."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, system
from quarterhour.crews import jobs
from quarterhour.crews import service as crews
from quarterhour.crews.models import Crew, CrewJob, CrewJobStep, CrewStatusChange
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation import staff_accounts
from quarterhour.outages.models import Outage

ADMIN = system("test")


def _actor(org: Organisation, username: str) -> Actor:
    return staff_accounts.actor_of(
        org.staff[username], "repair" if username.startswith("repair-") else None
    )


def _ready_crew(session: Session, org: Organisation, code: str, district: str = "baohe") -> Crew:
    crew = crews.create_crew(
        session, by=ADMIN, code=code, name=f"{code}班", department_id=org.dept(f"repair-{district}")
    )
    crews.set_status(session, crew.id, by=ADMIN, status="available")
    return crew


def _outage(session: Session, at: datetime) -> int:
    outage = Outage(
        kind="fault",
        state="active",
        cause="台区变压器故障",
        starts_at=at,
        expected_restoration_at=at + timedelta(hours=3),
        started_at=at,
        created_at=at,
    )
    session.add(outage)
    session.flush()
    return outage.id


def test_steps_go_forward_each_once_and_the_crew_follows(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = _ready_crew(session, org, "BH-1")
    crews.add_member(session, crew.id, by=ADMIN, staff_id=org.staff["repair-baohe"].id)
    member = _actor(org, "repair-baohe")
    dispatcher = _actor(org, "dispatcher")
    t0 = frozen_clock.now
    job = jobs.dispatch_job(
        session,
        crew.id,
        by=dispatcher,
        chosen_by="distance",
        outage_id=_outage(session, t0),
        distance_km=None,
    )
    assert (job.step, job.dispatched_at, job.dispatched_by_id) == (
        "dispatched",
        t0,
        org.staff["dispatcher"].id,
    )
    # Arriving needs leaving first; nothing goes back.
    with pytest.raises(IllegalTransition) as early:
        jobs.take_step(session, job.id, "arrived", by=member)
    assert early.value.details["allowed_actions"] == ["accepted", "departed"]

    frozen_clock.advance(minutes=2)
    jobs.take_step(session, job.id, "accepted", by=member)
    with pytest.raises(IllegalTransition):
        jobs.take_step(session, job.id, "accepted", by=member)
    frozen_clock.advance(minutes=3)
    taken = jobs.take_step(session, job.id, "departed", by=member, latitude=31.79, longitude=117.3)
    assert taken.job.step == "departed"
    session.refresh(crew)
    assert crew.status == "en_route"
    assert (float(crew.latitude or 0), crew.position_reported_at) == (31.79, frozen_clock.now)
    frozen_clock.advance(minutes=20)
    jobs.take_step(
        session, job.id, "arrived", by=member, at=frozen_clock.now - timedelta(minutes=1)
    )
    session.refresh(crew)
    assert crew.status == "on_site"
    frozen_clock.advance(minutes=50)
    done = jobs.take_step(session, job.id, "restored", by=member)
    assert done.job.restored_at == frozen_clock.now
    session.refresh(crew)
    assert crew.status == "available"
    assert jobs.open_jobs_for_crew(session, crew.id, by=member) == []

    steps = session.scalars(
        select(CrewJobStep).where(CrewJobStep.job_id == job.id).order_by(CrewJobStep.id)
    ).all()
    assert [s.step for s in steps] == ["accepted", "departed", "arrived", "restored"]
    assert steps[2].at == t0 + timedelta(minutes=24) and steps[2].recorded_at == t0 + timedelta(
        minutes=25
    )
    assert {s.by_id for s in steps} == {org.staff["repair-baohe"].id}
    history = session.scalars(
        select(CrewStatusChange.to_status)
        .where(CrewStatusChange.crew_id == crew.id)
        .order_by(CrewStatusChange.id)
    ).all()
    assert history == ["available", "en_route", "on_site", "available"]


def test_departing_without_accepting_records_the_acceptance_too(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = _ready_crew(session, org, "BH-1")
    dispatcher = _actor(org, "dispatcher")
    job = jobs.dispatch_job(
        session, crew.id, by=dispatcher, chosen_by="manual", outage_id=_outage(session, clock.now())
    )
    frozen_clock.advance(minutes=1)
    taken = jobs.take_step(session, job.id, "departed", by=dispatcher)
    assert taken.recorded == ("accepted", "departed")
    assert taken.job.accepted_at == taken.job.departed_at == frozen_clock.now


def test_a_step_time_is_never_before_the_dispatch_nor_ahead(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = _ready_crew(session, org, "BH-1")
    dispatcher = _actor(org, "dispatcher")
    job = jobs.dispatch_job(
        session, crew.id, by=dispatcher, chosen_by="manual", outage_id=_outage(session, clock.now())
    )
    t0 = frozen_clock.now
    for at in (t0 - timedelta(minutes=1), t0 + timedelta(minutes=10)):
        with pytest.raises(ValidationFailed) as refused:
            jobs.take_step(session, job.id, "accepted", by=dispatcher, at=at)
        assert refused.value.field == "at"
    frozen_clock.advance(minutes=30)
    jobs.take_step(session, job.id, "departed", by=dispatcher, at=t0 + timedelta(minutes=10))
    with pytest.raises(ValidationFailed) as before_previous:
        jobs.take_step(session, job.id, "arrived", by=dispatcher, at=t0 + timedelta(minutes=5))
    assert "before the step before" in str(before_previous.value)
    with pytest.raises(ValidationFailed) as half:
        jobs.take_step(session, job.id, "arrived", by=dispatcher, latitude=31.8)
    assert half.value.field == "longitude"
    with pytest.raises(ValidationFailed) as unknown:
        jobs.take_step(session, job.id, "withdrawn", by=dispatcher)
    assert unknown.value.field == "step"


def test_only_the_crew_or_the_centre_takes_steps(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = _ready_crew(session, org, "BH-1")
    job = jobs.dispatch_job(
        session,
        crew.id,
        by=_actor(org, "dispatcher"),
        chosen_by="manual",
        outage_id=_outage(session, clock.now()),
    )
    # A repair handler who is not on this crew, and an agent.
    with pytest.raises(Forbidden):
        jobs.take_step(session, job.id, "accepted", by=_actor(org, "repair-baohe"))
    with pytest.raises(Forbidden):
        jobs.take_step(session, job.id, "accepted", by=_actor(org, "agent"))
    with pytest.raises(Forbidden):
        jobs.dispatch_job(
            session, crew.id, by=_actor(org, "agent"), chosen_by="manual", outage_id=job.outage_id
        )
    jobs.take_step(session, job.id, "accepted", by=_actor(org, "supervisor"))


def test_sending_another_crew_withdraws_the_first(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    first, second = _ready_crew(session, org, "BH-1"), _ready_crew(session, org, "BH-2")
    dispatcher = _actor(org, "dispatcher")
    outage_id = _outage(session, clock.now())
    job = jobs.dispatch_job(
        session, first.id, by=dispatcher, chosen_by="manual", outage_id=outage_id
    )
    jobs.take_step(session, job.id, "departed", by=dispatcher)
    session.refresh(first)
    assert first.status == "en_route"
    with pytest.raises(Conflict):  # the same crew twice
        jobs.dispatch_job(session, first.id, by=dispatcher, chosen_by="manual", outage_id=outage_id)
    frozen_clock.advance(minutes=5)
    other = jobs.dispatch_job(
        session, second.id, by=dispatcher, chosen_by="district", outage_id=outage_id
    )
    session.refresh(job)
    session.refresh(first)
    assert (job.step, job.withdrawn_at) == ("withdrawn", frozen_clock.now)
    assert first.status == "available"  # turned back on the way
    assert [v.job.id for v in jobs.jobs_for_outage(session, outage_id, by=dispatcher)] == [
        other.id,
        job.id,
    ]
    with pytest.raises(IllegalTransition):
        jobs.take_step(session, job.id, "arrived", by=dispatcher)


def test_a_crew_off_duty_is_not_sent(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = crews.create_crew(
        session, by=ADMIN, code="BH-9", name="BH-9班", department_id=org.dept("repair-baohe")
    )
    with pytest.raises(Conflict) as refused:
        jobs.dispatch_job(
            session,
            crew.id,
            by=_actor(org, "dispatcher"),
            chosen_by="manual",
            outage_id=_outage(session, clock.now()),
        )
    assert refused.value.field == "crew_id"


def test_two_taps_racing_one_wins_the_other_is_told(
    session: Session, org: Organisation, frozen_clock: Any
) -> None:
    crew = _ready_crew(session, org, "BH-1")
    dispatcher = _actor(org, "dispatcher")
    job = jobs.dispatch_job(
        session, crew.id, by=dispatcher, chosen_by="manual", outage_id=_outage(session, clock.now())
    )
    seen = job.version
    jobs.take_step(session, job.id, "accepted", by=dispatcher, version=seen)
    # The second tap read the job before the first was written.
    with pytest.raises(Conflict) as late:
        jobs.take_step(session, job.id, "departed", by=dispatcher, version=seen)
    assert late.value.status_code == 409
    stale = session.get_one(CrewJob, job.id)
    session.expunge(stale)
    stale.version = seen
    with pytest.raises(Conflict):
        jobs._guarded_write(session, stale, jobs.JobStep.DEPARTED, {})
