"""Repair and outage figures (analytics/repairs.py) on the hand-worked October of
repair_scenario.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.repair_scenario import build_repairs
from analytics.scenario import Builder, at
from quarterhour.access.actor import system
from quarterhour.analytics import repairs
from quarterhour.analytics.repair_schemas import RepairQuery, RepairReport, Spread
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Forbidden, ValidationFailed
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.outages import service as outages
from quarterhour.workorders.models import WorkOrder

pytestmark = pytest.mark.db

OCTOBER = RepairQuery.model_validate({"start": "2026-10-01", "end": "2026-10-31"})


@pytest.fixture
def scenario(builder: Builder) -> dict[str, int]:
    return build_repairs(builder)


def figures(session: Session, **extra: Any) -> RepairReport:
    q = RepairQuery.model_validate({**OCTOBER.model_dump(), **extra})
    return repairs.repair_figures(session, q, by=system("cli"))


def buckets(spread: Spread) -> list[int]:
    return [b.count for b in spread.buckets]


def test_repair_arrival_and_restoration_in_total(
    session: Session, scenario: dict[str, int]
) -> None:
    total = figures(session).repairs.total
    arrival, restoration = total.arrival, total.restoration
    # 20, 45, 50, 60, 100 minutes; the linked calls have no clock and are not among them.
    assert arrival.count == 5
    assert arrival.mean == Decimal("55.0")
    assert arrival.median == Decimal("50.0")
    assert arrival.p90 == Decimal("100.0")
    assert (arrival.within, arrival.judged, arrival.within_rate) == (3, 5, Decimal("0.6000"))
    assert buckets(arrival) == [0, 1, 1, 2, 0, 1, 0]
    assert [(b.above, b.up_to) for b in arrival.buckets][-2:] == [(90, 120), (120, None)]
    # 60, 60, 120, 240 minutes (R5 is not restored yet).
    assert restoration.count == 4
    assert restoration.mean == Decimal("120.0")
    assert restoration.median == Decimal("90.0")
    assert restoration.p90 == Decimal("240.0")
    assert (restoration.within, restoration.judged) == (3, 4)
    assert buckets(restoration) == [2, 1, 0, 1, 0, 0, 0]


def test_repairs_by_district_and_area_class(
    session: Session, scenario: dict[str, int], org: Organisation
) -> None:
    report = figures(session)
    by_district = {row.key: row for row in report.repairs.by_district}
    baohe = by_district[str(org.districts["baohe"])].arrival
    shushan = by_district[str(org.districts["shushan"])].arrival
    assert (baohe.count, baohe.mean, baohe.median) == (3, Decimal("43.3"), Decimal("50.0"))
    assert (shushan.count, shushan.mean, shushan.median) == (2, Decimal("72.5"), Decimal("72.5"))
    assert shushan.p90 == Decimal("100.0")
    by_class = {row.key: row for row in report.repairs.by_area_class}
    assert list(by_class) == ["urban", "rural"]
    urban, rural = by_class["urban"], by_class["rural"]
    assert (urban.arrival.count, urban.arrival.median, urban.arrival.limit) == (
        3,
        Decimal("45.0"),
        45,
    )
    assert urban.arrival.within_rate == Decimal("0.6667")
    assert (rural.arrival.mean, rural.arrival.limit, rural.arrival.within) == (
        Decimal("80.0"),
        90,
        1,
    )
    assert (urban.restoration.limit, rural.restoration.limit) == (180, 240)
    assert urban.label == "城区"


def test_a_district_filter_narrows_the_repairs(
    session: Session, scenario: dict[str, int], org: Organisation
) -> None:
    report = figures(session, district_id=org.districts["shushan"])
    assert report.repairs.total.arrival.count == 2
    assert report.outages.outages == 0  # both outages cut off 包河 customers
    assert report.outages.customers_in_scope == 1
    assert report.outages.saidi_minutes == Decimal("0.0")


def test_fault_outages_are_timed_from_start_to_the_first_crew(
    session: Session, scenario: dict[str, int]
) -> None:
    timed = figures(session).fault_outages.total
    assert (timed.arrival.count, timed.arrival.median) == (1, Decimal("30.0"))
    assert (timed.arrival.within, timed.arrival.judged) == (1, 1)
    # On site 08:30, restored 11:00: 150 minutes, within the urban 3 hours.
    assert (timed.restoration.count, timed.restoration.mean) == (1, Decimal("150.0"))
    assert timed.restoration.within == 1


def test_customer_hours_saidi_and_calls(
    session: Session, scenario: dict[str, int], org: Organisation
) -> None:
    out = figures(session).outages
    assert (out.outages, out.customers, out.customer_hours) == (2, 3, Decimal("7.50"))
    assert out.customers_in_scope == 4
    assert out.saidi_minutes == Decimal("112.5")
    assert (out.calls, out.calls_per_outage, out.most_calls) == (2, Decimal("1.0"), 2)
    listed = {row.outage_id: row for row in out.listed}
    o1 = listed[scenario["O1"]]
    assert (o1.customers, o1.hours, o1.customer_hours, o1.calls) == (
        2,
        Decimal("3.00"),
        Decimal("6.00"),
        2,
    )
    assert o1.district_id == org.districts["baohe"]
    assert o1.area_class == "urban"
    assert listed[scenario["O2"]].customer_hours == Decimal("1.50")
    kinds = {row.key: (row.outages, row.customer_hours) for row in out.by_kind}
    assert kinds == {
        "planned": (0, Decimal("0.00")),
        "temporary": (1, Decimal("1.50")),
        "fault": (1, Decimal("6.00")),
    }
    assert [(row.key, row.outages) for row in out.by_cause] == [
        ("台区变压器故障", 1),
        ("线路检修", 1),
    ]
    baohe = figures(session, district_id=org.districts["baohe"]).outages
    assert (baohe.customers_in_scope, baohe.saidi_minutes) == (3, Decimal("150.0"))


def test_linked_calls_stay_linked(session: Session, scenario: dict[str, int]) -> None:
    linked = session.scalars(
        select(WorkOrder.outage_id).where(WorkOrder.id.in_([scenario["call1"], scenario["call2"]]))
    ).all()
    assert linked == [scenario["O1"], scenario["O1"]]


def test_an_empty_period_has_no_figures(session: Session, scenario: dict[str, int]) -> None:
    report = figures(session, start="2026-08-01", end="2026-08-31")
    assert report.repairs.total.arrival.count == 0
    assert report.repairs.total.arrival.mean is None
    assert report.repairs.total.arrival.within_rate is None
    assert report.outages.calls_per_outage is None


def test_ranks_taken_in_python_agree_with_the_database() -> None:
    assert repairs.ranks_of([1200, 2700, 3000, 3600, 6000]) == (Decimal("50.0"), Decimal("100.0"))
    assert repairs.ranks_of([]) == (None, None)


def test_the_period_and_the_actor_are_checked(session: Session, org: Organisation) -> None:
    with pytest.raises(ValidationFailed) as refused:
        figures(session, start="2026-10-31", end="2026-10-01")
    assert refused.value.field == "end"
    with pytest.raises(ValidationFailed) as refused:
        figures(session, district_id=999_999)
    assert refused.value.field == "district_id"
    with pytest.raises(Forbidden):
        repairs.repair_figures(session, OCTOBER, by=actor_of(org.staff["agent"]))


def test_an_outage_still_out_counts_up_to_now(
    session: Session, scenario: dict[str, int], builder: Builder
) -> None:
    builder.clock.set(at("2026-10-20 10:00"))
    outage_id = outages.declare(
        session,
        by=system("test"),
        kind="fault",
        cause="线路故障",
        starts_at=at("2026-10-20 08:00"),
        expected_restoration_at=at("2026-10-20 12:00"),
        transformers=["TA-003"],
    ).id
    session.commit()
    report = figures(session)
    row = next(r for r in report.outages.listed if r.outage_id == outage_id)
    # Started 08:00, the figures read at 10:00: one customer, two hours so far.
    assert (row.restored_at, row.hours, row.customer_hours) == (
        None,
        Decimal("2.00"),
        Decimal("2.00"),
    )
    assert report.outages.customer_hours == Decimal("9.50")
    # No crew on site yet: a fault outage without an arrival has no times.
    assert report.fault_outages.total.arrival.count == 1
