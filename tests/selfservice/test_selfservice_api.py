"""Self-service intake through the public API: a code by SMS (read back from the outbox), then a
contact taken as the desk takes it, on channel web or app."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from quarterhour.kit import clock
from quarterhour.selfservice.models import VerificationCode
from quarterhour.workorders.models import Contact, WorkOrder
from selfservice.intake_client import (
    CODES,
    CONTACTS,
    PHONE,
    ask_code,
    messages,
    report,
    sent_code,
)

pytestmark = pytest.mark.db

START = datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def at_ten(frozen_clock: Any) -> Any:
    frozen_clock.set(START)
    return frozen_clock


def test_a_fault_reported_with_its_code_is_an_order_on_the_web_channel(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    sent = ask_code(client)
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"expires_in": 300}
    sms = messages(engine, "verification_code")
    assert len(sms) == 1
    assert (sms[0].channel, sms[0].urgent, sms[0].status) == ("sms", True, "queued")
    code = sent_code(engine)
    with Session(engine) as session:
        stored = session.scalars(select(VerificationCode)).one()
    assert code not in (stored.code_hash, stored.salt)

    answer = report(client, code, address="芜湖路174号")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["contact"].startswith("LD20261127")
    [order] = body["orders"]
    assert order["order_type"] == "fault_repair"
    assert order["status_url"].endswith(f"/status?number={order['number']}")
    with Session(engine) as session:
        saved = session.scalars(select(WorkOrder)).one()
        contact = session.get_one(Contact, saved.contact_id)
        assert (saved.number, saved.address) == (order["number"], "芜湖路174号")
        assert (contact.channel, contact.caller_phone, contact.caller_name) == (
            "web",
            PHONE,
            "王先生",
        )
        assert contact.taken_by_id is None
    # The lead's intake writes the contact_accepted SMS; once it does, it is there.
    accepted = messages(engine, "contact_accepted")
    if accepted:
        assert order["number"] in accepted[0].body
    # The status page answers the order for the phone's last four digits.
    status = client.get(
        f"/api/v1/public/orders/{order['number']}", params={"phone_last4": PHONE[-4:]}
    )
    assert status.status_code == 200, status.text


def test_a_complaint_from_the_app(client: TestClient, engine: Engine, at_ten: Any) -> None:
    ask_code(client)
    answer = report(
        client, sent_code(engine), order_type="complaint", channel="app", title="抄表员态度差"
    )
    assert answer.status_code == 201, answer.text
    with Session(engine) as session:
        saved = session.scalars(select(WorkOrder)).one()
        assert (saved.order_type, saved.title) == ("complaint", "抄表员态度差")
        assert session.get_one(Contact, saved.contact_id).channel == "app"


def test_a_code_is_used_once(client: TestClient, engine: Engine, at_ten: Any) -> None:
    ask_code(client)
    code = sent_code(engine)
    assert report(client, code).status_code == 201
    again = report(client, code, order_type="consultation")
    assert again.status_code == 422
    assert again.json()["field"] == "code"


def test_five_wrong_codes_void_it(client: TestClient, engine: Engine, at_ten: Any) -> None:
    ask_code(client)
    code = sent_code(engine)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refusals = [report(client, wrong) for _ in range(5)]
    assert {r.status_code for r in refusals} == {422}
    assert {r.json()["field"] for r in refusals} == {"code"}
    with Session(engine) as session:
        assert session.scalars(select(VerificationCode.failures)).one() == 5
    void = report(client, code)
    assert void.status_code == 422
    # Void, expired, used and wrong read alike.
    assert void.json()["message"] == refusals[0].json()["message"]


def test_four_wrong_tries_leave_the_right_code_valid(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    ask_code(client)
    code = sent_code(engine)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert report(client, wrong).status_code == 422
    assert report(client, code).status_code == 201


def test_a_code_expires_after_five_minutes(client: TestClient, engine: Engine, at_ten: Any) -> None:
    ask_code(client)
    code = sent_code(engine)
    at_ten.advance(minutes=5, seconds=1)
    late = report(client, code)
    assert late.status_code == 422
    assert late.json()["field"] == "code"


def test_within_five_minutes_it_is_valid(client: TestClient, engine: Engine, at_ten: Any) -> None:
    ask_code(client)
    code = sent_code(engine)
    at_ten.advance(minutes=4, seconds=59)
    assert report(client, code).status_code == 201


def test_one_code_a_minute_and_five_an_hour_per_phone(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    assert ask_code(client).status_code == 202
    at_ten.advance(seconds=20)
    soon = ask_code(client)
    assert soon.status_code == 429
    assert soon.json()["field"] == "phone"
    assert soon.headers["Retry-After"] == "40"
    assert "40 seconds" in soon.json()["message"]
    at_ten.advance(seconds=40)
    for _ in range(4):
        assert ask_code(client).status_code == 202
        at_ten.advance(minutes=1)
    # 10:00, 10:01, 10:02, 10:03, 10:04 sent; at 10:05 the sixth of the hour is refused until
    # 11:00, when the first leaves the hour.
    sixth = ask_code(client)
    assert sixth.status_code == 429
    assert sixth.headers["Retry-After"] == str(55 * 60)
    assert len(messages(engine, "verification_code")) == 5
    # Another phone is its own count.
    assert ask_code(client, "13900001111").status_code == 202
    at_ten.set(datetime(2026, 11, 27, 11, 0, 1, tzinfo=clock.SHANGHAI))
    assert ask_code(client).status_code == 202


def test_twenty_codes_an_hour_per_caller_address(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    for n in range(20):
        assert ask_code(client, f"139{n:08d}").status_code == 202
    refused = ask_code(client, "13700000000")
    assert refused.status_code == 429
    assert refused.json()["field"] == "phone"
    assert int(refused.headers["Retry-After"]) == 3600
    # From another address (the TestClient's peer is "testclient"; a trusted proxy is not
    # configured, so the peer is the caller): counted apart. (Not entered: the app's lifespan
    # is the first client's.)
    other = TestClient(client.app, client=("192.0.2.7", 50000))
    assert ask_code(other, "13700000000").status_code == 202


def test_wrong_codes_from_one_address_are_stopped_across_phones(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    """Each code allows five wrong tries; one address trying many phones' codes is stopped by
    its own budget (ten wrong codes in five minutes), the right code as well."""
    phones = ["13900000001", "13900000002", "13900000003"]
    right = {}
    for phone in phones:
        assert ask_code(client, phone).status_code == 202
        right[phone] = sent_code(engine, phone)
    tries = [phones[0]] * 4 + [phones[1]] * 4 + [phones[2]] * 2
    for phone in tries:
        wrong = f"{(int(right[phone]) + 1) % 1_000_000:06d}"
        assert report(client, wrong, phone=phone).status_code == 422
    stopped = report(client, right[phones[2]], phone=phones[2])
    assert stopped.status_code == 429
    assert stopped.json()["field"] == "code"
    # The code itself is still good (two wrong tries of five) from another address.
    other = TestClient(client.app, client=("192.0.2.7", 50000))
    assert report(other, right[phones[2]], phone=phones[2]).status_code == 201


def test_codes_asked_at_once_from_one_address_keep_its_limit(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    """Nineteen codes, then four at the same moment from the same address for four phones: the
    twentieth passes, the others are refused (the address's count is serialised)."""
    for n in range(19):
        assert ask_code(client, f"139{n:08d}").status_code == 202
    barrier = threading.Barrier(4)
    answers: list[int] = []

    def ask(n: int) -> None:
        own = TestClient(client.app, client=("testclient", 50000 + n))
        barrier.wait()
        answers.append(ask_code(own, f"137{n:08d}").status_code)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [202, 429, 429, 429]


def test_the_same_request_retried_is_answered_with_its_contact(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    ask_code(client)
    code = sent_code(engine)
    key = {"Idempotency-Key": "7c1d5e0a-retry"}
    first = report(client, code, headers=key)
    assert first.status_code == 201, first.text
    again = report(client, code, headers=key)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    with Session(engine) as session:
        assert len(session.scalars(select(WorkOrder)).all()) == 1
    # The used code does not pass with another key, nor without one.
    assert report(client, code, headers={"Idempotency-Key": "other"}).status_code == 422
    assert report(client, code).status_code == 422


def test_an_account_number_counts_only_if_it_is_the_phones_customers(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    ask_code(client)
    answer = report(client, sent_code(engine), account_number="3401040012")
    # No such account for this phone: taken all the same, about no account, and nothing said.
    assert answer.status_code == 201, answer.text
    with Session(engine) as session:
        assert session.scalars(select(WorkOrder.account_id)).one() is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "1391234567\x00"}, "phone"),
        ({"phone": "1" * 40}, "phone"),
        ({}, "phone"),
        ({"phone": PHONE, "extra": 1}, "extra"),
    ],
)
def test_a_bad_phone_is_refused_naming_it(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    answer = client.post(CODES, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "12a456"}, "code"),
        ({"name": "王\x00"}, "name"),
        ({"name": "王" * 65}, "name"),
        ({"channel": "hotline"}, "channel"),
        ({"matter": {"order_type": "praise", "description": "好"}}, "matter.order_type"),
        ({"matter": {"order_type": "complaint", "description": "x" * 4001}}, "matter.description"),
        (
            {"matter": {"order_type": "complaint", "description": "d\x00"}},
            "matter.description",
        ),
        (
            {"matter": {"order_type": "complaint", "description": "d", "account_number": "x"}},
            "matter.account_number",
        ),
        (
            {"matter": {"order_type": "complaint", "description": "d", "address": "路" * 201}},
            "matter.address",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    body = {
        "phone": PHONE,
        "code": "123456",
        "name": "王先生",
        "matter": {"order_type": "fault_repair", "description": "停电"},
    } | change
    answer = client.post(CONTACTS, json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_a_bad_idempotency_key_is_refused(client: TestClient) -> None:
    answer = client.post(
        CONTACTS,
        json={
            "phone": PHONE,
            "code": "123456",
            "name": "王先生",
            "matter": {"order_type": "fault_repair", "description": "停电"},
        },
        headers={"Idempotency-Key": "k" * 101},
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "Idempotency-Key"
