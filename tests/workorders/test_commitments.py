"""The published commitments are the current 十项承诺 (articles 6 and 7), each limit naming its
real source: meter-data anomalies answered in 5 working days, connections by customer class
counting the utility's stages only (the clock paused while the customer has to act), 举报
contacted within 24 hours, complaints in the five classes 95598 uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from quarterhour.access.actor import system
from quarterhour.kit import clock
from workorders.loop_client import LoopApi


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=clock.SHANGHAI)


def deadlines(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{d['kind']}#{d['seq']}": d for d in order["deadlines"]}


def due(deadline: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(deadline["due_at"])


@pytest.mark.parametrize(
    ("subtype", "days", "expected"),
    [
        # Accepted Mon 2026-03-02: the start day is not counted.
        ("meter_anomaly", 5, "2026-03-09 23:59:59"),
        ("new_connection", 5, "2026-03-09 23:59:59"),
        ("new_connection_lv", 6, "2026-03-10 23:59:59"),
        ("new_connection_hv_single", 22, "2026-04-01 23:59:59"),
        ("new_connection_hv_dual", 32, "2026-04-16 23:59:59"),
    ],
)
def test_limits_of_the_current_ten_commitments(
    loop: LoopApi, frozen_clock: Any, subtype: str, days: int, expected: str
) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))
    order = loop.order(loop.intake("service_request", subtype=subtype)["id"])
    completion = deadlines(order)["completion#1"]
    assert (completion["amount"], completion["unit"]) == (days, "working_days")
    assert due(completion) == at(expected)


def test_a_misconduct_report_is_contacted_within_24_hours(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))
    order = loop.order(
        loop.contact({"order_type": "misconduct_report", "title": "抄表员索要财物"})["orders"][0][
            "id"
        ]
    )
    first = deadlines(order)["first_contact#1"]
    assert due(first) == at("2026-03-03 09:00")


def test_a_connection_waits_for_the_customer_without_its_clock_running(
    loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))  # Monday; 6 working days: Tue 03-10
    order_id = loop.intake("service_request", subtype="new_connection_lv")["id"]
    hall = "marketing"
    loop.act("dispatcher", order_id, "dispatch", department_id=loop.org.dept(hall))
    loop.act(hall, order_id, "acknowledge")
    offered = loop.order(order_id, by=hall)["allowed_actions"]
    assert "pause" in offered and "resume" not in offered
    loop.act(hall, order_id, "pause", expect=422)  # say what the customer has to do
    frozen_clock.set(at("2026-03-03 10:00"))
    loop.act(hall, order_id, "pause", note="请客户补充产权证明并完成受电工程")
    paused = loop.order(order_id, by=hall)
    assert paused["paused_at"] == "2026-03-03T10:00:00+08:00"
    assert paused["due_at"] is None  # last in the department's queue
    assert "resume" in paused["allowed_actions"] and "pause" not in paused["allowed_actions"]

    # Past the original limit while the customer has the matter: nothing is escalated.
    frozen_clock.set(at("2026-03-12 10:00"))
    response = loop.client.post("/api/v1/admin/sweep", headers=loop.headers("supervisor"))
    assert response.json()["escalated"] == 0
    loop.act(hall, order_id, "resume", note="客户已提交资料")
    order = loop.order(order_id)
    completion = deadlines(order)["completion#1"]
    # The customer had it from Tue 03-03 to Thu 03-12: Wed 4 … Thu 12 are 7 working days, so
    # 6 + 7 working days from Mon 03-02: Thu 03-19.
    assert completion["paused_working_days"] == 7
    assert due(completion) == at("2026-03-19 23:59:59")
    assert (completion["amount"], completion["unit"]) == (6, "working_days")
    assert datetime.fromisoformat(order["due_at"]) == at("2026-03-19 23:59:59")
    assert not order["is_overdue"] and order["paused_at"] is None
    resume = order["events"][-1]
    assert (resume["action"], resume["data"]["paused_working_days"]) == ("resume", 7)

    # Paused again, the return ends the customer's stage too.
    frozen_clock.set(at("2026-03-13 09:00"))
    loop.act(hall, order_id, "pause", note="等待客户约定装表时间")
    frozen_clock.set(at("2026-03-16 16:00"))  # Monday: one working day with the customer
    loop.act(hall, order_id, "return_result", result="已装表接电")
    completion = deadlines(loop.order(order_id))["completion#1"]
    assert completion["paused_working_days"] == 8
    assert due(completion) == at("2026-03-20 23:59:59")


def test_only_connections_pause(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))
    order_id = loop.intake("complaint")["id"]
    loop.act("dispatcher", order_id, "dispatch")
    loop.act("hall-baohe", order_id, "acknowledge")
    assert "pause" not in loop.order(order_id, by="hall-baohe")["allowed_actions"]
    refused = loop.act("hall-baohe", order_id, "pause", note="等客户", expect=409)
    assert "pause" not in refused["allowed_actions"]


def test_complaints_take_the_five_classes_of_95598(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))
    for subtype in ("service", "business", "outage", "power_quality", "grid_construction"):
        assert loop.intake("complaint", subtype=subtype)["subtype"] == subtype
    refused = loop.contact(
        {"order_type": "complaint", "subtype": "rudeness", "title": "态度差"}, expect=422
    )
    assert refused["field"] == "matters[0].subtype"


def test_nothing_public_cites_the_product_brief(client: TestClient, org: Any) -> None:
    response = client.get("/api/v1/public/disclosure")
    assert response.status_code == 200, response.text
    assert "PRODUCT.md" not in response.text
    assert "第六条" in response.text and "第七条" in response.text
    page = client.get("/disclosure")
    assert page.status_code == 200
    assert "PRODUCT.md" not in page.text and "第六条" in page.text


def test_a_complaint_class_routes_to_its_department(
    loop: LoopApi, frozen_clock: Any, engine: Any
) -> None:
    from sqlalchemy.orm import Session

    from quarterhour.workorders import routing

    with Session(engine) as session:
        routing.add_routing_rule(
            session,
            by=system("test"),
            order_type="complaint",
            subtype="power_quality",
            department_id=loop.org.dept("repair-baohe"),
        )
        session.commit()
    routing.invalidate_cache()
    frozen_clock.set(at("2026-03-02 09:00"))
    assert loop.intake("complaint", subtype="power_quality")["department_id"] == loop.org.dept(
        "repair-baohe"
    )
    assert loop.intake("complaint", subtype="service")["department_id"] == loop.org.dept(
        "hall-baohe"
    )


def test_a_bill_or_metering_complaint_counts_as_a_business_complaint(
    loop: LoopApi, frozen_clock: Any, engine: Any
) -> None:
    """电费电价 and 电能计量 are chosen by name, and go where 营业投诉 goes unless a rule names
    them; the rule that names the matter wins over the one for its class."""
    from sqlalchemy.orm import Session

    from quarterhour.workorders import routing

    with Session(engine) as session:
        for subtype, department in (("business", "metering"), ("billing", "repair-baohe")):
            routing.add_routing_rule(
                session,
                by=system("test"),
                order_type="complaint",
                subtype=subtype,
                department_id=loop.org.dept(department),
            )
        session.commit()
    routing.invalidate_cache()
    frozen_clock.set(at("2026-03-02 09:00"))
    routed = {
        subtype: loop.intake("complaint", subtype=subtype)["department_id"]
        for subtype in ("business", "metering", "billing", "service")
    }
    assert routed == {
        "business": loop.org.dept("metering"),
        "metering": loop.org.dept("metering"),  # the class's rule
        "billing": loop.org.dept("repair-baohe"),  # its own rule
        "service": loop.org.dept("hall-baohe"),
    }
