"""What the closed loop tells the customer, through the outbox (notifications/outbox.py): the
contact accepted with its order numbers and status link, the crew on its way and arrived, the
result replied, and the satisfaction survey by SMS with the reply (workorders/sms_survey.py reads
the answers).

Each message is written with the step that causes it — in intake's and a move's one write
(storage/one_write.py), so it exists exactly when the step does — and sent later by a worker,
never from inside the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.config import Settings
from quarterhour.notifications import outbox
from quarterhour.notifications.models import ContactPreference, OutboxMessage
from quarterhour.notifications.outbox import Recipient
from quarterhour.workorders.models import Contact, WorkOrder

# The survey's question lists three answers; a text must fit one SMS page with the number.
RESULT_CHARS = 60


@dataclass(frozen=True)
class Caller:
    """Who called about an order (the contact's phone and customer) and how the customer wants
    to hear from us; a move's load reads it with the order (writes.load)."""

    phone: str | None
    customer_id: int | None
    preference: ContactPreference | None

    def preferences(self) -> Mapping[int, ContactPreference | None]:
        # Read with the caller: the outbox reads no preference of its own.
        return {} if self.customer_id is None else {self.customer_id: self.preference}


def _caller(session: Session, order: WorkOrder, known: Caller | None = None) -> Caller:
    """Who called about the order and how he wants to hear from us: as the move's load read
    it, or in one read."""
    if known is not None:
        return known
    row = session.execute(
        select(Contact.caller_phone, Contact.customer_id, ContactPreference)
        .outerjoin(ContactPreference, ContactPreference.customer_id == Contact.customer_id)
        .where(Contact.id == order.contact_id)
    ).one_or_none()
    if row is None:
        return Caller(None, None, None)
    return Caller(row.caller_phone, row.customer_id, row.ContactPreference)


def contact_accepted(
    session: Session,
    *,
    phone: str | None,
    customer_id: int | None,
    preference: ContactPreference | None,
    orders: Sequence[WorkOrder],
    settings: Settings,
) -> None:
    """受理通知: the order numbers and where to follow them, to the caller's phone;
    `preference` is the customer's, read with him (None: he has none)."""
    if not phone or not orders:
        return
    numbers = [o.number for o in orders if o.number]
    if not numbers:
        return
    outbox.write_with_use_case(
        session,
        "contact_accepted",
        [
            Recipient(
                variables={
                    "numbers": "、".join(numbers),
                    "status_url": outbox.status_url(settings, numbers[0]),
                },
                customer_id=customer_id,
                phone=phone,
                work_order_id=orders[0].id,
            )
        ],
        settings=settings,
        preferences={} if customer_id is None else {customer_id: preference},
    )


def crew_on_the_way(session: Session, order: WorkOrder, crew: str, settings: Settings) -> None:
    _about_the_order(
        session,
        order,
        "crew_on_the_way",
        {"crew": crew, "status_url": outbox.status_url(settings, order.number or "")},
        settings,
        urgent=True,  # a customer waiting in the dark is told at any hour
    )


def crew_arrived(
    session: Session,
    order: WorkOrder,
    crew: str,
    settings: Settings,
    *,
    caller: Caller | None = None,
) -> None:
    _about_the_order(
        session, order, "crew_arrived", {"crew": crew}, settings, urgent=True, caller=caller
    )


def result_replied(
    session: Session,
    order: WorkOrder,
    *,
    at: datetime,
    settings: Settings,
    caller: Caller | None = None,
) -> datetime | None:
    """答复 in writing, and with it the survey by SMS when a follow-up is owed and the settings
    say so: returns until when the survey waits for its answer (None: no survey sent)."""
    caller = _caller(session, order, caller)
    if not caller.phone:
        return None
    result = (order.result or "已办结").strip()
    if len(result) > RESULT_CHARS:
        result = result[: RESULT_CHARS - 1] + "…"

    def to_the_caller(variables: dict[str, object]) -> list[Recipient]:
        return [
            Recipient(
                variables={"number": order.number or "", **variables},
                customer_id=caller.customer_id,
                phone=caller.phone,
                work_order_id=order.id,
            )
        ]

    outbox.write_with_use_case(
        session,
        "result_replied",
        to_the_caller({"result": result}),
        settings=settings,
        preferences=caller.preferences(),
    )
    if not (order.follow_up_required and settings.follow_up_by_sms):
        return None
    sent = outbox.write_with_use_case(
        session,
        "follow_up_survey",
        to_the_caller({}),
        settings=settings,
        only="sms",
        preferences=caller.preferences(),
    )
    return at + timedelta(hours=settings.sms_survey_hours) if sent else None


def _about_the_order(
    session: Session,
    order: WorkOrder,
    kind: str,
    variables: dict[str, object],
    settings: Settings,
    *,
    urgent: bool = False,
    caller: Caller | None = None,
) -> None:
    caller = _caller(session, order, caller)
    if not caller.phone:
        return
    outbox.write_with_use_case(
        session,
        kind,
        [
            Recipient(
                variables={"number": order.number or "", **variables},
                customer_id=caller.customer_id,
                phone=caller.phone,
                work_order_id=order.id,
            )
        ],
        urgent=urgent,
        settings=settings,
        preferences=caller.preferences(),
    )


def _linked_callers(
    session: Session, order_ids: Sequence[int]
) -> list[tuple[int, str | None, str, int | None, bool]]:
    """(order, number, phone, customer, follow-up owed) of each linked call with a phone."""
    if not order_ids:
        return []
    return [
        (order_id, number, phone, customer_id, bool(owed))
        for order_id, number, phone, customer_id, owed in session.execute(
            select(
                WorkOrder.id,
                WorkOrder.number,
                Contact.caller_phone,
                Contact.customer_id,
                WorkOrder.follow_up_required,
            )
            .join(Contact, Contact.id == WorkOrder.contact_id)
            .where(WorkOrder.id.in_(list(order_ids)))
            .order_by(WorkOrder.id)
        )
        if phone
    ]


def outage_crew(
    session: Session,
    order_ids: Sequence[int],
    *,
    kind: str,
    crew: str,
    job_id: int,
    settings: Settings,
) -> int:
    """The outage's crew on its way (crew_on_the_way) or on site (crew_arrived), told to every
    caller linked to it as the crew of his own repair would be (one read, one write; once per
    crew job, step and order). How many callers with a phone."""
    callers = _linked_callers(session, order_ids)

    def said(number: str | None) -> dict[str, object]:
        if kind == "crew_on_the_way":
            return {
                "number": number or "",
                "crew": crew,
                "status_url": outbox.status_url(settings, number or ""),
            }
        return {"number": number or "", "crew": crew}

    recipients = [
        Recipient(
            variables=said(number),
            customer_id=customer_id,
            phone=phone,
            work_order_id=order_id,
            dedupe_key=f"outage-crew:{job_id}:{kind}:{order_id}",
        )
        for order_id, number, phone, customer_id, _owed in callers
    ]
    outbox.write_many(session, kind, recipients, urgent=True, settings=settings)
    return len(recipients)


def outage_replied(
    session: Session,
    order_ids: Sequence[int],
    *,
    outage_id: int,
    text: str,
    settings: Settings,
) -> tuple[int, list[int]]:
    """The restoration's reply to every call linked to the outage, in writing, and to those
    owed a follow-up the survey by SMS when the settings say so (one read, a write per kind;
    once per outage and order): how many callers with a phone, and the orders whose survey
    went (their follow-up waits for the answer before anyone calls)."""
    callers = _linked_callers(session, order_ids)

    def to_each(
        kind: str,
        variables: dict[str, object],
        order_id: int,
        number: str | None,
        phone: str,
        customer_id: int | None,
    ) -> Recipient:
        return Recipient(
            variables={"number": number or "", **variables},
            customer_id=customer_id,
            phone=phone,
            work_order_id=order_id,
            dedupe_key=f"outage-{kind}:{outage_id}:{order_id}",
        )

    replies = [
        to_each("reply", {"result": text[:RESULT_CHARS]}, order_id, number, phone, customer_id)
        for order_id, number, phone, customer_id, _owed in callers
    ]
    outbox.write_many(session, "result_replied", replies, settings=settings)
    if not settings.follow_up_by_sms:
        return len(replies), []
    surveys = [
        to_each("survey", {}, order_id, number, phone, customer_id)
        for order_id, number, phone, customer_id, owed in callers
        if owed
    ]
    ids = outbox.write_many(session, "follow_up_survey", surveys, settings=settings, only="sms")
    if not ids:
        return len(replies), []
    # Not suppressed: a customer who refused SMS is called.
    waiting = session.scalars(
        select(OutboxMessage.work_order_id).where(
            OutboxMessage.id.in_(ids), OutboxMessage.status != "suppressed"
        )
    )
    return len(replies), sorted({i for i in waiting if i is not None})
