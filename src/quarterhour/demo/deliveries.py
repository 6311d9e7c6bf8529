"""The demo's history as its customers heard it: the messages the simulated months wrote to the
outbox went out then, through a gateway that is not there now.

Left queued, the first minute of the demo server would send months of acceptances and surveys
at once, and the dashboard's delivery figures would be empty. So each message written before the
last hour is recorded as sent when it was due (after the quiet hours it waited for) and
delivered seconds later, one in fifty SMS refused by the operator as a real gateway's are; the
last hour's are left for the demo's own worker and sandbox gateway to send while one watches.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from quarterhour.notifications.models import DeliveryAttempt, OutboxMessage

# The gateway's refusal for an unreachable number, as the sandbox and real gateways say it.
UNDELIVERABLE = "UNDELIV"
LIVE = timedelta(hours=1)

_MESSAGE: Table = OutboxMessage.__table__  # type: ignore[assignment]
_ATTEMPT: Table = DeliveryAttempt.__table__  # type: ignore[assignment]


def deliver_history(session: Session, *, anchor: datetime) -> tuple[int, int]:
    """Record the history's queued messages as delivered (or failed); (delivered, failed)."""
    due = session.execute(
        select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.not_before)
        .where(
            OutboxMessage.status == "queued",
            OutboxMessage.created_at < anchor - LIVE,
            OutboxMessage.not_before < anchor - LIVE,
        )
        .order_by(OutboxMessage.id)
    ).all()
    messages: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    failed = 0
    for message_id, channel, not_before in due:
        # Deterministic seconds, as every figure of the demo is: the same seed, the same rows.
        sent_at = not_before + timedelta(seconds=1 + message_id % 7)
        refused = channel == "sms" and message_id % 50 == 49
        reported_at = sent_at + timedelta(seconds=2 + message_id % 11)
        messages.append(
            {
                "b_id": message_id,
                "b_status": "failed" if refused else "delivered",
                "b_sent_at": sent_at,
                "b_delivered_at": None if refused else reported_at,
                "b_provider_id": f"demo{message_id:09d}",
                "b_last_error": UNDELIVERABLE if refused else None,
            }
        )
        attempts.append({"message_id": message_id, "at": sent_at, "outcome": "sent"})
        attempts.append(
            {
                "message_id": message_id,
                "at": reported_at,
                "outcome": "failed" if refused else "delivered",
            }
        )
        failed += refused
    if messages:
        session.connection().execute(
            update(_MESSAGE)
            .where(_MESSAGE.c.id == bindparam("b_id"))
            .values(
                attempts=1,
                **{
                    name: bindparam(f"b_{name}")
                    for name in ("status", "sent_at", "delivered_at", "provider_id", "last_error")
                },
            ),
            messages,
        )
        session.execute(
            _ATTEMPT.insert(), [a | {"detail": _detail(a["outcome"])} for a in attempts]
        )
    return len(messages) - failed, failed


def _detail(outcome: str) -> str | None:
    return {"sent": "HTTP 202", "failed": UNDELIVERABLE}.get(outcome)
