"""The top bar's search box and its results page, and the order list's closed orders (issue 13)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from workorders.loop_client import CUSTOMER_PHONE, MATTERS, LoopApi

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]


def _archived(loop: LoopApi) -> dict[str, object]:
    order = loop.intake("complaint", description="抄表数字明显偏大")
    loop.drive(order["id"], "complaint", "archived")
    return order


def _cancelled(loop: LoopApi) -> dict[str, object]:
    order = loop.contact({**MATTERS["consultation"], "title": "重复来电"})["orders"][0]
    loop.act("dispatcher", order["id"], "cancel", note="重复")
    return order


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("agent", True),
        ("dispatcher", True),
        ("hall-baohe", True),
        ("followup", True),
        ("supervisor", True),
        ("admin", False),
    ],
)
def test_the_search_box_is_in_the_top_bar_of_whoever_may_search(
    desk: Desk, loop: LoopApi, username: str, shown: bool
) -> None:
    page = desk(username).get("/console", follow_redirects=True)
    assert page.status_code == 200
    box = re.search(
        r'<header class="bar">.*?<form class="search"[^>]*action="/console/search"', page.text, re.S
    )
    assert (box is not None) is shown, username


def test_an_order_number_goes_straight_to_the_order_even_archived(
    desk: Desk, loop: LoopApi
) -> None:
    order = _archived(loop)
    dispatcher = desk("dispatcher")
    response = dispatcher.get("/console/search", params={"q": f" {str(order['number']).lower()} "})
    assert response.status_code == 303
    assert response.headers["location"] == f"/console/orders/{order['id']}"
    shown = dispatcher.get(response.headers["location"])
    assert shown.status_code == 200 and "归档" in shown.text


def test_another_departments_order_is_not_found_and_not_told(desk: Desk, loop: LoopApi) -> None:
    order = _archived(loop)  # the 包河 hall's
    other = desk("hall-shushan").get("/console/search", params={"q": order["number"]})
    assert other.status_code == 200
    assert f"/console/orders/{order['id']}" not in other.text
    assert "没有找到工单" in other.text and "只显示本部门的工单" in other.text
    own = desk("hall-baohe").get("/console/search", params={"q": order["number"]})
    assert own.status_code == 303


def test_a_phone_lists_the_callers_orders_and_the_customer_masked(
    desk: Desk, loop: LoopApi
) -> None:
    archived, cancelled = _archived(loop), _cancelled(loop)
    page = desk("agent").get("/console/search", params={"q": CUSTOMER_PHONE})
    assert page.status_code == 200
    # What was typed is echoed (the box, the language link, what it was taken for); what was
    # read is masked.
    tables = re.findall(r"<table.*?</table>", page.text, re.S)
    assert len(tables) == 2 and not any(CUSTOMER_PHONE in table for table in tables)
    assert "138****3456" in page.text and "袁**" in page.text
    for order in (archived, cancelled):
        assert f'href="/console/orders/{order["id"]}"' in page.text
    assert "已归档" in page.text or "归档" in page.text
    assert "撤销" in page.text
    assert re.search(r'href="/console/customers/\d+"', page.text)
    assert "按手机号或户号查找" in page.text


def test_short_words_say_what_was_searched_and_english_reads_english(
    desk: Desk, loop: LoopApi
) -> None:
    loop.intake("complaint")
    agent = desk("agent")
    page = agent.get("/console/search", params={"q": "袁女"})
    assert "不足3个字时只查找姓名开头" in page.text
    english = agent.get("/console/search", params={"q": "袁女", "lang": "en"})
    assert "Search results" in english.text
    assert "Under three characters only the start of names is searched" in english.text
    assert 'placeholder="Order no., phone, account, name, address"' in english.text


def test_bad_input_is_named_on_the_page(desk: Desk, loop: LoopApi) -> None:
    agent = desk("agent")
    too_long = agent.get("/console/search", params={"q": "抄" * 65})
    assert too_long.status_code == 422 and "搜索内容最多64个字" in too_long.text
    english = agent.get("/console/search", params={"q": "抄" * 65, "lang": "en"})
    assert "Type at most 64 characters to search." in english.text
    nul = agent.get("/console/search", params={"q": "抄\x00表"})
    assert nul.status_code == 422
    empty = agent.get("/console/search", params={"q": "  "})
    assert empty.status_code == 200 and "GD…" in empty.text


def test_a_role_that_may_not_search_is_refused(desk: Desk, loop: LoopApi) -> None:
    admin = desk("admin")
    assert admin.get("/console/search").status_code == 403
    assert admin.get("/console/search", params={"q": "王建国"}).status_code == 403


def test_the_order_list_lists_archived_and_cancelled_orders_on_asking(
    desk: Desk, loop: LoopApi
) -> None:
    archived, cancelled, open_order = _archived(loop), _cancelled(loop), loop.intake("complaint")
    dispatcher = desk("dispatcher")

    def listed(query: str) -> set[int]:
        page = dispatcher.get(f"/console/orders{query}")
        assert page.status_code == 200, page.text
        return {int(n) for n in re.findall(r'<td><a href="/console/orders/(\d+)">', page.text)}

    assert listed("") == {open_order["id"]}
    assert listed("?state=archived") == {archived["id"]}
    assert listed("?state=cancelled") == {cancelled["id"]}
    assert listed("?open=false") == {archived["id"], cancelled["id"]}
    assert listed("?open=all") == {archived["id"], cancelled["id"], open_order["id"]}
    page = dispatcher.get("/console/orders?state=archived").text
    # The closed tabs are there, the archived one chosen; newest first (no deadlines to sort by).
    assert re.search(r'href="[^"]*state=archived[^"]*" class="closed on"', page)
    assert '<option value="newest" selected' in page
    assert '<option value="false" selected' in page
