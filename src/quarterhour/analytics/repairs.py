"""Repair and outage figures (抢修与停电): what SGCC publishes, and what outages cost customers.

Two kinds of work are timed against the repair commitments of the policy in force on the
period's last day (workorders/policies.py: on site within 45 / 90 / 120 minutes, urban / rural /
remote; supply back within 3 / 4 / 4 hours of arrival):

- Fault repairs (故障报修) *accepted* in the period, cancelled ones aside, as the quality figures
  count their cohort: arrival = accepted → arrived, restoration = arrived → restored, grouped by
  the order's district and area class. A call linked to an outage has no clock of its own (the
  outage is the repair), so it is left out here and counted as one of the outage's calls.
- Fault outages (故障停电) *started* in the period: arrival = start → the first crew job on site
  (crews.models.CrewJob), restoration = that arrival → restored, the same definition as a
  repair's, so the rows compare. Planned and temporary outages have no arrival to time: they
  count in the outage figures below, not here.

Outages (any kind, started in the period and not cancelled) are then counted by kind and by
cause, with the customers they cut off (accounts on the premises their transformers supply),
customer-hours lost (customers × hours from start to restoration, or to now while still out), a
SAIDI-style figure (customer-hours × 60 / accounts served in the period in the scope, in
minutes) and their linked calls. An outage belongs as a whole to the district and area class
where most of its customers are (ties: the lower district id, the stricter class), so that the
districts' figures add up to the total; one without known customers takes its feeders' district.

How it is read: the repairs are many (a city's years of them), so the database does the work in
one statement: each duration once per scope it counts in (its district, its area class, the
total), counted per scope with window sums (conditional ones for the commitment and each
bucket) and ranked per scope for the median and the 90th percentile; only the rows at those
ranks come back, at most three per scope and measure. Neither dialect offers the other's
percentile function, but both rank. Outages are few — one covers a feeder or a transformer
area, a few hundred a year — and their customers come from a join per outage anyway, so their
rows are read once (bounded by the period's five years) and the same statistics are taken in
Python.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.analytics.quality import rate
from quarterhour.analytics.repair_schemas import (
    BucketCount,
    CauseRow,
    OutageFigures,
    OutageRow,
    RepairQuery,
    RepairReport,
    Spread,
    TimeFigures,
    TimeRow,
)
from quarterhour.analytics.service import period_span
from quarterhour.crews.models import CrewJob
from quarterhour.customers.models import Account, Premises
from quarterhour.kit import clock
from quarterhour.organisation import service as organisation
from quarterhour.outages.lifecycle import Kind
from quarterhour.outages.lifecycle import State as OutageState
from quarterhour.outages.models import (
    Feeder,
    Outage,
    OutageTransformer,
    PremisesSupply,
    TransformerArea,
)
from quarterhour.workorders import labels, policies
from quarterhour.workorders.kinds import AreaClass, DeadlineKind, LimitUnit, OrderType
from quarterhour.workorders.lifecycle import State
from quarterhour.workorders.models import WorkOrder

_W = WorkOrder
ARRIVAL, RESTORATION = "arrival", "restoration"
MEASURES = (ARRIVAL, RESTORATION)
# Upper ends of the buckets, in minutes (each includes its upper end, so a bucket ends on every
# commitment: 45, 90 and 120 minutes on site; 3 and 4 hours to restore); one more bucket holds
# the rest.
EDGES: dict[str, tuple[int, ...]] = {
    ARRIVAL: (15, 30, 45, 60, 90, 120),
    RESTORATION: (60, 120, 180, 240, 360, 720),
}
BUCKETS = 7  # one more than the edges
# The stricter class first: an outage's tie between classes goes to the tighter commitment.
CLASS_ORDER = (AreaClass.URBAN, AreaClass.RURAL, AreaClass.REMOTE)
NOT_RECORDED = "未记录 (not recorded)"
KIND_LABELS: dict[str, str] = {
    Kind.PLANNED: "计划停电",
    Kind.TEMPORARY: "临时停电",
    Kind.FAULT: "故障停电",
}
LISTED = 100
ONE_PLACE = Decimal("0.1")
TWO_PLACES = Decimal("0.01")


def _one_place(value: Decimal | float) -> Decimal:
    return Decimal(value).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


# --- durations in the database ----------------------------------------------------------------


def seconds_between(dialect: str, earlier: Any, later: Any) -> ColumnElement[int]:
    """Whole seconds from `earlier` to `later`, NULL when either is."""
    if dialect == "postgresql":
        return cast(func.round(func.extract("epoch", later - earlier)), Integer)
    if dialect == "sqlite":
        # SQLite keeps UTC text (storage.base.AwareDateTime); julianday reads it with its
        # fraction of a second, and rounding to the second absorbs the float's last digits.
        days = func.julianday(later) - func.julianday(earlier)
        return cast(func.round(days * 86400), Integer)
    raise NotImplementedError(f"no durations for the {dialect} dialect")


# --- statistics of one group ------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of one measure over one scope; the mean and the rate are taken from them."""

    count: int = 0
    seconds: int = 0
    judged: int = 0
    within: int = 0
    buckets: list[int] = field(default_factory=lambda: [0] * BUCKETS)

    def add_one(self, measure: str, seconds: int, limit: int | None) -> None:
        self.count += 1
        self.seconds += seconds
        if limit is not None:
            self.judged += 1
            self.within += seconds <= limit * 60
        self.buckets[_bucket_of(measure, seconds)] += 1


