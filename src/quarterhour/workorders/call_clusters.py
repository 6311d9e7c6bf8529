"""疑似故障停电: fault calls from one area in a short window suggest a fault outage to the
dispatcher before anyone has declared one (issue 14).

The calls read are the open fault repairs not linked to an outage, accepted within `window`
(30 minutes by default). Where the network knows the caller's premises (premises_supply), the
calls are grouped in SQL by feeder, counting their transformer areas: calls from one transformer
area suggest a fault of that transformer, calls from two or more areas of one feeder a fault of
the feeder (a line fault shows as calls across its areas). Areas already inside an active outage
are left out: their calls belong to it (outage_calls.link_open_calls links the stragglers). Where
the network does not know the premises but the premises has coordinates, the calls are grouped by
distance (within RADIUS_M of the group's first call), greedily in Python: within a window they
are few. A call with neither is not grouped. A group is suggested from `threshold` calls (3).

Reading only; nothing personal (order ids and numbers, areas, times).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import CTE, Table, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.customers.models import Premises
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.outages.lifecycle import State as OutageState
from quarterhour.outages.models import (
    Feeder,
    Outage,
    OutageTransformer,
    PremisesSupply,
    TransformerArea,
)
from quarterhour.workorders.kinds import OrderType
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.outage_calls import BEFORE_REPLY, premises_of_order

WINDOW = timedelta(minutes=30)
THRESHOLD = 3
RADIUS_M = 300
# Bounds of what a reader may ask for (the API refuses beyond, naming the field).
MAX_WINDOW = timedelta(hours=24)
MAX_THRESHOLD = 1000
# The calls a window holds at most for the distance grouping (a storm's worth, several times).
MAX_UNKNOWN_CALLS = 2000
EARTH_RADIUS_M = 6_371_000
# Transformer areas named in a suggestion's words for the declare form.
NAMED_AREAS = 5

_ORDER: Table = WorkOrder.__table__  # type: ignore[assignment]


class SuggestedOutage(BaseModel):
    """One group of calls that looks like one fault, and what a declaration of it would cover."""

    scope: Literal["transformer", "feeder", "distance"] = Field(
        description="transformer: calls from one 台区; feeder: from several 台区 of one 线路;"
        " distance: from premises close together that the network does not know"
    )
    feeder_id: int | None = None
    feeder: str | None = Field(default=None, description="线路 code (feeder and transformer scope)")
    feeder_name: str | None = None
    transformer_ids: list[int] = Field(default_factory=list)
    transformers: list[str] = Field(
        default_factory=list, description="台区 codes the calls are from"
    )
    latitude: Decimal | None = Field(default=None, description="distance scope: the centre")
    longitude: Decimal | None = None
    radius_m: int | None = Field(default=None, description="distance scope: around the centre")
    order_ids: list[int]
    order_numbers: list[str]
    calls: int
    first_call_at: datetime
    last_call_at: datetime
    district_id: int | None
    area: str = Field(description="where, in words, for the declaration")


@dataclass(frozen=True)
class _Call:
    order_id: int
    number: str
    accepted_at: datetime
    district_id: int | None
    address: str | None


def suggested(
    session: Session,
    *,
    by: Actor,
    window: timedelta = WINDOW,
    threshold: int = THRESHOLD,
    at: datetime | None = None,
) -> list[SuggestedOutage]:
    """The suggested fault outages at `at` (now), most calls first."""
    require(by, Permission.VIEW_OUTAGES)
    require(by, Permission.VIEW_ALL_ORDERS)
    if not timedelta(minutes=1) <= window <= MAX_WINDOW:
        raise ValidationFailed("window: 1 to 1440 minutes", field="window")
    if not 2 <= threshold <= MAX_THRESHOLD:
        raise ValidationFailed(f"threshold: 2 to {MAX_THRESHOLD} calls", field="threshold")
    now = at or clock.now()
    calls = (
        select(
            _ORDER.c.id.label("order_id"),
            _ORDER.c.number.label("number"),
            _ORDER.c.accepted_at.label("accepted_at"),
            _ORDER.c.district_id.label("district_id"),
            _ORDER.c.address.label("address"),
            premises_of_order().label("premises_id"),
        )
        .where(
            _ORDER.c.order_type == str(OrderType.FAULT_REPAIR),
            _ORDER.c.outage_id.is_(None),
            _ORDER.c.state.in_([str(s) for s in BEFORE_REPLY]),
            _ORDER.c.accepted_at >= now - window,
            _ORDER.c.accepted_at <= now,
        )
        .cte("calls")
    )
    found = _by_network(session, calls, threshold, now)
    found += _by_distance(session, calls, threshold)
    return sorted(found, key=lambda s: (-s.calls, s.first_call_at))


def _by_network(
    session: Session, calls: CTE, threshold: int, now: datetime
) -> list[SuggestedOutage]:
    c = calls.c
    covered = exists(
        select(OutageTransformer.transformer_id)
        .join(Outage, Outage.id == OutageTransformer.outage_id)
        .where(
            OutageTransformer.transformer_id == PremisesSupply.transformer_id,
            OutageTransformer.begins_at <= now,
            or_(OutageTransformer.ends_at.is_(None), OutageTransformer.ends_at > now),
            Outage.state == OutageState.ACTIVE,
        )
    )
    supplied = (
        select(
            c.order_id,
            c.number,
            c.accepted_at,
            c.district_id,
            c.address,
            PremisesSupply.transformer_id,
            TransformerArea.feeder_id,
        )
        .join(PremisesSupply, PremisesSupply.premises_id == c.premises_id)
        .join(TransformerArea, TransformerArea.id == PremisesSupply.transformer_id)
        .where(~covered)
        .cte("supplied")
    )
    s = supplied.c
    groups = session.execute(
        select(
            s.feeder_id,
            func.count().label("calls"),
            func.count(func.distinct(s.transformer_id)).label("areas"),
        )
        .group_by(s.feeder_id)
        .having(func.count() >= threshold)
    ).all()
    if not groups:
        return []
    feeder_ids = [g.feeder_id for g in groups]
    members: dict[int, list[tuple[_Call, int]]] = defaultdict(list)
    for row in session.execute(
        select(s.feeder_id, s.transformer_id, s.order_id, s.number, s.accepted_at)
        .add_columns(s.district_id, s.address)
        .where(s.feeder_id.in_(feeder_ids))
        .order_by(s.accepted_at, s.order_id)
    ):
        call = _Call(row.order_id, row.number or "", row.accepted_at, row.district_id, row.address)
        members[row.feeder_id].append((call, row.transformer_id))
    transformer_ids = sorted({t for group in members.values() for _, t in group})
    areas = {
        id_: (code, name)
        for id_, code, name in session.execute(
            select(TransformerArea.id, TransformerArea.code, TransformerArea.name).where(
                TransformerArea.id.in_(transformer_ids)
            )
        )
    }
    feeders = {f.id: f for f in session.scalars(select(Feeder).where(Feeder.id.in_(feeder_ids)))}
    out = []
    for group in groups:
        feeder = feeders[group.feeder_id]
        in_group = members[group.feeder_id]
        ids = sorted({t for _, t in in_group})
        names = [areas[t][1] for t in ids]
        area = "、".join(names[:NAMED_AREAS]) + (
            f"等{len(names)}个台区" if len(names) > NAMED_AREAS else ""
        )
        out.append(
            _suggestion(
                "feeder" if group.areas >= 2 else "transformer",
                [call for call, _ in in_group],
                area=f"{feeder.name} {area}" if group.areas >= 2 else area,
                feeder_id=feeder.id,
                feeder=feeder.code,
                feeder_name=feeder.name,
                transformer_ids=ids,
                transformers=[areas[t][0] for t in ids],
                district_id=feeder.district_id,
            )
        )
    return out


def _by_distance(session: Session, calls: CTE, threshold: int) -> list[SuggestedOutage]:
    c = calls.c
    rows = session.execute(
        select(
            c.order_id,
            c.number,
            c.accepted_at,
            c.district_id,
            c.address,
            Premises.latitude,
            Premises.longitude,
        )
        .join(Premises, Premises.id == c.premises_id)
        .where(
            ~exists(
                select(PremisesSupply.premises_id).where(
                    PremisesSupply.premises_id == c.premises_id
                )
            ),
            and_(Premises.latitude.is_not(None), Premises.longitude.is_not(None)),
        )
        .order_by(c.accepted_at, c.order_id)
        .limit(MAX_UNKNOWN_CALLS)
    ).all()
    # Greedy: each call joins the first group whose first call is within RADIUS_M of it.
    groups: list[list[tuple[_Call, float, float]]] = []
    for row in rows:
        point = (float(row.latitude), float(row.longitude))
        call = _Call(row.order_id, row.number or "", row.accepted_at, row.district_id, row.address)
        for group in groups:
            if metres_between(point, group[0][1:]) <= RADIUS_M:
                group.append((call, *point))
                break
        else:
            groups.append([(call, *point)])
    out = []
    for group in groups:
        if len(group) < threshold:
            continue
        lat = sum(p[1] for p in group) / len(group)
        lon = sum(p[2] for p in group) / len(group)
        radius = max(metres_between((lat, lon), p[1:]) for p in group)
        first = group[0][0]
        districts = Counter(call.district_id for call, *_ in group if call.district_id)
        out.append(
            _suggestion(
                "distance",
                [call for call, *_ in group],
                area=f"{first.address}附近" if first.address else "",
                latitude=Decimal(f"{lat:.6f}"),
                longitude=Decimal(f"{lon:.6f}"),
                radius_m=max(RADIUS_M, math.ceil(radius)),
                district_id=districts.most_common(1)[0][0] if districts else None,
            )
        )
    return out


def _suggestion(
    scope: Literal["transformer", "feeder", "distance"],
    calls: Sequence[_Call],
    *,
    area: str,
    district_id: int | None,
    **where: object,
) -> SuggestedOutage:
    return SuggestedOutage.model_validate(
        {
            "scope": scope,
            "order_ids": [call.order_id for call in calls],
            "order_numbers": [call.number for call in calls],
            "calls": len(calls),
            "first_call_at": min(call.accepted_at for call in calls),
            "last_call_at": max(call.accepted_at for call in calls),
            "district_id": district_id,
            "area": area[:200],
            **where,
        }
    )


def metres_between(a: Sequence[float], b: Sequence[float]) -> float:
    """Haversine distance of two (latitude, longitude) points, in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
