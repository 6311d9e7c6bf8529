"""The API of the outbox: templates (list, change, back to default, preview), webhook endpoints,
a customer's contact preferences, and an order's messages in its detail."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete

from notifications.recording import Recorder
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.notifications import outbox, sending
from quarterhour.notifications.channels import ChannelError
from quarterhour.notifications.models import OutboxMessage
from quarterhour.storage.engine import make_session_factory
from workorders.loop_client import CUSTOMER_PHONE, LoopApi

pytestmark = pytest.mark.db

TEMPLATE = "/api/v1/admin/message-templates"
NO_MAILBOX = ChannelError("550 no such mailbox", retryable=False)


@pytest.fixture
def loop(client: TestClient, org: Organisation) -> LoopApi:
    return LoopApi(client, org)


def test_every_kind_channel_and_language_is_listed_with_its_variables(loop: LoopApi) -> None:
    response = loop.client.get(TEMPLATE, headers=loop.headers("admin"))
    assert response.status_code == 200, response.text
    listed = response.json()
    assert len(listed) == 10 * 2 * 2
    survey = next(
        t
        for t in listed
        if (t["kind"], t["channel"], t["lang"]) == ("follow_up_survey", "sms", "zh")
    )
    assert survey["default"]["body"].endswith("回复1满意 2基本满意 3不满意")
    assert [v["name"] for v in survey["variables"]] == ["number"]
    assert survey["override"] is None and survey["statutory"] is False
    notice = next(t for t in listed if t["kind"] == "disconnection_notice")
    assert notice["statutory"] is True


def test_only_an_administrator_edits_the_texts(loop: LoopApi) -> None:
    for who in ("agent", "dispatcher", "supervisor"):
        headers = loop.headers(who)
        assert loop.client.get(TEMPLATE, headers=headers).status_code == 403
        changed = loop.client.put(
            f"{TEMPLATE}/crew_arrived/sms/zh", json={"body": "{crew}到了"}, headers=headers
        )
        assert changed.status_code == 403


def test_a_text_is_changed_refused_previewed_and_reset(loop: LoopApi) -> None:
    headers = loop.headers("admin")
    url = f"{TEMPLATE}/crew_arrived/sms/zh"
    refused = loop.client.put(url, json={"body": "{crew}到了，电话{phone}"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["field"] == "body"
    too_long = loop.client.put(url, json={"body": "长" * 301}, headers=headers)
    assert (too_long.status_code, too_long.json()["field"]) == (422, "body")
    control = loop.client.put(url, json={"body": "a\x00b"}, headers=headers)
    assert control.status_code == 422
    no_kind = loop.client.put(f"{TEMPLATE}/nothing/sms/zh", json={"body": "x"}, headers=headers)
    assert no_kind.status_code == 404

    changed = loop.client.put(
        url, json={"body": "【供电一刻钟】{crew}到了（{number}）"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["override"]["body"] == "【供电一刻钟】{crew}到了（{number}）"

    preview = loop.client.post(
        f"{TEMPLATE}/preview",
        json={
            "kind": "crew_arrived",
            "channel": "sms",
            "lang": "zh",
            "body": "{crew}到了（{number}）",
            "variables": {"number": "GD9"},
        },
        headers=headers,
    )
    assert preview.status_code == 200, preview.text
    assert preview.json() == {"subject": None, "body": "包河抢修一班到了（GD9）"}
    bad_preview = loop.client.post(
        f"{TEMPLATE}/preview",
        json={"kind": "crew_arrived", "channel": "sms", "body": "{x.y}"},
        headers=headers,
    )
    assert (bad_preview.status_code, bad_preview.json()["field"]) == (422, "body")

    assert loop.client.delete(url, headers=headers).status_code == 204
    listed = loop.client.get(TEMPLATE, headers=headers).json()
    assert all(t["override"] is None for t in listed)


def test_a_webhook_endpoint_shows_its_secret_once(loop: LoopApi) -> None:
    headers = loop.headers("admin")
    refused = loop.client.post(
        "/api/v1/admin/webhooks",
        json={"url": "ftp://crm.example.cn", "kinds": ["crew_arrived"]},
        headers=headers,
    )
    assert (refused.status_code, refused.json()["field"]) == (422, "url")
    unknown = loop.client.post(
        "/api/v1/admin/webhooks",
        json={"url": "https://crm.example.cn/hook", "kinds": ["nothing"]},
        headers=headers,
    )
    assert (unknown.status_code, unknown.json()["field"]) == (422, "kinds")
    made = loop.client.post(
        "/api/v1/admin/webhooks",
        json={"url": "https://crm.example.cn/hook", "kinds": ["crew_arrived"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    assert len(made.json()["secret"]) == 64
    listed = loop.client.get("/api/v1/admin/webhooks", headers=headers).json()
    assert [e["url"] for e in listed] == ["https://crm.example.cn/hook"]
    assert "secret" not in listed[0]
    assert (
        loop.client.get("/api/v1/admin/webhooks", headers=loop.headers("dispatcher")).status_code
        == 403
    )
    endpoint_id = made.json()["id"]
    changed = loop.client.put(
        f"/api/v1/admin/webhooks/{endpoint_id}",
        json={"url": "https://crm.example.cn/v2", "kinds": ["bill_ready"], "active": True},
        headers=headers,
    )
    assert changed.json()["kinds"] == ["bill_ready"]
    assert (
        loop.client.delete(f"/api/v1/admin/webhooks/{endpoint_id}", headers=headers).status_code
        == 204
    )
    assert loop.client.get("/api/v1/admin/webhooks", headers=headers).json()[0]["active"] is False
    assert loop.client.delete("/api/v1/admin/webhooks/99999", headers=headers).status_code == 404


def test_a_webhooks_deliveries_are_listed(loop: LoopApi, engine: Engine) -> None:
    headers = loop.headers("admin")
    loop.client.post(
        "/api/v1/admin/webhooks",
        json={"url": "https://crm.example.cn/hook", "kinds": ["crew_arrived"]},
        headers=headers,
    )
    factory = make_session_factory(engine)
    with factory.begin() as session:
        outbox.write(session, kind="crew_arrived", variables={"number": "GD1", "crew": "一班"})
    hooks = Recorder(name="webhook", delivered=True)
    sending.send_due(factory, {"webhook": hooks}, worker="w", settings=Settings())
    [endpoint] = loop.client.get("/api/v1/admin/webhooks", headers=headers).json()
    [delivery] = endpoint["recent_deliveries"]
    assert (delivery["kind"], delivery["outcome"], delivery["detail"]) == (
        "crew_arrived",
        "delivered",
        "HTTP 200",
    )


def test_contact_preferences(loop: LoopApi) -> None:
    order = loop.intake("complaint")
    customer_id = loop.order(order["id"])["customer_id"]
    url = f"/api/v1/customers/{customer_id}/contact-preferences"
    first = loop.client.get(url, headers=loop.headers("agent"))
    assert first.status_code == 200
    assert first.json() == {
        "customer_id": customer_id,
        "sms_allowed": True,
        "email": None,
        "email_allowed": False,
        "lang": "zh",
        "opted_out": [],
        "statutory": ["disconnection_notice", "planned_outage_notice"],
    }
    wanted = {
        "sms_allowed": True,
        "email": "yuan@example.cn",
        "email_allowed": True,
        "lang": "en",
        "opted_out": ["bill_ready"],
    }
    assert loop.client.put(url, json=wanted, headers=loop.headers("supervisor")).status_code == 403
    saved = loop.client.put(url, json=wanted, headers=loop.headers("agent"))
    assert saved.status_code == 200, saved.text
    assert saved.json()["opted_out"] == ["bill_ready"]
    bad = loop.client.put(
        url, json=wanted | {"email": "not-an-address"}, headers=loop.headers("agent")
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "email")
    bad_kind = loop.client.put(
        url, json=wanted | {"opted_out": ["nothing"]}, headers=loop.headers("agent")
    )
    assert (bad_kind.status_code, bad_kind.json()["field"]) == (422, "opted_out")
    assert loop.client.get(url, headers=loop.headers("agent")).json()["lang"] == "en"
    missing = loop.client.get(
        "/api/v1/customers/999999/contact-preferences", headers=loop.headers("agent")
    )
    assert missing.status_code == 404


def test_an_orders_messages_are_in_its_detail(
    loop: LoopApi, engine: Engine, frozen_clock: Any
) -> None:
    order = loop.intake("complaint")
    detail = loop.order(order["id"])
    factory = make_session_factory(engine)
    # The intake's own 受理通知 set aside: this test writes the order's messages itself.
    with make_session_factory(engine).begin() as cleared:
        cleared.execute(delete(OutboxMessage))
    with factory.begin() as session:
        outbox.write(
            session,
            kind="contact_accepted",
            variables={"numbers": order["number"], "status_url": "http://x"},
            customer_id=detail["customer_id"],
            phone=CUSTOMER_PHONE,
            email="yuan@example.cn",
            work_order_id=order["id"],
        )
    sending.send_due(
        factory,
        {"sms": Recorder(), "email": Recorder(name="email", fail=lambda _m: NO_MAILBOX)},
        worker="w",
        settings=Settings(),
    )
    messages = loop.order(order["id"])["messages"]
    assert [(m["channel"], m["status"]) for m in messages] == [("sms", "sent"), ("email", "failed")]
    assert messages[0]["recipient"] == CUSTOMER_PHONE[:3] + "****" + CUSTOMER_PHONE[-4:]
    assert messages[1]["recipient"] == "y***@example.cn"
    assert messages[1]["last_error"] == "550 no such mailbox"
    assert messages[0]["sent_at"] is not None
    assert CUSTOMER_PHONE not in str(messages)
