"""The administrators' side of the outbox: the message texts (the defaults, their overrides,
a preview) and the webhook endpoints with their recent deliveries."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.errors import NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.notifications import outbox, templates
from quarterhour.notifications.models import (
    LANGUAGES,
    DeliveryAttempt,
    MessageTemplate,
    OutboxMessage,
    WebhookEndpoint,
)

RECENT_DELIVERIES = 10


@dataclass(frozen=True)
class TemplateEntry:
    kind: templates.Kind
    channel: str
    lang: str
    default: templates.Text
    override: MessageTemplate | None


def template_entries(session: Session, *, by: Actor) -> list[TemplateEntry]:
    """Every kind × channel × language with its default and override (one query)."""
    require(by, Permission.MANAGE_MESSAGES)
    found = {(t.kind, t.channel, t.lang): t for t in session.scalars(select(MessageTemplate))}
    return [
        TemplateEntry(
            kind=kind,
            channel=channel,
            lang=lang,
            default=templates.default(kind.name, channel, lang),
            override=found.get((kind.name, channel, lang)),
        )
        for kind in templates.KINDS.values()
        for channel in templates.TEXT_CHANNELS
        for lang in LANGUAGES
    ]


def template_entry(
    session: Session, kind: str, channel: str, lang: str, *, by: Actor
) -> TemplateEntry:
    require(by, Permission.MANAGE_MESSAGES)
    k = templates.kind_of(kind)
    _check_key(channel, lang)
    override = session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.kind == kind,
            MessageTemplate.channel == channel,
            MessageTemplate.lang == lang,
        )
    )
    return TemplateEntry(k, channel, lang, templates.default(kind, channel, lang), override)


def _check_key(channel: str, lang: str) -> None:
    if channel not in templates.TEXT_CHANNELS:
        raise NotFound(f"no message channel {channel}", field="channel")
    if lang not in LANGUAGES:
        raise NotFound(f"no message language {lang}", field="lang")


def set_template(
    session: Session,
    kind: str,
    channel: str,
    lang: str,
    *,
    subject: str | None,
    body: str,
    by: Actor,
) -> MessageTemplate:
    """An administrator's text instead of the default; messages written from now on use it
    (those written before keep what they said)."""
    require(by, Permission.MANAGE_MESSAGES)
    _check_key(channel, lang)
    text = templates.check(kind, channel, lang, subject, body)
    row = session.scalar(
        select(MessageTemplate).where(
            MessageTemplate.kind == kind,
            MessageTemplate.channel == channel,
            MessageTemplate.lang == lang,
        )
    )
    if row is None:
        row = MessageTemplate(kind=kind, channel=channel, lang=lang)
        session.add(row)
    row.subject, row.body = text.subject, text.body
    row.updated_by_id, row.updated_at = by.id, clock.now()
    session.flush()
    outbox.forget()  # this process writes with the new texts and endpoints at once
    return row


def reset_template(session: Session, kind: str, channel: str, lang: str, *, by: Actor) -> bool:
    """Back to the default text; whether there was an override."""
    require(by, Permission.MANAGE_MESSAGES)
    templates.kind_of(kind)
    _check_key(channel, lang)
    gone = session.execute(
        delete(MessageTemplate).where(
            MessageTemplate.kind == kind,
            MessageTemplate.channel == channel,
            MessageTemplate.lang == lang,
        )
    )
    outbox.forget()  # this process writes with the default text at once
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def preview(
    kind: str,
    channel: str,
    lang: str,
    *,
    subject: str | None,
    body: str,
    variables: Mapping[str, str] | None,
    by: Actor,
) -> templates.Text:
    """A text as a customer would read it: checked as it would be kept, rendered with the
    given values (the samples for those not given)."""
    require(by, Permission.MANAGE_MESSAGES)
    _check_key(channel, lang)
    text = templates.check(kind, channel, lang, subject, body)
    values = templates.kind_of(kind).samples() | dict(variables or {})
    return templates.render(text, values)


# --- webhook endpoints --------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    message_id: int
    kind: str
    status: str
    at: datetime
    outcome: str
    detail: str | None


@dataclass(frozen=True)
class Endpoint:
    row: WebhookEndpoint
    recent: list[Delivery]


def _check_endpoint(url: str, kinds: Sequence[str]) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed("url: an http or https address", field="url")
    if len(url) > 500:
        raise ValidationFailed("url: at most 500 characters", field="url")
    unknown = sorted(set(kinds) - set(templates.KINDS))
    if unknown:
        raise ValidationFailed(f"kinds: no message kind {unknown[0]}", field="kinds")
    if not kinds:
        raise ValidationFailed("kinds: name at least one kind of message", field="kinds")
    return sorted(set(kinds))


def add_endpoint(session: Session, url: str, kinds: Sequence[str], *, by: Actor) -> WebhookEndpoint:
    """A new endpoint with its signing key (shown to the administrator once, at creation)."""
    require(by, Permission.MANAGE_MESSAGES)
    row = WebhookEndpoint(
        url=url,
        kinds=_check_endpoint(url, kinds),
        secret=secrets.token_hex(32),
        active=True,
        created_by_id=by.id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    outbox.forget()  # this process writes with the new texts and endpoints at once
    return row


def change_endpoint(
    session: Session,
    endpoint_id: int,
    *,
    url: str,
    kinds: Sequence[str],
    active: bool,
    by: Actor,
) -> WebhookEndpoint:
    require(by, Permission.MANAGE_MESSAGES)
    row = _endpoint(session, endpoint_id)
    row.kinds = _check_endpoint(url, kinds)
    row.url, row.active = url, active
    session.flush()
    outbox.forget()  # this process writes with the new texts and endpoints at once
    return row


def remove_endpoint(session: Session, endpoint_id: int, *, by: Actor) -> None:
    """No more events to it. The row stays (inactive) with its delivery log; messages already
    queued for it are still sent."""
    require(by, Permission.MANAGE_MESSAGES)
    _endpoint(session, endpoint_id).active = False
    session.flush()
    outbox.forget()  # this process writes with the new texts and endpoints at once


def _endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}", field="endpoint_id")
    return row


def endpoints(session: Session, *, by: Actor) -> list[Endpoint]:
    """Every endpoint with its last deliveries: two queries whatever their number."""
    require(by, Permission.MANAGE_MESSAGES)
    rows = list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))
    if not rows:
        return []
    numbered = (
        select(
            OutboxMessage.webhook_endpoint_id,
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.status,
            DeliveryAttempt.at,
            DeliveryAttempt.outcome,
            DeliveryAttempt.detail,
            func.row_number()
            .over(
                partition_by=OutboxMessage.webhook_endpoint_id,
                order_by=(DeliveryAttempt.at.desc(), DeliveryAttempt.id.desc()),
            )
            .label("n"),
        )
        .join(DeliveryAttempt, DeliveryAttempt.message_id == OutboxMessage.id)
        .where(OutboxMessage.webhook_endpoint_id.in_([r.id for r in rows]))
        .subquery()
    )
    recent: dict[int, list[Delivery]] = {r.id: [] for r in rows}
    for endpoint_id, message_id, kind, status, at, outcome, detail, _n in session.execute(
        select(numbered)
        .where(numbered.c.n <= RECENT_DELIVERIES)
        .order_by(numbered.c.webhook_endpoint_id, numbered.c.n)
    ):
        recent[endpoint_id].append(Delivery(message_id, kind, status, at, outcome, detail))
    return [Endpoint(r, recent[r.id]) for r in rows]
