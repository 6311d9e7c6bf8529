"""Finding and recording the customer a contact is about (the minimal reference of the loop)."""

from __future__ import annotations

import re

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.customers.models import Account, Customer, PersonalDataAccess, Premises
from quarterhour.customers.schemas import CustomerOut
from quarterhour.errors import NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.masking import last_four, mask_name, mask_phone

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


def find_or_new(
    session: Session,
    *,
    name: str | None,
    phone: str | None,
    address: str | None,
    district_id: int | None,
) -> tuple[Customer, bool]:
    """The known customer, or a new one not yet added to the session (and whether it is new)."""
    phone = normalise_phone(phone, field="customer.phone")
    if not (phone or (address and address.strip())):
        raise ValidationFailed("a customer needs at least a phone or an address", field="customer")
    if phone:
        existing = session.scalar(select(Customer).where(Customer.phone == phone).limit(1))
        if existing is not None:
            return existing, False
    elif address:
        existing = session.scalar(
            select(Customer)
            .where(Customer.address == address.strip(), Customer.phone.is_(None))
            .limit(1)
        )
        if existing is not None:
            return existing, False
    customer = Customer(
        name=(name or "").strip() or "未留名",
        phone=phone,
        phone_last4=last_four(phone),
        address=address.strip() if address else None,
        district_id=district_id,
        created_at=clock.now(),
    )
    return customer, True


def masked(customer: Customer) -> CustomerOut:
    return CustomerOut(
        id=customer.id,
        name=mask_name(customer.name) or "",
        phone=mask_phone(customer.phone),
        address=customer.address,
        district_id=customer.district_id,
    )


def search(
    session: Session,
    *,
    by: Actor,
    phone: str | None = None,
    name: str | None = None,
    address: str | None = None,
    account: str | None = None,
    limit: int = 20,
) -> list[CustomerOut]:
    """Caller lookup at intake: a full phone is an indexed equality; name and address match parts.

    (The address index for millions of customers arrives with the customer records issue.)"""
    require(by, Permission.VIEW_CUSTOMERS)
    query = select(Customer)
    if phone:
        digits = normalise_phone(phone, field="phone") or ""
        if len(digits) == 4:
            query = query.where(Customer.phone_last4 == digits)
        else:
            query = query.where(Customer.phone == digits)
    if name:
        query = query.where(Customer.name.startswith(name.strip(), autoescape=True))
    if address:
        # The caller's own address, or the service address of one of their accounts; both have a
        # trigram index on PostgreSQL, so a part of an address is found among millions.
        part = address.strip()
        served = (
            select(Account.customer_id)
            .join(Premises, Premises.id == Account.premises_id)
            .where(Premises.address.contains(part, autoescape=True))
        )
        own = select(Customer.id).where(Customer.address.contains(part, autoescape=True))
        # A union of two index lookups; an OR across the two tables would scan every customer.
        query = query.where(Customer.id.in_(union(own, served)))
    if account:
        # 户号: an indexed equality, like a full phone.
        owner = select(Account.customer_id).where(Account.number == account.strip())
        query = query.where(Customer.id.in_(owner))
    if not (phone or name or address or account):
        raise ValidationFailed(
            "give a phone, a name, an address or an account number to search by", field="phone"
        )
    rows = session.scalars(query.order_by(Customer.id).limit(limit))
    return [masked(c) for c in rows]


def reveal_phone(
    session: Session, customer_id: int, *, by: Actor, purpose: str | None
) -> str | None:
    """The full number for a call-back; every look is recorded."""
    require(by, Permission.VIEW_FULL_PHONE)
    customer = get_customer(session, customer_id, field="customer_id")
    session.add(
        PersonalDataAccess(
            staff_id=by.id, customer_id=customer.id, field="phone", purpose=purpose, at=clock.now()
        )
    )
    return customer.phone
