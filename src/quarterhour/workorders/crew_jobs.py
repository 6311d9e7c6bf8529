"""A repair crew sent to a fault repair or to an outage, and what each of its steps means there.

- Which crew: `suggest_for_order` measures from the premises (its own coordinates, else its
  transformer area's), `suggest_for_outage` from the centre of the outage's transformer areas;
  without coordinates the district's crew on duty longest on standby (crews.service).
- `send_order_to_crew`: the order goes to the crew's department by the loop's own moves (派单
  when still with the centre, 改派 when with a department that has not taken it), the crew's
  name on the order, and a crew job (crews/jobs.py) — the crew sent before withdrawn.
  `send_outage_to_crew`: the job and an event in the outage's history.
- `take_job_step`: the crew's step (crews.jobs.take_step), then the order's move with the time
  the crew claims — 接单 → acknowledge, 到场 → arrive (the restoration clock starts), 恢复供电 →
  restore — so the order's clocks and events are the loop's own; on an outage, 到场 is an event
  (and starts an outage not yet started), 恢复供电 restores it and replies to every linked call
  (outage_calls.restore_outage).
- A step a dispatcher enters for the crew (called in by radio) is the crew's move on the order:
  it is made as a handler of the crew's department, recorded under the dispatcher's id. A crew
  member's restoration of an outage is the service centre's move, made for the crew and
  recorded under the member's id. Both only after crews.jobs checked who may take the step.

Services flush, never commit: the entrypoint owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import CREW_DEPARTMENT_KIND, Actor, Role, system
from quarterhour.access.permissions import (
    Permission,
    can,
    can_reveal_caller,
    require,
    require_see_order,
)
from quarterhour.config import Settings
from quarterhour.crews import jobs
from quarterhour.crews import service as crews
from quarterhour.crews.models import Crew, CrewJob, JobStep
from quarterhour.customers.models import Account, Premises
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.outages import service as outages
from quarterhour.outages.lifecycle import Action as OutageAction
from quarterhour.outages.lifecycle import State as OutageState
from quarterhour.outages.lifecycle import target as outage_target
from quarterhour.outages.models import (
    Feeder,
    Outage,
    OutageTransformer,
    PremisesSupply,
    TransformerArea,
)
from quarterhour.workorders import customer_messages, moves, outage_calls, repository, routing
from quarterhour.workorders.kinds import OrderType
from quarterhour.workorders.lifecycle import OPEN_STATES, Action, State
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.schemas import ActionIn, OrderSummary

# The states in which a crew may be sent to a repair: with the centre, or with a department.
SENDABLE = (State.ACCEPTED, State.DISPATCHED, State.ACKNOWLEDGED, State.IN_PROGRESS)


@dataclass(frozen=True)
class Place:
    """Where the work is, as far as known: coordinates (None when unknown) and the district."""

    latitude: Decimal | None
    longitude: Decimal | None
    district_id: int | None

    @property
    def measured(self) -> bool:
        return self.latitude is not None and self.longitude is not None


# --- where the work is ------------------------------------------------------------------------


def premises_place(
    session: Session, *, account_id: int | None, customer_id: int | None
) -> tuple[Decimal, Decimal] | None:
    """The premises' coordinates, else its transformer area's (one statement): the account the
    call is about, else the customer's only premises."""
    if account_id is not None:
        where = Account.id == account_id
    elif customer_id is not None:
        where = Account.customer_id == customer_id
    else:
        return None
    rows = session.execute(
        select(
            Premises.id,
            Premises.latitude,
            Premises.longitude,
            TransformerArea.latitude,
            TransformerArea.longitude,
        )
        .select_from(Account)
        .join(Premises, Premises.id == Account.premises_id)
        .outerjoin(PremisesSupply, PremisesSupply.premises_id == Premises.id)
        .outerjoin(TransformerArea, TransformerArea.id == PremisesSupply.transformer_id)
        .where(where)
        .limit(2)
    ).all()
    if len({row[0] for row in rows}) != 1:
        return None
    _, lat, lon, area_lat, area_lon = rows[0]
    if lat is not None and lon is not None:
        return lat, lon
    if area_lat is not None and area_lon is not None:
        return area_lat, area_lon
    return None


