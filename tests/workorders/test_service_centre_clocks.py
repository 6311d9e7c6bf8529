"""Every open state someone answers for has a clock: 受理 until 派单 (the service centre), 答复
until 回访 (the follow-up agents), a repair done again (the crew's new visit). From the versioned
policy, with its source; warned and escalated by the sweep; the queues sort on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.kit import clock
from quarterhour.workorders import policies
from quarterhour.workorders.kinds import DeadlineKind
from quarterhour.workorders.models import TimeLimit, TimeLimitPolicy
from workorders.loop_client import LoopApi


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=clock.SHANGHAI)


def deadlines(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{d['kind']}#{d['seq']}": d for d in order["deadlines"]}


def due(deadline: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(deadline["due_at"])


def sweep(loop: LoopApi) -> dict[str, Any]:
    response = loop.client.post("/api/v1/admin/sweep", headers=loop.headers("supervisor"))
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_new_order_must_be_dispatched_in_time(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(at("2026-03-03 01:00"))  # Tuesday night
    repair = loop.order(loop.intake("fault_repair")["id"])
    d = deadlines(repair)
    assert due(d["dispatch#1"]) == at("2026-03-03 01:05")
    assert (d["dispatch#1"]["amount"], d["dispatch#1"]["unit"]) == (5, "minutes")
    # The queue's deadline is the nearest one: the dispatch.
    assert datetime.fromisoformat(repair["due_at"]) == at("2026-03-03 01:05")
    complaint = loop.order(loop.intake("complaint")["id"])
    # 1 working day: the day of acceptance is not counted, due by the end of Wednesday.
    assert due(deadlines(complaint)["dispatch#1"]) == at("2026-03-04 23:59:59")

    frozen_clock.advance(minutes=10)
    assert sweep(loop)["escalated"] == 1
    late = loop.order(repair["id"])
    assert (late["is_overdue"], late["is_escalated"]) == (True, True)
    [escalation] = [e for e in late["events"] if e["action"] == "escalate"]
    assert escalation["data"]["deadline"] == "dispatch"

    loop.act("dispatcher", complaint["id"], "dispatch")
    met = deadlines(loop.order(complaint["id"]))["dispatch#1"]
    assert datetime.fromisoformat(met["met_at"]) == at("2026-03-03 01:10")
    assert not met["is_late"]


def test_a_declined_order_is_back_on_the_centre_s_clock(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(at("2026-03-03 09:00"))
    order_id = loop.intake("complaint")["id"]
    loop.act("dispatcher", order_id, "dispatch")
    frozen_clock.advance(hours=1)
    loop.act("hall-baohe", order_id, "decline", note="属计量中心业务")
    d = deadlines(loop.order(order_id))
    assert d["dispatch#1"]["met_at"] is not None
    assert d["dispatch#2"]["met_at"] is None
    assert due(d["dispatch#2"]) == at("2026-03-04 23:59:59")


def test_a_replied_complaint_must_be_followed_up_in_time(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))  # Monday
    order_id = loop.new_order("complaint", "reviewed")["id"]
    frozen_clock.set(at("2026-03-03 10:00"))
    loop.act("followup", order_id, "reply", reply_method="phone")
    order = loop.order(order_id)
    d = deadlines(order)
    assert due(d["follow_up#1"]) == at("2026-03-04 23:59:59")
    assert datetime.fromisoformat(order["due_at"]) == at("2026-03-04 23:59:59")

    # An unanswered call is a call made in time; the next attempt has its own limit.
    frozen_clock.set(at("2026-03-04 15:00"))
    loop.act("followup", order_id, "follow_up", outcome="unreachable")
    d = deadlines(loop.order(order_id))
    assert not d["follow_up#1"]["is_late"] and d["follow_up#1"]["met_at"] is not None
    assert due(d["follow_up#2"]) == at("2026-03-05 23:59:59")

    frozen_clock.set(at("2026-03-06 09:00"))
    escalated = sweep(loop)["escalated"]
    assert escalated == 1
    [escalation] = [e for e in loop.order(order_id)["events"] if e["action"] == "escalate"]
    assert escalation["data"]["deadline"] == "follow_up"
    loop.act("followup", order_id, "follow_up", outcome="satisfied")
    d = deadlines(loop.order(order_id))
    assert d["follow_up#2"]["is_late"]


def test_no_follow_up_clock_where_none_is_required(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))
    order_id = loop.intake("opinion")["id"]
    for who, action, body in loop_path_to_reply(loop):
        loop.act(who, order_id, action, **body)
    order = loop.order(order_id)
    assert order["follow_up_required"] is False
    assert not [d for d in order["deadlines"] if d["kind"] == "follow_up"]
    assert "archive" in loop.order(order_id, by="followup")["allowed_actions"]


def loop_path_to_reply(loop: LoopApi) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("dispatcher", "dispatch", {"department_id": loop.org.dept("hall-baohe")}),
        ("hall-baohe", "acknowledge", {}),
        ("hall-baohe", "return_result", {"result": "已采纳"}),
        ("dispatcher", "approve", {}),
        ("followup", "reply", {"reply_method": "phone"}),
    ]


def test_a_repair_done_again_is_a_new_visit_with_its_own_clocks(
    loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(at("2026-03-03 01:00"))
    order_id = loop.new_order("fault_repair", "replied")["id"]
    first = loop.order(order_id)
    assert first["arrived_at"] is not None and first["restored_at"] is not None
    frozen_clock.set(at("2026-03-03 10:00"))
    loop.act("followup", order_id, "follow_up", outcome="dissatisfied", note="仍然时有时无")
    order = loop.order(order_id)
    assert (order["state"], order["rework_count"]) == ("dispatched", 1)
    assert order["arrived_at"] is None and order["restored_at"] is None
    d = deadlines(order)
    assert d["arrival#1"]["met_at"] is not None  # the first visit stays as it was
    assert due(d["arrival#2"]) == at("2026-03-03 10:45")
    assert datetime.fromisoformat(order["due_at"]) == at("2026-03-03 10:45")

    loop.act("repair-baohe", order_id, "acknowledge")
    offered = loop.order(order_id, by="repair-baohe")["allowed_actions"]
    assert "arrive" in offered and "return_result" not in offered
    frozen_clock.advance(minutes=30)
    loop.act("repair-baohe", order_id, "arrive")
    d = deadlines(loop.order(order_id))
    assert not d["arrival#2"]["is_late"]
    assert due(d["restoration#2"]) == at("2026-03-03 13:30")
    loop.act("repair-baohe", order_id, "return_result", result="再修", expect=409)
    frozen_clock.advance(minutes=40)
    loop.act("repair-baohe", order_id, "restore")
    loop.act("repair-baohe", order_id, "return_result", result="更换老化表后开关")
    assert all(d["met_at"] for d in loop.order(order_id)["deadlines"] if d["kind"] != "follow_up")


def test_installed_default_policies_get_the_new_clocks(session: Session) -> None:
    policies.ensure_default_policies(session, by=system("test"))
    newest = session.scalars(select(TimeLimitPolicy).where(TimeLimitPolicy.code == "SGCC-2021"))
    policy_id = newest.one().id
    # An installation from before these clocks existed.
    session.execute(
        delete(TimeLimit).where(TimeLimit.kind.in_([DeadlineKind.DISPATCH, DeadlineKind.FOLLOW_UP]))
    )
    policies.invalidate_cache()
    policies.ensure_default_policies(session, by=system("test"))
    view = next(p for p in policies.policies(session) if p.id == policy_id)
    kinds = {limit.kind for limit in view.limits_for("complaint", None, None)}
    assert {DeadlineKind.DISPATCH, DeadlineKind.FOLLOW_UP} <= kinds
    for limit in view.limits:
        if limit.kind in (DeadlineKind.DISPATCH, DeadlineKind.FOLLOW_UP):
            assert "PRODUCT.md" not in limit.source and "本单位规定" in limit.source
    repair = {limit.kind: limit for limit in view.limits_for("fault_repair", None, "urban")}
    assert (repair[DeadlineKind.DISPATCH].amount, repair[DeadlineKind.DISPATCH].unit) == (
        5,
        "minutes",
    )
    assert "95598" in repair[DeadlineKind.DISPATCH].source
