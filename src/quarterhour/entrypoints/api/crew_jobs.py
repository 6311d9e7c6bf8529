"""Crew jobs: a crew sent to a fault repair or an outage (the nearest one suggested), the jobs
of a crew, and the crew's steps (接单, 出发, 到场, 恢复供电) with the time and the phone's position."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from quarterhour.crews import jobs
from quarterhour.crews import service as crews
from quarterhour.crews.models import CrewJob, CrewJobStep, JobStep
from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.kit.bounds import DbId, Latitude, Longitude, SaneDateTime, Text
from quarterhour.workorders import crew_jobs

router = APIRouter(tags=["crew jobs"], responses=SIGNED_IN | REFUSED)


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    step: JobStep
    at: datetime = Field(description="when it happened, as the crew claims it")
    recorded_at: datetime = Field(description="when it was entered")
    by_id: int | None
    latitude: Decimal | None
    longitude: Decimal | None
    note: str | None


class JobOut(BaseModel):
    id: int
    crew_id: int
    crew: str
    work_order_id: int | None
    outage_id: int | None
    step: JobStep
    next_steps: list[JobStep] = Field(description="what the crew may record next")
    chosen_by: Literal["distance", "district", "manual", "automatic"]
    distance_km: Decimal | None
    dispatched_at: datetime
    dispatched_by_id: int | None = Field(description="null: sent by the system (routing policy)")
    accepted_at: datetime | None
    departed_at: datetime | None
    arrived_at: datetime | None
    restored_at: datetime | None
    withdrawn_at: datetime | None
    version: int
    steps: list[StepOut]


def _job_out(job: CrewJob, crew: str, steps: list[CrewJobStep]) -> JobOut:
    return JobOut(
        id=job.id,
        crew_id=job.crew_id,
        crew=crew,
        work_order_id=job.work_order_id,
        outage_id=job.outage_id,
        step=JobStep(job.step),
        next_steps=list(jobs.NEXT[JobStep(job.step)]),
        chosen_by=job.chosen_by,
        distance_km=job.distance_km,
        dispatched_at=job.dispatched_at,
        dispatched_by_id=job.dispatched_by_id,
        accepted_at=job.accepted_at,
        departed_at=job.departed_at,
        arrived_at=job.arrived_at,
        restored_at=job.restored_at,
        withdrawn_at=job.withdrawn_at,
        version=job.version,
        steps=[StepOut.model_validate(s) for s in steps],
    )


def _view_out(view: jobs.JobView) -> JobOut:
    return _job_out(view.job, view.crew_name, view.steps)


class SuggestedCrew(BaseModel):
    id: int
    code: str
    name: str
    status: str


class CrewSuggestionOut(BaseModel):
    crew: SuggestedCrew | None = Field(description="the crew to send; null when none is available")
    reason: Literal["distance", "district", "none"]
    distance_km: Decimal | None = Field(description="great-circle distance, to 0.1 km")
    explanation: str = Field(examples=["距离2.3公里", "本区值班"])
    explanation_en: str
    candidates: int = Field(description="the district's crews on duty and available")


def _suggestion_out(found: crews.Suggestion) -> CrewSuggestionOut:
    crew = found.crew
    return CrewSuggestionOut(
        crew=None
        if crew is None
        else SuggestedCrew(id=crew.id, code=crew.code, name=crew.name, status=crew.status),
        reason=found.reason,
        distance_km=found.distance_km,
        explanation=found.explanation("zh"),
        explanation_en=found.explanation("en"),
        candidates=found.candidates,
    )


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    crew_id: DbId | None = Field(
        default=None, description="the crew to send; left out: the suggested crew"
    )


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: Literal["accepted", "departed", "arrived", "restored"]
    at: SaneDateTime | None = Field(
        default=None,
        description="when it happened (now): never before the dispatch or the step before,"
        " never ahead, at most a day ago",
    )
    latitude: Latitude | None = Field(default=None, description="the phone's fix, with longitude")
    longitude: Longitude | None = None
    note: Text | None = Field(default=None, max_length=200)
    version: DbId | None = Field(default=None, description="the job's version seen; 409 if stale")


def _one(ctx: CtxDep, job_id: int) -> JobOut:
    return _view_out(jobs.get_job(ctx.session, job_id, by=ctx.actor))


@router.get(
    "/orders/{order_id}/crew-suggestion",
    response_model=CrewSuggestionOut,
    responses=answers(404, 409),
)
def order_suggestion(order_id: DbId, ctx: CtxDep) -> CrewSuggestionOut:
    return _suggestion_out(crew_jobs.suggest_for_order(ctx.session, order_id, by=ctx.actor))


@router.post(
    "/orders/{order_id}/crew",
    response_model=JobOut,
    status_code=status.HTTP_201_CREATED,
    responses=answers(404, 409),
)
def send_order(order_id: DbId, body: SendIn, ctx: CtxDep) -> JobOut:
    job = crew_jobs.send_order_to_crew(
        ctx.session, order_id, by=ctx.actor, settings=ctx.settings, crew_id=body.crew_id
    )
    ctx.session.commit()
    return _one(ctx, job.id)


@router.get(
    "/outages/{outage_id}/crew-suggestion",
    response_model=CrewSuggestionOut,
    responses=answers(404, 409),
)
def outage_suggestion(outage_id: DbId, ctx: CtxDep) -> CrewSuggestionOut:
    return _suggestion_out(crew_jobs.suggest_for_outage(ctx.session, outage_id, by=ctx.actor))


@router.post(
    "/outages/{outage_id}/crew",
    response_model=JobOut,
    status_code=status.HTTP_201_CREATED,
    responses=answers(404, 409),
)
def send_outage(outage_id: DbId, body: SendIn, ctx: CtxDep) -> JobOut:
    job = crew_jobs.send_outage_to_crew(ctx.session, outage_id, by=ctx.actor, crew_id=body.crew_id)
    ctx.session.commit()
    return _one(ctx, job.id)


@router.get("/crews/{crew_id}/jobs", response_model=list[JobOut], responses=answers(404))
def crew_jobs_list(crew_id: DbId, ctx: CtxDep, open_only: bool = False) -> list[JobOut]:
    return [
        _view_out(v)
        for v in jobs.jobs_for_crew(ctx.session, crew_id, by=ctx.actor, open_only=open_only)
    ]


@router.get("/crew-jobs/{job_id}", response_model=JobOut, responses=answers(404))
def crew_job(job_id: DbId, ctx: CtxDep) -> JobOut:
    return _one(ctx, job_id)


@router.post("/crew-jobs/{job_id}/steps", response_model=JobOut, responses=answers(404, 409))
def take_step(job_id: DbId, body: StepIn, ctx: CtxDep) -> JobOut:
    crew_jobs.take_job_step(
        ctx.session,
        job_id,
        body.step,
        by=ctx.actor,
        settings=ctx.settings,
        at=body.at,
        latitude=body.latitude,
        longitude=body.longitude,
        note=body.note,
        version=body.version,
    )
    ctx.session.commit()
    return _one(ctx, job_id)


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Text | None = Field(default=None, max_length=200, description="why (收回的原因)")


@router.post("/crew-jobs/{job_id}/withdraw", response_model=JobOut, responses=answers(404, 409))
def withdraw(job_id: DbId, body: WithdrawIn, ctx: CtxDep) -> JobOut:
    """收回: the job is no longer the crew's (the crew goes back on standby if it was out)."""
    jobs.withdraw_job(ctx.session, job_id, by=ctx.actor, note=body.note)
    ctx.session.commit()
    return _one(ctx, job_id)
