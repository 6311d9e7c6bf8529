"""What an order's customer was sent, for its page: recipients masked (PIPL)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.kit.masking import mask_phone, mask_text
from quarterhour.notifications.models import OutboxMessage


def masked_recipient(channel: str, recipient: str) -> str:
    """139****5678; z***@example.cn; a webhook's host only."""
    if channel == "sms":
        return mask_phone(recipient) or ""
    if channel == "email":
        name, _, domain = recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    return recipient.split("//", 1)[-1].split("/", 1)[0]


def of_order(session: Session, order_id: int) -> Sequence[OutboxMessage]:
    """The order's messages to its customer (webhooks to other systems aside), oldest first."""
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.work_order_id == order_id, OutboxMessage.channel != "webhook")
        .order_by(OutboxMessage.id)
    ).all()


def error_said(error: str | None) -> str | None:
    """A channel's refusal never carries a whole number (channels.ChannelError); masked again
    all the same, as any free text shown to staff."""
    return mask_text(error) if error else error
