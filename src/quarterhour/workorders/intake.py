"""受理: a contact with its matters, each a new work order with its deadlines (`take_contact`).

Everything is checked first, the ids are taken next, and the whole contact is written at once
(one statement on PostgreSQL, writes.insert_rows). Services flush, never commit: the entrypoint
owns the transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.calendar import service as calendar_service
from quarterhour.calendar.workdays import WorkCalendar
from quarterhour.config import Settings
from quarterhour.crews import jobs
from quarterhour.crews.models import Crew, CrewJob
from quarterhour.customers import service as customers
from quarterhour.customers.models import Account, Customer
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation import service as organisation
from quarterhour.outages.models import Outage
from quarterhour.programme import service as programme
from quarterhour.storage import driver, one_write
from quarterhour.workorders import (
    crew_jobs,
    customer_messages,
    order_record,
    outage_answers,
    outage_calls,
    policies,
    routing,
    writes,
)
from quarterhour.workorders.kinds import DeadlineKind, OrderType
from quarterhour.workorders.lifecycle import Action, State
from quarterhour.workorders.models import Contact, Deadline, OrderEvent, WorkOrder
from quarterhour.workorders.schemas import ContactIn, MatterIn


@dataclass(frozen=True)
class IntakeResult:
    contact: Contact
    orders: list[WorkOrder]
    created: bool
    customer: Customer | None = None  # known when created: the answer needs no second read
    # Fault repairs a routing rule sent to the crew on duty (by order id), with the crew chosen
    # or none available (crew_jobs.Automatic).
    automatic: dict[int, crew_jobs.Automatic] = field(default_factory=dict)


def _request_hash(data: ContactIn) -> str:
    body = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def take_contact(
    session: Session,
    data: ContactIn,
    *,
    by: Actor,
    settings: Settings,
    idempotency_key: str | None = None,
) -> IntakeResult:
    """受理: one contact with its matters; each matter becomes a work order with its deadlines."""
    require(by, Permission.TAKE_CONTACT)
    request_hash = _request_hash(data)
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 128:
            raise ValidationFailed(
                "Idempotency-Key must have 1 to 128 characters", field="Idempotency-Key"
            )
        # Nearly every key is new: look for it with a plain row query, load the contact only
        # when the key was seen before.
        seen = session.execute(
            select(_CONTACT.c.id, _CONTACT.c.request_hash).where(
                _CONTACT.c.idempotency_key == idempotency_key
            )
        ).first()
        if seen is not None:
            if seen.request_hash != request_hash:
                raise Conflict(
                    "this Idempotency-Key was used for a different contact",
                    field="Idempotency-Key",
                    contact_id=seen.id,
                )
            previous = session.get_one(Contact, seen.id)
            earlier = session.scalars(
                select(WorkOrder).where(WorkOrder.contact_id == previous.id).order_by(WorkOrder.id)
            )
            return IntakeResult(previous, list(earlier), created=False)
    # What follows writes with one statement (storage/one_write.py holds the one-write session
    # to it).
    with one_write.use_case(session, "take_contact"):
        return _take_new_contact(
            session,
            data,
            by=by,
            settings=settings,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )


def _take_new_contact(
    session: Session,
    data: ContactIn,
    *,
    by: Actor,
    settings: Settings,
    idempotency_key: str | None,
    request_hash: str,
) -> IntakeResult:
    now = clock.now()
    received_at = clock.local(data.received_at) if data.received_at else now
    if received_at > now + timedelta(minutes=5):
        raise ValidationFailed("a contact cannot be received in the future", field="received_at")
    customer, new_customer, account_id = _customer_for(session, data)
    episode_id = programme.episode_for_contact(
        session, channel=data.channel, received_at=received_at, episode_id=data.episode_id
    )
    calendar = calendar_service.current_calendar(session)
    policy = policies.policy_in_force(session, received_at.date())
    # A consultation about a planned outage at the premises, answered on the spot.
    answered = outage_answers.answering_outages(
        session,
        data.matters,
        account_id=account_id,
        customer_id=None if new_customer else customer.id,
        at=received_at,
        by=by,
    )
    matters = [outage_answers.with_answer(m, answered.get(i)) for i, m in enumerate(data.matters)]
    routes = [
        routing.route_matter(session, matter, index, customer.district_id)
        for index, matter in enumerate(matters)
    ]
    # A fault call from premises already in an active outage joins it (outage_calls.py).
    outage = None
    if not new_customer and any(
        m.order_type == OrderType.FAULT_REPAIR and m.answer is None for m in data.matters
    ):
        outage = outage_calls.outage_for_caller(
            session, account_id=account_id, customer_id=customer.id, at=received_at, by=by
        )
    # A fault repair whose routing rule says so goes at once to the crew on duty (crew_jobs.py);
    # a call linked to the outage does not (the outage has its crew).
    automatic = [
        crew_jobs.automatic_dispatch(
            session,
            order_type=matter.order_type,
            subtype=matter.subtype,
            district_id=district_id,
            department_id=department_id,
            account_id=account_id,
            customer_id=None if new_customer else customer.id,
            at=received_at,
        )
        if matter.order_type == OrderType.FAULT_REPAIR
        and matter.answer is None
        and matter.department_id is None
        and outage is None
        else None
        for matter, (district_id, department_id) in zip(matters, routes, strict=True)
    ]
    # Everything is checked; the ids come next so that numbers and references are known and
    # the whole contact is written at once.
    wanted = [(_CONTACT, 1), (_ORDER, len(data.matters))]
    if new_customer:
        wanted.append((_CUSTOMER, 1))
    ids = driver.allocate_ids(session, wanted)
    if new_customer:
        customer.id = ids[2][0]
    contact = Contact(
        id=ids[0][0],
        number=f"LD{received_at:%Y%m%d}{ids[0][0]:06d}",
        channel=data.channel,
        customer_id=customer.id,
        caller_name=data.caller_name or customer.name,
        caller_phone=customers.normalise_phone(data.caller_phone, field="caller_phone")
        or customer.phone,
        received_at=received_at,
        taken_by_id=by.id,
        episode_id=episode_id,
        summary=data.summary,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        created_at=now,
    )
    orders: list[WorkOrder] = []
    deadlines: list[Deadline] = []
    events: list[dict[str, Any]] = []
    jobs_rows: list[dict[str, Any]] = []
    sent: dict[int, crew_jobs.Automatic] = {}
    for order_id, matter, (district_id, department_id), auto in zip(
        ids[1], matters, routes, automatic, strict=True
    ):
        order, its_deadlines, its_events = _open_order(
            order_id,
            contact,
            account_id,
            customer.address,
            matter,
            district_id,
            department_id,
            by=by,
            settings=settings,
            calendar=calendar,
            policy=policy,
            outage=outage,
        )
        if matter.answered_by_outage_id is not None:
            order.outage_id = matter.answered_by_outage_id  # counted on the outage
        if auto is not None:
            sent[order_id] = auto
            if auto.crew is None:
                # Kept in the history: the dispatcher sees why the policy did not send it.
                its_events.append(
                    order_record.event_row(
                        order_id,
                        Action.COMMENT,
                        State.ACCEPTED,
                        State.ACCEPTED,
                        by=crew_jobs.DISPATCHER,
                        at=order.accepted_at,
                        note=f"按派单规则应自动派单，但{auto.suggestion.explanation('zh')}：请调度人员派单",
                        data={"automatic": True},
                    )
                )
            else:
                its_events.append(_dispatch_to_crew(order, its_deadlines, auto, auto.crew))
                job = jobs.new_job(
                    auto.crew,
                    at=order.accepted_at,
                    chosen_by="automatic",
                    by=crew_jobs.DISPATCHER,
                    work_order_id=order_id,
                    distance_km=auto.suggestion.distance_km,
                )
                jobs_rows.append(writes.row_of(_JOB, job))
        orders.append(order)
        deadlines.extend(its_deadlines)
        events.extend(its_events)
    # 受理通知: the numbers and the status link by SMS, joined to the one write below.
    customer_messages.contact_accepted(
        session,
        phone=contact.caller_phone,
        customer_id=customer.id,
        # A new customer has none yet; a known one's was read with him (customers/service.py).
        preference=None if new_customer else customer.preference,
        orders=orders,
        settings=settings,
    )
    writes.insert_rows(
        session,
        [
            (_CUSTOMER, [writes.row_of(_CUSTOMER, customer)] if new_customer else []),
            (_CONTACT, [writes.row_of(_CONTACT, contact)]),
            (_ORDER, [writes.row_of(_ORDER, order) for order in orders]),
            (_DEADLINE, [writes.row_of(_DEADLINE, deadline) for deadline in deadlines]),
            (_EVENT, events),
            (_JOB, jobs_rows),
        ],
    )
    return IntakeResult(contact, orders, created=True, customer=customer, automatic=sent)


_CUSTOMER: Table = Customer.__table__  # type: ignore[assignment]
_CONTACT: Table = Contact.__table__  # type: ignore[assignment]
_ORDER: Table = WorkOrder.__table__  # type: ignore[assignment]
_DEADLINE: Table = Deadline.__table__  # type: ignore[assignment]
_EVENT: Table = OrderEvent.__table__  # type: ignore[assignment]
_JOB: Table = CrewJob.__table__  # type: ignore[assignment]


def _dispatch_to_crew(
    order: WorkOrder, deadlines: list[Deadline], auto: crew_jobs.Automatic, crew: Crew
) -> dict[str, Any]:
    """派单 by the system at intake: the order goes to the rule's department with the crew named,
    its dispatch clock met; the event is the dispatch move's own (the history replays)."""
    at = order.accepted_at
    order.state = State.DISPATCHED
    order.department_id = auto.department_id
    order.dispatched_at = at
    order.crew = crew.name
    order.crew_dispatched_at = at
    for deadline in deadlines:
        if deadline.kind == DeadlineKind.DISPATCH and deadline.met_at is None:
            deadline.met_at = at
    order_record.refresh_due(order, deadlines, at)
    return order_record.event_row(
        order.id,
        Action.DISPATCH,
        State.ACCEPTED,
        State.DISPATCHED,
        by=crew_jobs.DISPATCHER,
        at=at,
        note=f"按派单规则自动派给值班抢修班组：{crew.name}（{auto.suggestion.explanation('zh')}）",
        data={
            "department_id": auto.department_id,
            "crew": crew.name,
            "crew_id": crew.id,
            "automatic": True,
        },
    )


