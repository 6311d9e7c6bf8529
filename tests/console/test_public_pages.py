"""The public pages (no login): bill inquiry and order status, as the API answers them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from workorders.loop_client import CUSTOMER_PHONE, LoopApi

pytestmark = pytest.mark.db


@pytest.fixture
def loop(client: TestClient, org: Organisation) -> LoopApi:
    return LoopApi(client, org)


def test_the_status_page_shows_the_state_and_nothing_personal(
    client: TestClient, loop: LoopApi
) -> None:
    order = loop.intake("complaint")
    page = client.get(f"/status?number={order['number']}&phone_last4={CUSTOMER_PHONE[-4:]}")
    assert page.status_code == 200
    assert order["number"] in page.text and "已受理" in page.text
    assert "袁" not in page.text and CUSTOMER_PHONE[-4:] not in page.text.split("</form>")[1]
    wrong = client.get(f"/status?number={order['number']}&phone_last4=0000")
    unknown = client.get(f"/status?number=GD000&phone_last4={CUSTOMER_PHONE[-4:]}")
    assert wrong.status_code == unknown.status_code == 404
    assert "工单号或电话后四位不正确" in wrong.text and "工单号或电话后四位不正确" in unknown.text


def test_the_status_page_tells_each_step_in_the_apis_words(
    client: TestClient, loop: LoopApi
) -> None:
    """The page and the API name a step alike (workorders/labels.py: the action's public word),
    never by the staff's jargon (回单), and in English on ?lang=en."""
    order = loop.new_order("complaint", "returned")
    query = f"number={order['number']}&phone_last4={CUSTOMER_PHONE[-4:]}"
    steps = client.get(f"/api/v1/public/orders/{order['number']}?phone_last4={CUSTOMER_PHONE[-4:]}")
    words = [s["step"] for s in steps.json()["steps"]]
    assert words == ["受理", "派单", "接单", "处理完毕"]
    listed = client.get(f"/status?{query}").text.split("<ol>")[1].split("</ol>")[0]
    assert all(word in listed for word in words) and "回单" not in listed
    english = client.get(f"/status?{query}&lang=en").text.split("<ol>")[1]
    assert "work done" in english and "return result" not in english


def test_the_bill_page_answers_like_the_line_and_is_rate_limited(
    client: TestClient, settings: Settings
) -> None:
    empty = client.get("/bill")
    assert empty.status_code == 200 and 'name="account"' in empty.text
    assert client.get("/bill?account=12ab&phone_last4=1").status_code == 422
    statuses = [
        client.get(f"/bill?account=9999999{n}&phone_last4=1234").status_code
        for n in range(settings.public_lookup_limit + 1)
    ]
    assert statuses[0] == 404
    assert statuses[-1] == 429
    assert "查询失败次数过多" in client.get("/bill?account=99999990&phone_last4=1234").text


def test_the_bill_page_shows_this_months_bill_and_the_total_due(
    session: Session, org: Organisation, settings: Settings, client: TestClient
) -> None:
    from billing.test_inquiry_and_payments import billed_household

    account = billed_household(session, org, settings)
    session.commit()
    number, last4, phone = account.number, account.phone_last4, account.phone or ""
    session.rollback()  # SQLite: the page's session needs the lock this one would hold
    page = client.get(f"/bill?account={number}&phone_last4={last4}")
    assert page.status_code == 200
    assert "您户号" in page.text and "161.40" in page.text and "2026-11-20" in page.text
    assert phone not in page.text
    # The spoken answer is offered exactly when the server can speak (espeak-ng installed).
    from quarterhour.billing import voice

    assert ("<audio" in page.text) == voice.available()


def test_the_public_pages_load_nothing_from_elsewhere(client: TestClient) -> None:
    for path in ("/bill", "/status", "/disclosure", "/bill?lang=en"):
        page = client.get(path).text
        for outside in ("http://", "https://", 'src="//', 'href="//'):
            assert outside not in page, (path, outside)
