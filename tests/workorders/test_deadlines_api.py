"""Deadlines through the API: working days of the 2026 calendar, provisional deadlines in a year
without official data and their recomputation, repair limits, and the sweep (warn, 督办)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from quarterhour.kit import clock
from workorders.loop_client import LoopApi


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=clock.SHANGHAI)


def deadlines(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{d['kind']}#{d['seq']}": d for d in order["deadlines"]}


def due(deadline: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(deadline["due_at"])


def test_complaint_on_a_friday_before_spring_festival(loop: LoopApi, frozen_clock: Any) -> None:
    # Fri 2026-02-13 + 4 working days: Sat 02-14 is a make-up workday, 02-15..02-23 are off,
    # so Sat 14, Tue 24, Wed 25, Thu 26 (PRODUCT.md).
    frozen_clock.set(at("2026-02-13 10:00"))
    order = loop.order(loop.intake("complaint")["id"])
    d = deadlines(order)
    assert set(d) == {"dispatch#1", "first_contact#1", "completion#1"}
    assert due(d["completion#1"]) == at("2026-02-26 23:59:59")
    assert (d["completion#1"]["amount"], d["completion#1"]["unit"]) == (4, "working_days")
    assert due(d["first_contact#1"]) == at("2026-02-14 10:00")
    assert (d["first_contact#1"]["amount"], d["first_contact#1"]["unit"]) == (24, "hours")
    assert not any(x["is_provisional"] for x in d.values())
    assert not order["has_provisional_deadline"]
    # The queue sorts on the nearest open deadline.
    assert datetime.fromisoformat(order["due_at"]) == at("2026-02-14 10:00")


@pytest.mark.parametrize(
    ("matter", "accepted", "expected"),
    [
        # Wed 09-30 + 5: 10-01..07 off, Thu 8, Fri 9, Sat 10 (make-up), Mon 12, Tue 13.
        (
            {"order_type": "service_request", "subtype": "general"},
            "2026-09-30 15:00",
            "2026-10-13 23:59:59",
        ),
        (
            {"order_type": "service_request", "subtype": "meter_split"},
            "2026-09-30 15:00",
            "2026-10-13 23:59:59",
        ),
        (
            # 十项承诺 第七条: 5 working days (it was 4 here before the current text).
            {"order_type": "service_request", "subtype": "meter_anomaly"},
            "2026-09-30 15:00",
            "2026-10-13 23:59:59",
        ),
        (
            {"order_type": "service_request", "subtype": "reading_anomaly"},
            "2026-09-30 15:00",
            "2026-10-14 23:59:59",
        ),
        (
            {"order_type": "service_request", "subtype": "reconnection"},
            "2026-09-30 15:00",
            "2026-10-01 15:00",
        ),
        ({"order_type": "misconduct_report"}, "2026-09-30 15:00", "2026-10-19 23:59:59"),
        # Accepted Sat 09-19: Sun 20 is a make-up workday, so Sun 20, Mon 21 … Thu 24 (and not
        # Mon 28, after the 中秋 days off, as the weekends-only rule would say).
        ({"order_type": "opinion"}, "2026-09-19 11:00", "2026-09-24 23:59:59"),
    ],
)
def test_completion_deadline_by_type(
    loop: LoopApi, frozen_clock: Any, matter: dict[str, Any], accepted: str, expected: str
) -> None:
    frozen_clock.set(at(accepted))
    order = loop.order(loop.intake("complaint", title="时限", **matter)["id"])
    assert due(deadlines(order)["completion#1"]) == at(expected)
    assert not order["has_provisional_deadline"]


CALENDAR_2027 = (
    # A stand-in for the State Council notice for 2027 (published each November), shaped like a
    # notice under the 2024 revision: 元旦 with its weekend; 春节 Fri 02-05 (除夕) to Fri 02-12,
    # i.e. the four statutory days, two days in lieu of 初一 and 初二 (a weekend) and two bridging
    # days, worked back on Sun 01-31 and Sat 02-20.
    "date,kind,name\n"
    "2027-01-01,holiday,元旦\n"
    "2027-01-02,holiday,元旦\n"
    "2027-01-03,holiday,元旦\n"
    "2027-01-31,workday,春节\n"
    "2027-02-05,holiday,春节\n"
    "2027-02-06,holiday,春节\n"
    "2027-02-07,holiday,春节\n"
    "2027-02-08,holiday,春节\n"
    "2027-02-09,holiday,春节\n"
    "2027-02-10,holiday,春节\n"
    "2027-02-11,holiday,春节\n"
    "2027-02-12,holiday,春节\n"
    "2027-02-20,workday,春节\n"
)


def test_a_deadline_in_a_year_without_official_data_is_provisional_until_it_is_loaded(
    loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(at("2026-12-31 10:00"))
    order_id = loop.intake("complaint")["id"]
    order = loop.order(order_id)
    d = deadlines(order)
    # No notice for 2027 yet, but 元旦 (Fri 01-01) is statutory: Mon 4, Tue 5, Wed 6, Thu 7.
    assert d["completion#1"]["is_provisional"] is True
    assert due(d["completion#1"]) == at("2027-01-07 23:59:59")
    assert d["first_contact#1"]["is_provisional"] is False  # hours need no calendar
    assert order["has_provisional_deadline"] is True

    admin = loop.headers("admin")
    warnings = {
        w["code"]: w for w in loop.client.get("/api/v1/admin/warnings", headers=admin).json()
    }
    assert warnings["provisional_deadlines"]["count"] == 1
    assert "2027" in warnings["calendar_year_missing"]["message"]
    listed = loop.client.get(
        "/api/v1/orders", params={"provisional": "true"}, headers=loop.headers("dispatcher")
    ).json()["items"]
    assert [o["id"] for o in listed] == [order_id]

    response = loop.client.post(
        "/api/v1/admin/calendar/years",
        files={"file": ("2027.csv", CALENDAR_2027.encode(), "text/csv")},
        data={"source": "国办发明电〔2026〕（测试用）"},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["year"] == 2027
    assert response.json()["rescheduled_orders"] == 1

    order = loop.order(order_id)
    d = deadlines(order)
    # The notice confirms it (its 元旦 days beyond 01-01 are a weekend): settled, not moved.
    assert d["completion#1"]["is_provisional"] is False
    assert due(d["completion#1"]) == at("2027-01-07 23:59:59")
    assert order["has_provisional_deadline"] is False
    reschedule = [e for e in order["events"] if e["action"] == "reschedule"]
    assert len(reschedule) == 1
    assert reschedule[0]["from_state"] == reschedule[0]["to_state"] == "accepted"
    [change] = [c for c in reschedule[0]["data"]["changes"] if c["deadline"] == "completion"]
    assert change["deadline"] == "completion"
    assert datetime.fromisoformat(change["from"]) == at("2027-01-07 23:59:59")
    assert datetime.fromisoformat(change["to"]) == at("2027-01-07 23:59:59")
    assert loop.client.get("/api/v1/admin/warnings", headers=admin).json() == []

    # Loading the year again recomputes nothing: no provisional deadline is left.
    again = loop.client.post(
        "/api/v1/admin/calendar/years",
        files={"file": ("2027.csv", CALENDAR_2027.encode(), "text/csv")},
        headers=admin,
    )
    assert again.json()["rescheduled_orders"] == 0
    assert len([e for e in loop.order(order_id)["events"] if e["action"] == "reschedule"]) == 1


def test_a_provisional_deadline_skips_the_statutory_spring_festival_and_moves_with_the_notice(
    loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(at("2027-02-03 10:00"))  # Wednesday; 2027 has no notice loaded
    order_id = loop.intake("complaint")["id"]
    d = deadlines(loop.order(order_id))
    # 4 working days: Thu 04, then 除夕 Fri 05, the weekend (初一, 初二) and 初三 Mon 08 are
    # statutory days off, so Tue 09, Wed 10, Thu 11. (Monday to Friday alone would give Tue 09.)
    assert d["completion#1"]["is_provisional"] is True
    assert due(d["completion#1"]) == at("2027-02-11 23:59:59")

    admin = loop.headers("admin")
    warning = {
        w["code"]: w for w in loop.client.get("/api/v1/admin/warnings", headers=admin).json()
    }["calendar_year_missing"]
    assert warning["values"] == {"years": [2027]}
    assert "statutory holidays" in warning["message"]
    assert "make-up working days" in warning["message"]

    loaded = loop.client.post(
        "/api/v1/admin/calendar/years",
        files={"file": ("2027.csv", CALENDAR_2027.encode(), "text/csv")},
        data={"source": "国办发明电〔2026〕（测试用）"},
        headers=admin,
    )
    assert loaded.json()["rescheduled_orders"] == 1
    order = loop.order(order_id)
    # The notice adds the days in lieu and the bridging days (02-09 to 02-12): Thu 04, Mon 15,
    # Tue 16, Wed 17.
    assert due(deadlines(order)["completion#1"]) == at("2027-02-17 23:59:59")
    [reschedule] = [e for e in order["events"] if e["action"] == "reschedule"]
    # The dispatch clock (one working day) was provisional too: now official, its time the same.
    [change] = [c for c in reschedule["data"]["changes"] if c["deadline"] == "completion"]
    assert datetime.fromisoformat(change["from"]) == at("2027-02-11 23:59:59")
    assert datetime.fromisoformat(change["to"]) == at("2027-02-17 23:59:59")


@pytest.mark.parametrize(
    ("area", "arrival_minutes", "restore_hours"),
    [("urban", 45, 3), ("rural", 90, 4), ("remote", 120, 4)],
)
def test_repair_arrival_and_restoration_limits(
    loop: LoopApi, frozen_clock: Any, area: str, arrival_minutes: int, restore_hours: int
) -> None:
    reported = at("2026-08-12 07:50")
    frozen_clock.set(reported)
    order_id = loop.intake("fault_repair", area_class=area)["id"]
    d = deadlines(loop.order(order_id))
    # Restoration starts only when the crew is there.
    assert set(d) == {"dispatch#1", "arrival#1"}
    assert due(d["arrival#1"]) == reported + timedelta(minutes=arrival_minutes)

    loop.act("dispatcher", order_id, "dispatch", crew="抢修一班")
    loop.act("repair-baohe", order_id, "acknowledge")
    arrived = frozen_clock.advance(minutes=arrival_minutes - 5)
    loop.act("repair-baohe", order_id, "arrive")
    d = deadlines(loop.order(order_id))
    assert d["arrival#1"]["met_at"] is not None and d["arrival#1"]["is_late"] is False
    assert due(d["restoration#1"]) == arrived + timedelta(hours=restore_hours)

    frozen_clock.advance(hours=restore_hours, minutes=10)
    loop.act("repair-baohe", order_id, "restore")
    order = loop.order(order_id)
    d = deadlines(order)
    assert d["restoration#1"]["is_late"] is True
    assert order["is_overdue"] is True  # a late restoration counts against on-time figures


def test_sweep_warns_before_due_and_escalates_after_due_once(
    loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))  # Monday
    late = loop.intake("complaint")["id"]
    punctual = loop.intake("complaint", title="营业厅排队")["id"]
    for order_id in (late, punctual):
        loop.act("dispatcher", order_id, "dispatch")
    frozen_clock.advance(hours=1)
    loop.act("hall-baohe", punctual, "acknowledge")
    loop.act("hall-baohe", punctual, "contact_customer")  # meets its 24 h first contact
    versions = {i: loop.order(i)["version"] for i in (late, punctual)}

    def sweep() -> dict[str, Any]:
        response = loop.client.post("/api/v1/admin/sweep", headers=loop.headers("supervisor"))
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def events(order_id: int, action: str) -> list[dict[str, Any]]:
        return [e for e in loop.order(order_id)["events"] if e["action"] == action]

    # First contact due Tue 09:00; the warning comes a fifth of the span (4.8 h) before.
    frozen_clock.set(at("2026-03-03 04:00"))
    assert sweep() == {"at": "2026-03-03T04:00:00+08:00", "warned": 0, "escalated": 0}
    frozen_clock.set(at("2026-03-03 05:00"))
    assert (sweep()["warned"], sweep()["warned"]) == (1, 0)  # the second sweep repeats nothing
    [warn] = events(late, "warn")
    assert warn["data"]["deadline"] == "first_contact"
    assert datetime.fromisoformat(warn["data"]["due_at"]) == at("2026-03-03 09:00")
    assert warn["actor_id"] is None and warn["from_state"] == warn["to_state"] == "dispatched"
    assert events(punctual, "warn") == []

    frozen_clock.set(at("2026-03-03 09:01"))
    first, second = sweep(), sweep()
    assert (first["escalated"], second["escalated"], second["warned"]) == (1, 0, 0)
    [escalation] = events(late, "escalate")
    assert escalation["data"]["escalated_to"] == loop.org.staff["supervisor"].id
    assert escalation["data"]["department_id"] == loop.org.dept("hall-baohe")
    assert escalation["data"]["deadline"] == "first_contact"
    order = loop.order(late)
    assert (order["is_overdue"], order["is_escalated"]) == (True, True)
    # The sweep leaves the users' concurrency token alone.
    assert order["version"] == versions[late]

    dispatcher = loop.headers("dispatcher")
    for flag in ("overdue", "escalated"):
        listed = loop.client.get("/api/v1/orders", params={flag: "true"}, headers=dispatcher)
        assert [o["id"] for o in listed.json()["items"]] == [late], flag
        listed = loop.client.get("/api/v1/orders", params={flag: "false"}, headers=dispatcher)
        assert [o["id"] for o in listed.json()["items"]] == [punctual], flag
    # The department sees its overdue work in its own queue too.
    queue = loop.client.get(
        "/api/v1/orders",
        params={"queue": "true", "overdue": "true"},
        headers=loop.headers("hall-baohe"),
    )
    assert [o["id"] for o in queue.json()["items"]] == [late]

    # Completion (Fri 03-06 end of day) passes for both: warned and escalated in one sweep.
    frozen_clock.set(at("2026-03-07 08:00"))
    assert sweep() == {"at": "2026-03-07T08:00:00+08:00", "warned": 2, "escalated": 2}
    assert sweep()["escalated"] == 0
    for order_id in (late, punctual):
        kinds = [e["data"]["deadline"] for e in events(order_id, "escalate")]
        assert kinds.count("completion") == 1
    assert [e["data"]["deadline"] for e in events(late, "escalate")] == [
        "first_contact",
        "completion",
    ]


def test_sweep_leaves_closed_orders_alone(loop: LoopApi, frozen_clock: Any) -> None:
    frozen_clock.set(at("2026-03-02 09:00"))
    order_id = loop.intake("complaint")["id"]
    loop.act("dispatcher", order_id, "cancel", note="重复受理")
    frozen_clock.set(at("2026-03-20 09:00"))
    response = loop.client.post("/api/v1/admin/sweep", headers=loop.headers("supervisor"))
    assert (response.json()["warned"], response.json()["escalated"]) == (0, 0)
    assert [e["action"] for e in loop.order(order_id)["events"]] == ["accept", "cancel"]