def _customer_for(session: Session, data: ContactIn) -> tuple[Customer, bool, int | None]:
    """The caller's customer record, whether it is new, and the account the contact is about."""
    ref = data.customer
    if ref.account is not None:
        found = session.execute(
            select(Account.id, Account.customer_id).where(Account.number == ref.account)
        ).first()
        if found is None:
            raise NotFound(f"no account {ref.account}", field="customer.account")
        if ref.id is not None and ref.id != found.customer_id:
            raise ValidationFailed(
                f"account {ref.account} is not customer {ref.id}'s", field="customer.account"
            )
        customer = customers.get_customer(session, found.customer_id, field="customer.account")
        return customer, False, found.id
    if ref.id is not None:
        return customers.get_customer(session, ref.id, field="customer.id"), False, None
    if ref.district_id is not None:
        organisation.check_district(session, ref.district_id, field="customer.district_id")
    customer, new = customers.find_or_new(
        session, name=ref.name, phone=ref.phone, address=ref.address, district_id=ref.district_id
    )
    return customer, new, None


def _open_order(
    order_id: int,
    contact: Contact,
    account_id: int | None,
    customer_address: str | None,
    matter: MatterIn,
    district_id: int | None,
    department_id: int | None,
    *,
    by: Actor,
    settings: Settings,
    calendar: WorkCalendar,
    policy: policies.PolicyView,
    outage: Outage | None = None,
) -> tuple[WorkOrder, list[Deadline], list[dict[str, Any]]]:
    """The new order (transient), its deadlines and its events, for one insert of the contact.
    A fault call inside `outage` is linked to it instead, with no clock of its own."""
    kind = OrderType(matter.order_type)
    at = contact.received_at
    linked = outage if kind == OrderType.FAULT_REPAIR and matter.answer is None else None
    order = WorkOrder(
        id=order_id,
        number=f"GD{at:%Y%m%d}{order_id:06d}",
        contact_id=contact.id,
        customer_id=contact.customer_id,
        account_id=account_id,
        order_type=kind,
        subtype=matter.subtype,
        title=matter.title,
        description=matter.description,
        address=matter.address or customer_address,
        district_id=district_id,
        department_id=department_id,
        state=State.ACCEPTED,
        accepted_at=at,
        follow_up_required=policy.follow_up_required(kind),
        area_class=matter.area_class,
        updated_at=clock.now(),
        is_overdue=False,
        is_escalated=False,
        has_provisional_deadline=False,
        rework_count=0,
        follow_up_attempts=0,
        answered_follow_ups=0,
        satisfied_follow_ups=0,
        closed_on_intake=False,
        outage_id=linked.id if linked is not None else None,
        version=1,
    )
    events = [
        order_record.event_row(
            order_id,
            Action.ACCEPT,
            None,
            State.ACCEPTED,
            by=by,
            at=at,
            note=matter.description,
            data={"department_id": department_id},
        )
    ]
    if linked is not None:
        # The outage's expected restoration is the promise: no arrival clock, no escalation.
        events.append(
            order_record.event_row(
                order_id,
                Action.LINK_OUTAGE,
                State.ACCEPTED,
                State.ACCEPTED,
                by=by,
                at=at,
                note=outage_calls.link_note(linked),
                data={
                    "outage_id": linked.id,
                    "expected_restoration_at": linked.expected_restoration_at.isoformat(),
                },
            )
        )
        order.due_at = None
        return order, [], events
    deadlines = [
        order_record.new_deadline(
            order, limit.kind, 1, at, limit.amount, limit.unit, policy.id, calendar, settings
        )
        for limit in policy.limits_for(kind, matter.subtype, matter.area_class)
        # Restoration starts when the crew arrives, the follow-up when the customer is told.
        if limit.kind not in (DeadlineKind.RESTORATION, DeadlineKind.FOLLOW_UP)
    ]
    if matter.answer is not None:
        order_record.answer_on_the_spot(
            order, deadlines, matter.answer, contact.channel, by=by, at=at
        )
        order.closed_at = at
        order.state = State.ARCHIVED
        events.append(
            order_record.event_row(
                order_id,
                Action.CLOSE_ON_INTAKE,
                State.ACCEPTED,
                State.ARCHIVED,
                by=by,
                at=at,
                note=matter.answer,
            )
        )
    order_record.refresh_due(order, deadlines, at)
    return order, deadlines, events
