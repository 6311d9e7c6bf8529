"""The outages as the console's board reads them: what is off now, what is coming (with its
notice and whether the 7-day rule held), what came back lately; and one outage with the names
of the transformer areas it covers and of the staff behind each step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.organisation.models import Staff
from quarterhour.outages.lifecycle import Kind, State
from quarterhour.outages.models import (
    Feeder,
    Outage,
    OutageFeeder,
    OutageNotice,
    OutageTransformer,
    TransformerArea,
)
from quarterhour.outages.service import NOTICE_DAYS, OutageRecord

# The transformer areas named on a line of the board; the rest are counted.
NAMED_TRANSFORMERS = 8
# How far back "recently restored" reaches, and how many of each part the board shows.
RECENT = timedelta(days=7)
LIMIT = 100


@dataclass(frozen=True)
class Line:
    outage: Outage
    feeders: list[str]  # codes of the feeders it was declared by
    transformers: list[str]  # codes of the first NAMED_TRANSFORMERS areas it covers
    covered: int  # how many transformer areas it covers
    published_at: datetime | None  # the latest notice, if any

    @property
    def notice_held(self) -> bool | None:
        """Whether the notice came at least NOTICE_DAYS before the start (None: no notice)."""
        if self.published_at is None:
            return None
        return self.outage.starts_at - self.published_at >= timedelta(days=NOTICE_DAYS)

    @property
    def needs_notice(self) -> bool:
        return self.outage.kind == Kind.PLANNED


@dataclass(frozen=True)
class Board:
    active: list[Line]
    coming: list[Line]
    restored: list[Line]


def board(session: Session, *, by: Actor, now: datetime) -> Board:
    """停电 in the console: active (longest off first), announced or registered (soonest
    first), restored within RECENT (latest first)."""
    require(by, Permission.VIEW_OUTAGES)
    active = session.scalars(
        select(Outage)
        .where(Outage.state == State.ACTIVE)
        .order_by(Outage.started_at, Outage.id)
        .limit(LIMIT)
    ).all()
    coming = session.scalars(
        select(Outage)
        .where(Outage.state.in_([State.PLANNED, State.ANNOUNCED]))
        .order_by(Outage.starts_at, Outage.id)
        .limit(LIMIT)
    ).all()
    restored = session.scalars(
        select(Outage)
        .where(Outage.state == State.RESTORED, Outage.restored_at >= now - RECENT)
        .order_by(Outage.restored_at.desc(), Outage.id.desc())
        .limit(LIMIT)
    ).all()
    lines = _lines(session, [*active, *coming, *restored])
    return Board(
        [lines[o.id] for o in active],
        [lines[o.id] for o in coming],
        [lines[o.id] for o in restored],
    )


def line(session: Session, outage: Outage, *, by: Actor) -> Line:
    """One outage's coverage and notice, as on the board."""
    require(by, Permission.VIEW_OUTAGES)
    return _lines(session, [outage])[outage.id]


def staff_names(session: Session, record: OutageRecord, *, by: Actor) -> dict[int, str]:
    """Who took each step and published each notice, by name."""
    require(by, Permission.VIEW_OUTAGES)
    ids = sorted(
        {e.actor_id for e in record.events if e.actor_id is not None}
        | {n.published_by_id for n in record.notices if n.published_by_id is not None}
    )
    if not ids:
        return {}
    rows = session.execute(
        select(Staff.id, Staff.full_name, Staff.username).where(Staff.id.in_(ids))
    )
    return {id_: full or user for id_, full, user in rows}


def _lines(session: Session, outages: Sequence[Outage]) -> dict[int, Line]:
    ids = [o.id for o in outages]
    feeders: dict[int, list[str]] = {i: [] for i in ids}
    named: dict[int, list[str]] = {i: [] for i in ids}
    counted: dict[int, int] = dict.fromkeys(ids, 0)
    published: dict[int, datetime] = {}
    if ids:
        for outage_id, code in session.execute(
            select(OutageFeeder.outage_id, Feeder.code)
            .join(Feeder, Feeder.id == OutageFeeder.feeder_id)
            .where(OutageFeeder.outage_id.in_(ids))
            .order_by(Feeder.code)
        ):
            feeders[outage_id].append(code)
        ranked = (
            select(
                OutageTransformer.outage_id.label("outage_id"),
                TransformerArea.code.label("code"),
                func.row_number()
                .over(partition_by=OutageTransformer.outage_id, order_by=TransformerArea.code)
                .label("n"),
                func.count().over(partition_by=OutageTransformer.outage_id).label("total"),
            )
            .join(TransformerArea, TransformerArea.id == OutageTransformer.transformer_id)
            .where(OutageTransformer.outage_id.in_(ids))
            .subquery()
        )
        for outage_id, code, total in session.execute(
            select(ranked.c.outage_id, ranked.c.code, ranked.c.total)
            .where(ranked.c.n <= NAMED_TRANSFORMERS)
            .order_by(ranked.c.outage_id, ranked.c.code)
        ):
            named[outage_id].append(code)
            counted[outage_id] = int(total)
        published = dict(
            session.execute(
                select(OutageNotice.outage_id, func.max(OutageNotice.published_at))
                .where(OutageNotice.outage_id.in_(ids))
                .group_by(OutageNotice.outage_id)
            ).all()
        )
    return {
        o.id: Line(o, feeders[o.id], named[o.id], counted[o.id], published.get(o.id))
        for o in outages
    }
