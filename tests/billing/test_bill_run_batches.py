"""A bill never depends on how the period's readings arrived: one file, or several batches."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count, pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import bill_run
from quarterhour.billing.models import Bill, BillLine
from quarterhour.config import Settings
from quarterhour.customers import reading_import
from quarterhour.demo.organisation import Organisation

pytestmark = pytest.mark.db
OCTOBER = date(2026, 10, 1)
_files = count()

# Per meter: its October readings as (day, kWh since the reading before).
meter_readings = st.lists(
    st.tuples(st.integers(1, 31), st.integers(0, 900)),
    min_size=1,
    max_size=3,
    unique_by=lambda r: r[0],
)


def _bills(session: Session, account_ids: list[int]) -> list[tuple[object, ...]]:
    found = []
    for account_id in account_ids:
        bill = session.scalars(
            select(Bill).where(Bill.account_id == account_id, Bill.period == OCTOBER)
        ).one()
        lines = session.execute(
            select(BillLine.kind, BillLine.kwh, BillLine.unit_price, BillLine.amount)
            .where(BillLine.bill_id == bill.id)
            .order_by(BillLine.kind, BillLine.unit_price)
        ).all()
        found.append((bill.kwh, bill.amount, tuple(tuple(line) for line in lines)))
    return found


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    meters=st.lists(meter_readings, min_size=1, max_size=3),
    tariff=st.sampled_from(["ZJ-RES", "AH-SHARED", "AH-BIZ"]),
    cuts=st.lists(st.integers(1, 8), max_size=3),
)
def test_a_bill_does_not_depend_on_how_the_readings_were_batched(
    session: Session,
    org: Organisation,
    settings: Settings,
    meters: list[list[tuple[int, int]]],
    tariff: str,
    cuts: list[int],
) -> None:
    session.rollback()  # each example starts from the organisation alone
    town = Town(session, org)
    category = "non_residential" if tariff == "AH-BIZ" else "residential"
    # Twin households: the same readings, one twin's in one file, the other's in several.
    twins = [
        (town.household(tariff, category=category), town.household(tariff, category=category))
        for _ in meters
    ]
    one: list[tuple[date, str]] = []
    many: list[tuple[date, str]] = []
    for ((_, meter_a), (_, meter_b)), readings in zip(twins, meters, strict=True):
        total = Decimal(0)  # Town installs meters at 0
        for day, used in sorted(readings):
            total += used
            on = date(2026, 10, day)
            one.append((on, f"{meter_a.number},{on},{total}"))
            many.append((on, f"{meter_b.number},{on},{total}"))
    many.sort()
    edges = sorted({min(c, len(many)) for c in cuts} | {0, len(many)})
    batches = [many[a:b] for a, b in pairwise(edges) if many[a:b]]
    for rows in [sorted(one), *batches]:
        text = "meter,read_on,total\n" + "\n".join(line for _, line in rows) + "\n"
        report = reading_import.import_readings(
            session,
            text.encode(),
            file_name=f"batch-{next(_files)}.csv",
            strict=True,
            by=system("test"),
        )
        assert report.accepted == len(rows)
    bill_run.run(session, OCTOBER, settings=settings, by=system("test"))
    a_bills = _bills(session, [a.id for (a, _), _ in twins])
    b_bills = _bills(session, [b.id for _, (b, _) in twins])
    assert a_bills == b_bills
    for (kwh, _, lines), readings in zip(a_bills, meters, strict=True):
        assert kwh == sum(used for _, used in readings)
        assert sum(line[1] for line in lines) == kwh  # tier quantities add up
