"""The order filter, defined once and used by the API, the console and the CLI."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVarTuple

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, and_, case, select

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import seen_department
from quarterhour.errors import Forbidden
from quarterhour.kit import clock
from quarterhour.kit.bounds import BigId, DbId, SaneDateTime, Text
from quarterhour.workorders import standing
from quarterhour.workorders.kinds import AreaClass, Channel, OrderType
from quarterhour.workorders.lifecycle import DEPARTMENT_STATES, OPEN_STATES, State
from quarterhour.workorders.models import Contact, WorkOrder
from quarterhour.workorders.standing import FollowUpStanding


class Sort(StrEnum):
    DUE = "due"  # nearest deadline first
    NEWEST = "newest"
    OLDEST = "oldest"


class OrderFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: list[State] | None = None
    open: bool | None = Field(default=None, description="only open (true) or closed (false)")
    queue: bool = Field(default=False, description="work sitting with the department")
    order_type: OrderType | None = None
    district_id: DbId | None = None
    department_id: DbId | None = None
    customer_id: DbId | None = None
    contact_id: BigId | None = None
    overdue: bool | None = Field(
        default=None,
        description="超期: open and its running deadline has passed (workorders/standing.py)",
    )
    late: bool | None = Field(
        default=None, description="曾超期: a deadline was met late or escalated at some point"
    )
    escalated: bool | None = None
    reworked: bool | None = Field(default=None, description="redone at least once")
    follow_up: FollowUpStanding | None = Field(
        default=None,
        description="due: replied to and owed a follow-up; done: followed up; answered: the"
        " customer answered a follow-up call; dissatisfied: an answered call was not satisfied",
    )
    routed: bool | None = Field(default=None, description="placed with a department (or not)")
    cancelled: bool | None = Field(default=None, description="撤销 (or every other state)")
    provisional: bool | None = None
    due_before: SaneDateTime | None = None
    accepted_from: SaneDateTime | None = None
    accepted_to: SaneDateTime | None = None
    number: Text | None = Field(default=None, max_length=32)
    # The repair figures' drill-downs (analytics/repairs.py): a repair's area class, and the
    # fault calls linked to an outage, which have no clock of their own.
    area_class: AreaClass | None = None
    linked: bool | None = Field(default=None, description="linked to an outage (or not)")
    outage_id: DbId | None = Field(default=None, description="the calls linked to this outage")
    channel: Channel | None = Field(default=None, description="taken on this channel")
    sort: Sort = Sort.DUE
    page: int = Field(default=1, ge=1, le=10_000)
    per_page: int = Field(default=50, ge=1, le=200)


_Row = TypeVarTuple("_Row")


def visible(query: Select[*_Row], actor: Actor) -> Select[*_Row]:
    """Only the orders `actor` may see (access.permissions.seen_department, the one rule)."""
    department_id = seen_department(actor)
    if department_id is None:
        return query
    return query.where(WorkOrder.department_id == department_id)


def apply(query: Select[*_Row], f: OrderFilter, actor: Actor) -> Select[*_Row]:
    conditions: list[ColumnElement[bool]] = []
    department_id = f.department_id
    if (seen := seen_department(actor)) is not None:
        # Handlers see their own department's work; asking for another's is refused, not
        # silently answered with one's own.
        if department_id is not None and department_id != seen:
            raise Forbidden("you may list your own department's orders only", field="department_id")
        department_id = seen
    if f.queue:
        # Matches the partial index ix_work_order_queue exactly.
        conditions.append(WorkOrder.state.in_([str(s) for s in sorted(DEPARTMENT_STATES)]))
    if f.state:
        conditions.append(WorkOrder.state.in_([str(s) for s in f.state]))
    if f.open is True and f.overdue is not True:
        # (Overdue says "open" itself: the same IN twice makes PostgreSQL expect a hundred rows
        # of 38 k at 1 M orders and sort them all instead of reading the deadline index.)
        conditions.append(WorkOrder.state.in_([str(s) for s in sorted(OPEN_STATES)]))
    elif f.open is False:
        conditions.append(WorkOrder.state.in_([State.ARCHIVED, State.CANCELLED]))
    if f.order_type is not None:
        conditions.append(WorkOrder.order_type == f.order_type)
    if f.district_id is not None:
        conditions.append(WorkOrder.district_id == f.district_id)
    if department_id is not None:
        conditions.append(WorkOrder.department_id == department_id)
    if f.customer_id is not None:
        conditions.append(WorkOrder.customer_id == f.customer_id)
    if f.contact_id is not None:
        conditions.append(WorkOrder.contact_id == f.contact_id)
    if f.overdue is not None:
        # The dashboard's overdue figures count with this very condition.
        now = clock.now()
        conditions.append(standing.overdue(now) if f.overdue else standing.not_overdue(now))
    if f.late is not None:
        conditions.append(standing.late(f.late))
    if f.escalated is not None:
        conditions.append(WorkOrder.is_escalated.is_(f.escalated))
    if f.reworked is not None:
        conditions.append(standing.reworked(f.reworked))
    if f.follow_up is not None:
        conditions.append(standing.follow_up(f.follow_up))
    if f.cancelled is not None:
        cancelled = WorkOrder.state == State.CANCELLED
        conditions.append(cancelled if f.cancelled else WorkOrder.state != State.CANCELLED)
    if f.routed is not None:
        routed = WorkOrder.department_id.is_not(None)
        conditions.append(routed if f.routed else WorkOrder.department_id.is_(None))
    if f.provisional is not None:
        conditions.append(WorkOrder.has_provisional_deadline.is_(f.provisional))
    if f.due_before is not None:
        conditions.append(WorkOrder.due_at < f.due_before)
    if f.accepted_from is not None:
        conditions.append(WorkOrder.accepted_at >= f.accepted_from)
    if f.accepted_to is not None:
        conditions.append(WorkOrder.accepted_at < f.accepted_to)
    if f.channel is not None:
        conditions.append(
            WorkOrder.contact_id.in_(select(Contact.id).where(Contact.channel == f.channel))
        )
    if f.number:
        conditions.append(WorkOrder.number == f.number.strip())
    if f.area_class is not None:
        conditions.append(WorkOrder.area_class == f.area_class)
    if f.linked is not None:
        linked = WorkOrder.outage_id.is_not(None)
        conditions.append(linked if f.linked else WorkOrder.outage_id.is_(None))
    if f.outage_id is not None:
        conditions.append(WorkOrder.outage_id == f.outage_id)
    if conditions:
        query = query.where(and_(*conditions))
    if f.sort is Sort.DUE:
        # Urgency: the nearest deadline first; orders without one come last (PostgreSQL's
        # default for ASC, so the partial index serves the order). At the same deadline a fault
        # repair goes first (power is off); id breaks the remaining ties so pages are stable.
        query = query.order_by(
            WorkOrder.due_at.asc().nulls_last(),
            case((WorkOrder.order_type == OrderType.FAULT_REPAIR, 0), else_=1),
            WorkOrder.id,
        )
    elif f.sort is Sort.NEWEST:
        query = query.order_by(WorkOrder.accepted_at.desc(), WorkOrder.id.desc())
    else:
        query = query.order_by(WorkOrder.accepted_at, WorkOrder.id)
    return query.limit(f.per_page).offset((f.page - 1) * f.per_page)
