"""The satisfaction survey by SMS: the customer's answer to "回复1满意 2基本满意 3不满意" becomes the
order's follow-up, recorded by the system as the follow-up agent's call would be — a dissatisfied
answer sends the work back to the department (重办) exactly as today. Every text is kept
(notifications' inbound_sms) with what it was taken as, or why it answered nothing. An order whose
survey got no answer within its time (work_order.sms_survey_until) is called as before."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.config import Settings
from quarterhour.errors import DomainError
from quarterhour.kit import clock, masking
from quarterhour.notifications.models import InboundSms, OutboxMessage
from quarterhour.workorders import moves
from quarterhour.workorders.kinds import FollowUpOutcome
from quarterhour.workorders.lifecycle import Action, State
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.schemas import ActionIn

log = logging.getLogger("quarterhour.sms_survey")

# What a customer may answer: the digit asked for, or the words themselves.
ANSWERS = {
    "1": FollowUpOutcome.SATISFIED,
    "满意": FollowUpOutcome.SATISFIED,
    "2": FollowUpOutcome.BASICALLY_SATISFIED,
    "基本满意": FollowUpOutcome.BASICALLY_SATISFIED,
    "3": FollowUpOutcome.DISSATISFIED,
    "不满意": FollowUpOutcome.DISSATISFIED,
}
NO_SURVEY = "no survey waiting for this number"
NOT_AN_ANSWER = "not an answer: 1, 2 or 3"


@dataclass(frozen=True)
class Answer:
    """What became of one text: the order it answered and how, or why none."""

    inbound_id: int
    work_order_id: int | None
    outcome: str | None
    note: str | None


def answer_of(text: str) -> FollowUpOutcome | None:
    """ "3", "３", " 3。", "不满意" → dissatisfied; anything else None."""
    folded = unicodedata.normalize("NFKC", text).strip().strip("。.！!，, ")
    return ANSWERS.get(folded)


def record_reply(
    session: Session,
    *,
    sender: str,
    text: str,
    received_at: datetime,
    provider_id: str | None,
    by: Actor,
    settings: Settings,
) -> Answer:
    """A text from the gateway: kept, and if it answers the survey waiting for that number, the
    order's follow-up. The same provider id twice is the first one's answer."""
    require(by, Permission.RECEIVE_SMS)
    if provider_id is not None:
        known = session.scalar(select(InboundSms).where(InboundSms.provider_id == provider_id))
        if known is not None:
            return Answer(known.id, known.work_order_id, known.outcome, known.note)
    inbound = InboundSms(
        provider_id=provider_id,
        sender=sender[:32],
        text=text[:500],
        received_at=received_at,
    )
    session.add(inbound)
    session.flush()
    outcome = answer_of(text)
    order_id, inbound.survey_message_id = _waiting_survey(session, sender, received_at)
    if order_id is None:
        inbound.note = NO_SURVEY
    elif outcome is None:
        inbound.work_order_id, inbound.note = order_id, NOT_AN_ANSWER
    else:
        try:
            moves.act(
                session,
                order_id,
                Action.FOLLOW_UP,
                ActionIn(outcome=outcome, note=f"短信回复：{text.strip()[:20]}"),
                by=moves.SMS_SURVEY,
                settings=settings,
            )
        except DomainError as exc:  # answered meanwhile by a call: the text is kept, no more
            inbound.work_order_id, inbound.note = order_id, exc.message[:200]
        else:
            inbound.work_order_id, inbound.outcome = order_id, str(outcome)
    session.flush()
    log.info("inbound sms from %s: %s", masking.mask_phone(sender), inbound.outcome or inbound.note)
    return Answer(inbound.id, inbound.work_order_id, inbound.outcome, inbound.note)


def _waiting_survey(
    session: Session, sender: str, at: datetime
) -> tuple[int, int] | tuple[None, None]:
    """The order whose survey this number was sent last and that still waits for its answer,
    with that survey's message: the outbox's survey messages by recipient (its index), then the
    order's own state."""
    latest = session.execute(
        select(OutboxMessage.work_order_id, OutboxMessage.id)
        .where(
            OutboxMessage.recipient == sender,
            OutboxMessage.kind == "follow_up_survey",
            OutboxMessage.channel == "sms",
            OutboxMessage.work_order_id.is_not(None),
            OutboxMessage.created_at <= at,
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(5)
    ).all()
    for order_id, message_id in latest:
        waiting = session.scalar(
            select(WorkOrder.id).where(
                WorkOrder.id == order_id,
                WorkOrder.state == State.REPLIED,
                WorkOrder.sms_survey_until >= at,
            )
        )
        if waiting is not None:
            return waiting, message_id
    return None, None


def awaiting_answer(order: WorkOrder) -> bool:
    """Whether the order's survey by SMS still waits (the follow-up queue says so, no call yet)."""
    return (
        order.state == State.REPLIED
        and order.sms_survey_until is not None
        and order.sms_survey_until >= clock.now()
    )
