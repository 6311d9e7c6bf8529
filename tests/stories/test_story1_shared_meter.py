"""Story 1 of PRODUCT.md through the API: the shared meter, up to where a meter and account exist.

Early morning the programme's line gets a call from an 82-year-old man living alone at
拱辰街99号楼: his shared meter causes constant bill disputes; he wants his own meter but cannot get
about and does not know the paperwork. The same afternoon the team leader of the 包河区 business
hall phones him, comes with a meter installer, takes the application on site, installs the meter
and rewires his flat, done by nightfall; he is told, followed up, and the order archived, all
within limits. (2005-11-09 in the article; here 2026-11-09, a Monday, at the same times of day.
The new meter and account, and the shared meter's households, come with the customers/billing
issue, which finishes this story.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from quarterhour.kit import clock
from workorders.loop_client import LoopApi

DAY = "2026-11-09"


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day} {hhmm}").replace(tzinfo=clock.SHANGHAI)


def test_story1_shared_meter_until_the_new_meter(loop: LoopApi, frozen_clock: Any) -> None:
    org = loop.org
    frozen_clock.set(at("2026-11-06", "17:00"))  # the Friday before: next Monday's roster
    response = loop.client.post(
        "/api/v1/episodes",
        json={
            "air_date": DAY,
            "roster": [
                {"staff_id": org.staff["leader"].id, "duty": "leader"},
                {"staff_id": org.staff["specialist"].id, "duty": "specialist"},
            ],
        },
        headers=loop.headers("supervisor"),
    )
    assert response.status_code == 201, response.text
    episode_id = response.json()["id"]

    frozen_clock.set(at(DAY, "07:46"))
    contact = loop.contact(
        {
            "order_type": "service_request",
            "subtype": "meter_split",
            "title": "合表电费纠纷，申请一户一表",
            "description": "82岁独居老人，行动不便，不熟悉办理手续",
        },
        by="specialist",
        channel="programme",
        customer={
            "name": "唐邦铮",
            "phone": "13905519909",
            "address": "拱辰街99号楼",
            "district_id": org.districts["baohe"],
        },
    )
    assert contact["episode_id"] == episode_id
    [summary] = contact["orders"]
    order_id = summary["id"]
    assert (summary["order_type"], summary["subtype"]) == ("service_request", "meter_split")
    hall = org.departments["hall-baohe"]
    assert summary["department_id"] == hall.id
    assert hall.name == "包河区供电营业厅"
    assert summary["customer_name"] == "唐**"
    # 5 working days from Monday (the start day is not counted): Monday 11-16, end of day.
    assert summary["due_at"] == "2026-11-16T23:59:59+08:00"

    def step(day: str, hhmm: str, who: str, action: str, **body: Any) -> None:
        frozen_clock.set(at(day, hhmm))
        loop.act(who, order_id, action, **body)

    step(DAY, "08:30", "dispatcher", "dispatch", note="老人独居，请当日上门")
    step(DAY, "13:30", "hall-baohe", "acknowledge")
    step(DAY, "13:40", "hall-baohe", "contact_customer", note="班长电话联系客户，约定下午上门")
    step(
        DAY,
        "15:00",
        "hall-baohe",
        "record_progress",
        note="携装表工上门，现场受理申请，复印身份证、户口簿，代填资料",
    )
    step(
        DAY,
        "18:30",
        "hall-baohe",
        "return_result",
        result="已单独装表并改造户内线路，当日通电",
    )
    step(DAY, "18:50", "dispatcher", "approve")
    step("2026-11-10", "07:45", "specialist", "reply", reply_method="programme")
    step("2026-11-11", "10:00", "followup", "follow_up", outcome="satisfied", note="老人很满意")
    step("2026-11-11", "10:05", "followup", "archive")

    order = loop.order(order_id)
    assert [(e["action"], e["to_state"], e["at"][:16]) for e in order["events"]] == [
        ("accept", "accepted", "2026-11-09T07:46"),
        ("dispatch", "dispatched", "2026-11-09T08:30"),
        ("acknowledge", "acknowledged", "2026-11-09T13:30"),
        ("contact_customer", "in_progress", "2026-11-09T13:40"),
        ("record_progress", "in_progress", "2026-11-09T15:00"),
        ("return_result", "returned", "2026-11-09T18:30"),
        ("approve", "reviewed", "2026-11-09T18:50"),
        ("reply", "replied", "2026-11-10T07:45"),
        ("follow_up", "followed_up", "2026-11-11T10:00"),
        ("archive", "archived", "2026-11-11T10:05"),
    ]
    assert order["assignee_id"] == org.staff["hall-baohe"].id
    assert order["replied_by_id"] == org.staff["specialist"].id
    assert (order["reply_method"], order["follow_up_outcome"]) == ("programme", "satisfied")
    [completion] = order["deadlines"]
    assert completion["kind"] == "completion"
    assert completion["met_at"] == "2026-11-10T07:45:00+08:00"  # the reply closes the limit
    assert not completion["is_late"] and not completion["is_provisional"]
    assert (order["rework_count"], order["is_overdue"], order["is_escalated"]) == (0, False, False)

    calls = loop.client.get(f"/api/v1/episodes/{episode_id}", headers=loop.headers("supervisor"))
    assert [c["id"] for c in calls.json()["calls"]] == [order_id]
