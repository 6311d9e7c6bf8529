"""Finding and recording the customer a contact is about (the minimal reference of the loop)."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.customers.models import Customer
from quarterhour.errors import NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.masking import last_four

_PHONE_OK = re.compile(r"^\+?[\d\- ]{5,20}$")


def normalise_phone(phone: str | None, *, field: str) -> str | None:
    if phone is None or not phone.strip():
        return None
    if not _PHONE_OK.match(phone.strip()):
        raise ValidationFailed("phone must hold 5 to 20 digits", field=field)
    return re.sub(r"[\s\-]", "", phone.strip())


def get_customer(session: Session, customer_id: int, *, field: str = "customer.id") -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}", field=field)
    return customer


def find_or_create(
    session: Session,
    *,
    name: str | None,
    phone: str | None,
    address: str | None,
    district_id: int | None,
) -> Customer:
    """A caller identified by phone is the same customer next time; without a phone, by address."""
    phone = normalise_phone(phone, field="customer.phone")
    if not (phone or (address and address.strip())):
        raise ValidationFailed("a customer needs at least a phone or an address", field="customer")
    if phone:
        existing = session.scalar(select(Customer).where(Customer.phone == phone).limit(1))
        if existing is not None:
            return existing
    elif address:
        existing = session.scalar(
            select(Customer)
            .where(Customer.address == address.strip(), Customer.phone.is_(None))
            .limit(1)
        )
        if existing is not None:
            return existing
    customer = Customer(
        name=(name or "").strip() or "未留名",
        phone=phone,
        phone_last4=last_four(phone),
        address=address.strip() if address else None,
        district_id=district_id,
        created_at=clock.now(),
    )
    session.add(customer)
    session.flush()
    return customer


def find_by_phone(session: Session, phone: str) -> list[Customer]:
    normal = normalise_phone(phone, field="phone")
    return list(session.scalars(select(Customer).where(Customer.phone == normal).limit(20)))