def _bucket_of(measure: str, seconds: int) -> int:
    for index, edge in enumerate(EDGES[measure]):
        if seconds <= edge * 60:
            return index
    return len(EDGES[measure])


def _spread(
    measure: str, tally: Tally, ranks: tuple[Decimal | None, Decimal | None], limit: int | None
) -> Spread:
    edges = EDGES[measure]
    lows = (0, *edges)
    highs: tuple[int | None, ...] = (*edges, None)
    return Spread(
        count=tally.count,
        mean=_one_place(Decimal(tally.seconds) / 60 / tally.count) if tally.count else None,
        median=ranks[0],
        p90=ranks[1],
        limit=limit,
        judged=tally.judged,
        within=tally.within,
        within_rate=rate(tally.within, tally.judged),
        buckets=[
            BucketCount(above=low, up_to=high, count=n)
            for low, high, n in zip(lows, highs, tally.buckets, strict=True)
        ],
    )


def _ranked(at_rank: dict[int, int], n: int) -> tuple[Decimal | None, Decimal | None]:
    """(median, 90th percentile) in minutes from the durations at the ranks (from 1) that the
    SQL ranking reads back: the two middle ones averaged; the nearest rank ⌈0.9 n⌉."""
    if n == 0:
        return None, None
    middle = Decimal(at_rank[(n + 1) // 2] + at_rank[(n + 2) // 2]) / 2
    return _one_place(middle / 60), _one_place(Decimal(at_rank[(9 * n + 9) // 10]) / 60)


def ranks_of(seconds: Sequence[int]) -> tuple[Decimal | None, Decimal | None]:
    """The same of durations sorted here."""
    return _ranked(dict(enumerate(seconds, start=1)), len(seconds))


# --- the commitments --------------------------------------------------------------------------


def commitments(session: Session, on: date) -> tuple[str, dict[str, dict[str, int]]]:
    """The policy in force on `on` and its repair limits in minutes: {measure: {class: min}}."""
    policy = policies.policy_in_force(session, on)
    found: dict[str, dict[str, int]] = {ARRIVAL: {}, RESTORATION: {}}
    kinds = {DeadlineKind.ARRIVAL: ARRIVAL, DeadlineKind.RESTORATION: RESTORATION}
    for area in AreaClass:
        for limit in policy.limits_for(OrderType.FAULT_REPAIR, None, area):
            if limit.kind in kinds and limit.unit in (LimitUnit.MINUTES, LimitUnit.HOURS):
                minutes = limit.amount * (60 if limit.unit is LimitUnit.HOURS else 1)
                found[kinds[limit.kind]][area.value] = minutes
    return policy.code, found


# --- fault repairs, counted and ranked in the database ----------------------------------------

SCOPES = ("district", "area", "total")
# (scope, key, measure): key is the district id, the area class or None (the total).
ScopeKey = tuple[str, Any, str]


@dataclass
class Timed:
    """Per scope and measure: the additive counts, and (median, p90)."""

    tallies: dict[ScopeKey, Tally] = field(default_factory=dict)
    ranks: dict[ScopeKey, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)


def _repair_rows(dialect: str, starts: datetime, ends: datetime, district_id: int | None) -> Any:
    conditions = [
        _W.accepted_at >= starts,
        _W.accepted_at < ends,
        _W.order_type == OrderType.FAULT_REPAIR,
        _W.outage_id.is_(None),
        _W.state != State.CANCELLED,
    ]
    if district_id is not None:
        conditions.append(_W.district_id == district_id)
    return (
        select(
            _W.district_id.label("district_id"),
            _W.area_class.label("area_class"),
            seconds_between(dialect, _W.accepted_at, _W.arrived_at).label(ARRIVAL),
            seconds_between(dialect, _W.arrived_at, _W.restored_at).label(RESTORATION),
        )
        .where(*conditions)
        .cte("repair")
    )


def _inline(value: int) -> ColumnElement[int]:
    # Constants inlined, not bound: a bound parameter in a UNION's column has no type PostgreSQL
    # can settle on.
    return literal_column(str(int(value)), Integer)


def _limit_seconds(area: Any, limits: dict[str, int]) -> ColumnElement[int]:
    """The commitment of a repair's area class in seconds (NULL: its class has none)."""
    if not limits:
        return cast(null(), Integer)
    return case(
        *((area == code, _inline(minutes * 60)) for code, minutes in sorted(limits.items())),
        else_=cast(null(), Integer),
    )


def _bucket_index(seconds: Any, measure: str) -> ColumnElement[int]:
    edges = EDGES[measure]
    return case(
        *((seconds <= _inline(edge * 60), _inline(n)) for n, edge in enumerate(edges)),
        else_=_inline(len(edges)),
    )


def repairs_timed(
    session: Session,
    starts: datetime,
    ends: datetime,
    district_id: int | None,
    limits: dict[str, dict[str, int]],
) -> Timed:
    """One statement: each duration once per scope it counts in (its district, its area class,
    the total), counted and ranked within its scope by window functions; only the rows at the
    median's and the 90th percentile's ranks come back (at most three per scope and measure),
    each carrying its scope's counts."""
    dialect = session.get_bind().dialect.name
    rows = _repair_rows(dialect, starts, ends, district_id)
    parts = []
    for measure in MEASURES:
        value = rows.c[measure]
        for scope in SCOPES:
            district = rows.c.district_id if scope == "district" else cast(null(), Integer)
            area = rows.c.area_class if scope == "area" else cast(null(), rows.c.area_class.type)
            parts.append(
                select(
                    literal_column(f"'{scope}'").label("scope"),
                    district.label("district_id"),
                    area.label("area_class"),
                    literal_column(f"'{measure}'").label("measure"),
                    value.label("seconds"),
                    _limit_seconds(rows.c.area_class, limits[measure]).label("limit_s"),
                    _bucket_index(value, measure).label("bucket"),
                ).where(value.is_not(None))
            )
    timed = union_all(*parts).subquery("timed")
    scope_of = [timed.c.scope, timed.c.district_id, timed.c.area_class, timed.c.measure]

    def over_scope(aggregate: Any) -> Any:
        return aggregate.over(partition_by=scope_of)

    def how_many(condition: Any) -> Any:
        return over_scope(func.sum(case((condition, 1), else_=0)))

    ranked = select(
        *scope_of,
        timed.c.seconds,
        func.row_number().over(partition_by=scope_of, order_by=timed.c.seconds).label("rank"),
        over_scope(func.count()).label("n"),
        over_scope(func.sum(timed.c.seconds)).label("total_s"),
        over_scope(func.count(timed.c.limit_s)).label("judged"),
        how_many(timed.c.seconds <= timed.c.limit_s).label("within"),
        *(how_many(timed.c.bucket == n).label(f"b{n}") for n in range(BUCKETS)),
    ).subquery("ranked")
    n, position = ranked.c.n, ranked.c.rank
    query = select(ranked).where(
        or_(position == (n + 1) // 2, position == (n + 2) // 2, position == (9 * n + 9) // 10)
    )
    found = Timed()
    at_rank: dict[ScopeKey, dict[int, int]] = defaultdict(dict)
    for row in session.execute(query).mappings():
        key = row["district_id"] if row["scope"] == "district" else row["area_class"]
        group: ScopeKey = (row["scope"], key, row["measure"])
        at_rank[group][int(row["rank"])] = int(row["seconds"])
        found.tallies[group] = Tally(
            count=int(row["n"]),
            seconds=int(row["total_s"]),
            judged=int(row["judged"]),
            within=int(row["within"]),
            buckets=[int(row[f"b{b}"]) for b in range(BUCKETS)],
        )
    found.ranks = {g: _ranked(values, found.tallies[g].count) for g, values in at_rank.items()}
    return found


# --- outages, read once per outage ------------------------------------------------------------


@dataclass
class OutageFacts:
    id: int
    kind: str
    cause: str
    state: str
    started_at: datetime
    restored_at: datetime | None
    first_arrival: datetime | None
    customers: int = 0
    district_id: int | None = None
    area_class: str | None = None
    calls: int = 0

    def hours(self, now: datetime) -> Decimal:
        end = self.restored_at or now
        return Decimal(max(0, round((end - self.started_at).total_seconds()))) / 3600


def _outages(session: Session, starts: datetime, ends: datetime) -> dict[int, OutageFacts]:
    started = func.coalesce(Outage.started_at, Outage.starts_at)
    arrivals = (
        select(CrewJob.outage_id, func.min(CrewJob.arrived_at).label("first_arrival"))
        .where(CrewJob.outage_id.is_not(None))
        .group_by(CrewJob.outage_id)
        .subquery("arrival")
    )
    query = (
        select(
            Outage.id,
            Outage.kind,
            Outage.cause,
            Outage.state,
            Outage.started_at,
            Outage.starts_at,
            Outage.restored_at,
            arrivals.c.first_arrival,
        )
        .outerjoin(arrivals, arrivals.c.outage_id == Outage.id)
        # Only outages that happened: planned or announced ones have not cut anyone off yet.
        .where(
            Outage.state.in_([OutageState.ACTIVE, OutageState.RESTORED]),
            started >= starts,
            started < ends,
        )
    )
    found = {}
    for row in session.execute(query):
        found[row.id] = OutageFacts(
            id=row.id,
            kind=row.kind,
            cause=row.cause.strip(),
            state=row.state,
            started_at=row.started_at or row.starts_at,
            restored_at=row.restored_at,
            first_arrival=row.first_arrival,
        )
    return found


def _served(first: date, last: date) -> list[ColumnElement[bool]]:
    """Accounts served at some time in [first, last]: opened by its end, not closed before."""
    return [
        Account.opened_on <= last,
        or_(Account.closed_on.is_(None), Account.closed_on >= first),
    ]


def _place_outages(
    session: Session, facts: dict[int, OutageFacts], first: date, last: date, ids: Any
) -> None:
    """Customers of each outage, and the district and area class most of them are in."""
    by_place: dict[int, Counter[tuple[int, str]]] = defaultdict(Counter)
    query = (
        select(OutageTransformer.outage_id, Premises.district_id, Premises.area_class, func.count())
        .join(PremisesSupply, PremisesSupply.transformer_id == OutageTransformer.transformer_id)
        .join(Premises, Premises.id == PremisesSupply.premises_id)
        .join(Account, Account.premises_id == Premises.id)
        .where(OutageTransformer.outage_id.in_(ids), *_served(first, last))
        .group_by(OutageTransformer.outage_id, Premises.district_id, Premises.area_class)
    )
    for outage_id, district_id, area_class, number in session.execute(query):
        by_place[outage_id][(district_id, area_class)] += number
    feeders = dict(
        session.execute(
            select(OutageTransformer.outage_id, func.min(Feeder.district_id))
            .join(TransformerArea, TransformerArea.id == OutageTransformer.transformer_id)
            .join(Feeder, Feeder.id == TransformerArea.feeder_id)
            .where(OutageTransformer.outage_id.in_(ids))
            .group_by(OutageTransformer.outage_id)
        ).all()
    )
    strictness = {c.value: n for n, c in enumerate(CLASS_ORDER)}
    for outage_id, outage in facts.items():
        places = by_place.get(outage_id)
        if not places:
            outage.district_id = feeders.get(outage_id)
            continue
        outage.customers = sum(places.values())
        districts: Counter[int] = Counter()
        classes: Counter[str] = Counter()
        for (district_id, area_class), number in places.items():
            districts[district_id] += number
            classes[area_class] += number
        outage.district_id = min(districts, key=lambda d: (-districts[d], d))
        outage.area_class = min(classes, key=lambda c: (-classes[c], strictness.get(c, 9)))


def _calls(session: Session, facts: dict[int, OutageFacts], ids: Any) -> None:
    query = (
        select(_W.outage_id, func.count())
        .where(_W.outage_id.in_(ids), _W.state != State.CANCELLED)
        .group_by(_W.outage_id)
    )
    for outage_id, number in session.execute(query):
        if outage_id is not None:
            facts[outage_id].calls = number


def outage_facts(
    session: Session, starts: datetime, ends: datetime, first: date, last: date
) -> list[OutageFacts]:
    facts = _outages(session, starts, ends)
    if facts:
        started = func.coalesce(Outage.started_at, Outage.starts_at)
        ids = select(Outage.id).where(
            Outage.state.in_([OutageState.ACTIVE, OutageState.RESTORED]),
            started >= starts,
            started < ends,
        )
        _place_outages(session, facts, first, last, ids)
        _calls(session, facts, ids)
    return sorted(facts.values(), key=lambda f: f.id)


def outages_timed(facts: Iterable[OutageFacts], limits: dict[str, dict[str, int]]) -> Timed:
    """Fault outages timed like repairs, the statistics taken here over their few rows."""
    timed = Timed()
    values: dict[ScopeKey, list[int]] = defaultdict(list)
    for outage in facts:
        if outage.kind != Kind.FAULT:
            continue
        steps = {
            ARRIVAL: (outage.started_at, outage.first_arrival),
            RESTORATION: (outage.first_arrival, outage.restored_at),
        }
        for measure, (begin, end) in steps.items():
            if begin is None or end is None:
                continue
            seconds = round((end - begin).total_seconds())
            limit = limits[measure].get(outage.area_class or "")
            for scope, key in zip(
                SCOPES, (outage.district_id, outage.area_class, None), strict=True
            ):
                group = (scope, key, measure)
                timed.tallies.setdefault(group, Tally()).add_one(measure, seconds, limit)
                values[group].append(seconds)
    timed.ranks = {group: ranks_of(sorted(found)) for group, found in values.items()}
    return timed


# --- the report -------------------------------------------------------------------------------


def _time_figures(
    timed: Timed, limits: dict[str, dict[str, int]], districts: dict[int, str]
) -> TimeFigures:
    def row(scope: str, key: Any, label: str) -> TimeRow:
        spreads = {
            m: _spread(
                m,
                timed.tallies.get((scope, key, m), Tally()),
                timed.ranks.get((scope, key, m), (None, None)),
                limits[m].get(key) if scope == "area" else None,
            )
            for m in MEASURES
        }
        return TimeRow(key=None if key is None else str(key), label=label, **spreads)

    keys: dict[str, set[Any]] = defaultdict(set)
    for scope, key, _ in timed.tallies:
        keys[scope].add(key)
    order = {c.value: n for n, c in enumerate(CLASS_ORDER)}
    return TimeFigures(
        total=row("total", None, ""),
        by_district=[
            row("district", d, districts.get(d, NOT_RECORDED) if d else NOT_RECORDED)
            for d in sorted(keys["district"], key=lambda d: (d is None, d or 0))
        ],
        by_area_class=[
            row("area", c, labels.text(labels.AREA_CLASSES, c) if c else NOT_RECORDED)
            for c in sorted(keys["area"], key=lambda c: order.get(c or "", 9))
        ],
    )


def _cause_rows(groups: dict[str, list[OutageFacts]], now: datetime) -> list[CauseRow]:
    rows = [
        CauseRow(
            key=key,
            label=KIND_LABELS.get(key, key),
            outages=len(found),
            customers=sum(f.customers for f in found),
            customer_hours=_customer_hours(found, now),
        )
        for key, found in groups.items()
    ]
    rows.sort(key=lambda r: (-r.outages, -r.customer_hours, r.key))
    return rows


def _customer_hours(found: Iterable[OutageFacts], now: datetime) -> Decimal:
    total = sum((f.hours(now) * f.customers for f in found), Decimal(0))
    return total.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _outage_figures(
    facts: list[OutageFacts], customers_in_scope: int, now: datetime
) -> OutageFigures:
    by_kind: dict[str, list[OutageFacts]] = {k.value: [] for k in Kind}
    by_cause: dict[str, list[OutageFacts]] = defaultdict(list)
    for outage in facts:
        by_kind.setdefault(outage.kind, []).append(outage)
        by_cause[outage.cause].append(outage)
    customer_hours = _customer_hours(facts, now)
    calls = sum(f.calls for f in facts)
    listed = sorted(facts, key=lambda f: (-(f.hours(now) * f.customers), f.id))[:LISTED]
    kind_rows = _cause_rows(by_kind, now)
    order = {k.value: n for n, k in enumerate(Kind)}
    kind_rows.sort(key=lambda r: order.get(r.key, 9))
    return OutageFigures(
        outages=len(facts),
        customers=sum(f.customers for f in facts),
        customer_hours=customer_hours,
        customers_in_scope=customers_in_scope,
        saidi_minutes=(customer_hours * 60 / customers_in_scope).quantize(
            ONE_PLACE, rounding=ROUND_HALF_UP
        )
        if customers_in_scope
        else None,
        calls=calls,
        calls_per_outage=_one_place(Decimal(calls) / len(facts)) if facts else None,
        most_calls=max((f.calls for f in facts), default=0),
        by_kind=kind_rows,
        by_cause=_cause_rows(dict(by_cause), now),
        listed=[
            OutageRow(
                outage_id=f.id,
                kind=f.kind,
                cause=f.cause,
                state=f.state,
                district_id=f.district_id,
                area_class=f.area_class,
                started_at=f.started_at,
                restored_at=f.restored_at,
                hours=f.hours(now).quantize(TWO_PLACES, rounding=ROUND_HALF_UP),
                customers=f.customers,
                customer_hours=(f.hours(now) * f.customers).quantize(
                    TWO_PLACES, rounding=ROUND_HALF_UP
                ),
                calls=f.calls,
            )
            for f in listed
        ],
    )


def _accounts_in_scope(session: Session, first: date, last: date, district_id: int | None) -> int:
    query = select(func.count()).select_from(Account).where(*_served(first, last))
    if district_id is not None:
        query = query.join(Premises, Premises.id == Account.premises_id).where(
            Premises.district_id == district_id
        )
    return int(session.scalar(query) or 0)


def repair_figures(
    session: Session, q: RepairQuery, *, by: Actor, districts: dict[int, str] | None = None
) -> RepairReport:
    """`districts`: their names, when the caller has read them already (the dashboard)."""
    require(by, Permission.VIEW_STATS)
    starts, ends = period_span(q.start, q.end)
    if districts is None:
        districts = {d.id: d.name for d in organisation.list_districts(session)}
    if q.district_id is not None:
        organisation.get_district(session, q.district_id, field="district_id")
    now = clock.now()
    policy, limits = commitments(session, q.end)
    facts = outage_facts(session, starts, ends, q.start, q.end)
    if q.district_id is not None:
        facts = [f for f in facts if f.district_id == q.district_id]
    return RepairReport(
        start=q.start,
        end=q.end,
        district_id=q.district_id,
        as_of=now,
        policy=policy,
        repairs=_time_figures(
            repairs_timed(session, starts, ends, q.district_id, limits), limits, districts
        ),
        fault_outages=_time_figures(outages_timed(facts, limits), limits, districts),
        outages=_outage_figures(
            facts, _accounts_in_scope(session, q.start, q.end, q.district_id), now
        ),
    )
