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
from quarterhour.notifications.models import ContactPreference
from quarterhour.notifications.outbox import Recipient
from quarterhour.workorders.models import Contact, WorkOrder

# The survey's question lists three answers; a text must fit one SMS page with the number.
RESULT_CHARS = 60


@dataclass(frozen=True)
class _Caller:
    phone: str | None
    customer_id: int | None
    preference: ContactPreference | None

    def preferences(self) -> Mapping[int, ContactPreference | None]:
        # Read with the caller: the outbox reads no preference of its own.
        return {} if self.customer_id is None else {self.customer_id: self.preference}


def _caller(session: Session, order: WorkOrder) -> _Caller:
    """Who called about the order and how he wants to hear from us, in one read."""
    row = session.execute(
        select(Contact.caller_phone, Contact.customer_id, ContactPreference)
        .outerjoin(ContactPreference, ContactPreference.customer_id == Contact.customer_id)
        .where(Contact.id == order.contact_id)
    ).one_or_none()
    if row is None:
        return _Caller(None, None, None)
    return _Caller(row.caller_phone, row.customer_id, row.ContactPreference)


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


def crew_arrived(session: Session, order: WorkOrder, crew: str, settings: Settings) -> None:
    _about_the_order(session, order, "crew_arrived", {"crew": crew}, settings, urgent=True)


def result_replied(
    session: Session, order: WorkOrder, *, at: datetime, settings: Settings
) -> datetime | None:
    """答复 in writing, and with it the survey by SMS when a follow-up is owed and the settings
    say so: returns until when the survey waits for its answer (None: no survey sent)."""
    caller = _caller(session, order)
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
) -> None:
    caller = _caller(session, order)
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


def outage_replied(
    session: Session, order_ids: Sequence[int], *, outage_id: int, text: str, settings: Settings
) -> int:
    """The restoration's reply to every call linked to the outage, in writing (one read, one
    write; once per outage and order). How many callers with a phone."""
    callers = session.execute(
        select(WorkOrder.id, WorkOrder.number, Contact.caller_phone, Contact.customer_id)
        .join(Contact, Contact.id == WorkOrder.contact_id)
        .where(WorkOrder.id.in_(list(order_ids)))
        .order_by(WorkOrder.id)
    ).all()
    recipients = [
        Recipient(
            variables={"number": number or "", "result": text[:RESULT_CHARS]},
            customer_id=customer_id,
            phone=phone,
            work_order_id=order_id,
            dedupe_key=f"outage-reply:{outage_id}:{order_id}",
        )
        for order_id, number, phone, customer_id in callers
        if phone
    ]
    outbox.write_many(session, "result_replied", recipients, settings=settings)
    return len(recipients)