def order_place(session: Session, order: WorkOrder) -> Place:
    found = premises_place(session, account_id=order.account_id, customer_id=order.customer_id)
    lat, lon = found if found is not None else (None, None)
    return Place(lat, lon, order.district_id)


def outage_place(session: Session, outage_id: int) -> Place:
    """The centre of the outage's transformer areas with coordinates, and the district most of
    its transformers lie in (one statement, grouped by district)."""
    rows = session.execute(
        select(
            Feeder.district_id,
            func.count(),
            func.count(TransformerArea.latitude),
            func.sum(TransformerArea.latitude),
            func.sum(TransformerArea.longitude),
        )
        .select_from(OutageTransformer)
        .join(TransformerArea, TransformerArea.id == OutageTransformer.transformer_id)
        .join(Feeder, Feeder.id == TransformerArea.feeder_id)
        .where(OutageTransformer.outage_id == outage_id)
        .group_by(Feeder.district_id)
    ).all()
    if not rows:
        return Place(None, None, None)
    district = max(rows, key=lambda r: (r[1], -r[0]))[0]
    placed = sum(int(r[2]) for r in rows)
    if not placed:
        return Place(None, None, district)
    micro = Decimal("0.000001")
    lat = (sum((Decimal(r[3] or 0) for r in rows), Decimal(0)) / placed).quantize(micro)
    lon = (sum((Decimal(r[4] or 0) for r in rows), Decimal(0)) / placed).quantize(micro)
    return Place(lat, lon, district)


def _suggest(session: Session, place: Place, *, by: Actor) -> crews.Suggestion:
    if place.district_id is None:
        return crews.Suggestion(None, "none", None, 0)
    return crews.suggest_crew(
        session,
        by=by,
        district_id=place.district_id,
        latitude=float(place.latitude) if place.latitude is not None else None,
        longitude=float(place.longitude) if place.longitude is not None else None,
    )


def _order(session: Session, order_id: int, *, by: Actor) -> WorkOrder:
    order = session.get(WorkOrder, order_id, populate_existing=True)
    if order is None:
        raise NotFound(f"no work order {order_id}", field="order_id")
    require_see_order(by, order.department_id)
    return order


def _repair(order: WorkOrder) -> None:
    if order.order_type != OrderType.FAULT_REPAIR:
        raise ValidationFailed("only a fault repair is sent to a repair crew", field="order_id")
    if order.outage_id is not None:
        raise Conflict(
            f"the call is linked to outage {order.outage_id}: send the crew to the outage",
            field="order_id",
            outage_id=order.outage_id,
        )
    if State(order.state) not in SENDABLE:
        raise Conflict(
            f"an order that is {order.state} is not sent to a crew",
            field="order_id",
            state=order.state,
        )


def suggest_for_order(session: Session, order_id: int, *, by: Actor) -> crews.Suggestion:
    """The crew to send to a fault repair (派单建议)."""
    require(by, Permission.VIEW_CREWS)
    order = _order(session, order_id, by=by)
    _repair(order)
    return _suggest(session, order_place(session, order), by=by)


def _outage(session: Session, outage_id: int) -> Outage:
    """The outage a crew may be sent to: one not restored nor cancelled."""
    outage = session.get(Outage, outage_id)
    if outage is None:
        raise NotFound(f"no outage {outage_id}", field="outage_id")
    if outage.state not in (OutageState.PLANNED, OutageState.ANNOUNCED, OutageState.ACTIVE):
        raise Conflict(
            f"an outage that is {outage.state} needs no crew",
            field="outage_id",
            state=outage.state,
        )
    return outage


def suggest_for_outage(session: Session, outage_id: int, *, by: Actor) -> crews.Suggestion:
    require(by, Permission.VIEW_CREWS)
    require(by, Permission.VIEW_OUTAGES)
    _outage(session, outage_id)
    return _suggest(session, outage_place(session, outage_id), by=by)


