"""Writing messages to the outbox, in the caller's transaction: the event and its messages are
committed together or not at all, and nothing is sent from inside a request (the sender loop,
notifications/sending.py, sends them from a worker).

`write` and `write_many` check no permission: they are called by use cases that already checked
their actor (an intake, a crew's step, a bill run), never by an entrypoint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from quarterhour.config import Settings
from quarterhour.kit import clock, masking
from quarterhour.kit.recheck import Recheck, database_key
from quarterhour.notifications import templates
from quarterhour.notifications.models import (
    LANGUAGES,
    ContactPreference,
    MessageTemplate,
    OutboxMessage,
    WebhookEndpoint,
)
from quarterhour.storage import one_write
from quarterhour.storage.driver import on_postgresql

# Why a message was written as suppressed (the timeline says it in words: wording.py).
OPTED_OUT = "opted_out"
SMS_REFUSED = "sms_refused"
EMAIL_REFUSED = "email_refused"

MAX_ATTEMPTS = {"sms": 5, "email": 5, "webhook": 8}

_DEFAULTS = Settings()
_MESSAGE: Table = OutboxMessage.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Recipient:
    """One addressee of a bulk event, with what his message says."""

    variables: Mapping[str, object]
    customer_id: int | None = None
    phone: str | None = None
    email: str | None = None
    work_order_id: int | None = None
    outage_id: int | None = None
    account_id: int | None = None
    lang: str | None = None
    dedupe_key: str | None = None


@dataclass
class _Rows:
    rows: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def status_url(settings: Settings, number: str) -> str:
    """The public status page of an order, the link a customer is sent."""
    return f"{settings.public_base_url.rstrip('/')}/status?number={quote(number)}"


def write(
    session: Session,
    *,
    kind: str,
    variables: Mapping[str, object],
    customer_id: int | None = None,
    phone: str | None = None,
    email: str | None = None,
    work_order_id: int | None = None,
    outage_id: int | None = None,
    account_id: int | None = None,
    lang: str | None = None,
    urgent: bool = False,
    dedupe_key: str | None = None,
    settings: Settings | None = None,
) -> list[int]:
    """The messages one event gives, in the caller's transaction (nothing is sent here): the
    ids of its rows, suppressed ones included. The same dedupe_key written again gives the
    first write's ids. No permission check: the calling use case checked its actor."""
    recipient = Recipient(
        variables=variables,
        customer_id=customer_id,
        phone=phone,
        email=email,
        work_order_id=work_order_id,
        outage_id=outage_id,
        account_id=account_id,
        lang=lang,
        dedupe_key=dedupe_key,
    )
    return write_many(session, kind, [recipient], urgent=urgent, settings=settings)


def write_many(
    session: Session,
    kind: str,
    recipients: Sequence[Recipient],
    *,
    urgent: bool = False,
    settings: Settings | None = None,
    only: str | None = None,
) -> list[int]:
    """A bulk event's messages (a planned outage's notice to thousands of accounts, a bill run's
    bills), set-based: the preferences, the overrides and the webhook endpoints are read in one
    query each and every row is inserted by one INSERT. `only` keeps one channel (a survey
    answered by SMS goes by SMS alone). No permission check (see `write`)."""
    found = rows(session, kind, recipients, urgent=urgent, settings=settings)
    if only is not None:
        found = [row for row in found if row["channel"] == only]
    return _insert(session, found)


@dataclass(frozen=True)
class _Text:
    subject: str | None
    body: str


@dataclass(frozen=True)
class _Endpoint:
    id: int
    url: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class _Reference:
    """The administrators' texts and the active webhook endpoints, as this process knows them."""

    overrides: dict[str, dict[tuple[str, str], _Text]]
    endpoints: tuple[_Endpoint, ...]


# Every intake and move that tells a customer reads these: each process keeps a copy for
# recheck.SECONDS (kit/recheck.py), and a change made through notifications/admin.py clears it at
# once; the other processes see it within those seconds.
_copies: dict[str, _Reference] = {}
_recheck = Recheck()


