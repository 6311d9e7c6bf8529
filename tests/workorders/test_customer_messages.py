"""What the loop tells the customer: the contact accepted with its numbers and status link, the
crew arrived, the result replied with the survey by SMS — each written with its step (in intake's
and a move's one write on PostgreSQL), none when the step is refused; and the survey's answers
by SMS from the gateway's signed webhook: "1" closes the follow-up, "3" sends the work back."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from quarterhour.kit import clock
from quarterhour.notifications import sms_gateway
from quarterhour.notifications.models import ContactPreference, InboundSms, OutboxMessage
from quarterhour.workorders.models import OrderEvent, WorkOrder
from workorders.loop_client import CUSTOMER_PHONE, MATTERS, LoopApi

pytestmark = pytest.mark.db
KEY = "gateway-key-for-tests"


@pytest.fixture
def settings(settings: Any) -> Any:
    import dataclasses

    return dataclasses.replace(settings, sms_gateway_key=KEY)


def _messages(session: Session, order_id: int) -> list[OutboxMessage]:
    session.expire_all()
    found = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.work_order_id == order_id)
            .order_by(OutboxMessage.id)
        )
    )
    session.expunge_all()  # read as they were, without a new transaction (SQLite's write lock)
    session.rollback()
    return found


def _signed(client: TestClient, path: str, document: dict[str, Any], key: str = KEY) -> Any:
    body = json.dumps(document).encode()
    return client.post(
        f"/api/v1/gateway/sms/{path}",
        content=body,
        headers={"X-Signature": sms_gateway.sign(key, body), "Content-Type": "application/json"},
    )


def test_a_contact_accepted_is_told_by_sms_with_its_numbers_and_status_link(
    loop: LoopApi, session: Session
) -> None:
    orders = loop.contact(MATTERS["complaint"], MATTERS["consultation"])["orders"]
    first = _messages(session, orders[0]["id"])
    assert [(m.kind, m.channel, m.status) for m in first] == [("contact_accepted", "sms", "queued")]
    numbers = [o["number"] for o in orders]
    assert "、".join(numbers) in first[0].body
    assert f"/status?number={numbers[0]}" in first[0].body
    assert first[0].recipient == CUSTOMER_PHONE


def test_a_refused_contact_tells_nobody(loop: LoopApi, session: Session) -> None:
    loop.contact({**MATTERS["complaint"], "title": ""}, expect=422)
    session.expire_all()
    assert session.scalars(select(OutboxMessage)).all() == []


def test_the_reply_goes_in_writing_with_the_survey_that_then_waits_for_its_answer(
    loop: LoopApi, session: Session, frozen_clock: Any
) -> None:
    order = loop.new_order("complaint", "replied")
    kinds = [(m.kind, m.status) for m in _messages(session, order["id"])]
    assert ("result_replied", "queued") in kinds and ("follow_up_survey", "queued") in kinds
    until = session.get_one(WorkOrder, order["id"]).sms_survey_until
    session.rollback()
    assert until == frozen_clock.now + timedelta(hours=24)
    page = loop.order(order["id"])
    assert {m["kind"] for m in page["messages"]} >= {"result_replied", "follow_up_survey"}
    queue = loop.client.get(
        "/api/v1/orders", params={"state": "replied"}, headers=loop.headers("followup")
    ).json()["items"]
    assert [o["sms_survey_until"] for o in queue if o["id"] == order["id"]] != [None]
    frozen_clock.advance(hours=25)  # no answer: the follow-up agents call
    queue = loop.client.get(
        "/api/v1/orders", params={"state": "replied"}, headers=loop.headers("followup")
    ).json()["items"]
    assert [o["sms_survey_until"] for o in queue if o["id"] == order["id"]] == [None]


def _refuses_sms(session: Session, order_id: int, *, lang: str) -> None:
    """The order's customer refuses SMS and reads `lang`."""
    customer_id = session.get_one(WorkOrder, order_id).customer_id
    session.rollback()
    session.add(
        ContactPreference(
            customer_id=customer_id,
            sms_allowed=False,
            email_allowed=False,
            lang=lang,
            opted_out=[],
            updated_at=clock.now(),
        )
    )
    session.commit()


def test_a_customer_who_refused_sms_gets_no_survey_and_is_called(
    loop: LoopApi, session: Session
) -> None:
    order = loop.new_order("complaint", "reviewed")
    _refuses_sms(session, order["id"], lang="zh")
    loop.act("agent", order["id"], "reply", reply_method="phone")
    sent = _messages(session, order["id"])
    assert {(m.kind, m.status) for m in sent if m.kind != "contact_accepted"} == {
        ("result_replied", "suppressed"),
        ("follow_up_survey", "suppressed"),
    }
    until = session.get_one(WorkOrder, order["id"]).sms_survey_until
    session.rollback()
    assert until is None


