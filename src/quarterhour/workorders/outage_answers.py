"""A call about a planned (or temporary) outage, answered on the spot and counted (issue 14).

When the caller's premises lie in an announced planned or temporary outage that is on now or
starts within NOTICE_AHEAD, the desk says so (window, area, cause, when the notice went out) and
the agent may answer the call there and then: the matter is a consultation closed at intake
(the CLOSE_ON_INTAKE path) whose order carries the outage (`work_order.outage_id`). Intake asks
`answering_outages` for the outages named by the matters (`answered_by_outage_id`), each checked
to cover the caller's premises; the outage's page counts these calls apart from the fault calls
linked to it (`call_counts`, one grouped statement).

Services flush, never commit: the entrypoint owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.customers.models import Account
from quarterhour.errors import ValidationFailed
from quarterhour.outages import coming
from quarterhour.outages.coming import ComingOutage
from quarterhour.workorders.kinds import OrderType
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.schemas import MatterIn


def premises_of_caller(
    session: Session,
    *,
    account_id: int | None = None,
    account_number: str | None = None,
    customer_id: int | None,
) -> int | None:
    """The premises a call is about: the account's, else the customer's only premises."""
    if account_id is not None or account_number:
        where = (
            Account.id == account_id if account_id is not None else Account.number == account_number
        )
        return session.scalar(select(Account.premises_id).where(where))
    if customer_id is None:
        return None
    found = list(
        session.scalars(
            select(Account.premises_id).where(Account.customer_id == customer_id).distinct()
        )
    )
    return found[0] if len(found) == 1 else None


def outages_for_caller(
    session: Session,
    *,
    account_id: int | None = None,
    account_number: str | None = None,
    customer_id: int | None,
    at: datetime,
    by: Actor,
) -> list[ComingOutage]:
    """The planned and temporary outages on at `at` or starting within the notice horizon at
    the caller's premises, soonest first (the desk's box)."""
    require(by, Permission.VIEW_OUTAGES)
    premises = premises_of_caller(
        session, account_id=account_id, account_number=account_number, customer_id=customer_id
    )
    if premises is None:
        return []
    return coming.for_premises(session, premises, at, announced_only=False)


def answer_text(outage: ComingOutage) -> str:
    """The answer recorded on the order (Chinese: the customer's and the staff's language)."""
    return f"已告知客户：{outage.text}"


def answering_outages(
    session: Session,
    matters: Sequence[MatterIn],
    *,
    account_id: int | None,
    customer_id: int | None,
    at: datetime,
    by: Actor,
) -> dict[int, ComingOutage]:
    """The outage each matter says it was answered by (its index → the outage), checked: a
    consultation, an outage that covers the caller's premises on now or within the horizon."""
    named = {i: m.answered_by_outage_id for i, m in enumerate(matters) if m.answered_by_outage_id}
    if not named:
        return {}
    for i, matter in enumerate(matters):
        if i in named and matter.order_type != OrderType.CONSULTATION:
            raise ValidationFailed(
                "a call answered by an outage is a consultation",
                field=f"matters[{i}].answered_by_outage_id",
            )
    found = {
        o.outage_id: o
        for o in outages_for_caller(
            session, account_id=account_id, customer_id=customer_id, at=at, by=by
        )
    }
    out = {}
    for i, outage_id in named.items():
        if outage_id not in found:
            raise ValidationFailed(
                f"outage {outage_id} does not cover the caller's premises now or in the coming"
                " days",
                field=f"matters[{i}].answered_by_outage_id",
            )
        out[i] = found[outage_id]
    return out


def with_answer(matter: MatterIn, outage: ComingOutage | None) -> MatterIn:
    """The matter as intake records it: answered by the outage, the answer is what the outage's
    notice says unless the agent wrote his own."""
    if outage is None or matter.answer:
        return matter
    return matter.model_copy(update={"answer": answer_text(outage)})


@dataclass(frozen=True)
class CallCounts:
    linked: int  # fault calls linked to the outage, replied to at restoration
    answered_on_the_spot: int  # calls about it answered during the call


def call_counts(session: Session, outage_ids: Sequence[int], *, by: Actor) -> dict[int, CallCounts]:
    """The calls each outage took, in one grouped statement (ix_work_order_outage_id)."""
    require(by, Permission.VIEW_OUTAGES)
    counts = {i: [0, 0] for i in outage_ids}
    if not counts:
        return {}
    for outage_id, on_the_spot, n in session.execute(
        select(WorkOrder.outage_id, WorkOrder.closed_on_intake, func.count())
        .where(WorkOrder.outage_id.in_(sorted(counts)))
        .group_by(WorkOrder.outage_id, WorkOrder.closed_on_intake)
    ):
        if outage_id is not None:  # the IN above: never None, as the type cannot tell
            counts[outage_id][1 if on_the_spot else 0] += n
    return {i: CallCounts(linked, answered) for i, (linked, answered) in counts.items()}
