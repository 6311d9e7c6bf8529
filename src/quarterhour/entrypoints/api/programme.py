"""The live programme: episodes, rosters, calls."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.kit.bounds import DbId, SaneDate, Text
from quarterhour.programme import service as programme
from quarterhour.views import episode_calls
from quarterhour.workorders import repository
from quarterhour.workorders.schemas import OrderSummary

router = APIRouter(prefix="/episodes", tags=["programme"], responses=SIGNED_IN)


class RosterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    staff_id: DbId
    duty: str = Field(pattern="^(leader|specialist|host)$")


class EpisodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    air_date: SaneDate
    title: Text | None = Field(default=None, max_length=200)
    is_special: bool = False
    roster: list[RosterIn] = Field(min_length=1, max_length=20)


class RosterOut(BaseModel):
    staff_id: int
    name: str
    duty: str


class EpisodeOut(BaseModel):
    id: int
    number: int
    air_date: date
    starts_at: datetime
    ends_at: datetime
    title: str | None
    is_special: bool
    roster: list[RosterOut]
    contacts: int
    orders: int
    answered_on_air: int


class EpisodeDetail(EpisodeOut):
    calls: list[OrderSummary]


def _out(item: episode_calls.EpisodeCalls) -> EpisodeOut:
    e = item.episode
    return EpisodeOut(
        id=e.id,
        number=e.number,
        air_date=e.air_date,
        starts_at=e.starts_at,
        ends_at=e.ends_at,
        title=e.title,
        is_special=e.is_special,
        roster=[RosterOut(staff_id=r.staff_id, name=name, duty=r.duty) for r, name in item.roster],
        contacts=item.contacts,
        orders=item.orders,
        answered_on_air=item.answered_on_air,
    )


@router.get("", response_model=list[EpisodeOut], responses=REFUSED)
def list_episodes(
    ctx: CtxDep,
    start: SaneDate | None = None,
    end: SaneDate | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EpisodeOut]:
    return [
        _out(i)
        for i in episode_calls.list_episodes(
            ctx.session, by=ctx.actor, start=start, end=end, limit=limit
        )
    ]


@router.post(
    "",
    response_model=EpisodeOut,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(409),
)
def create_episode(body: EpisodeIn, ctx: CtxDep) -> EpisodeOut:
    episode = programme.create_episode(
        ctx.session,
        by=ctx.actor,
        air_date=body.air_date,
        title=body.title,
        is_special=body.is_special,
        roster=[programme.RosterMember(r.staff_id, r.duty) for r in body.roster],
    )
    ctx.session.commit()
    [item] = episode_calls.list_episodes(
        ctx.session, by=ctx.actor, start=episode.air_date, end=episode.air_date, limit=1
    )
    return _out(item)


@router.get("/{episode_id}", response_model=EpisodeDetail, responses=REFUSED | answers(404))
def episode(episode_id: DbId, ctx: CtxDep) -> EpisodeDetail:
    found = programme.get_episode(ctx.session, episode_id, by=ctx.actor)
    [item] = episode_calls.list_episodes(
        ctx.session, by=ctx.actor, start=found.air_date, end=found.air_date, limit=1
    )
    calls = repository.episode_orders(ctx.session, episode_id, by=ctx.actor)
    return EpisodeDetail(**_out(item).model_dump(), calls=calls)
