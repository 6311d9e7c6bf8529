"""A page that repeats a form in each row of a table (a staff member's password, a department's
supervisor, a policy's limit, a tariff's prices) marks the input of the row that was refused:
aria-invalid, and the message next to it in the reader's language — not the same input of
another row."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.conftest import csrf_of
from console.refused import next_to, summary
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock

pytestmark = pytest.mark.db
Desk = Callable[[str], TestClient]


def _post(client: TestClient, page: str, path: str, **form: str) -> Any:
    return client.post(path, data={"csrf": csrf_of(client.get(page).text), **form})


def _form(page: str, action: str) -> str:
    found = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert found, f"no form {action}"
    return found.group(1)


def test_a_weak_password_is_marked_in_its_staff_members_row(desk: Desk, org: Organisation) -> None:
    admin = desk("admin")
    page = "/console/admin/staff"
    refused = _post(admin, page, "/console/admin/staff/agent2/password", password="short")
    assert refused.status_code == 422
    assert next_to(refused.text, "password") == "密码至少需要8个字符"
    row = _form(refused.text, "/console/admin/staff/agent2/password")
    assert 'aria-invalid="true"' in row and 'id="error-agent2-password"' in row
    assert 'aria-invalid="true"' not in _form(refused.text, "/console/admin/staff/agent/password")
    assert re.search(
        r"<details open><summary>[^<]*</summary>\s*"
        + re.escape('<form method="post" action="/console/admin/staff/agent2/password"'),
        refused.text,
    ), "the refused row's form is hidden"


def test_a_supervisor_not_chosen_is_marked_in_its_departments_row(
    desk: Desk, org: Organisation
) -> None:
    admin = desk("admin")
    page = admin.get("/console/admin/organisation").text
    ids = re.findall(r'action="/console/admin/departments/(\d+)/supervisor"', page)
    assert len(ids) > 1
    chosen = ids[1]
    refused = _post(
        admin,
        "/console/admin/organisation",
        f"/console/admin/departments/{chosen}/supervisor",
        staff_id="",
    )
    assert refused.status_code == 422
    assert next_to(refused.text, "staff_id") == "请选择值班领导"
    row = _form(refused.text, f"/console/admin/departments/{chosen}/supervisor")
    assert f'aria-describedby="error-{chosen}-staff_id"' in row


def test_a_limit_refused_is_marked_in_its_row_of_the_policy(
    desk: Desk, org: Organisation, frozen_clock: Any
) -> None:
    admin = desk("admin")
    page = admin.get("/console/admin/policies").text
    form = dict(re.findall(r'<input name="((?:amount|follow_up)_\w+)"[^>]*value="([^"]*)"', page))
    form.update(re.findall(r'<input type="hidden" name="(follow_up_\w+)" value="([^"]*)"', page))
    units = re.findall(r'<select name="(unit_\d+)".*?<option value="(\w+)" selected', page, re.S)
    assert len(units) > 3
    form.update(units)
    form.update(
        code="HF-2027",
        name="新承诺",
        source="测试通知",
        effective_from=(clock.now().date() + timedelta(days=30)).isoformat(),
        amount_3="0",
    )
    refused = _post(admin, "/console/admin/policies", "/console/admin/policies", **form)
    assert refused.status_code == 422
    assert next_to(refused.text, "amount_3") == "时限须大于0"
    assert "时限须大于0" in summary(refused.text) or "时限须大于0" in refused.text
    assert 'value="新承诺"' in refused.text


def test_a_negative_price_is_marked_by_its_input_of_the_tariff_form(
    desk: Desk, org: Organisation, frozen_clock: Any
) -> None:
    admin = desk("admin")
    refused = _post(
        admin,
        "/console/admin/tariffs",
        "/console/admin/tariffs/versions",
        code="ZJ-RES",
        effective_from=(clock.now().date() + timedelta(days=30)).isoformat(),
        tier_mode="none",
        flat_price="0.5",
        peak_price="-0.1",
        valley_price="0.3",
        source="测试通知",
    )
    assert refused.status_code == 422, refused.text
    assert next_to(refused.text, "peak_price") == "不能小于0"
    assert "峰段电价：不能小于0" in refused.text  # the sentence at the top names it
    assert 'value="-0.1"' in refused.text
