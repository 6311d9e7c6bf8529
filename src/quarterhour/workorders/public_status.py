"""The public status lookup: an order's steps for anyone with its number and the caller's phone's
last four digits, and nothing personal."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.customers import service as customers
from quarterhour.errors import NotFound
from quarterhour.kit import clock
from quarterhour.outages import coming
from quarterhour.workorders import labels, outage_answers
from quarterhour.workorders.lifecycle import Action
from quarterhour.workorders.models import Contact, OrderEvent, WorkOrder
from quarterhour.workorders.order_record import claim_beyond_tolerance
from quarterhour.workorders.schemas import PublicStatus

# What the public order status calls each step it shows: the action's public word (labels.py).
PUBLIC_STEPS = {action: step.zh for action, step in labels.PUBLIC_STEPS.items()}


def public_status(session: Session, number: str, phone_last4: str) -> PublicStatus:
    """For anyone with the number and the caller's phone's last four digits; nothing personal.

    A wrong number and a wrong check give the same answer, so the lookup cannot probe numbers."""
    not_found = NotFound("no work order matches this number and phone", field="number")
    row = session.execute(
        select(WorkOrder, Contact.caller_phone)
        .join(Contact, Contact.id == WorkOrder.contact_id)
        .where(WorkOrder.number == number.strip())
    ).first()
    if row is None:
        raise not_found
    order, caller_phone = row
    customer = customers.get_customer(session, order.customer_id)
    digits = {p[-4:] for p in (caller_phone, customer.phone) if p and len(p) >= 4}
    if not phone_last4.isdigit() or phone_last4 not in digits:
        raise not_found
    events = [
        # The customer is told when a step happened: the time claimed for it when that counts
        # (entered within the tolerance), else when it was entered.
        (action, claimed if claimed is not None and not claim_beyond_tolerance(data) else at)
        for action, at, claimed, data in session.execute(
            select(OrderEvent.action, OrderEvent.at, OrderEvent.claimed_at, OrderEvent.data)
            .where(OrderEvent.order_id == order.id)
            .order_by(OrderEvent.id)
        )
    ]
    premises = outage_answers.premises_of_caller(
        session, account_id=order.account_id, customer_id=order.customer_id
    )
    told = coming.for_premises(session, premises, clock.now()) if premises is not None else []
    return PublicStatus(
        planned_outages=[o.out() for o in told],
        number=order.number or "",
        order_type=order.order_type,
        state=order.state,
        accepted_at=order.accepted_at,
        due_at=order.due_at,
        replied_at=order.replied_at,
        closed_at=order.closed_at,
        steps=[
            {"at": at.isoformat(), "step": PUBLIC_STEPS[Action(action)], "action": action}
            for action, at in events
            if Action(action) in PUBLIC_STEPS
        ],
    )
