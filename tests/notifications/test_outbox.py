"""Writing messages: in the caller's transaction, once per event, as the customer wants them,
outside the quiet hours, and a bulk event in a fixed number of statements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from notifications.recording import PHONE
from quarterhour.config import Settings
from quarterhour.customers.models import Customer
from quarterhour.kit import clock
from quarterhour.notifications import outbox
from quarterhour.notifications.models import (
    ContactPreference,
    MessageTemplate,
    OutboxMessage,
    WebhookEndpoint,
)

pytestmark = pytest.mark.db

ACCEPTED = {"numbers": "GD20261127-0001", "status_url": "http://x/status?number=GD20261127-0001"}


def _messages(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _prefer(factory: sessionmaker[Session], customer: int, **values: Any) -> None:
    with factory.begin() as session:
        session.add(ContactPreference(customer_id=customer, updated_at=clock.now(), **values))


def test_a_message_is_written_in_the_callers_transaction(
    factory: sessionmaker[Session], customer: int, frozen_clock: Any
) -> None:
    with factory() as session:
        ids = outbox.write(
            session, kind="contact_accepted", variables=ACCEPTED, customer_id=customer, phone=PHONE
        )
        assert len(ids) == 1
        session.rollback()
    assert _messages(factory) == []

    with factory.begin() as session:
        outbox.write(
            session, kind="contact_accepted", variables=ACCEPTED, customer_id=customer, phone=PHONE
        )
    [message] = _messages(factory)
    assert (message.channel, message.recipient, message.status) == ("sms", PHONE, "queued")
    assert message.body == (
        "【供电一刻钟】您的诉求已受理，工单编号GD20261127-0001，"
        "进度查询：http://x/status?number=GD20261127-0001"
    )
    assert message.not_before == frozen_clock.now


def test_the_same_event_written_twice_is_one_message(
    factory: sessionmaker[Session], customer: int
) -> None:
    _prefer(factory, customer, email="zhang@example.cn", email_allowed=True)
    written = []
    for _ in range(2):
        with factory.begin() as session:
            written.append(
                outbox.write(
                    session,
                    kind="contact_accepted",
                    variables=ACCEPTED,
                    customer_id=customer,
                    phone=PHONE,
                    dedupe_key="contact:7",
                )
            )
    assert written[0] == written[1]
    assert [m.channel for m in _messages(factory)] == ["sms", "email"]


def test_a_customer_who_refused_a_kind_gets_a_suppressed_row_but_statutory_notices_go(
    factory: sessionmaker[Session], customer: int
) -> None:
    _prefer(
        factory,
        customer,
        opted_out=["bill_ready", "disconnection_notice"],
        email="zhang@example.cn",
        email_allowed=False,
    )
    bill = {
        "account": "3401040012",
        "period": "2026-11",
        "amount": "12.00",
        "due_date": "2026-12-20",
    }
    notice = {"account": "3401040012", "amount": "12.00", "disconnect_on": "2026-12-28"}
    with factory.begin() as session:
        outbox.write(session, kind="bill_ready", variables=bill, customer_id=customer, phone=PHONE)
        outbox.write(
            session,
            kind="disconnection_notice",
            variables=notice,
            customer_id=customer,
            phone=PHONE,
        )
    said = [(m.kind, m.channel, m.status, m.last_error) for m in _messages(factory)]
    assert said == [
        ("bill_ready", "sms", "suppressed", "opted_out"),
        ("bill_ready", "email", "suppressed", "opted_out"),
        ("disconnection_notice", "sms", "queued", None),
        ("disconnection_notice", "email", "suppressed", "email_refused"),
    ]


def test_a_statutory_notice_goes_by_sms_even_to_a_customer_who_refused_sms(
    factory: sessionmaker[Session], customer: int
) -> None:
    _prefer(factory, customer, sms_allowed=False)
    notice = {"area": "望湖城", "starts_at": "08:00", "ends_at": "17:00", "reason": "检修"}
    with factory.begin() as session:
        outbox.write(session, kind="crew_arrived", variables={}, customer_id=customer, phone=PHONE)
        outbox.write(
            session,
            kind="planned_outage_notice",
            variables=notice,
            customer_id=customer,
            phone=PHONE,
        )
    said = [(m.kind, m.status, m.last_error) for m in _messages(factory)]
    assert said == [
        ("crew_arrived", "suppressed", "sms_refused"),
        ("planned_outage_notice", "queued", None),
    ]


def test_the_customers_language_and_an_administrators_text(
    factory: sessionmaker[Session], customer: int
) -> None:
    _prefer(factory, customer, lang="en", email="zhang@example.cn", email_allowed=True)
    with factory.begin() as session:
        session.add(
            MessageTemplate(
                kind="contact_accepted",
                channel="email",
                lang="en",
                subject=None,
                body="Order {numbers} {unknown} {numbers.__class__}",
                updated_at=clock.now(),
            )
        )
    with factory.begin() as session:
        outbox.write(
            session, kind="contact_accepted", variables=ACCEPTED, customer_id=customer, phone=PHONE
        )
    sms, email = _messages(factory)
    assert sms.lang == email.lang == "en"
    assert sms.body.startswith("[Quarter Hour] We have your request, order GD20261127-0001.")
    # Only {name} is replaced: no attribute reached, an unknown name stays as it was written.
    assert email.body == "Order GD20261127-0001 {unknown} {numbers.__class__}"
    assert email.subject == "We have your request"


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (datetime(2026, 11, 27, 22, 30), datetime(2026, 11, 28, 8, 0)),
        (datetime(2026, 11, 28, 6, 0), datetime(2026, 11, 28, 8, 0)),
        (datetime(2026, 11, 28, 8, 0), datetime(2026, 11, 28, 8, 0)),
        (datetime(2026, 11, 28, 20, 59), datetime(2026, 11, 28, 20, 59)),
    ],
)
def test_quiet_hours_hold_a_message_until_morning(
    factory: sessionmaker[Session],
    customer: int,
    frozen_clock: Any,
    at: datetime,
    expected: datetime,
) -> None:
    frozen_clock.set(at.replace(tzinfo=clock.SHANGHAI))
    with factory.begin() as session:
        outbox.write(session, kind="crew_arrived", variables={}, customer_id=customer, phone=PHONE)
        outbox.write(
            session,
            kind="crew_arrived",
            variables={},
            customer_id=customer,
            phone=PHONE,
            urgent=True,
        )
        outbox.write(session, kind="verification_code", variables={}, phone=PHONE)
    normal, urgent, code = _messages(factory)
    assert normal.not_before == expected.replace(tzinfo=clock.SHANGHAI)
    assert urgent.not_before == code.not_before == frozen_clock.now


def test_quiet_hours_come_from_the_settings(frozen_clock: Any) -> None:
    settings = Settings(notification_quiet_start="12:00", notification_quiet_end="14:00")
    noon = datetime(2026, 11, 27, 12, 30, tzinfo=clock.SHANGHAI)
    assert outbox.after_quiet_hours(noon, settings) == noon.replace(hour=14, minute=0)
    evening = datetime(2026, 11, 27, 22, 0, tzinfo=clock.SHANGHAI)
    assert outbox.after_quiet_hours(evening, settings) == evening


def test_a_webhook_endpoint_gets_the_event_without_the_phone(
    factory: sessionmaker[Session], customer: int
) -> None:
    with factory.begin() as session:
        session.add_all(
            [
                WebhookEndpoint(
                    url="https://crm.example.cn/hook",
                    secret="s" * 32,
                    kinds=["crew_arrived"],
                    created_at=clock.now(),
                ),
                WebhookEndpoint(
                    url="https://other.example.cn/hook",
                    secret="t" * 32,
                    kinds=["bill_ready"],
                    created_at=clock.now(),
                ),
            ]
        )
    with factory.begin() as session:
        outbox.write(
            session,
            kind="crew_arrived",
            variables={"number": "GD1", "crew": f"班组 {PHONE}"},
            customer_id=customer,
            phone=PHONE,
        )
    _sms, hook = _messages(factory)
    assert (hook.channel, hook.recipient) == ("webhook", "https://crm.example.cn/hook")
    document = json.loads(hook.body)
    assert document["kind"] == "crew_arrived"
    assert document["customer_id"] == customer
    assert PHONE not in hook.body
    assert document["variables"]["crew"] == "班组 139****5678"


def test_a_verification_code_never_goes_to_a_webhook(
    factory: sessionmaker[Session], customer: int
) -> None:
    with factory.begin() as session:
        session.add(
            WebhookEndpoint(
                url="https://crm.example.cn/hook",
                secret="s" * 32,
                kinds=["verification_code"],
                created_at=clock.now(),
            )
        )
    with factory.begin() as session:
        outbox.write(
            session,
            kind="verification_code",
            variables={"code": "482913", "minutes": "5"},
            phone=PHONE,
        )
    assert [m.channel for m in _messages(factory)] == ["sms"]


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_bulk_event_is_a_fixed_number_of_statements(
    factory: sessionmaker[Session], statements: list[str]
) -> None:
    with factory.begin() as session:
        people = [
            Customer(name=f"客户{n}", phone=f"1390000{n:04d}", created_at=clock.now())
            for n in range(300)
        ]
        session.add_all(people)
        session.flush()
        ids = [c.id for c in people]
        for n in ids[:100]:
            session.add(
                ContactPreference(customer_id=n, opted_out=["bill_ready"], updated_at=clock.now())
            )
    notice = {"area": "望湖城", "starts_at": "08:00", "ends_at": "17:00", "reason": "检修"}
    recipients = [
        outbox.Recipient(
            variables=notice, customer_id=n, phone=f"1390000{i:04d}", dedupe_key=f"outage:1:{n}"
        )
        for i, n in enumerate(ids)
    ]
    statements.clear()
    with factory.begin() as session:
        written = outbox.write_many(session, "planned_outage_notice", recipients)
    # preferences, overrides, endpoints, one INSERT, the dedupe keys' ids (and BEGIN/COMMIT aside)
    work = [s for s in statements if not s.startswith(("BEGIN", "COMMIT"))]
    assert len(work) == 5, work
    assert len(written) == 300
    statuses = {m.status for m in _messages(factory)}
    assert statuses == {"queued"}  # the opt-outs do not stop a statutory notice
