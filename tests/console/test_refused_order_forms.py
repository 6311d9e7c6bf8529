"""A refused step on the order's page: in the reader's language, by the input of the form that
was sent (not of the other actions' forms), and a move the state does not allow names what may
be done next in words."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.conftest import csrf_of
from console.refused import next_to, summary
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]


def _act(browser: TestClient, order_id: int, action: str, **fields: str) -> Any:
    page = browser.get(f"/console/orders/{order_id}")
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version, page.text
    data = {"csrf": csrf_of(page.text), "action": action, "version": version.group(1), **fields}
    return browser.post(f"/console/orders/{order_id}/act", data=data)


def test_a_result_left_out_is_said_by_the_result_of_that_form(desk: Desk, loop: LoopApi) -> None:
    order = loop.intake("complaint")
    loop.act("dispatcher", order["id"], "dispatch")
    loop.act("hall-baohe", order["id"], "acknowledge")
    hall = desk("hall-baohe")
    refused = _act(hall, order["id"], "return_result", note="已上门")
    assert refused.status_code == 422
    assert summary(refused.text) == "回单须填写处理结果"
    assert next_to(refused.text, "result") == "回单须填写处理结果"
    assert 'aria-describedby="error-return_result-result"' in refused.text
    assert "needs the result" not in refused.text
    assert "已上门" in refused.text  # what was typed stays


def test_in_english_the_same_refusal_reads_english(desk: Desk, loop: LoopApi) -> None:
    order = loop.intake("complaint")
    loop.act("dispatcher", order["id"], "dispatch")
    loop.act("hall-baohe", order["id"], "acknowledge")
    hall = desk("hall-baohe")
    hall.get("/console/my-work?lang=en")
    refused = _act(hall, order["id"], "return_result", note="visited")
    assert refused.status_code == 422
    assert next_to(refused.text, "result") == "回单 needs the result of the work"


def test_a_move_the_state_does_not_allow_names_the_next_steps_in_words(
    desk: Desk, loop: LoopApi
) -> None:
    order = loop.intake("complaint")
    dispatcher = desk("dispatcher")
    refused = _act(dispatcher, order["id"], "reply", reply_method="phone")
    assert refused.status_code == 409, refused.text
    said = summary(refused.text)
    assert "可执行的下一步：" in said and "派单" in said, said
    assert "dispatch" not in said and "not allowed" not in said
    assert 'aria-invalid="true"' not in refused.text  # no input is at fault


def test_in_english_the_next_steps_are_english_words(desk: Desk, loop: LoopApi) -> None:
    order = loop.intake("complaint")
    dispatcher = desk("dispatcher")
    dispatcher.get("/console/orders?lang=en")
    refused = _act(dispatcher, order["id"], "reply", reply_method="phone")
    assert refused.status_code == 409
    said = summary(refused.text)
    assert said.endswith("What may be done next: dispatch, cancel, comment."), said
