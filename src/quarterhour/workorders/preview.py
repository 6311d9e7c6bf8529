"""What a contact would become, before it is saved: for the intake desk's "check before saving".

Each matter is checked and routed as intake does (`routing.route_matter`), and its deadlines are
computed from the policy and the working-day calendar in force, so the agent sees the department
and the deadlines each order would get. Nothing is written. A matter like one the same customer
raised recently is flagged (a repeat caller: PRODUCT.md counts repeat calls against the centre).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.calendar import service as calendar_service
from quarterhour.config import Settings
from quarterhour.customers import service as customers
from quarterhour.customers.models import Account, Customer
from quarterhour.errors import NotFound
from quarterhour.kit import clock
from quarterhour.organisation import service as organisation
from quarterhour.outages.models import Outage
from quarterhour.workorders import crew_jobs, outage_calls, policies, routing
from quarterhour.workorders.deadlines import due_with_settings
from quarterhour.workorders.kinds import DeadlineKind, OrderType
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.schemas import ContactIn

# "Recently" for a repeat caller: the same customer, the same kind of matter, this many days.
REPEAT_DAYS = 30


@dataclass(frozen=True)
class DeadlinePreview:
    kind: str
    amount: int
    unit: str
    due_at: datetime
    is_provisional: bool


@dataclass(frozen=True)
class MatterPreview:
    order_type: str
    title: str
    district_id: int | None
    department_id: int | None
    deadlines: list[DeadlinePreview]
    follow_up_required: bool
    closes_on_intake: bool
    # Earlier orders of this customer of the same type within REPEAT_DAYS: (number, state).
    repeats: list[tuple[str, str]]
    # A fault call the active outage at the caller's premises would take (no deadlines then).
    outage: Outage | None = None
    # A fault repair its routing rule sends at once to the crew on duty: which crew (or none).
    automatic: crew_jobs.Automatic | None = None


def preview_contact(
    session: Session, data: ContactIn, *, by: Actor, settings: Settings
) -> list[MatterPreview]:
    require(by, Permission.TAKE_CONTACT)
    at = clock.local(data.received_at) if data.received_at else clock.now()
    customer = _known_customer(session, data)
    district_id = customer.district_id if customer is not None else data.customer.district_id
    if customer is None and district_id is not None:
        organisation.check_district(session, district_id, field="customer.district_id")
    calendar = calendar_service.current_calendar(session)
    policy = policies.policy_in_force(session, at.date())
    recent = _recent_orders(session, customer, at) if customer is not None else []
    outage = None
    if customer is not None and any(
        m.order_type == OrderType.FAULT_REPAIR and m.answer is None for m in data.matters
    ):
        outage = outage_calls.outage_for_caller(
            session,
            account_id=None,
            account_number=data.customer.account,
            customer_id=customer.id,
            at=at,
            by=by,
        )
    out = []
    for index, matter in enumerate(data.matters):
        matter_district, department_id = routing.route_matter(session, matter, index, district_id)
        kind = OrderType(matter.order_type)
        linked = outage if kind == OrderType.FAULT_REPAIR and matter.answer is None else None
        automatic = None
        if kind == OrderType.FAULT_REPAIR and matter.answer is None and linked is None:
            automatic = (
                crew_jobs.automatic_dispatch(
                    session,
                    order_type=kind,
                    subtype=matter.subtype,
                    district_id=matter_district,
                    department_id=department_id,
                    account_id=None,
                    customer_id=customer.id if customer is not None else None,
                    at=at,
                )
                if matter.department_id is None
                else None
            )
        deadlines = []
        for limit in policy.limits_for(kind, matter.subtype, matter.area_class):
            if linked is not None:
                break  # the outage's expected restoration is the promise
            if limit.kind is DeadlineKind.RESTORATION:
                continue  # starts only when the crew arrives
            due = due_with_settings(calendar, at, limit.amount, limit.unit, settings)
            deadlines.append(
                DeadlinePreview(
                    str(limit.kind), limit.amount, str(limit.unit), due.due_at, due.is_provisional
                )
            )
        out.append(
            MatterPreview(
                order_type=kind,
                title=matter.title,
                district_id=matter_district,
                department_id=department_id,
                deadlines=deadlines,
                follow_up_required=policy.follow_up_required(kind),
                closes_on_intake=matter.answer is not None
                or matter.answered_by_outage_id is not None,
                repeats=[(number, state) for number, state, t in recent if t == kind],
                outage=linked,
                automatic=automatic,
            )
        )
    return out


def _known_customer(session: Session, data: ContactIn) -> Customer | None:
    ref = data.customer
    if ref.account is not None:
        customer_id = session.scalar(
            select(Account.customer_id).where(Account.number == ref.account)
        )
        if customer_id is None:
            raise NotFound(f"no account {ref.account}", field="customer.account")
        return customers.get_customer(session, customer_id, field="customer.account")
    if ref.id is not None:
        return customers.get_customer(session, ref.id, field="customer.id")
    return None


def _recent_orders(
    session: Session, customer: Customer, at: datetime
) -> list[tuple[str, str, str]]:
    rows = session.execute(
        select(WorkOrder.number, WorkOrder.state, WorkOrder.order_type)
        .where(
            WorkOrder.customer_id == customer.id,
            WorkOrder.accepted_at >= at - timedelta(days=REPEAT_DAYS),
        )
        .order_by(WorkOrder.accepted_at.desc())
        .limit(50)
    ).all()
    return [(number or "", state, order_type) for number, state, order_type in rows]
