"""The programme's episodes with their rosters and the calls taken on air: episodes and staff
from programme and organisation, contacts and orders from the closed loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.organisation.models import Staff
from quarterhour.programme.models import Episode, RosterEntry
from quarterhour.workorders.models import Contact, WorkOrder


@dataclass(frozen=True)
class EpisodeCalls:
    episode: Episode
    roster: list[tuple[RosterEntry, str]]
    contacts: int
    orders: int
    answered_on_air: int


def list_episodes(
    session: Session,
    *,
    by: Actor,
    start: date | None = None,
    end: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[EpisodeCalls]:
    """Episodes with their roster and call counts, newest first: three queries whatever the
    number."""
    require(by, Permission.VIEW_PROGRAMME)
    query = (
        select(Episode)
        .order_by(Episode.air_date.desc(), Episode.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if start is not None:
        query = query.where(Episode.air_date >= start)
    if end is not None:
        query = query.where(Episode.air_date <= end)
    episodes = list(session.scalars(query))
    ids = [e.id for e in episodes]
    if not ids:
        return []
    roster: dict[int, list[tuple[RosterEntry, str]]] = {}
    for entry, name in session.execute(
        select(RosterEntry, Staff.full_name)
        .join(Staff, Staff.id == RosterEntry.staff_id)
        .where(RosterEntry.episode_id.in_(ids))
        .order_by(RosterEntry.id)
    ):
        roster.setdefault(entry.episode_id, []).append((entry, name))
    counts: dict[int, tuple[int, int, int]] = {}
    for episode_id, contacts, orders, closed in session.execute(
        select(
            Contact.episode_id,
            func.count(func.distinct(Contact.id)),
            func.count(WorkOrder.id),
            func.count(WorkOrder.id).filter(WorkOrder.closed_on_intake.is_(True)),
        )
        .outerjoin(WorkOrder, WorkOrder.contact_id == Contact.id)
        .where(Contact.episode_id.in_(ids))
        .group_by(Contact.episode_id)
    ):
        if episode_id is not None:
            counts[episode_id] = (contacts, orders, closed)
    return [EpisodeCalls(e, roster.get(e.id, []), *counts.get(e.id, (0, 0, 0))) for e in episodes]
