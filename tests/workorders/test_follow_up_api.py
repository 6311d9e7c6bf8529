"""回访 and 重办 through the API: a dissatisfied customer reopens the work, counted; nothing that
needs a follow-up is archived without one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from quarterhour.kit import clock
from workorders.loop_client import LoopApi

START = datetime(2026, 3, 2, 9, 0, tzinfo=clock.SHANGHAI)


def actions(order: dict[str, Any]) -> list[str]:
    return [e["action"] for e in order["events"]]


def test_a_dissatisfied_follow_up_reopens_the_work(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(START)
    order_id = loop.new_order("complaint", "replied")["id"]
    frozen_clock.advance(days=1)
    result = loop.act("followup", order_id, "follow_up", outcome="dissatisfied", note="仍未解决")
    assert (result["state"], result["rework_count"]) == ("dispatched", 1)

    order = loop.order(order_id)
    assert order["follow_up_outcome"] == "dissatisfied"
    assert order["assignee_id"] is None  # the department acknowledges afresh
    last = order["events"][-1]
    assert (last["action"], last["from_state"], last["to_state"]) == (
        "follow_up",
        "replied",
        "dispatched",
    )
    assert last["data"] == {"outcome": "dissatisfied", "rework_count": 1}
    # The original limit was met by the reply; the rework gets a limit of its own, from now.
    rework = [d for d in order["deadlines"] if d["kind"] == "rework"]
    assert len(rework) == 1 and rework[0]["met_at"] is None
    assert datetime.fromisoformat(order["due_at"]) == datetime.fromisoformat(rework[0]["due_at"])

    # Round two, then a satisfied customer: archived, with both rounds in the history.
    loop.act("hall-baohe", order_id, "acknowledge")
    loop.act("hall-baohe", order_id, "return_result", result="更换表箱，客户认可")
    loop.act("dispatcher", order_id, "approve")
    loop.act("followup", order_id, "reply", reply_method="visit")
    loop.act("followup", order_id, "follow_up", outcome="basically_satisfied")
    loop.act("followup", order_id, "archive")
    order = loop.order(order_id)
    assert order["state"] == "archived"
    assert order["rework_count"] == 1
    assert order["follow_up_outcome"] == "basically_satisfied"
    assert actions(order).count("follow_up") == 2
    assert actions(order).count("reply") == 2
    assert all(d["met_at"] is not None for d in order["deadlines"])


def test_a_dissatisfied_order_is_never_archived_silently(loop: LoopApi) -> None:
    order_id = loop.new_order("complaint", "replied")["id"]
    loop.act("followup", order_id, "follow_up", outcome="dissatisfied")
    for who in ("followup", "dispatcher", "supervisor"):
        refused = loop.act(who, order_id, "archive", expect=409)
        assert refused["error"] == "illegal_transition"
        assert refused["state"] == "dispatched"
    assert loop.order(order_id)["state"] == "dispatched"


def test_archiving_a_replied_complaint_without_follow_up_is_refused(loop: LoopApi) -> None:
    order = loop.new_order("complaint", "replied")
    assert order["follow_up_required"] is True
    # Not offered, and refused naming what is open (the follow-up, or a comment).
    assert "archive" not in loop.order(order["id"], by="followup")["allowed_actions"]
    refused = loop.act("followup", order["id"], "archive", expect=409)
    assert refused["error"] == "illegal_transition"
    assert refused["allowed_actions"] == ["follow_up", "comment"]
    assert "follow-up" in refused["message"]
    after = loop.order(order["id"])
    assert (after["state"], after["version"]) == ("replied", order["version"])


def test_closing_a_complaint_at_intake_is_refused(loop: LoopApi) -> None:
    order = loop.order(loop.intake("complaint")["id"])
    refused = loop.act("agent", order["id"], "close_on_intake", expect=409, result="已解释")
    assert refused["error"] == "illegal_transition"
    assert "close_on_intake" not in refused["allowed_actions"]
    after = loop.order(order["id"])
    assert (after["state"], after["version"]) == ("accepted", order["version"])


def test_a_consultation_closed_at_intake_records_the_answer(loop: LoopApi) -> None:
    order = loop.intake("consultation")
    missing = loop.act("agent", order["id"], "close_on_intake", expect=422)
    assert missing["field"] == "result"
    loop.act("agent", order["id"], "close_on_intake", result="峰谷电价按时段计费")
    detail = loop.order(order["id"])
    assert detail["state"] == "archived"
    assert detail["closed_on_intake"] is True
    assert detail["result"] == "峰谷电价按时段计费"
    assert detail["reply_method"] == "phone"  # a hotline contact is answered on the phone
    assert detail["replied_by_id"] == loop.org.staff["agent"].id
    assert detail["closed_at"] is not None
    assert detail["due_at"] is None
    assert all(d["met_at"] is not None for d in detail["deadlines"])


def test_an_opinion_may_be_archived_after_the_reply(loop: LoopApi) -> None:
    order_id = loop.intake("opinion")["id"]
    loop.act("dispatcher", order_id, "dispatch")
    loop.act("marketing", order_id, "acknowledge")
    loop.act("marketing", order_id, "return_result", result="已采纳，延长至19:00")
    loop.act("dispatcher", order_id, "approve")
    loop.act("followup", order_id, "reply", reply_method="sms")
    order = loop.order(order_id)
    assert order["follow_up_required"] is False
    assert loop.act("followup", order_id, "archive")["state"] == "archived"


def test_unreachable_three_times_ends_the_follow_up(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(START)
    order_id = loop.new_order("complaint", "replied")["id"]
    for attempt in (1, 2):
        frozen_clock.advance(hours=4)
        result = loop.act("followup", order_id, "follow_up", outcome="unreachable")
        assert result["state"] == "replied"
        order = loop.order(order_id)
        assert order["follow_up_attempts"] == attempt
        assert order["follow_up_outcome"] is None
        assert order["events"][-1]["data"] == {"outcome": "unreachable", "attempt": attempt}
        # Still waiting for the customer: not yet archivable.
        loop.act("followup", order_id, "archive", expect=409)
    frozen_clock.advance(hours=4)
    assert loop.act("followup", order_id, "follow_up", outcome="unreachable")["state"] == (
        "followed_up"
    )
    order = loop.order(order_id)
    assert (order["follow_up_attempts"], order["follow_up_outcome"]) == (3, "unreachable")
    assert order["rework_count"] == 0
    assert [e["to_state"] for e in order["events"] if e["action"] == "follow_up"] == [
        "replied",
        "replied",
        "followed_up",
    ]
    assert loop.act("followup", order_id, "archive")["state"] == "archived"


def test_send_back_counts_rework_each_time(loop: LoopApi) -> None:
    order_id = loop.new_order("complaint", "returned")["id"]
    for round_ in (1, 2):
        result = loop.act("dispatcher", order_id, "send_back", note=f"第{round_}次退回：未联系客户")
        assert (result["state"], result["rework_count"]) == ("dispatched", round_)
        assert loop.order(order_id)["events"][-1]["data"] == {"rework_count": round_}
        loop.act("hall-baohe", order_id, "acknowledge")
        loop.act("hall-baohe", order_id, "return_result", result=f"第{round_ + 1}次处理结果")
    assert loop.act("dispatcher", order_id, "approve")["rework_count"] == 2
    order = loop.order(order_id)
    assert actions(order).count("send_back") == 2
    assert order["result"] == "第3次处理结果"
