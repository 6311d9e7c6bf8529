"""The console: the administrators' template pages (list, edit, preview, refuse, reset), the
customer's contact preferences form, and an order's messages on its page."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select

from console.conftest import csrf_of
from quarterhour.demo.organisation import Organisation
from quarterhour.notifications import outbox
from quarterhour.notifications.models import ContactPreference, MessageTemplate, OutboxMessage
from quarterhour.storage.engine import make_session_factory
from workorders.loop_client import CUSTOMER_PHONE, LoopApi

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]
EDIT = "/console/admin/messages/crew_arrived/sms/zh"


@pytest.fixture
def loop(client: TestClient, org: Organisation) -> LoopApi:
    return LoopApi(client, org)


def test_only_an_administrator_opens_the_templates(desk: Desk) -> None:
    admin = desk("admin")
    page = admin.get("/console/admin/messages")
    assert page.status_code == 200
    assert (
        "满意度回访" in page.text
        and 'href="/console/admin/messages/follow_up_survey/sms/zh"' in page.text
    )
    assert 'href="/console/admin/messages"' in admin.get("/console/admin/staff").text
    for username in ("dispatcher", "supervisor"):
        assert desk(username).get("/console/admin/messages").status_code == 403
        assert desk(username).get(EDIT).status_code == 403


def test_a_text_is_previewed_refused_saved_and_reset(desk: Desk, engine: Engine) -> None:
    admin = desk("admin")
    page = admin.get(EDIT)
    assert page.status_code == 200
    assert "{crew}" in page.text and "包河抢修一班" in page.text  # the variables and their samples
    csrf = csrf_of(page.text)

    preview = admin.post(
        EDIT, data={"csrf": csrf, "body": "{crew}已到（{number}）", "do": "preview"}
    )
    assert preview.status_code == 200
    assert 'id="preview"' in preview.text
    assert "包河抢修一班已到（GD20261127-0001）" in preview.text

    refused = admin.post(EDIT, data={"csrf": csrf, "body": "{crew} {phone}", "do": "save"})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text
    assert "未知变量{phone}" in html.unescape(refused.text)
    assert "{crew} {phone}" in html.unescape(refused.text)  # what was typed comes back

    saved = admin.post(EDIT, data={"csrf": csrf, "body": "{crew}已到（{number}）", "do": "save"})
    assert saved.status_code == 303
    again = admin.get(saved.headers["location"])
    assert "此后生成的通知使用新文本" in again.text
    with make_session_factory(engine)() as session:
        [row] = session.scalars(select(MessageTemplate)).all()
        assert (row.kind, row.channel, row.lang, row.body) == (
            "crew_arrived",
            "sms",
            "zh",
            "{crew}已到（{number}）",
        )

    reset = admin.post(f"{EDIT}/reset", data={"csrf": csrf_of(again.text)})
    assert reset.status_code == 303
    with make_session_factory(engine)() as session:
        assert session.scalars(select(MessageTemplate)).all() == []


def test_the_customers_preferences_form(desk: Desk, loop: LoopApi, engine: Engine) -> None:
    order = loop.intake("complaint")
    customer_id = loop.order(order["id"])["customer_id"]
    agent = desk("agent")
    url = f"/console/customers/{customer_id}"
    page = agent.get(url)
    assert page.status_code == 200
    assert 'id="contact-preferences"' in page.text
    # A statutory notice cannot be refused: it is not offered.
    assert 'value="disconnection_notice"' not in page.text
    assert 'value="bill_ready"' in page.text
    form = {
        "csrf": csrf_of(page.text),
        "email": "yuan@example.cn",
        "email_allowed": "1",
        "lang": "en",
        "opted_out": ["bill_ready", "arrears_reminder"],
    }
    saved = agent.post(f"{url}/contact-preferences", data=form)
    assert saved.status_code == 303, saved.text
    with make_session_factory(engine)() as session:
        prefs = session.get(ContactPreference, customer_id)
        assert prefs is not None
        assert (prefs.sms_allowed, prefs.email, prefs.lang) == (False, "yuan@example.cn", "en")
        assert prefs.opted_out == ["arrears_reminder", "bill_ready"]
    assert "通知偏好已保存" in agent.get(saved.headers["location"]).text

    refused = agent.post(f"{url}/contact-preferences", data=form | {"email": "nobody"})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text

    # A supervisor sees the preferences, without the form.
    supervisor = desk("supervisor").get(url)
    assert 'id="contact-preferences"' in supervisor.text
    assert 'action="/console/customers/' not in supervisor.text.split('id="contact-preferences"')[1]


def test_the_order_page_shows_its_messages(
    desk: Desk, loop: LoopApi, engine: Engine, frozen_clock: Any
) -> None:
    order = loop.intake("complaint")
    customer_id = loop.order(order["id"])["customer_id"]
    # The intake's own 受理通知 set aside: this test writes the order's messages itself.
    with make_session_factory(engine).begin() as cleared:
        cleared.execute(delete(OutboxMessage))
    page = desk("dispatcher").get(f"/console/orders/{order['id']}")
    assert "尚未给客户发送通知" in page.text
    with make_session_factory(engine).begin() as session:
        session.add(
            ContactPreference(
                customer_id=customer_id, opted_out=["contact_accepted"], updated_at=frozen_clock.now
            )
        )
    with make_session_factory(engine).begin() as session:
        outbox.write(
            session,
            kind="contact_accepted",
            variables={"numbers": order["number"], "status_url": "http://x"},
            customer_id=customer_id,
            phone=CUSTOMER_PHONE,
            work_order_id=order["id"],
        )
        outbox.write(
            session,
            kind="crew_arrived",
            variables={"number": order["number"], "crew": "一班"},
            customer_id=customer_id,
            phone=CUSTOMER_PHONE,
            work_order_id=order["id"],
        )
    page = desk("dispatcher").get(f"/console/orders/{order['id']}")
    messages = page.text.split('id="messages"')[1].split("</table>")[0]
    assert "受理通知" in messages and "抢修人员到达" in messages
    assert "客户已退订此类通知" in messages and "待发送" in messages
    assert "138****3456" in messages
    assert CUSTOMER_PHONE not in page.text
