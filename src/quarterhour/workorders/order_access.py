"""Reads of orders guarded by who may see them: a customer's orders, a step's attached file, and
the caller's whole number (every look recorded).

Services flush, never commit: the entrypoint owns the transaction.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, can_reveal_caller, require, require_see_order
from quarterhour.config import Settings
from quarterhour.customers import service as customers
from quarterhour.customers.models import Customer
from quarterhour.customers.schemas import FullPhoneOut
from quarterhour.errors import Forbidden
from quarterhour.workorders import attachments, repository
from quarterhour.workorders.lifecycle import OPEN_STATES, State
from quarterhour.workorders.schemas import AttachmentMeta, OrderSummary


def orders_of_customer(
    session: Session, customer: Customer, *, by: Actor, limit: int = 50
) -> list[OrderSummary]:
    """Open and past orders of one customer that `by` may see (masked like every list)."""
    require(by, Permission.VIEW_CUSTOMERS)
    return repository.recent_of_customer(session, customer, limit, by=by)


def attachment(
    session: Session, order_id: int, digest: str, *, by: Actor, settings: Settings
) -> tuple[Path, AttachmentMeta]:
    """A file attached to one of the order's steps, for those who may see the order."""
    order = repository.get_order(session, order_id)
    require_see_order(by, order.department_id)
    return attachments.find(session, settings.attachments_dir, order_id, digest)


def reveal_caller_phone(session: Session, order_id: int, *, by: Actor) -> FullPhoneOut:
    """The caller's whole number, to call him back about this order: for anyone who calls
    callers back, and for the order's own department while it is open. Every look recorded."""
    order = repository.get_order(session, order_id)
    require_see_order(by, order.department_id)
    if not can_reveal_caller(by, order.department_id, is_open=State(order.state) in OPEN_STATES):
        raise Forbidden(
            "the caller's whole number is shown only while the order is open",
            permission=str(Permission.VIEW_ORDER_PHONE),
        )
    phone = customers.disclose_phone(
        session, order.customer_id, by=by, purpose=f"order {order.number}"
    )
    return FullPhoneOut(customer_id=order.customer_id, phone=phone)
