"""What the self-service tests share: the code read back from the outbox, as the customer reads
it from his SMS."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from quarterhour.notifications.models import OutboxMessage

PHONE = "13912345678"
CODES = "/api/v1/public/verification-codes"
CONTACTS = "/api/v1/public/contacts"


def messages(engine: Engine, kind: str, phone: str = PHONE) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind, OutboxMessage.recipient == phone)
                .order_by(OutboxMessage.id)
            )
        )


def sent_code(engine: Engine, phone: str = PHONE) -> str:
    """The latest code sent to the phone, from its SMS's text."""
    body = messages(engine, "verification_code", phone)[-1].body
    found = re.search(r"\d{6}", body)
    assert found is not None, body
    return found.group()


def ask_code(client: TestClient, phone: str = PHONE, **extra: Any) -> Any:
    return client.post(CODES, json={"phone": phone}, **extra)


def report(
    client: TestClient,
    code: str,
    *,
    phone: str = PHONE,
    order_type: str = "fault_repair",
    channel: str = "web",
    headers: dict[str, str] | None = None,
    **matter: Any,
) -> Any:
    body = {
        "phone": phone,
        "code": code,
        "name": "王先生",
        "channel": channel,
        "matter": {"order_type": order_type, "description": "家里整栋楼没电了", **matter},
    }
    return client.post(CONTACTS, json=body, headers=headers or {})
