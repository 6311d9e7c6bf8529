"""Finding and recording the customer a contact is about (the minimal reference of the loop)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Select, bindparam, select, union
from sqlalchemy.orm import Session, joinedload

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.customers.models import Account, Customer, PersonalDataAccess, Premises
from quarterhour.customers.schemas import CustomerOut
from quarterhour.errors import NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.masking import last_four, mask_name, mask_phone
from quarterhour.storage import driver, reads

_PHONE_OK = re.compile(r"^\+?[\d\- ]{5,20}$")


def normalise_phone(phone: str | None, *, field: str) -> str | None:
    if phone is None or not phone.strip():
        return None
    if not _PHONE_OK.match(phone.strip()):
        raise ValidationFailed("phone must hold 5 to 20 digits", field=field)
    return re.sub(r"[\s\-]", "", phone.strip())


# A one-to-one on its primary key: joined, the preference costs the read nothing.
_WITH_PREFERENCE = (joinedload(Customer.preference),)


def get_customer(session: Session, customer_id: int, *, field: str = "customer.id") -> Customer:
    customer = session.get(Customer, customer_id, options=_WITH_PREFERENCE)
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
        existing = session.scalar(
            select(Customer).options(*_WITH_PREFERENCE).where(Customer.phone == phone).limit(1)
        )
        if existing is not None:
            return existing, False
    elif address:
        existing = session.scalar(
            select(Customer)
            .options(*_WITH_PREFERENCE)
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
    """Caller lookup at intake: a full phone, its last four digits or an account number is an
    indexed equality; the start of a name and part of an address match too."""
    require(by, Permission.VIEW_CUSTOMERS)
    shape, params = _terms(phone=phone, name=name, address=address, account=account, limit=limit)
    return [_masked_row(row) for row in session.execute(_statement(shape), params)]


async def search_on_event_loop(
    pool: AsyncConnectionPool,
    *,
    by: Actor,
    phone: str | None = None,
    name: str | None = None,
    address: str | None = None,
    account: str | None = None,
    limit: int = 20,
) -> list[CustomerOut]:
    """The same lookup on the worker's async PostgreSQL connections (storage.reads): the intake
    desk asks it as the agent types."""
    require(by, Permission.VIEW_CUSTOMERS)
    shape, params = _terms(phone=phone, name=name, address=address, account=account, limit=limit)
    rows = await reads.rows(pool, _postgresql_text(shape), params)
    return [_masked_row(row) for row in rows]


def _masked_row(row: Any) -> CustomerOut:
    return CustomerOut(
        id=row[0],
        name=mask_name(row[1]) or "",
        phone=mask_phone(row[2]),
        address=row[3],
        district_id=row[4],
    )


def _like(text: str) -> str:
    # What the caller typed is matched as it is: LIKE's wildcards are escaped.
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _terms(
    *,
    phone: str | None,
    name: str | None,
    address: str | None,
    account: str | None,
    limit: int,
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Which kinds of term were given (the statement's shape) and their values."""
    params: dict[str, Any] = {"limit": limit}
    if phone:
        typed = phone.strip()
        if len(typed) == 4 and typed.isdigit():
            params["phone_last4"] = typed  # the last four digits, as callers often give them
        else:
            params["phone"] = normalise_phone(typed, field="phone")
    if name:
        params["name"] = _like(name.strip())
    if address:
        params["address"] = _like(address.strip())
    if account:
        params["account"] = account.strip()
    if len(params) == 1:
        raise ValidationFailed(
            "give a phone, a name, an address or an account number to search by", field="phone"
        )
    return tuple(sorted(params)), params


@lru_cache(maxsize=32)
def _statement(shape: tuple[str, ...]) -> Select[int, str, str | None, str | None, int | None]:
    query = select(
        Customer.id, Customer.name, Customer.phone, Customer.address, Customer.district_id
    )
    if "phone_last4" in shape:
        query = query.where(Customer.phone_last4 == bindparam("phone_last4"))
    if "phone" in shape:
        query = query.where(Customer.phone == bindparam("phone"))
    if "name" in shape:
        query = query.where(Customer.name.startswith(bindparam("name"), escape="/"))
    if "address" in shape:
        # The caller's own address, or the service address of one of their accounts; both have a
        # trigram index on PostgreSQL, so a part of an address is found among millions.
        served = (
            select(Account.customer_id)
            .join(Premises, Premises.id == Account.premises_id)
            .where(Premises.address.contains(bindparam("address"), escape="/"))
        )
        own = select(Customer.id).where(Customer.address.contains(bindparam("address"), escape="/"))
        # A union of two index lookups; an OR across the two tables would scan every customer.
        query = query.where(Customer.id.in_(union(own, served)))
    if "account" in shape:
        # 户号: an indexed equality, like a full phone.
        owner = select(Account.customer_id).where(Account.number == bindparam("account"))
        query = query.where(Customer.id.in_(owner))
    return query.order_by(Customer.id).limit(bindparam("limit"))


@lru_cache(maxsize=32)
def _postgresql_text(shape: tuple[str, ...]) -> str:
    # Compiling costs more than the lookup itself; there are only a handful of shapes.
    return driver.postgresql_text(_statement(shape))


def reveal_phone(
    session: Session, customer_id: int, *, by: Actor, purpose: str | None
) -> str | None:
    """Any caller's full number for a call-back, for the roles that call callers back."""
    require(by, Permission.VIEW_FULL_PHONE)
    return disclose_phone(session, customer_id, by=by, purpose=purpose)


def disclose_phone(
    session: Session, customer_id: int, *, by: Actor, purpose: str | None
) -> str | None:
    """The full number, with the look recorded (who, whose, why). The caller of this function
    has checked that `by` may see it (reveal_phone above, or an order's own rule)."""
    customer = get_customer(session, customer_id, field="customer_id")
    session.add(
        PersonalDataAccess(
            staff_id=by.person_id,
            customer_id=customer.id,
            field="phone",
            purpose=purpose,
            at=clock.now(),
        )
    )
    return customer.phone