def forget() -> None:
    """Drop this process's copy of the texts and endpoints (an administrator changed one)."""
    _copies.clear()
    _recheck.forget()


def _reference(session: Session) -> _Reference:
    key = database_key(session.get_bind())
    if _recheck.fresh(key) and key in _copies:
        return _copies[key]
    overrides: dict[str, dict[tuple[str, str], _Text]] = {}
    for row in session.scalars(select(MessageTemplate)):
        overrides.setdefault(row.kind, {})[(row.channel, row.lang)] = _Text(row.subject, row.body)
    endpoints = tuple(
        _Endpoint(e.id, e.url, tuple(e.kinds))
        for e in session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active))
    )
    copy = _copies[key] = _Reference(overrides, endpoints)
    _recheck.checked(key)
    return copy


def write_with_use_case(
    session: Session,
    kind: str,
    recipients: Sequence[Recipient],
    *,
    urgent: bool = False,
    settings: Settings | None = None,
    only: str | None = None,
    preferences: Mapping[int, ContactPreference | None] | None = None,
) -> int:
    """The messages of an event inside a use case: joined to its one write when one runs
    (intake, a move: they are written exactly when it is), else inserted in the caller's
    transaction. `only` keeps one channel (a survey answered by SMS goes by SMS alone). How
    many will be sent (suppressed rows are written, not counted). No permission check (see
    `write`)."""
    found = rows(
        session, kind, recipients, urgent=urgent, settings=settings, preferences=preferences
    )
    if only is not None:
        found = [row for row in found if row["channel"] == only]
    if one_write.is_running(session):
        for row in found:
            one_write.also_insert(session, _MESSAGE, row)
    else:
        _insert(session, found)
    return sum(1 for row in found if row["status"] == "queued")


def rows(
    session: Session,
    kind: str,
    recipients: Sequence[Recipient],
    *,
    urgent: bool = False,
    settings: Settings | None = None,
    preferences: Mapping[int, ContactPreference | None] | None = None,
) -> list[dict[str, Any]]:
    """The outbox rows an event gives, read but not written: for a use case that writes once
    (intake, a move: storage/one_write.py), which queues each with
    `one_write.also_insert(session, outbox table, row)` so that its one statement writes them
    (without the dedupe of `write`: its own idempotency key covers a retried request).
    `preferences` are the customers' preferences the caller read already (None: he has none);
    the others are read in one query."""
    k = templates.kind_of(kind)
    settings = settings or _DEFAULTS
    now = clock.now()
    urgent = urgent or kind in templates.ALWAYS_URGENT
    not_before = now if urgent else after_quiet_hours(now, settings)
    known: dict[int, ContactPreference | None] = dict(preferences or {})
    unknown = {r.customer_id for r in recipients if r.customer_id is not None} - known.keys()
    if unknown:
        known |= {
            p.customer_id: p
            for p in session.scalars(
                select(ContactPreference).where(ContactPreference.customer_id.in_(unknown))
            )
        }
    reference = _reference(session)
    found = reference.overrides.get(kind, {})
    endpoints = (
        []
        if kind in templates.NEVER_TO_WEBHOOKS
        else [e for e in reference.endpoints if kind in e.kinds]
    )
    out = _Rows()
    for r in recipients:
        preference = known.get(r.customer_id) if r.customer_id is not None else None
        lang = r.lang or (preference.lang if preference is not None else "zh")
        lang = lang if lang in LANGUAGES else "zh"
        base = {
            "kind": kind,
            "lang": lang,
            "customer_id": r.customer_id,
            "work_order_id": r.work_order_id,
            "outage_id": r.outage_id,
            "account_id": r.account_id,
            "urgent": urgent,
            "attempts": 0,
            "created_at": now,
        }
        for channel, address, refused in _channels(kind, r, preference):
            text = templates.render(templates.text_for(kind, channel, lang, found), r.variables)
            out.rows.append(
                base
                | {
                    "channel": channel,
                    "recipient": address,
                    "subject": text.subject,
                    "body": text.body,
                    "status": "suppressed" if refused else "queued",
                    "last_error": refused,
                    "max_attempts": MAX_ATTEMPTS[channel],
                    "not_before": not_before,
                    "webhook_endpoint_id": None,
                    "dedupe_key": _key(r.dedupe_key, channel),
                }
            )
        document = _document(k.name, r, now) if endpoints else ""
        for endpoint in endpoints:
            out.rows.append(
                base
                | {
                    "channel": "webhook",
                    "recipient": endpoint.url,
                    "subject": None,
                    "body": document,
                    "status": "queued",
                    "last_error": None,
                    "max_attempts": MAX_ATTEMPTS["webhook"],
                    # Another system is no sleeping customer.
                    "not_before": now,
                    "webhook_endpoint_id": endpoint.id,
                    "dedupe_key": _key(r.dedupe_key, f"webhook/{endpoint.id}"),
                }
            )
    return out.rows


