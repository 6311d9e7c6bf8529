"""A customer's contact preferences: which channels, which e-mail address, which language, and
which kinds of message he refused (the outbox reads them, notifications/outbox.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.customers.models import Customer
from quarterhour.errors import NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.notifications import templates
from quarterhour.notifications.models import LANGUAGES, ContactPreference


@dataclass(frozen=True)
class Preferences:
    customer_id: int
    sms_allowed: bool
    email: str | None
    email_allowed: bool
    lang: str
    opted_out: list[str]
    # Sent whatever the customer refused (templates.STATUTORY), said so wherever he chooses.
    statutory: list[str]


def _customer(session: Session, customer_id: int) -> None:
    if session.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        raise NotFound(f"no customer {customer_id}", field="customer_id")


def _out(customer_id: int, row: ContactPreference | None) -> Preferences:
    statutory = sorted(templates.STATUTORY)
    if row is None:
        # What the outbox does for a customer who never said: SMS to his phone, in Chinese.
        return Preferences(customer_id, True, None, False, "zh", [], statutory)
    return Preferences(
        customer_id,
        row.sms_allowed,
        row.email,
        row.email_allowed,
        row.lang,
        list(row.opted_out),
        statutory,
    )


def preferences(session: Session, customer_id: int, *, by: Actor) -> Preferences:
    require(by, Permission.VIEW_CUSTOMERS)
    _customer(session, customer_id)
    return _out(customer_id, session.get(ContactPreference, customer_id))


def set_preferences(
    session: Session,
    customer_id: int,
    *,
    sms_allowed: bool,
    email: str | None,
    email_allowed: bool,
    lang: str,
    opted_out: Sequence[str],
    by: Actor,
) -> Preferences:
    require(by, Permission.SET_CONTACT_PREFERENCES)
    _customer(session, customer_id)
    email = (email or "").strip() or None
    if email is not None and ("@" not in email.strip("@") or len(email) > 254 or " " in email):
        raise ValidationFailed("email: an e-mail address like name@example.cn", field="email")
    if email_allowed and email is None:
        raise ValidationFailed("email: give the address e-mails go to", field="email")
    if lang not in LANGUAGES:
        raise ValidationFailed("lang: one of zh, en", field="lang")
    unknown = sorted(set(opted_out) - set(templates.KINDS))
    if unknown:
        raise ValidationFailed(f"opted_out: no message kind {unknown[0]}", field="opted_out")
    row = session.get(ContactPreference, customer_id)
    if row is None:
        row = ContactPreference(customer_id=customer_id)
        session.add(row)
    row.sms_allowed, row.email, row.email_allowed, row.lang = (
        sms_allowed,
        email,
        email_allowed,
        lang,
    )
    row.opted_out = sorted(set(opted_out))
    row.updated_by_id, row.updated_at = by.id, clock.now()
    session.flush()
    return _out(customer_id, row)
