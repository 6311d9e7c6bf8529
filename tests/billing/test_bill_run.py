"""The bill run on a real database: readings to itemised bills, holds, idempotent re-runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import bill_run
from quarterhour.billing.models import Bill, BillLine, BillRun, HeldReading
from quarterhour.config import Settings
from quarterhour.customers import accounts
from quarterhour.customers.models import Account, Customer, Premises
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock

pytestmark = pytest.mark.db

D = Decimal
SEPTEMBER = date(2026, 9, 1)
OCTOBER = date(2026, 10, 1)


def bill_of(session: Session, account: Account, period: date) -> Bill | None:
    return session.scalar(select(Bill).where(Bill.account_id == account.id, Bill.period == period))


def lines_of(session: Session, bill: Bill) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    rows = session.scalars(
        select(BillLine).where(BillLine.bill_id == bill.id).order_by(BillLine.line_no)
    )
    return [(line.kind, line.kwh, line.unit_price, line.amount) for line in rows]


def held(session: Session, period: date) -> dict[int, str]:
    return dict(
        session.execute(
            select(HeldReading.account_id, HeldReading.reason).where(HeldReading.period == period)
        ).all()
    )


def test_a_period_is_billed_line_by_line_and_the_odd_cases_are_held(
    session: Session, org: Organisation, settings: Settings
) -> None:
    town = Town(session, org)
    tiered, m1 = town.household("ZJ-RES", initial=D("1000.00"))
    town.read(m1, date(2026, 9, 30), "1350.00")
    town.read(m1, date(2026, 10, 31), "4850.00")  # 3500 kWh (10× September: still plausible)
    shared, m2 = town.household("ZJ-RES", households=3)  # 合表: tiered tariff, flat price
    town.read(m2, date(2026, 10, 31), "3200.00")
    tou, m3 = town.household(
        "ZJ-RES-TOU", is_time_of_use=True, initial_peak=D(0), initial_valley=D(0)
    )
    town.read(m3, date(2026, 10, 31), "300.00", peak=D("180.00"), valley=D("120.00"))
    rolled, m4 = town.household(
        "AH-BIZ", category="non_residential", digits=4, multiplier=2, initial=D("9990")
    )
    town.read(m4, date(2026, 10, 31), "20", rolled_over=True)  # 30 register units × 2
    missing, _ = town.household("ZJ-RES")  # no October reading
    jumpy, m6 = town.household("AH-BIZ", category="non_residential")
    town.read(m6, date(2026, 9, 30), "100")
    town.read(m6, date(2026, 10, 31), "1200")  # 1100 kWh against a usual 100

    first = bill_run.run(session, SEPTEMBER, settings=settings, by=system("test"))
    assert first.created == 2  # the tiered household and the jumpy shop had September readings
    report = bill_run.run(session, OCTOBER, settings=settings, by=system("test"))

    october = bill_of(session, tiered, OCTOBER)
    assert october is not None
    # Annual tiers count September's 350 kWh: 2760 − 350 = 2410 kWh left in tier 1.
    assert lines_of(session, october) == [
        ("tier1", D("2410.00"), D("0.5380"), D("1296.58")),
        ("tier2", D("1090.00"), D("0.5880"), D("640.92")),
    ]
    assert october.amount == D("1937.50")
    assert october.kwh == D("3500.00")
    assert october.year_kwh == D("3850.00")
    assert october.due_on == date(2026, 11, 20)
    assert abs((october.issued_at - clock.now()).total_seconds()) < 600  # binary COPY's timestamps
    assert lines_of(session, bill_of(session, shared, OCTOBER)) == [  # type: ignore[arg-type]
        ("flat", D("3200.00"), D("0.5380"), D("1721.60"))
    ]
    assert lines_of(session, bill_of(session, tou, OCTOBER)) == [  # type: ignore[arg-type]
        ("peak", D("180.00"), D("0.5680"), D("102.24")),
        ("valley", D("120.00"), D("0.2880"), D("34.56")),
    ]
    assert lines_of(session, bill_of(session, rolled, OCTOBER)) == [  # type: ignore[arg-type]
        ("flat", D("60.00"), D("0.7342"), D("44.05"))
    ]
    assert held(session, OCTOBER) == {missing.id: "missing", jumpy.id: "implausible"}
    assert bill_of(session, missing, OCTOBER) is None
    assert bill_of(session, jumpy, OCTOBER) is None
    assert (report.accounts, report.created, report.replaced, report.unchanged, report.held) == (
        6,
        4,
        0,
        0,
        2,
    )
    assert report.amount == D("1937.50") + D("1721.60") + D("102.24") + D("34.56") + D("44.05")


def test_running_again_writes_nothing_and_a_corrected_reading_replaces_one_bill(
    session: Session, org: Organisation, settings: Settings
) -> None:
    town = Town(session, org)
    one, m1 = town.household("ZJ-RES", initial=D("100"))
    town.read(m1, date(2026, 10, 31), "400")
    two, m2 = town.household("ZJ-RES", initial=D("100"))
    town.read(m2, date(2026, 10, 31), "300")
    _late, m3 = town.household("ZJ-RES", initial=D("0"))

    bill_run.run(session, OCTOBER, settings=settings, by=system("test"))
    first = {a.id: bill_of(session, a, OCTOBER) for a in (one, two)}
    again = bill_run.run(session, OCTOBER, settings=settings, by=system("test"))
    assert (again.created, again.replaced, again.unchanged, again.held) == (0, 0, 2, 1)
    assert session.scalar(select(func.count()).select_from(Bill)) == 2
    assert session.scalar(select(func.count()).select_from(HeldReading)) == 1  # not held twice

    # The late reading arrives, and one reading is corrected with a second one that day's end.
    town.read(m3, date(2026, 10, 31), "50")
    town.read(m2, date(2026, 10, 31), "320", kind="final")
    third = bill_run.run(session, OCTOBER, settings=settings, by=system("test"))
    assert (third.created, third.replaced, third.unchanged) == (1, 1, 1)
    assert bill_of(session, one, OCTOBER).id == first[one.id].id  # type: ignore[union-attr]
    assert bill_of(session, two, OCTOBER).kwh == D("220.00")  # type: ignore[union-attr]
    assert session.scalar(select(func.count()).select_from(Bill)) == 3
    runs = session.scalars(select(BillRun).order_by(BillRun.id)).all()
    assert [r.status for r in runs] == ["done", "done", "done"]


def test_a_month_that_has_not_ended_is_refused(session: Session, settings: Settings) -> None:
    with pytest.raises(ValidationFailed) as caught:
        bill_run.run(session, clock.now().date(), settings=settings, by=system("test"))
    assert caught.value.field == "period"


def test_one_district_at_a_time(session: Session, org: Organisation, settings: Settings) -> None:
    town = Town(session, org)
    here, m1 = town.household("ZJ-RES", initial=D("0"))
    town.read(m1, date(2026, 10, 31), "100")
    elsewhere = accounts.add_premises(
        session,
        address="合肥市蜀山区长江西路1号",
        district_id=org.districts["shushan"],
        by=system("test"),
    )
    there_account = accounts.open_account(
        session,
        customer=session.get_one(Customer, here.customer_id),
        premises=elsewhere,
        tariff_id=town.tariffs["ZJ-RES"],
        opened_on=date(2026, 8, 1),
    )
    m2 = accounts.install_meter(
        session,
        account=there_account,
        number="M-SS-1",
        installed_on=date(2026, 8, 20),
        households=[elsewhere],
    )
    town.read(m2, date(2026, 10, 31), "80")
    report = bill_run.run(
        session, OCTOBER, settings=settings, district_id=org.districts["shushan"], by=system("test")
    )
    assert report.created == 1
    assert bill_of(session, there_account, OCTOBER) is not None
    assert bill_of(session, here, OCTOBER) is None
    assert session.get(Premises, elsewhere.id) is not None


def test_a_second_run_of_the_same_period_is_refused_while_the_first_runs(
    engine: Engine, backend: str, org: Organisation, settings: Settings
) -> None:
    import threading

    from quarterhour.errors import Conflict
    from quarterhour.storage.engine import make_session_factory, unit_of_work

    if backend != "postgresql":
        pytest.skip("SQLite lets one writer in at a time (BEGIN IMMEDIATE): runs queue")
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        town = Town(session, org)
        _, meter = town.household("ZJ-RES", initial=D("0"))
        town.read(meter, date(2026, 10, 31), "100")
    inside, leave = threading.Event(), threading.Event()
    outcome: list[object] = []

    def first() -> None:
        def wait_inside(message: str) -> None:
            inside.set()
            leave.wait(10)

        with unit_of_work(factory) as session:
            outcome.append(
                bill_run.run(
                    session, OCTOBER, settings=settings, progress=wait_inside, by=system("test")
                )
            )

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(10)
        baohe = org.districts["baohe"]
        for district_id in (None, baohe):
            with pytest.raises(Conflict) as refused, unit_of_work(factory) as session:
                bill_run.run(
                    session, OCTOBER, settings=settings, district_id=district_id, by=system("test")
                )
            assert refused.value.field == "period"
            assert "running already" in refused.value.message
        with unit_of_work(factory) as session:  # another month is not held up
            bill_run.run(session, SEPTEMBER, settings=settings, by=system("test"))
    finally:
        leave.set()
        thread.join(10)
    (report,) = outcome
    assert isinstance(report, bill_run.RunReport) and report.created == 1
    with unit_of_work(factory) as session:  # and once it is over, running again is fine
        again = bill_run.run(
            session,
            OCTOBER,
            settings=settings,
            district_id=org.districts["baohe"],
            by=system("test"),
        )
    assert (again.created, again.unchanged) == (0, 1)
