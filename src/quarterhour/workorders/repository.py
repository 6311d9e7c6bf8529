"""Read queries of the closed loop: queues, one order's full record, counts. Fixed query counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import (
    Permission,
    can_reveal_caller,
    require,
    require_see_order,
    seen_department,
)
from quarterhour.customers.models import Account, Customer, Premises
from quarterhour.errors import NotFound
from quarterhour.kit import clock
from quarterhour.kit.masking import mask_name, mask_phone, mask_text, salutation
from quarterhour.notifications import timeline
from quarterhour.notifications.models import OutboxMessage
from quarterhour.organisation.models import Staff
from quarterhour.workorders import filters, outage_calls
from quarterhour.workorders.lifecycle import OPEN_STATES, State, actions_for
from quarterhour.workorders.models import Contact, Deadline, OrderEvent, WorkOrder
from quarterhour.workorders.order_record import claim_beyond_tolerance
from quarterhour.workorders.schemas import (
    DeadlineOut,
    EventOut,
    MessageOut,
    OrderDetail,
    OrderPage,
    OrderSummary,
    RelatedOrder,
)


def _summary(order: WorkOrder, customer_name: str | None, phone: str | None) -> OrderSummary:
    return OrderSummary(
        id=order.id,
        number=order.number or "",
        order_type=order.order_type,
        subtype=order.subtype,
        # Callers dictate phone numbers into titles; lists never show them whole.
        title=mask_text(order.title),
        state=order.state,
        department_id=order.department_id,
        district_id=order.district_id,
        address=mask_text(order.address) if order.address else None,
        customer_name=mask_name(customer_name),
        customer_phone=mask_phone(phone),
        accepted_at=order.accepted_at,
        due_at=order.due_at,
        replied_at=order.replied_at,
        is_overdue=order.is_overdue,
        is_escalated=order.is_escalated,
        has_provisional_deadline=order.has_provisional_deadline,
        rework_count=order.rework_count,
        version=order.version,
        sms_survey_until=order.sms_survey_until
        if order.state == "replied"
        and order.sms_survey_until is not None
        and order.sms_survey_until >= clock.now()
        else None,
    )


def list_orders(
    session: Session, f: filters.OrderFilter, *, by: Actor, with_total: bool = False
) -> OrderPage:
    """One query for the page (customer joined in), one more only when a total is asked for."""
    require(by, Permission.VIEW_ORDERS)
    query = filters.apply(
        select(WorkOrder, Customer.name, Customer.phone).join(
            Customer, Customer.id == WorkOrder.customer_id
        ),
        f,
        by,
    )
    rows = session.execute(query).all()
    total = None
    if with_total:
        counted = filters.apply(select(WorkOrder.id), f, by)
        counted = counted.limit(None).offset(None).order_by(None)
        total = session.scalar(select(func.count()).select_from(counted.subquery()))
    return OrderPage(
        items=[_summary(order, name, phone) for order, name, phone in rows],
        page=f.page,
        per_page=f.per_page,
        total=total,
    )


def orders_for_export(
    session: Session, f: filters.OrderFilter, *, by: Actor, limit: int
) -> list[OrderSummary]:
    """Every match of the filter in its order (not one page), up to `limit`; one query, masked
    like the lists."""
    require(by, Permission.VIEW_ORDERS)
    require(by, Permission.EXPORT_LISTS)
    query = (
        filters.apply(
            select(WorkOrder, Customer.name, Customer.phone).join(
                Customer, Customer.id == WorkOrder.customer_id
            ),
            f,
            by,
        )
        .limit(limit)
        .offset(None)
    )
    rows = session.execute(query.execution_options(yield_per=2000))
    return [_summary(order, name, phone) for order, name, phone in rows]


def state_counts(session: Session, *, by: Actor) -> dict[str, int]:
    """Open orders per state: the service centre's queue tabs."""
    require(by, Permission.VIEW_ORDERS)
    query = select(WorkOrder.state, func.count()).where(
        WorkOrder.state.in_([str(s) for s in OPEN_STATES])
    )
    if (department_id := seen_department(by)) is not None:
        query = query.where(WorkOrder.department_id == department_id)
    return {state: count for state, count in session.execute(query.group_by(WorkOrder.state))}


def get_order(session: Session, order_id: int) -> WorkOrder:
    order = session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(f"no work order {order_id}", field="order_id")
    return order


