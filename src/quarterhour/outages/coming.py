"""The planned and temporary outages a customer is told of: on now, or starting within HORIZON
(the notice rule's seven days), at his premises — for the intake desk (told while the caller is
on the line), the order status page and the bill inquiry line (told with the bill).

The public answers (status, bill) tell only what a notice published; the desk also tells of a
temporary outage on now without a notice. Each is said in one line the customer reads or hears:
"计划停电：12月10日 08:00–17:00 徽州大道（10kV线路检修）".

The bill line answers thousands of calls a second and nearly no account is inside an announced
outage: each process keeps the announced outages (few: a district announces some a week) for
`recheck.SECONDS`, and only while there are any does an inquiry probe the account's transformer
(one more indexed statement: account → premises_supply → ix_outage_transformer_window).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import and_, bindparam, func, literal_column, or_, select
from sqlalchemy.orm import Session

from quarterhour.customers.models import Account
from quarterhour.kit import clock
from quarterhour.kit.recheck import Recheck, database_key
from quarterhour.outages.lifecycle import Kind, State
from quarterhour.outages.models import (
    Outage,
    OutageNotice,
    OutageTransformer,
    PremisesSupply,
)
from quarterhour.outages.schemas import PlannedOutageOut
from quarterhour.storage import reads
from quarterhour.storage.base import AwareDateTime
from quarterhour.storage.driver import postgresql_text

HORIZON = timedelta(days=7)
KINDS = (str(Kind.PLANNED), str(Kind.TEMPORARY))
STATES = (str(State.ANNOUNCED), str(State.ACTIVE))
_WORDS = {Kind.PLANNED: "计划停电", Kind.TEMPORARY: "临时停电"}


@dataclass(frozen=True)
class ComingOutage:
    outage_id: int
    kind: str
    state: str
    starts_at: datetime
    expected_restoration_at: datetime
    area: str | None
    cause: str
    published_at: datetime | None  # the latest notice; None for one on now without a notice

    @property
    def text(self) -> str:
        """计划停电：12月10日 08:00–17:00 徽州大道（10kV线路检修）"""
        start = clock.local(self.starts_at)
        end = clock.local(self.expected_restoration_at)
        until = f"{end:%H:%M}" if end.date() == start.date() else f"{_day(end)} {end:%H:%M}"
        where = f" {self.area}" if self.area else ""
        return f"{_WORDS.get(Kind(self.kind), '停电')}：{_day(start)} {start:%H:%M}–{until}{where}（{self.cause}）"

    def out(self) -> PlannedOutageOut:
        return PlannedOutageOut(
            kind=self.kind,
            state=self.state,
            starts_at=self.starts_at,
            expected_restoration_at=self.expected_restoration_at,
            area=self.area,
            cause=self.cause,
            published_at=self.published_at,
            text=self.text,
        )


def _day(moment: datetime) -> str:
    return f"{moment.month}月{moment.day}日"


def _covering(at: datetime) -> Any:
    return and_(
        OutageTransformer.begins_at < at + HORIZON,
        or_(OutageTransformer.ends_at.is_(None), OutageTransformer.ends_at > at),
    )


def for_premises(
    session: Session, premises_id: int, at: datetime, *, announced_only: bool = True
) -> list[ComingOutage]:
    """The outages on at `at` or starting within HORIZON at a premises, soonest first (one
    statement: the supply row, then the transformer's range of the window index)."""
    published = func.max(OutageNotice.published_at)
    query = (
        select(Outage, published)
        .join(OutageTransformer, OutageTransformer.outage_id == Outage.id)
        .join(PremisesSupply, PremisesSupply.transformer_id == OutageTransformer.transformer_id)
        .where(
            PremisesSupply.premises_id == premises_id,
            _covering(at),
            Outage.kind.in_(KINDS),
            Outage.state.in_(STATES),
        )
        .group_by(Outage.id)
        .order_by(Outage.starts_at, Outage.id)
    )
    notice = OutageNotice.outage_id == Outage.id
    query = (
        query.join(OutageNotice, notice)
        if announced_only
        else query.outerjoin(OutageNotice, notice)
    )
    return [_coming(outage, when) for outage, when in session.execute(query)]


def _coming(outage: Outage, published_at: datetime | None) -> ComingOutage:
    return ComingOutage(
        outage.id,
        outage.kind,
        outage.state,
        outage.starts_at,
        outage.expected_restoration_at,
        outage.area,
        outage.cause,
        published_at,
    )


# --- the bill line ---------------------------------------------------------------------------

# Written into the text compiled once for psycopg (an IN of parameters would be expanded later).
_KNOWN_KIND = Outage.kind.in_([literal_column(f"'{k}'") for k in KINDS])
_KNOWN_STATE = Outage.state.in_([literal_column(f"'{s}'") for s in STATES])

_ANNOUNCED = (
    select(
        Outage.id,
        Outage.kind,
        Outage.state,
        Outage.starts_at,
        Outage.expected_restoration_at,
        Outage.area,
        Outage.cause,
        func.max(OutageNotice.published_at),
    )
    .join(OutageNotice, OutageNotice.outage_id == Outage.id)
    .where(
        _KNOWN_KIND,
        _KNOWN_STATE,
        Outage.expected_restoration_at > bindparam("at", type_=AwareDateTime()),
        Outage.starts_at < bindparam("until", type_=AwareDateTime()),
    )
    .group_by(Outage.id)
    .order_by(Outage.starts_at, Outage.id)
)
_PROBE = (
    select(OutageTransformer.outage_id)
    .select_from(Account)
    .join(PremisesSupply, PremisesSupply.premises_id == Account.premises_id)
    .join(OutageTransformer, OutageTransformer.transformer_id == PremisesSupply.transformer_id)
    .where(
        Account.number == bindparam("number"),
        OutageTransformer.begins_at < bindparam("until", type_=AwareDateTime()),
        or_(
            OutageTransformer.ends_at.is_(None),
            OutageTransformer.ends_at > bindparam("at", type_=AwareDateTime()),
        ),
    )
)
_ANNOUNCED_POSTGRESQL = postgresql_text(_ANNOUNCED)
_PROBE_POSTGRESQL = postgresql_text(_PROBE)

_announced: dict[str, list[ComingOutage]] = {}
_recheck = Recheck()


def _of_rows(rows: list[Any]) -> list[ComingOutage]:
    return [
        ComingOutage(
            r[0],
            r[1],
            r[2],
            clock.local(r[3]),
            clock.local(r[4]),
            r[5],
            r[6],
            clock.local(r[7]),
        )
        for r in rows
    ]


def _params(at: datetime) -> dict[str, datetime]:
    return {"at": at, "until": at + HORIZON}


def _told(found: list[ComingOutage], ids: set[int], at: datetime) -> list[ComingOutage]:
    return [
        o
        for o in found
        if o.outage_id in ids and o.expected_restoration_at > at and o.starts_at < at + HORIZON
    ]


def for_account(session: Session, number: str, at: datetime) -> list[ComingOutage]:
    """The announced outages an account is told of with its bill (see the module's note)."""
    key = database_key(session.get_bind())
    found = _announced.get(key)
    if found is None or not _recheck.fresh(key):
        found = _of_rows(list(session.execute(_ANNOUNCED, _params(at))))
        _announced[key] = found
        _recheck.checked(key)
    if not found:
        return []
    ids = set(session.scalars(_PROBE, {"number": number, **_params(at)}))
    return _told(found, ids, at)


async def for_account_on_event_loop(
    pool: AsyncConnectionPool, number: str, at: datetime
) -> list[ComingOutage]:
    """The same from the worker's async connections (the bill line on PostgreSQL)."""
    key = f"pool:{id(pool)}"
    found = _announced.get(key)
    if found is None or not _recheck.fresh(key):
        if found is not None:
            _recheck.checked(key)  # calls arriving meanwhile use this copy rather than read too
        found = _of_rows(await reads.rows(pool, _ANNOUNCED_POSTGRESQL, _params(at)))
        _announced[key] = found
        _recheck.checked(key)
    if not found:
        return []
    rows = await reads.rows(pool, _PROBE_POSTGRESQL, {"number": number, **_params(at)})
    return _told(found, {r[0] for r in rows}, at)


def invalidate_cache() -> None:
    _announced.clear()
    _recheck.forget()