def _key(dedupe_key: str | None, channel: str) -> str | None:
    # One event is several rows (SMS, e-mail, each webhook): each row's key names its channel.
    return None if dedupe_key is None else f"{dedupe_key[:180]}/{channel}"


def _channels(
    kind: str, r: Recipient, preference: ContactPreference | None
) -> list[tuple[str, str, str | None]]:
    """(channel, address, why it is suppressed or None) for each address the recipient has."""
    sms_allowed = preference.sms_allowed if preference is not None else True
    address = r.email or (preference.email if preference is not None else None)
    # An address the caller gave without a preference row is one the customer gave for this.
    email_allowed = preference.email_allowed if preference is not None else True
    opted_out = (
        preference is not None and kind in preference.opted_out and kind not in templates.STATUTORY
    )
    found: list[tuple[str, str, str | None]] = []
    if r.phone:
        found.append(
            ("sms", r.phone, OPTED_OUT if opted_out else (None if sms_allowed else SMS_REFUSED))
        )
    if address:
        found.append(
            (
                "email",
                address,
                OPTED_OUT if opted_out else (None if email_allowed else EMAIL_REFUSED),
            )
        )
    # A statutory notice must reach the customer in writing: when he refused every channel he
    # has, it goes by SMS all the same.
    if kind in templates.STATUTORY and found and all(why is not None for _, _, why in found):
        found = [(c, a, None if c == "sms" else why) for c, a, why in found]
    return found


def _document(kind: str, r: Recipient, at: datetime) -> str:
    """A webhook's body: the event as JSON, personal data masked (no full phone)."""
    return json.dumps(
        {
            "kind": kind,
            "at": at.isoformat(),
            "customer_id": r.customer_id,
            "work_order_id": r.work_order_id,
            "outage_id": r.outage_id,
            "account_id": r.account_id,
            "variables": {k: masking.mask_text(str(v)) for k, v in r.variables.items()},
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    table = _MESSAGE
    dialect_insert = postgresql.insert if on_postgresql(session) else sqlite.insert
    # A dedupe key written before (or by a concurrent writer) leaves its first row as it is.
    statement = dialect_insert(table).on_conflict_do_nothing().returning(table.c.id)
    inserted = list(session.execute(statement, rows).scalars())
    keys = [row["dedupe_key"] for row in rows if row["dedupe_key"] is not None]
    if not keys:
        return inserted
    kept = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.dedupe_key.in_(keys))
        .order_by(OutboxMessage.id)
    )
    return sorted(set(inserted) | set(kept))


def parse_clock_time(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours), int(minutes or 0))


def after_quiet_hours(moment: datetime, settings: Settings) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (Shanghai time; they may wrap
    midnight: 21:00–08:00)."""
    start = parse_clock_time(settings.notification_quiet_start)
    end = parse_clock_time(settings.notification_quiet_end)
    local = clock.local(moment)
    now = local.time()
    if start == end:
        return moment
    if start < end:
        quiet = start <= now < end
        day = local.date()
    else:
        quiet = now >= start or now < end
        day = local.date() + timedelta(days=1) if now >= start else local.date()
    return clock.at(day, end) if quiet else moment
