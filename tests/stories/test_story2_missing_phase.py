"""Story 2 of PRODUCT.md, end to end through the API: the missing phase.

Ms Yuan at 芜湖路174号宿舍楼 calls the programme at 07:50: power went off at about 01:00, the whole
building is affected. The crew arrives shortly after; one phase is lost and the drop wire badly
aged; they replace it on a hot pole; supply is back at 10:20. Told on the programme, followed up,
archived. (August 1996 in the article; here a weekday of August 2026 at the same times of day.
Linking the other callers of the building to one incident comes with the repair issue.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from quarterhour.kit import clock
from workorders.loop_client import LoopApi

DAY = "2026-08-12"  # a Wednesday
NEXT_DAY = "2026-08-13"


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day} {hhmm}").replace(tzinfo=clock.SHANGHAI)


def test_story2_missing_phase(loop: LoopApi, frozen_clock: Any) -> None:
    org = loop.org
    # The day before: the episode and its duty roster (a company leader and a specialist).
    frozen_clock.set(at("2026-08-11", "16:00"))
    response = loop.client.post(
        "/api/v1/episodes",
        json={
            "air_date": DAY,
            "roster": [
                {"staff_id": org.staff["leader"].id, "duty": "leader"},
                {"staff_id": org.staff["specialist"].id, "duty": "specialist"},
            ],
        },
        headers=loop.headers("leader"),
    )
    assert response.status_code == 201, response.text
    episode = response.json()
    assert (episode["starts_at"], episode["ends_at"]) == (
        f"{DAY}T07:40:00+08:00",
        f"{DAY}T07:55:00+08:00",
    )

    # 07:50, on air: the specialist on duty takes the call.
    frozen_clock.set(at(DAY, "07:50"))
    contact = loop.contact(
        {
            "order_type": "fault_repair",
            "area_class": "urban",
            "title": "芜湖路174号宿舍楼整栋停电",
            "description": "凌晨1点左右停电，整栋楼受影响",
            "address": "芜湖路174号宿舍楼",
        },
        by="specialist",
        channel="programme",
        customer={
            "name": "袁女士",
            "phone": "13805510174",
            "address": "芜湖路174号宿舍楼",
            "district_id": org.districts["baohe"],
        },
        summary="直播节目来电：宿舍楼停电",
    )
    assert contact["episode_id"] == episode["id"]
    assert contact["channel"] == "programme"
    [summary] = contact["orders"]
    order_id = summary["id"]
    assert summary["department_id"] == org.dept("repair-baohe")  # 包河区抢修班, by routing
    assert summary["customer_phone"] == "138****0174"
    # The nearest deadline: dispatched within 5 minutes (then on site within 45, urban).
    assert datetime.fromisoformat(summary["due_at"]) == at(DAY, "07:55")

    def step(hhmm: str, who: str, action: str, **body: Any) -> None:
        frozen_clock.set(at(DAY, hhmm))
        loop.act(who, order_id, action, **body)

    step("07:55", "dispatcher", "dispatch", crew="包河抢修班（带电作业车）")
    step("07:58", "repair-baohe", "acknowledge")
    step("08:25", "repair-baohe", "arrive", note="抢修人员到达现场")
    step("08:40", "repair-baohe", "record_progress", note="一相缺失，接户线严重老化；带电作业更换")
    step("10:20", "repair-baohe", "restore", note="恢复供电")
    step("10:30", "repair-baohe", "return_result", result="带电更换老化接户线，10:20恢复供电")
    step("11:00", "dispatcher", "approve")
    # Told on the next morning's programme, followed up in the afternoon, archived.
    frozen_clock.set(at(NEXT_DAY, "07:45"))
    loop.act("specialist", order_id, "reply", reply_method="programme", note="节目中答复")
    frozen_clock.set(at(NEXT_DAY, "15:00"))
    loop.act("followup", order_id, "follow_up", outcome="satisfied", note="客户满意")
    frozen_clock.set(at(NEXT_DAY, "15:05"))
    loop.act("followup", order_id, "archive")

    order = loop.order(order_id)
    names = {s.id: s.full_name for s in org.staff.values()}
    history = [
        (e["action"], e["from_state"], e["to_state"], names.get(e["actor_id"]), e["at"])
        for e in order["events"]
    ]
    assert history == [
        ("accept", None, "accepted", "孙工", f"{DAY}T07:50:00+08:00"),
        ("dispatch", "accepted", "dispatched", "刘洋", f"{DAY}T07:55:00+08:00"),
        ("acknowledge", "dispatched", "acknowledged", "邓师傅", f"{DAY}T07:58:00+08:00"),
        ("arrive", "acknowledged", "in_progress", "邓师傅", f"{DAY}T08:25:00+08:00"),
        ("record_progress", "in_progress", "in_progress", "邓师傅", f"{DAY}T08:40:00+08:00"),
        ("restore", "in_progress", "in_progress", "邓师傅", f"{DAY}T10:20:00+08:00"),
        ("return_result", "in_progress", "returned", "邓师傅", f"{DAY}T10:30:00+08:00"),
        ("approve", "returned", "reviewed", "刘洋", f"{DAY}T11:00:00+08:00"),
        ("reply", "reviewed", "replied", "孙工", f"{NEXT_DAY}T07:45:00+08:00"),
        ("follow_up", "replied", "followed_up", "张敏", f"{NEXT_DAY}T15:00:00+08:00"),
        ("archive", "followed_up", "archived", "张敏", f"{NEXT_DAY}T15:05:00+08:00"),
    ]
    assert order["state"] == "archived"
    assert order["crew"] == "包河抢修班（带电作业车）"
    assert order["crew_dispatched_at"] == f"{DAY}T07:55:00+08:00"
    assert order["arrived_at"] == f"{DAY}T08:25:00+08:00"
    assert order["restored_at"] == f"{DAY}T10:20:00+08:00"
    assert (order["reply_method"], order["follow_up_outcome"]) == ("programme", "satisfied")
    assert (order["rework_count"], order["is_overdue"], order["is_escalated"]) == (0, False, False)

    deadlines = {d["kind"]: d for d in order["deadlines"]}
    assert set(deadlines) == {"dispatch", "arrival", "restoration", "follow_up"}
    assert deadlines["dispatch"]["met_at"] == f"{DAY}T07:55:00+08:00"
    assert deadlines["arrival"]["due_at"] == f"{DAY}T08:35:00+08:00"
    assert deadlines["arrival"]["met_at"] == f"{DAY}T08:25:00+08:00"
    assert deadlines["restoration"]["due_at"] == f"{DAY}T11:25:00+08:00"  # 3 h after arrival
    assert deadlines["restoration"]["met_at"] == f"{DAY}T10:20:00+08:00"
    assert not any(d["is_late"] or d["is_provisional"] for d in deadlines.values())

    # The episode's log shows the call and who was on duty.
    log = loop.client.get(f"/api/v1/episodes/{episode['id']}", headers=loop.headers("supervisor"))
    assert log.status_code == 200
    assert [c["id"] for c in log.json()["calls"]] == [order_id]
    assert (log.json()["contacts"], log.json()["orders"]) == (1, 1)
    assert {(r["name"], r["duty"]) for r in log.json()["roster"]} == {
        ("赵局长", "leader"),
        ("孙工", "specialist"),
    }
