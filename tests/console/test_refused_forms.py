"""The console's other forms and the public pages: a refused submission is said at the top and
by its input, in the reader's language, and what was typed stays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from billing.town import Town
from console.conftest import csrf_of
from console.refused import next_to, summary
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.web.wording import Words
from quarterhour.kit import clock

pytestmark = pytest.mark.db
Desk = Callable[[str], TestClient]


def _post(client: TestClient, page: str, path: str, **form: str) -> Any:
    return client.post(path, data={"csrf": csrf_of(client.get(page).text), **form})


def test_a_username_taken_is_said_by_the_username(desk: Desk, org: Organisation) -> None:
    admin = desk("admin")
    refused = _post(
        admin,
        "/console/admin/staff",
        "/console/admin/staff",
        username="agent",
        full_name="重名者",
        role="duty_agent",
        password="secret123",
    )
    assert refused.status_code == 409
    assert next_to(refused.text, "username") == "用户名'agent'已被使用"
    assert 'value="重名者"' in refused.text


def test_a_weak_password_is_said_by_the_password_in_english(desk: Desk, org: Organisation) -> None:
    admin = desk("admin")
    admin.get("/console/admin/staff?lang=en")
    refused = _post(
        admin,
        "/console/admin/staff",
        "/console/admin/staff",
        username="newcomer",
        full_name="New Comer",
        role="duty_agent",
        password="short",
    )
    assert refused.status_code == 422
    assert next_to(refused.text, "password") == "password must have at least 8 characters"


def test_of_two_forms_with_a_code_only_the_one_sent_is_marked(
    desk: Desk, org: Organisation
) -> None:
    admin = desk("admin")
    refused = _post(
        admin, "/console/admin/organisation", "/console/admin/districts", code="", name="新区"
    )
    assert refused.status_code == 422
    assert next_to(refused.text, "code") == "供电区域须填写代码和名称"
    assert 'aria-describedby="error-district-code"' in refused.text


def test_an_episode_on_a_weekend_is_said_by_its_day(
    desk: Desk, org: Organisation, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 11, 25, 10, 0, tzinfo=clock.SHANGHAI))
    supervisor = desk("supervisor")
    refused = _post(
        supervisor, "/console/programme", "/console/programme", air_date="2026-11-28", title="周六"
    )
    assert refused.status_code == 422, refused.text
    assert next_to(refused.text, "air_date") == "节目在工作日播出；周末节目请标记为特别节目"


def test_a_counter_payment_of_nothing_is_said_by_its_amount(
    desk: Desk, session: Session, org: Organisation
) -> None:
    account, _ = Town(session, org).household("ZJ-RES")
    number, customer_id = account.number, account.customer_id
    session.commit()
    hall = desk("hall-baohe")
    refused = _post(
        hall,
        f"/console/customers/{customer_id}",
        f"/console/accounts/{number}/payments",
        customer_id=str(customer_id),
        amount="0",
        reference="R-1",
    )
    assert refused.status_code == 422
    assert next_to(refused.text, "amount") == "缴费金额须大于0元"
    assert f'aria-describedby="error-{number}-amount"' in refused.text
    assert 'value="R-1"' in refused.text


def test_a_month_not_over_is_said_by_the_period(
    desk: Desk, org: Organisation, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI))
    admin = desk("admin")
    refused = _post(admin, "/console/billing", "/console/billing/run", period="2026-11")
    assert refused.status_code == 422
    assert next_to(refused.text, "period") == "2026-11尚未结束，请在月份结束后再计算电费"


def test_the_bill_inquiry_marks_the_account_typed_wrong(client: TestClient) -> None:
    page = client.get("/bill", params={"account": "12ab", "phone_last4": "1234"})
    assert page.status_code == 422
    assert next_to(page.text, "account")
    assert summary(page.text) == next_to(page.text, "account")
    assert 'value="12ab"' in page.text


def test_the_status_lookup_answers_a_wrong_number_in_the_chosen_language(
    client: TestClient,
) -> None:
    """A wrong number and a wrong check read alike, so no input is singled out."""
    page = client.get("/status", params={"number": "GD1", "phone_last4": "1234", "lang": "en"})
    assert page.status_code == 404
    assert summary(page.text) == Words("en")("status_not_found")
    assert 'aria-invalid="true"' not in page.text