def order_detail(session: Session, order_id: int, *, by: Actor) -> OrderDetail:
    """Six queries whatever the history's length: order+contact+customer+account, deadlines,
    events with actor names, related orders, messages to the customer."""
    row = session.execute(
        select(WorkOrder, Contact, Customer, Account.number, Account.customer_id, Premises.address)
        .join(Contact, Contact.id == WorkOrder.contact_id)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .outerjoin(Account, Account.id == WorkOrder.account_id)
        .outerjoin(Premises, Premises.id == Account.premises_id)
        .where(WorkOrder.id == order_id)
    ).first()
    if row is None:
        raise NotFound(f"no work order {order_id}", field="order_id")
    order, contact, customer, account_number, holder_id, premises_address = row
    require_see_order(by, order.department_id)
    deadlines = session.scalars(
        select(Deadline)
        .where(Deadline.order_id == order.id)
        .order_by(Deadline.due_at, Deadline.id)  # as the work meets them: dispatch first
    ).all()
    events = session.execute(
        select(OrderEvent, Staff.full_name)
        .outerjoin(Staff, Staff.id == OrderEvent.actor_id)
        .where(OrderEvent.order_id == order.id)
        .order_by(OrderEvent.id)
    ).all()
    related = session.execute(
        filters.visible(
            select(WorkOrder.id, WorkOrder.number, WorkOrder.order_type, WorkOrder.state)
            .where(WorkOrder.contact_id == order.contact_id, WorkOrder.id != order.id)
            .order_by(WorkOrder.id),
            by,
        )
    ).all()
    summary = _summary(order, customer.name, customer.phone)
    # Free text may hold phone or ID numbers: whole only for those who may call this caller.
    whole = can_reveal_caller(by, order.department_id, is_open=State(order.state) in OPEN_STATES)
    text = (lambda t: t) if whole else _mask_optional
    addressed = salutation(customer.name, customer.id_number)
    return OrderDetail(
        **summary.model_dump(exclude={"address", "outage"}),
        contact_id=contact.id,
        contact_number=contact.number,
        account_number=account_number,
        channel=contact.channel,
        episode_id=contact.episode_id,
        description=text(order.description),
        address=order.address,
        assignee_id=order.assignee_id,
        result=text(order.result),
        reply_method=order.reply_method,
        replied_by_id=order.replied_by_id,
        follow_up_required=order.follow_up_required,
        follow_up_attempts=order.follow_up_attempts,
        follow_up_outcome=order.follow_up_outcome,
        closed_on_intake=order.closed_on_intake,
        area_class=order.area_class,
        crew=order.crew,
        crew_dispatched_at=order.crew_dispatched_at,
        arrived_at=order.arrived_at,
        restored_at=order.restored_at,
        closed_at=order.closed_at,
        dispatched_at=order.dispatched_at,
        paused_at=order.paused_at,
        allowed_actions=[str(a) for a in actions_for(order, by.role, by.department_id)],
        deadlines=[_deadline_out(d) for d in deadlines],
        events=[_event_out(e, name, text) for e, name in events],
        related_order_ids=[r.id for r in related],
        related_orders=[
            RelatedOrder(id=r.id, number=r.number or "", order_type=r.order_type, state=r.state)
            for r in related
        ],
        may_reveal_phone=whole,
        customer_id=customer.id,
        customer_surname=addressed[0] if addressed else None,
        customer_title=addressed[1] if addressed else None,
        account_customer_id=holder_id,
        account_address=premises_address,
        # A fault call linked to an outage: one query more, for those orders only.
        outage=(
            outage_calls.linked_outages(session, {order.outage_id}, by=by).get(order.outage_id)
            if order.outage_id is not None
            else None
        ),
        messages=[_message_out(m) for m in timeline.of_order(session, order.id)],
    )


def _message_out(message: OutboxMessage) -> MessageOut:
    return MessageOut(
        id=message.id,
        kind=message.kind,
        channel=message.channel,
        recipient=timeline.masked_recipient(message.channel, message.recipient),
        status=message.status,
        created_at=message.created_at,
        not_before=message.not_before,
        sent_at=message.sent_at,
        delivered_at=message.delivered_at,
        attempts=message.attempts,
        last_error=timeline.error_said(message.last_error),
    )


def _deadline_out(deadline: Deadline) -> DeadlineOut:
    return DeadlineOut(
        kind=deadline.kind,
        seq=deadline.seq,
        due_at=deadline.due_at,
        is_provisional=deadline.is_provisional,
        met_at=deadline.met_at,
        is_late=deadline.met_at is not None and deadline.met_at > deadline.due_at,
        amount=deadline.amount,
        unit=deadline.unit,
        paused_working_days=deadline.paused_working_days,
    )


def _mask_optional(text: str | None) -> str | None:
    return mask_text(text) if text else text


def _event_out(
    event: OrderEvent, actor_name: str | None, text: Callable[[str | None], str | None]
) -> EventOut:
    return EventOut(
        id=event.id,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        actor_id=event.actor_id,
        actor_name=actor_name,
        at=event.at,
        claimed_at=event.claimed_at,
        claim_beyond_tolerance=claim_beyond_tolerance(event.data),
        note=text(event.note),
        data=event.data,
    )


def events_of(session: Session, order_id: int) -> Sequence[OrderEvent]:
    return session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    ).all()


def summaries_for(session: Session, orders: Sequence[WorkOrder]) -> list[OrderSummary]:
    if not orders:
        return []
    customers = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_({o.customer_id for o in orders}))
        )
    }
    return [
        _summary(o, customers[o.customer_id].name, customers[o.customer_id].phone) for o in orders
    ]


def summaries_of_customer(orders: Sequence[WorkOrder], customer: Customer) -> list[OrderSummary]:
    return [_summary(o, customer.name, customer.phone) for o in orders]


def find_by_number(session: Session, number: str) -> WorkOrder | None:
    return session.scalar(select(WorkOrder).where(WorkOrder.number == number.strip()))


def first_event_at(events: Sequence[OrderEvent], action: str) -> datetime | None:
    return next((e.at for e in events if e.action == action), None)


def episode_orders(session: Session, episode_id: int, *, by: Actor) -> list[OrderSummary]:
    require(by, Permission.VIEW_ORDERS)
    rows = session.execute(
        select(WorkOrder, Customer.name, Customer.phone)
        .join(Contact, Contact.id == WorkOrder.contact_id)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .where(Contact.episode_id == episode_id)
        .order_by(Contact.received_at, WorkOrder.id)
    ).all()
    return [_summary(o, name, phone) for o, name, phone in rows]


def recent_of_customer(
    session: Session, customer: Customer, limit: int, *, by: Actor
) -> list[OrderSummary]:
    """A customer's orders that `by` may see, newest first: what this caller raised before."""
    orders = session.scalars(
        filters.visible(
            select(WorkOrder)
            .where(WorkOrder.customer_id == customer.id)
            .order_by(WorkOrder.accepted_at.desc(), WorkOrder.id.desc())
            .limit(limit),
            by,
        )
    ).all()
    return summaries_of_customer(orders, customer)