# --- automatic dispatch at intake -------------------------------------------------------------

# Who sends a crew by routing policy: the system, as the sweep's events are (系统自动).
DISPATCHER = system("dispatch")


@dataclass(frozen=True)
class Automatic:
    """A fault repair its routing rule sends at once to the crew on duty: the crew suggested
    (none when no crew of the rule's department is on duty and available: the order stays with
    the dispatcher, and the desk is told)."""

    department_id: int
    suggestion: crews.Suggestion

    @property
    def crew(self) -> Crew | None:
        return self.suggestion.crew


def automatic_dispatch(
    session: Session,
    *,
    order_type: str,
    subtype: str | None,
    district_id: int | None,
    department_id: int | None,
    account_id: int | None,
    customer_id: int | None,
    at: datetime,
) -> Automatic | None:
    """For intake and its preview: whether the matter's routing rule dispatches it to the crew on
    duty, and which crew (two small statements: where the premises is, which crews are on duty),
    or None when the rule does not. The caller leaves out matters whose department was chosen by
    hand, answered on the spot or linked to an outage (that outage has its crew)."""
    if department_id is None or district_id is None:
        return None
    if not routing.dispatches_to_crew(session, order_type, subtype, district_id):
        return None
    place = premises_place(session, account_id=account_id, customer_id=customer_id)
    suggestion = crews.suggest_crew(
        session,
        by=DISPATCHER,
        district_id=district_id,
        latitude=float(place[0]) if place is not None else None,
        longitude=float(place[1]) if place is not None else None,
        at=at,
        department_id=department_id,
    )
    return Automatic(department_id, suggestion)


# --- sending ----------------------------------------------------------------------------------


def _chosen(
    session: Session, place: Place, crew_id: int | None, *, by: Actor
) -> tuple[int, str, Decimal | None]:
    """The crew, how it was chosen and how far it is (when measured)."""
    if crew_id is not None:
        return crew_id, "manual", None
    suggestion = _suggest(session, place, by=by)
    if suggestion.crew is None:
        raise Conflict(
            "no crew of the district is on duty and available: choose the crew",
            field="crew_id",
        )
    return suggestion.crew.id, suggestion.reason, suggestion.distance_km


def send_order_to_crew(
    session: Session,
    order_id: int,
    *,
    by: Actor,
    settings: Settings,
    crew_id: int | None = None,
) -> CrewJob:
    """派抢修班组: the crew named, or the one suggested, sent to a fault repair."""
    require(by, Permission.DISPATCH_CREWS)
    order = _order(session, order_id, by=by)
    _repair(order)
    chosen, how, km = _chosen(session, order_place(session, order), crew_id, by=by)
    job = jobs.dispatch_job(
        session, chosen, by=by, chosen_by=how, work_order_id=order.id, distance_km=km
    )
    crew = session.get_one(Crew, job.crew_id)
    state = State(order.state)
    data = ActionIn(department_id=crew.department_id, crew=crew.name)
    if state is State.ACCEPTED:
        moves.act(session, order.id, Action.DISPATCH, data, by=by, settings=settings)
    elif state is State.DISPATCHED:
        moves.act(session, order.id, Action.REDISPATCH, data, by=by, settings=settings)
    elif order.department_id != crew.department_id:
        raise Conflict(
            "the order is being handled by another department; it cannot take this crew",
            field="crew_id",
            department_id=order.department_id,
        )
    else:
        # Taken already by the crew's department: the crew changes, the loop's state does not.
        moves.act(
            session,
            order.id,
            Action.COMMENT,
            ActionIn(note=f"改派抢修班组：{crew.name}"),
            by=by,
            settings=settings,
        )
        written = session.get_one(WorkOrder, order.id, populate_existing=True)
        written.crew = crew.name
        written.crew_dispatched_at = job.dispatched_at
        session.flush()
    return job


