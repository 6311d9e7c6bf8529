"""Story 1 of PRODUCT.md through the API, to the end: the shared meter becomes his own.

Early morning the programme's line gets a call from an 82-year-old man living alone at
拱辰街99号楼: his shared meter causes constant bill disputes; he wants his own meter but cannot get
about and does not know the paperwork. The same afternoon the team leader of the 包河区 business
hall phones him, comes with a meter installer, takes the application on site, installs the meter
and rewires his flat, done by nightfall; he is told, followed up, and the order archived, all
within limits. (2005-11-09 in the article; here 2026-11-09, a Monday, at the same times of day.)
In the system the new meter and account exist that evening, the shared meter (合表) serves one
household fewer, and November's bill run bills him tiered on his own meter and the shared meter
flat for what it measured.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.billing import bill_run
from quarterhour.billing.models import Bill, BillLine
from quarterhour.config import Settings
from quarterhour.customers import accounts
from quarterhour.customers.models import Account, Customer, Meter
from quarterhour.kit import clock
from stories.building import shared_building
from workorders.loop_client import LoopApi

DAY = "2026-11-09"


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day} {hhmm}").replace(tzinfo=clock.SHANGHAI)


def test_story1_shared_meter_to_the_new_meter_and_its_first_bill(
    loop: LoopApi, frozen_clock: Any, session: Session, settings: Settings
) -> None:
    org = loop.org
    frozen_clock.set(at("2026-11-01", "09:00"))
    shared, flats = shared_building(session, org.districts["baohe"])
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
    # The nearest deadline is the dispatch: 1 working day from Monday (the start day is not
    # counted), Tuesday 11-10; the work itself has 5, Monday 11-16.
    assert summary["due_at"] == "2026-11-10T23:59:59+08:00"

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
    frozen_clock.set(at(DAY, "17:30"))
    split = loop.client.post(
        f"/api/v1/orders/{order_id}/meter-split",
        json={
            "shared_meter": "HB-99-SHARED",
            "premises_id": flats["201"],
            "new_meter": "HB-99-201",
            "tariff": "AH-RES",
            "initial_reading": "0",
            "shared_meter_reading": "5100",
        },
        headers=loop.headers("hall-baohe"),
    )
    assert split.status_code == 200, split.text
    new_account = split.json()["account"]
    assert split.json()["order"]["state"] == "in_progress"
    step(
        DAY,
        "18:30",
        "hall-baohe",
        "return_result",
        result=f"已单独装表（表号HB-99-201，户号{new_account}）并改造户内线路，当日通电",
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
        ("record_progress", "in_progress", "2026-11-09T17:30"),
        ("return_result", "returned", "2026-11-09T18:30"),
        ("approve", "reviewed", "2026-11-09T18:50"),
        ("reply", "replied", "2026-11-10T07:45"),
        ("follow_up", "followed_up", "2026-11-11T10:00"),
        ("archive", "archived", "2026-11-11T10:05"),
    ]
    assert order["assignee_id"] == org.staff["hall-baohe"].id
    assert order["replied_by_id"] == org.staff["specialist"].id
    assert (order["reply_method"], order["follow_up_outcome"]) == ("programme", "satisfied")
    kinds = {d["kind"]: d for d in order["deadlines"]}
    assert sorted(kinds) == ["completion", "dispatch", "follow_up"]
    completion = kinds["completion"]
    assert not any(d["is_late"] for d in order["deadlines"])
    assert completion["met_at"] == "2026-11-10T07:45:00+08:00"  # the reply closes the limit
    assert not completion["is_late"] and not completion["is_provisional"]
    assert (order["rework_count"], order["is_overdue"], order["is_escalated"]) == (0, False, False)

    calls = loop.client.get(f"/api/v1/episodes/{episode_id}", headers=loop.headers("supervisor"))
    assert [c["id"] for c in calls.json()["calls"]] == [order_id]

    # The new meter and account exist, and the shared meter serves three flats now.
    session.expire_all()
    mine = session.scalar(select(Account).where(Account.number == new_account))
    assert mine is not None
    assert session.get(Customer, mine.customer_id).name == "唐邦铮"  # type: ignore[union-attr]
    assert mine.premises_id == flats["201"]
    own = session.scalar(select(Meter).where(Meter.number == "HB-99-201"))
    assert own is not None and not own.is_shared and own.work_order_id == order_id
    assert sorted(accounts.households_of(session, shared.id)) == sorted(
        flats[f] for f in ("101", "102", "202")
    )
    assert session.get(Meter, shared.id).is_shared  # type: ignore[union-attr]

    # End of November: both meters are read (on that day: a reading is never of a day to come)
    # and the month is billed.
    frozen_clock.set(at("2026-11-30", "16:00"))
    accounts.record_reading(session, meter=own, read_on=date(2026, 11, 30), total=Decimal(60))
    accounts.record_reading(
        session,
        meter=session.get_one(Meter, shared.id),
        read_on=date(2026, 11, 30),
        total=Decimal(5400),
    )
    session.commit()
    frozen_clock.set(at("2026-12-01", "02:00"))
    report = bill_run.run(session, date(2026, 11, 1), settings=settings, by=system("test"))
    assert (report.created, report.held) == (2, 0)

    def lines(account_id: int) -> list[tuple[str, Decimal, Decimal, Decimal]]:
        bill = session.scalars(select(Bill).where(Bill.account_id == account_id)).one()
        return [
            (line.kind, line.kwh, line.unit_price, line.amount)
            for line in session.scalars(
                select(BillLine).where(BillLine.bill_id == bill.id).order_by(BillLine.line_no)
            )
        ]

    # His own meter: tiered (一户一表), 60 kWh in tier 1 of the monthly tariff.
    assert lines(mine.id) == [("tier1", Decimal("60.00"), Decimal("0.5653"), Decimal("33.92"))]
    # The shared meter: flat, 100 kWh before the split and 300 after, all on the building.
    assert lines(session.get_one(Meter, shared.id).account_id) == [
        ("flat", Decimal("400.00"), Decimal("0.5753"), Decimal("230.12"))
    ]
