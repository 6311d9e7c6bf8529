"""Episodes of 供电一刻钟 (weekdays 07:40–07:55), their rosters and the calls taken on air."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation.models import Staff
from quarterhour.programme.models import Episode, RosterEntry

ON_AIR_START = time(7, 40)
ON_AIR_END = time(7, 55)
# Calls queued on the programme's line just before and after the broadcast still belong to it.
LINE_MARGIN = timedelta(minutes=30)
DUTIES = ("leader", "specialist", "host")


def episode_for_contact(
    session: Session, *, channel: str, received_at: datetime, episode_id: int | None
) -> int | None:
    if channel != "programme":
        if episode_id is not None:
            raise ValidationFailed(
                "only programme contacts belong to an episode", field="episode_id"
            )
        return None
    if episode_id is not None:
        if session.get(Episode, episode_id) is None:
            raise ValidationFailed(f"no episode {episode_id}", field="episode_id")
        return episode_id
    return session.scalar(
        select(Episode.id)
        .where(
            Episode.starts_at <= received_at + LINE_MARGIN,
            Episode.ends_at >= received_at - LINE_MARGIN,
        )
        .limit(1)
    )


def on_air(session: Session, at: datetime) -> Episode | None:
    return session.scalar(
        select(Episode).where(Episode.starts_at <= at, Episode.ends_at >= at).limit(1)
    )


@dataclass(frozen=True)
class RosterMember:
    staff_id: int
    duty: str


def create_episode(
    session: Session,
    *,
    by: Actor,
    air_date: date,
    roster: list[RosterMember],
    title: str | None = None,
    is_special: bool = False,
    number: int | None = None,
) -> Episode:
    require(by, Permission.MANAGE_PROGRAMME)
    if air_date.weekday() >= 5 and not is_special:
        raise ValidationFailed(
            "the programme airs on weekdays; mark a weekend show special", field="air_date"
        )
    if session.scalar(select(Episode.id).where(Episode.air_date == air_date)) is not None:
        raise Conflict(f"an episode on {air_date} exists", field="air_date")
    if not any(m.duty == "leader" for m in roster):
        raise ValidationFailed("the roster needs a company leader on duty", field="roster")
    for index, member in enumerate(roster):
        if member.duty not in DUTIES:
            raise ValidationFailed(
                f"duty must be one of {', '.join(DUTIES)}", field=f"roster[{index}].duty"
            )
        if session.get(Staff, member.staff_id) is None:
            raise ValidationFailed(
                f"no staff member {member.staff_id}", field=f"roster[{index}].staff_id"
            )
    if number is None:
        number = (session.scalar(select(func.max(Episode.number))) or 0) + 1
    episode = Episode(
        number=number,
        air_date=air_date,
        starts_at=clock.at(air_date, ON_AIR_START),
        ends_at=clock.at(air_date, ON_AIR_END),
        title=title,
        is_special=is_special,
    )
    session.add(episode)
    session.flush()
    session.add_all(
        RosterEntry(episode_id=episode.id, staff_id=m.staff_id, duty=m.duty) for m in roster
    )
    session.flush()
    return episode


def get_episode(session: Session, episode_id: int, *, by: Actor) -> Episode:
    require(by, Permission.VIEW_PROGRAMME)
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(f"no episode {episode_id}", field="episode_id")
    return episode


def roster_of(session: Session, episode_id: int) -> list[tuple[str, str]]:
    """Who is on duty in an episode, as (duty, name): the intake desk shows it while on air."""
    return [
        (duty, name)
        for duty, name in session.execute(
            select(RosterEntry.duty, Staff.full_name)
            .join(Staff, Staff.id == RosterEntry.staff_id)
            .where(RosterEntry.episode_id == episode_id)
            .order_by(RosterEntry.id)
        )
    ]


def rosterable_staff(session: Session) -> list[tuple[int, str, str]]:
    """Who may be put on an episode's roster: active staff, as (id, name, role)."""
    return [
        (staff_id, name, role)
        for staff_id, name, role in session.execute(
            select(Staff.id, Staff.full_name, Staff.role)
            .where(Staff.is_active.is_(True))
            .order_by(Staff.role, Staff.full_name)
        )
    ]