def send_outage_to_crew(
    session: Session, outage_id: int, *, by: Actor, crew_id: int | None = None
) -> CrewJob:
    """派抢修班组 to an outage: the job, and the outage's history says who went."""
    require(by, Permission.DISPATCH_CREWS)
    _outage(session, outage_id)
    chosen, how, km = _chosen(session, outage_place(session, outage_id), crew_id, by=by)
    job = jobs.dispatch_job(
        session, chosen, by=by, chosen_by=how, outage_id=outage_id, distance_km=km
    )
    crew = session.get_one(Crew, job.crew_id)
    outages.note_crew(
        session, outage_id, OutageAction.SEND_CREW, by=by, note=f"派抢修班组：{crew.name}"
    )
    return job


# --- steps ------------------------------------------------------------------------------------


def _for_the_crew(by: Actor, crew: Crew) -> Actor:
    """The actor of the order's move: a crew member himself; for a dispatcher or supervisor who
    enters the crew's step, a handler of the crew's department under his own id."""
    if by.role is Role.HANDLER:
        return by
    return replace(
        by,
        role=Role.HANDLER,
        department_id=crew.department_id,
        department_kind=CREW_DEPARTMENT_KIND,
    )


def _for_the_outage(by: Actor) -> Actor:
    """The actor of the outage's move (start, restore): the centre itself; for a crew member (or
    a supervisor entering the crew's step), the move done for him under his own id."""
    if can(by, Permission.MANAGE_OUTAGES):
        return by
    return replace(by, role=Role.SYSTEM)


def take_job_step(
    session: Session,
    job_id: int,
    step: str,
    *,
    by: Actor,
    settings: Settings,
    at: datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    note: str | None = None,
    version: int | None = None,
) -> jobs.Taken:
    """The crew's step (接单, 出发, 到场, 恢复供电) and what it means for its order or outage."""
    taken = jobs.take_step(
        session,
        job_id,
        step,
        by=by,
        at=at,
        latitude=latitude,
        longitude=longitude,
        note=note,
        version=version,
    )
    claimed = None if at is None else taken.at
    crew = session.get_one(Crew, taken.job.crew_id)
    if taken.job.work_order_id is not None:
        _order_follows(session, taken, crew, claimed, by=by, settings=settings)
    elif taken.job.outage_id is not None:
        _outage_follows(session, taken, crew, claimed, by=by, settings=settings)
    return taken


def _order_follows(
    session: Session,
    taken: jobs.Taken,
    crew: Crew,
    claimed: datetime | None,
    *,
    by: Actor,
    settings: Settings,
) -> None:
    order_id = taken.job.work_order_id
    assert order_id is not None
    actor = _for_the_crew(by, crew)

    def state() -> tuple[State, WorkOrder]:
        order = session.get_one(WorkOrder, order_id, populate_existing=True)
        return State(order.state), order

    def move(action: Action) -> None:
        moves.act(session, order_id, action, ActionIn(at=claimed), by=actor, settings=settings)

    current, order = state()
    if order.department_id != crew.department_id:
        return  # the order went elsewhere meanwhile: the job is the crew's own record
    if taken.step is JobStep.DEPARTED and claimed is None:
        customer_messages.crew_on_the_way(session, order, crew.name, settings)
    if current is State.DISPATCHED:  # 接单, or a step that implies it
        move(Action.ACKNOWLEDGE)
        current, order = state()
    arriving = taken.step is JobStep.ARRIVED and order.arrived_at is None
    if arriving and current in (State.ACKNOWLEDGED, State.IN_PROGRESS):
        move(Action.ARRIVE)
    restoring = taken.step is JobStep.RESTORED and order.restored_at is None
    if restoring and current is State.IN_PROGRESS and order.arrived_at is not None:
        move(Action.RESTORE)


