"""The sender loop a worker runs: claim a batch of due messages with a lease, send each outside
the claiming transaction, then record what came of them.

A message may be sent twice only when its sender's lease ran out while it was sending (a worker
stopped mid-batch): the channel sees the outbox id as its idempotency key (client_ref).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.config import Settings
from quarterhour.kit import clock
from quarterhour.kit.backoff import backoff
from quarterhour.notifications.channels import Channel, ChannelError, Outgoing, Sent
from quarterhour.notifications.models import (
    CHANNELS,
    DeliveryAttempt,
    OutboxMessage,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

# Channels whose recipient is a person, whom flood control protects (not a webhook's URL).
PERSONAL = ("sms", "email")
_REASON_MAX = 500
_MESSAGE: Table = OutboxMessage.__table__  # type: ignore[assignment]
_ATTEMPT: Table = DeliveryAttempt.__table__  # type: ignore[assignment]


def _due(condition: Any, channels: list[str], limit: int) -> Any:
    """The ids of `limit` due messages, oldest first."""
    t = _MESSAGE
    return (
        select(t.c.id)
        .where(t.c.channel.in_(channels), condition)
        .order_by(t.c.not_before, t.c.id)
        .limit(limit)
        # PostgreSQL: two senders skip each other's rows instead of waiting for them; SQLite
        # compiles it to nothing, its single writer serialises the claims.
        .with_for_update(skip_locked=True)
    )


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: str
    recipient: str
    subject: str | None
    body: str
    kind: str
    urgent: bool
    attempts: int
    max_attempts: int
    webhook_endpoint_id: int | None


_CLAIMED = tuple(_Claimed.__dataclass_fields__)


def send_due(
    factory: sessionmaker[Session],
    channels: Mapping[str, Channel],
    *,
    worker: str,
    settings: Settings,
    batch: int = 200,
    lease_seconds: int = 60,
    pool: Executor | None = None,
) -> int:
    """One round: how many messages were handed to a channel. With a `pool`, the messages of a
    concurrent channel (SMS, webhooks) are sent side by side on its threads, the others (one
    SMTP connection) one after the other; the outcomes are recorded together either way."""
    claimed, secrets_by_endpoint = _claim(
        factory, channels, worker=worker, settings=settings, batch=batch, lease=lease_seconds
    )

    def send(message: _Claimed) -> tuple[str, dict[str, Any]]:
        return _send_one(channels[message.channel], message, secrets_by_endpoint)

    side_by_side: list[_Claimed] = []
    in_turn: list[_Claimed] = []
    for message in claimed:
        concurrent = pool is not None and channels[message.channel].concurrent
        (side_by_side if concurrent else in_turn).append(message)
    # Submitted first, so that the threads send while this one works through the rest.
    done = pool.map(send, side_by_side) if pool is not None and side_by_side else iter(())
    outcomes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for outcome, values in [*map(send, in_turn), *done]:
        outcomes[outcome].append(values)
    _finish(factory, outcomes, worker=worker)
    return len(claimed)


def _claim(
    factory: sessionmaker[Session],
    channels: Mapping[str, Channel],
    *,
    worker: str,
    settings: Settings,
    batch: int,
    lease: int,
) -> tuple[list[_Claimed], dict[int, str]]:
    t = _MESSAGE
    configured = [c for c in CHANNELS if c in channels]
    with factory.begin() as session:
        now = clock.now()
        # A sender that died holding a message on its last attempt: the message has had them all.
        session.execute(
            update(t)
            .where(
                t.c.status == "sending",
                t.c.locked_until < now,
                t.c.attempts >= t.c.max_attempts,
            )
            .values(
                status="failed",
                locked_by=None,
                locked_until=None,
                last_error="the sender stopped while sending (lease expired)",
            )
        )
        unconfigured = [c for c in CHANNELS if c not in channels]
        rows: list[Any] = []
        if configured:
            claim = (
                update(t)
                .values(
                    status="sending",
                    locked_by=worker,
                    locked_until=now + timedelta(seconds=lease),
                    attempts=t.c.attempts + 1,
                )
                .returning(*(t.c[name] for name in _CLAIMED))
            )
            # Two claims, not one with OR: with an OR PostgreSQL reads and sorts every due
            # message to take the first `batch` (130 ms a round at 100,000 queued), while each
            # half alone walks ix_outbox_message_due in order and stops at `batch` (3 ms;
            # docs/benchmarks.md, bench/outbox_dispatch.py). The messages of a sender that
            # died go first: they have waited longest.
            expired = and_(t.c.status == "sending", t.c.locked_until < now)
            waiting = and_(t.c.status == "queued", t.c.not_before <= now)
            for due in (expired, waiting):
                wanted = batch - len(rows)
                if wanted <= 0:
                    break
                rows += session.execute(
                    claim.where(t.c.id.in_(_due(due, configured, wanted).scalar_subquery()))
                ).all()
        # Only when the round came back short of a batch (the sender has caught up): with a
        # backlog of the configured channels the count reads every due message (70 ms a round
        # at 100,000 queued) and the stuck ones can wait to be reported until it is worked off.
        if unconfigured and len(rows) < batch:
            stuck = session.scalar(
                select(func.count())
                .select_from(t)
                .where(t.c.status == "queued", t.c.not_before <= now, t.c.channel.in_(unconfigured))
            )
            if stuck:
                log.warning(
                    "%d due message(s) wait for a channel that is not configured (%s)",
                    stuck,
                    ", ".join(unconfigured),
                )
        if not rows:
            return [], {}
        claimed = sorted((_Claimed(*row) for row in rows), key=lambda m: m.id)
        deferred = _flood_control(session, claimed, now, settings.notification_hourly_limit)
        if deferred:
            session.connection().execute(
                update(t)
                .where(t.c.id == bindparam("b_id"), t.c.locked_by == worker)
                .values(
                    status="queued",
                    not_before=bindparam("b_not_before"),
                    locked_by=None,
                    locked_until=None,
                    # Deferred, not tried: the attempt is given back.
                    attempts=t.c.attempts - 1,
                ),
                [{"b_id": i, "b_not_before": at} for i, at in deferred.items()],
            )
            claimed = [m for m in claimed if m.id not in deferred]
        endpoint_ids = {m.webhook_endpoint_id for m in claimed if m.webhook_endpoint_id}
        keys: dict[int, str] = {}
        if endpoint_ids:
            found = session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.secret).where(
                    WebhookEndpoint.id.in_(endpoint_ids)
                )
            )
            keys = {endpoint_id: secret for endpoint_id, secret in found}
    return claimed, keys


def _flood_control(
    session: Session, claimed: list[_Claimed], now: datetime, limit: int
) -> dict[int, datetime]:
    """The claimed messages deferred because their recipient had his hourly share already
    (urgent ones aside), and when each may go: one query for the whole batch."""
    personal = {m.recipient for m in claimed if m.channel in PERSONAL and not m.urgent}
    if not personal:
        return {}
    t = _MESSAGE
    hour_ago = now - timedelta(hours=1)
    sent = {
        recipient: (count, oldest)
        for recipient, count, oldest in session.execute(
            select(t.c.recipient, func.count(), func.min(t.c.sent_at))
            .where(
                t.c.recipient.in_(personal),
                t.c.sent_at > hour_ago,
                t.c.urgent.is_(False),
            )
            .group_by(t.c.recipient)
        )
    }
    counted: Counter[str] = Counter()
    deferred: dict[int, datetime] = {}
    for m in claimed:
        if m.channel not in PERSONAL or m.urgent:
            continue
        count, oldest = sent.get(m.recipient, (0, None))
        if count + counted[m.recipient] >= limit:
            # SQLite hands back the aggregate as stored text, not through the column's type.
            when = _aware(oldest) if oldest is not None else now
            deferred[m.id] = max(when + timedelta(hours=1), now + timedelta(seconds=1))
        else:
            counted[m.recipient] += 1
    return deferred


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.UTC)
    return clock.local(value)


def _send_one(
    channel: Channel, message: _Claimed, keys: Mapping[int, str]
) -> tuple[str, dict[str, Any]]:
    outgoing = Outgoing(
        message_id=message.id,
        channel=message.channel,
        to=message.recipient,
        subject=message.subject,
        body=message.body,
        kind=message.kind,
        signing_secret=keys.get(message.webhook_endpoint_id or 0),
    )
    values: dict[str, Any] = {"b_id": message.id}
    try:
        sent: Sent = channel.send(outgoing)
    except ChannelError as exc:
        reason, retryable = exc.reason, exc.retryable
    except Exception as exc:  # an adapter's bug must not stop the batch: retried, and logged
        log.exception("channel %s failed on message %d", message.channel, message.id)
        reason, retryable = type(exc).__name__, True
    else:
        at = clock.now()
        values |= {"b_provider": sent.provider_id, "b_at": at, "b_detail": sent.detail}
        return ("delivered" if sent.delivered else "sent"), values
    at = clock.now()
    values |= {"b_at": at, "b_detail": reason[:_REASON_MAX]}
    if retryable and message.attempts < message.max_attempts:
        return "retry", values | {"b_not_before": at + backoff(message.attempts)}
    return "failed", values


def _finish(
    factory: sessionmaker[Session], outcomes: Mapping[str, list[dict[str, Any]]], *, worker: str
) -> None:
    """One UPDATE per outcome (executemany), each guarded by the lease: a sender whose lease
    ran out (and whose message another sender took over) cannot overwrite the new holder's
    outcome. Every try is logged in delivery_attempt all the same: it happened."""
    t = _MESSAGE
    released = {"locked_by": None, "locked_until": None}
    values: dict[str, dict[str, Any]] = {
        "sent": released
        | {
            "status": "sent",
            "provider_id": bindparam("b_provider"),
            "sent_at": bindparam("b_at"),
            "last_error": None,
        },
        "delivered": released
        | {
            "status": "delivered",
            "provider_id": bindparam("b_provider"),
            "sent_at": bindparam("b_at"),
            "delivered_at": bindparam("b_at"),
            "last_error": None,
        },
        "retry": released
        | {
            "status": "queued",
            "not_before": bindparam("b_not_before"),
            "last_error": bindparam("b_detail"),
        },
        "failed": released | {"status": "failed", "last_error": bindparam("b_detail")},
    }
    with factory.begin() as session:
        connection = session.connection()
        attempts: list[dict[str, Any]] = []
        for outcome, rows in outcomes.items():
            if not rows:
                continue
            connection.execute(
                update(t)
                .where(
                    t.c.id == bindparam("b_id"), t.c.locked_by == worker, t.c.status == "sending"
                )
                .values(values[outcome]),
                [_complete(row) for row in rows],
            )
            attempts.extend(
                {
                    "message_id": r["b_id"],
                    "at": r["b_at"],
                    "outcome": outcome,
                    "detail": r["b_detail"],
                }
                for r in rows
            )
        if attempts:
            session.execute(_ATTEMPT.insert(), attempts)


def _complete(row: dict[str, Any]) -> dict[str, Any]:
    # executemany needs every bound name in every row.
    return {"b_provider": None, "b_not_before": None, "b_detail": None} | row


def record_delivery(
    session: Session,
    provider_id: str,
    status: str,
    at: datetime,
    *,
    error: str | None = None,
    client_ref: str | None = None,
) -> int | None:
    """A gateway's delivery report: the message it names is delivered (or failed), in the
    caller's transaction; its id, or None for an id we never sent (ignored, logged). A report
    never moves a delivered message back to failed (reports arrive out of order)."""
    t = _MESSAGE
    if status not in ("delivered", "failed"):
        log.warning("a delivery report with an unknown status %r, ignored", status[:20])
        return None
    message_id: int | None = session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.provider_id == provider_id)
    )
    if message_id is None and client_ref is not None and client_ref.isdigit():
        # A fast gateway's report can overtake the sender's own record of the send: the
        # message, still `sending`, is found by the id we gave the gateway, and takes the
        # report (the sender's update, guarded by `sending`, then leaves it alone).
        overtaken = session.execute(
            update(t)
            .where(t.c.id == int(client_ref), t.c.status == "sending")
            .values(
                status="delivered" if status == "delivered" else "failed",
                provider_id=provider_id[:64],
                sent_at=at,
                delivered_at=at if status == "delivered" else None,
                last_error=None if status == "delivered" else (error or "failed")[:_REASON_MAX],
                locked_by=None,
                locked_until=None,
            )
            .returning(t.c.id)
        ).scalar_one_or_none()
        if overtaken is not None:
            session.execute(
                _ATTEMPT.insert().values(
                    message_id=overtaken,
                    at=at,
                    outcome="delivered" if status == "delivered" else "failed",
                    detail=None if status == "delivered" else (error or "failed")[:_REASON_MAX],
                )
            )
            return int(overtaken)
        # Not `sending` any more: on PostgreSQL our update waited for the sender's row lock and
        # found the row recorded as sent; a fresh statement sees that record.
        message_id = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.provider_id == provider_id)
        )
    if message_id is None:
        log.warning("a delivery report for an unknown message (provider id %s)", provider_id[:100])
        return None
    if status == "delivered":
        moved = session.execute(
            update(t)
            .where(t.c.id == message_id, t.c.status.in_(("sent", "failed")))
            .values(status="delivered", delivered_at=at, last_error=None)
        )
    else:
        moved = session.execute(
            update(t)
            .where(t.c.id == message_id, t.c.status == "sent")
            .values(status="failed", last_error=(error or "failed")[:_REASON_MAX])
        )
    if moved.rowcount:  # type: ignore[attr-defined]
        session.execute(
            _ATTEMPT.insert().values(
                message_id=message_id,
                at=at,
                outcome="delivered" if status == "delivered" else "failed",
                detail=None if status == "delivered" else (error or "failed")[:_REASON_MAX],
            )
        )
    return message_id


def receive_report(
    session: Session,
    provider_id: str,
    status: str,
    at: datetime,
    *,
    error: str | None = None,
    client_ref: str | None = None,
    by: Actor,
) -> int | None:
    """The SMS gateway's signed delivery report (its webhook), as the system: record_delivery."""
    require(by, Permission.RECEIVE_SMS)
    return record_delivery(session, provider_id, status, at, error=error, client_ref=client_ref)