def test_a_known_callers_preference_is_read_with_him_not_by_a_query_of_its_own(
    loop: LoopApi, session: Session, engine: Engine
) -> None:
    """Intake reads the preference with the customer, a move with the contact: each message of
    the loop costs no read of its own (the reply writes two)."""
    first = loop.contact(MATTERS["complaint"])["orders"][0]
    _refuses_sms(session, first["id"], lang="en")
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(" ".join(args[2].split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        again = loop.contact(MATTERS["consultation"])["orders"][0]
        taking = [s for s in seen if "contact_preference" in s]
        seen.clear()
        order = loop.new_order("complaint", "reviewed")
        seen.clear()
        loop.act("agent", order["id"], "reply", reply_method="phone")
        replying = [s for s in seen if "contact_preference" in s]
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(taking) == 1 and "FROM customer LEFT OUTER JOIN contact_preference" in taking[0]
    # The reply's caller and preference come with the order, in the move's one read (on
    # PostgreSQL through the driver's own cursor, which this listener does not see).
    assert [s for s in replying if "FROM work_order LEFT OUTER JOIN deadline" not in s] == []
    # ... and honoured: he refused SMS and reads English.
    [accepted] = _messages(session, again["id"])
    assert (accepted.kind, accepted.status, accepted.lang) == (
        "contact_accepted",
        "suppressed",
        "en",
    )
    replied = {(m.kind, m.status, m.lang) for m in _messages(session, order["id"])}
    assert {("result_replied", "suppressed", "en"), ("follow_up_survey", "suppressed", "en")} <= (
        replied
    )


def test_the_crew_on_site_is_told_to_the_caller(loop: LoopApi, session: Session) -> None:
    order = loop.new_order("fault_repair", "in_progress")
    assert "crew_arrived" in {m.kind for m in _messages(session, order["id"])}


def test_a_survey_answered_3_by_sms_sends_the_work_back_and_1_closes_it(
    loop: LoopApi, session: Session, client: TestClient
) -> None:
    unhappy = loop.new_order("complaint", "replied")
    phone = _messages(session, unhappy["id"])[-1].recipient
    answered = _signed(
        client,
        "inbound",
        {"id": "in-1", "from": phone, "text": "３", "at": clock.now().isoformat()},
    )
    assert answered.status_code == 200, answered.text
    assert answered.json() == {
        "work_order_id": unhappy["id"],
        "outcome": "dissatisfied",
        "note": None,
    }
    back = loop.order(unhappy["id"])
    assert back["state"] == "dispatched" and back["rework_count"] == 1
    session.expire_all()
    event = session.scalars(
        select(OrderEvent).where(
            OrderEvent.order_id == unhappy["id"], OrderEvent.action == "follow_up"
        )
    ).one()
    assert event.data["via"] == "sms" and event.data["outcome"] == "dissatisfied"
    session.rollback()
    # The same text delivered twice is one answer.
    again = _signed(
        client, "inbound", {"id": "in-1", "from": phone, "text": "3", "at": clock.now().isoformat()}
    )
    assert again.json()["work_order_id"] == unhappy["id"]
    assert loop.order(unhappy["id"])["rework_count"] == 1

    happy = loop.new_order("complaint", "replied")
    phone = _messages(session, happy["id"])[-1].recipient
    _signed(
        client, "inbound", {"id": "in-2", "from": phone, "text": "1", "at": clock.now().isoformat()}
    )
    assert loop.order(happy["id"])["state"] == "followed_up"


def test_texts_that_answer_nothing_are_kept_with_the_reason(
    loop: LoopApi, session: Session, client: TestClient
) -> None:
    order = loop.new_order("complaint", "replied")
    phone = _messages(session, order["id"])[-1].recipient
    chatty = _signed(
        client,
        "inbound",
        {"id": "in-3", "from": phone, "text": "谢谢你们", "at": clock.now().isoformat()},
    )
    assert chatty.json()["note"] == "not an answer: 1, 2 or 3"
    stranger = _signed(
        client,
        "inbound",
        {"id": "in-4", "from": "13911112222", "text": "1", "at": clock.now().isoformat()},
    )
    assert stranger.json() == {
        "work_order_id": None,
        "outcome": None,
        "note": "no survey waiting for this number",
    }
    assert loop.order(order["id"])["state"] == "replied"
    session.expire_all()
    kept = session.execute(select(InboundSms.survey_message_id).order_by(InboundSms.id)).all()
    survey = next(m for m in _messages(session, order["id"]) if m.kind == "follow_up_survey")
    # The chatty text answered the survey (a response, counted so), the stranger's none.
    assert [t.survey_message_id for t in kept] == [survey.id, None]


def test_a_late_answer_finds_no_survey_and_the_follow_up_is_a_call(
    loop: LoopApi, session: Session, client: TestClient, frozen_clock: Any
) -> None:
    order = loop.new_order("complaint", "replied")
    phone = _messages(session, order["id"])[-1].recipient
    frozen_clock.advance(hours=25)
    late = _signed(
        client,
        "inbound",
        {"id": "in-5", "from": phone, "text": "1", "at": clock.now().isoformat()},
    )
    assert late.json()["note"] == "no survey waiting for this number"
    assert loop.order(order["id"])["state"] == "replied"  # the agents call


def test_the_gateway_callbacks_need_its_signature(client: TestClient) -> None:
    document = {"id": "x", "from": "13912345678", "text": "1", "at": clock.now().isoformat()}
    unsigned = client.post("/api/v1/gateway/sms/inbound", json=document)
    assert unsigned.status_code == 401
    forged = _signed(client, "inbound", document, key="not-the-key")
    assert forged.status_code == 401 and forged.json()["field"] == "X-Signature"
    report = _signed(
        client,
        "reports",
        {"id": "nobody", "client_ref": "1", "status": "delivered", "at": clock.now().isoformat()},
    )
    assert report.status_code == 200 and report.json() == {"message_id": None}
