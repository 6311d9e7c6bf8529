"""The public page /report: a code by SMS, the matter, then the order number and the way to
follow it; refusals said by the input at fault, in the reader's language; no script."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from quarterhour.kit import clock
from quarterhour.workorders.models import Contact, WorkOrder
from selfservice.intake_client import PHONE, ask_code, messages, sent_code

pytestmark = pytest.mark.db


@pytest.fixture
def at_ten(frozen_clock: Any) -> Any:
    frozen_clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI))
    return frozen_clock


def _details(client: TestClient, lang: str = "zh") -> Any:
    return client.post("/report/code", data={"phone": PHONE, "lang": lang})


def _submit(client: TestClient, code: str, **change: str) -> Any:
    form = {
        "phone": PHONE,
        "code": code,
        "name": "王先生",
        "order_type": "fault_repair",
        "description": "楼道灯不亮，整栋楼停电",
        "account_number": "",
        "address": "芜湖路174号",
        "lang": "zh",
    } | change
    return client.post("/report", data=form)


def test_a_fault_reported_on_the_page(client: TestClient, engine: Engine, at_ten: Any) -> None:
    first = client.get("/report")
    assert first.status_code == 200
    assert "获取验证码" in first.text and 'action="/report/code"' in first.text
    assert "<script" not in first.text
    step2 = _details(client)
    assert step2.status_code == 200, step2.text
    assert "139****5678" in step2.text and PHONE not in step2.text.replace(
        f'name="phone" value="{PHONE}"', ""
    )
    assert len(messages(engine, "verification_code")) == 1
    done = _submit(client, sent_code(engine))
    assert done.status_code == 200, done.text
    with Session(engine) as session:
        order = session.scalars(select(WorkOrder)).one()
        assert session.get_one(Contact, order.contact_id).channel == "web"
    assert order.number in done.text
    assert "我们已通过短信发送工单号" in done.text
    assert f'href="/status?number={order.number}"' in done.text


def test_the_page_in_english(client: TestClient, engine: Engine, at_ten: Any) -> None:
    assert "Get a code" in client.get("/report?lang=en").text
    step2 = _details(client, "en")
    assert "A code was sent by SMS" in step2.text
    # The SMS is in the reader's language too.
    assert "Your code is" in messages(engine, "verification_code")[0].body
    done = _submit(client, sent_code(engine), lang="en")
    assert "We have sent you the order number by SMS" in done.text
    assert "&amp;lang=en" in done.text


def test_a_second_click_is_answered_with_the_first_contact(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    step2 = _details(client)
    key = re.search(r'name="request" value="([^"]+)"', step2.text)
    assert key is not None
    code = sent_code(engine)
    first = _submit(client, code, request=key.group(1))
    again = _submit(client, code, request=key.group(1))
    assert first.status_code == again.status_code == 200, again.text
    with Session(engine) as session:
        order = session.scalars(select(WorkOrder)).one()
    assert order.number in again.text
    # Without the form's key the used code is refused.
    assert _submit(client, code).status_code == 422


def test_every_public_page_links_to_the_report(client: TestClient) -> None:
    for path in ("/status", "/bill", "/disclosure"):
        assert 'href="/report"' in client.get(path).text
    assert 'href="/report?lang=en"' in client.get("/status?lang=en").text


def test_a_wrong_code_is_said_by_its_input_and_keeps_what_was_typed(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    _details(client)
    code = sent_code(engine)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = _submit(client, wrong)
    assert refused.status_code == 422
    assert "验证码错误或已失效，请重新获取" in refused.text
    assert 'name="code" aria-invalid="true"' in refused.text
    assert "楼道灯不亮，整栋楼停电" in refused.text
    english = _submit(client, wrong, lang="en")
    assert "the code is wrong or no longer valid" in english.text
    assert _submit(client, code).status_code == 200


def test_a_bad_phone_and_too_many_codes_are_said_by_the_phone(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    bad = client.post("/report/code", data={"phone": "12345", "lang": "zh"})
    assert bad.status_code == 422
    assert "手机号码须为11位数字" in bad.text
    assert 'name="phone" aria-invalid="true"' in bad.text
    assert _details(client).status_code == 200
    again = _details(client)
    assert again.status_code == 429
    assert "验证码刚刚已发送到该手机，请60秒后再试" in again.text
    # The API counts the same codes.
    assert ask_code(client).status_code == 429


def test_a_missing_description_is_said_by_its_input(
    client: TestClient, engine: Engine, at_ten: Any
) -> None:
    _details(client)
    refused = _submit(client, sent_code(engine), description="  ")
    assert refused.status_code == 422
    assert 'name="description" aria-invalid="true"' in refused.text
    nul = _submit(client, sent_code(engine), name="王\x00")
    assert nul.status_code == 422
    assert 'name="name" aria-invalid="true"' in nul.text