def _outage_follows(
    session: Session,
    taken: jobs.Taken,
    crew: Crew,
    claimed: datetime | None,
    *,
    by: Actor,
    settings: Settings,
) -> None:
    outage_id = taken.job.outage_id
    assert outage_id is not None
    outage = session.get_one(Outage, outage_id, populate_existing=True)
    told = {JobStep.DEPARTED: "crew_on_the_way", JobStep.ARRIVED: "crew_arrived"}.get(taken.step)
    if told is not None and claimed is None:
        # Every caller waiting on the outage hears of its crew as he would of his own repair's
        # (a step entered after the fact is news to nobody).
        waiting = session.scalars(
            select(WorkOrder.id).where(
                WorkOrder.outage_id == outage_id,
                WorkOrder.state.in_([str(s) for s in outage_calls.BEFORE_REPLY]),
            )
        ).all()
        customer_messages.outage_crew(
            session, waiting, kind=told, crew=crew.name, job_id=taken.job.id, settings=settings
        )
    if taken.step is JobStep.ARRIVED:
        if outage_target(outage.state, outage.kind, OutageAction.START) is not None:
            outages.start(session, outage_id, by=_for_the_outage(by), at=claimed)
        outages.note_crew(
            session,
            outage_id,
            OutageAction.CREW_ARRIVED,
            by=by,
            note=f"抢修班组到场：{crew.name}",
            claimed_at=claimed,
        )
    elif taken.step is JobStep.RESTORED and outage.state == OutageState.ACTIVE:
        outage_calls.restore_outage(
            session, outage_id, by=_for_the_outage(by), settings=settings, at=claimed
        )


# --- reading ----------------------------------------------------------------------------------


def linked_calls(session: Session, outage_ids: list[int], *, by: Actor) -> dict[int, int]:
    """How many calls are linked to each outage (the phone page's outage jobs)."""
    require(by, Permission.VIEW_OUTAGES)
    if not outage_ids:
        return {}
    return {
        int(outage_id or 0): int(n)
        for outage_id, n in session.execute(
            select(WorkOrder.outage_id, func.count())
            .where(WorkOrder.outage_id.in_(outage_ids))
            .group_by(WorkOrder.outage_id)
        )
    }


# --- the crew's phone page --------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneJob:
    """One open job as the crew's phone shows it: the work (the order's summary, masked like
    every list, or the outage with its linked calls), where it is, and whether the caller's
    whole number may be revealed (the existing rule: the order's own department while open)."""

    view: jobs.JobView
    order: OrderSummary | None
    outage: Outage | None
    linked_calls: int
    place: Place
    may_reveal_phone: bool


def phone_jobs(session: Session, *, by: Actor) -> tuple[Crew | None, list[PhoneJob]]:
    """The actor's crew and its open jobs, newest first (a fixed number of statements)."""
    crew = jobs.crew_of(session, by)
    if crew is None:
        return None, []
    views = jobs.open_jobs_for_crew(session, crew.id, by=by)
    order_ids = [v.job.work_order_id for v in views if v.job.work_order_id is not None]
    outage_ids = [v.job.outage_id for v in views if v.job.outage_id is not None]
    orders = (
        list(session.scalars(select(WorkOrder).where(WorkOrder.id.in_(order_ids))))
        if order_ids
        else []
    )
    summaries = {s.id: s for s in repository.summaries_for(session, orders)}
    by_id = {o.id: o for o in orders}
    found = (
        {o.id: o for o in session.scalars(select(Outage).where(Outage.id.in_(outage_ids)))}
        if outage_ids
        else {}
    )
    calls = linked_calls(session, outage_ids, by=by)
    out = []
    for view in views:
        order = by_id.get(view.job.work_order_id or 0)
        if order is not None:
            place = order_place(session, order)
            may_reveal = can_reveal_caller(
                by, order.department_id, is_open=State(order.state) in OPEN_STATES
            )
            out.append(PhoneJob(view, summaries.get(order.id), None, 0, place, may_reveal))
        elif view.job.outage_id is not None:
            outage_id = view.job.outage_id
            out.append(
                PhoneJob(
                    view,
                    None,
                    found.get(outage_id),
                    calls.get(outage_id, 0),
                    outage_place(session, outage_id),
                    False,
                )
            )
    return crew, out
