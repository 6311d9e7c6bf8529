"""A refused contact at the desk: said in the reader's language, next to the field at fault."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from console.conftest import csrf_of
from console.refused import next_to, summary
from quarterhour.demo.organisation import Organisation

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]


def _form(page: str, **fields: str) -> dict[str, str]:
    idem = re.search(r'name="idem" value="([^"]*)"', page)
    assert idem
    return {"csrf": csrf_of(page), "idem": idem.group(1), **fields}


def test_a_matter_without_a_title_is_named_in_chinese_by_its_title(
    desk: Desk, org: Organisation
) -> None:
    agent = desk("agent")
    data = _form(
        agent.get("/console/desk").text,
        caller_name="钱先生",
        caller_phone="13955500001",
        m0_order_type="complaint",
        m0_description="客户说抄表员态度很差",
        do="save",
    )
    refused = agent.post("/console/desk", data=data)
    assert refused.status_code == 422
    assert summary(refused.text) == "事项1的标题：必须填写"
    assert next_to(refused.text, "m0_title") == "必须填写"
    assert "Field required" not in refused.text and "matters[0]" not in refused.text
    assert 'value="钱先生"' in refused.text and "客户说抄表员态度很差" in refused.text


def test_an_empty_contact_points_at_the_first_title(desk: Desk, org: Organisation) -> None:
    agent = desk("agent")
    data = _form(agent.get("/console/desk").text, caller_phone="13955500001", do="preview")
    refused = agent.post("/console/desk", data=data)
    assert refused.status_code == 422
    assert next_to(refused.text, "m0_title") == "必须填写"
    assert "List should have" not in refused.text


def test_a_matter_on_the_second_row_is_named_where_it_was_typed(
    desk: Desk, org: Organisation
) -> None:
    """matters[0] of the contact is the form's second row when the first was left empty."""
    agent = desk("agent")
    data = _form(
        agent.get("/console/desk").text,
        caller_phone="13955500001",
        m1_order_type="consultation",
        m1_title="x" * 201,
        do="preview",
    )
    refused = agent.post("/console/desk", data=data)
    assert refused.status_code == 422
    assert next_to(refused.text, "m1_title") == "最多200个字符"
    assert summary(refused.text) == "事项1的标题：最多200个字符"


def test_a_domain_refusal_is_translated_next_to_its_field(desk: Desk, org: Organisation) -> None:
    """A caller with neither phone nor address: the domain's own message, in Chinese."""
    agent = desk("agent")
    data = _form(
        agent.get("/console/desk").text,
        caller_name="钱先生",
        m0_order_type="consultation",
        m0_title="电价咨询",
        do="save",
    )
    refused = agent.post("/console/desk", data=data)
    assert refused.status_code == 422
    assert next_to(refused.text, "caller_phone") == "客户至少需要电话或地址"
    assert summary(refused.text) == "客户至少需要电话或地址"
    assert "a customer needs" not in refused.text


def test_in_english_when_the_reader_chose_english(desk: Desk, org: Organisation) -> None:
    agent = desk("agent")
    page = agent.get("/console/desk?lang=en").text
    data = _form(
        page,
        caller_phone="13955500001",
        m0_order_type="consultation",
        m0_description="no title",
        do="save",
    )
    refused = agent.post("/console/desk", data=data)
    assert refused.status_code == 422
    assert summary(refused.text) == "Title of matter 1: is required"
    assert next_to(refused.text, "m0_title") == "is required"
