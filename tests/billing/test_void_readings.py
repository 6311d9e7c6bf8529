"""A reading from the future can never block a meter again, and a wrong reading is voided.

Before: a reading dated ahead (a typo in a file: 2027 for 2026) was accepted, and every real
reading until that day was refused as "before the meter's last reading"; a misread register
(too high) made every later, lower reading refused, and the month was held as negative. Now a
reading is of a day that has come and not before the meter's installation (import, API, console),
and an administrator voids a wrong one with the reason: it stays in the history, the bill run
passes over it, and the next reading follows the last one in force.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.access.actor import Actor, Role, system
from quarterhour.billing import bill_run
from quarterhour.billing.models import Bill, HeldReading
from quarterhour.config import Settings
from quarterhour.customers import accounts, reading_import, register_import
from quarterhour.customers.models import Account, Meter, MeterReading
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation.models import Staff

pytestmark = pytest.mark.db
D = Decimal
TODAY = datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI)
Login = Callable[[str], dict[str, str]]


@pytest.fixture
def today(frozen_clock: Any) -> datetime:
    frozen_clock.set(TODAY)
    return TODAY


@pytest.fixture
def town(session: Session, org: Organisation) -> Town:
    return Town(session, org)


@pytest.fixture
def household(session: Session, town: Town, today: datetime) -> tuple[Account, Meter]:
    """Installed on 2026-08-15 at 0, read 100 on 2026-09-30."""
    account, meter = town.household("ZJ-RES")
    town.read(meter, date(2026, 9, 30), "100")
    session.commit()
    return account, meter


def written_unchecked(session: Session, meter: Meter, day: date, total: str) -> int:
    """A reading as one could be written before this fix (checks bypassed)."""
    reading = MeterReading(
        meter_id=meter.id,
        period=day.replace(day=1),
        read_on=day,
        kind="regular",
        source="actual",
        total=D(total),
        previous_total=D("100"),
        rolled_over=False,
        created_at=clock.now(),
    )
    session.add(reading)
    session.commit()
    return reading.id


def _import(session: Session, text: str, name: str) -> reading_import.ImportReport:
    report = reading_import.import_readings(
        session, text.encode(), file_name=name, by=system("test")
    )
    session.commit()
    return report


def test_a_reading_dated_ahead_or_before_the_meter_is_refused_naming_read_on(
    session: Session, household: tuple[Account, Meter]
) -> None:
    _, meter = household
    report = _import(
        session,
        "meter,read_on,total\n"
        f"{meter.number},2027-10-31,350\n"  # a year ahead: the typo that blocked a meter
        f"{meter.number},2026-11-28,350\n"  # tomorrow
        f"{meter.number},9999-12-31,350\n"
        f"{meter.number},2026-10-31,250\n",
        "oct.csv",
    )
    assert [(p.row, p.field) for p in report.problems] == [
        (2, "read_on"),
        (3, "read_on"),
        (4, "read_on"),
    ]
    assert report.accepted == 1  # the real reading is not blocked by any of them
    with pytest.raises(ValidationFailed) as ahead:
        accounts.record_reading(session, meter=meter, read_on=date(2026, 12, 1), total=D(400))
    assert ahead.value.field == "read_on"
    with pytest.raises(ValidationFailed) as before:
        accounts.record_reading(session, meter=meter, read_on=date(2026, 8, 1), total=D(400))
    assert before.value.field == "read_on"


def test_a_meter_installed_ahead_is_refused_naming_installed_on(
    session: Session, household: tuple[Account, Meter]
) -> None:
    account, _ = household
    report = register_import.import_meters(
        session,
        f"meter,account,installed_on\nM-AHEAD,{account.number},2027-01-05\n".encode(),
        file_name="meters.csv",
        by=system("test"),
    )
    assert [(p.field, p.message) for p in report.problems] == [
        ("installed_on", "2027-01-05 has not come yet")
    ]


def test_a_reading_from_the_future_is_voided_and_the_meter_reads_again(
    session: Session,
    household: tuple[Account, Meter],
    client: TestClient,
    login: Login,
    settings: Settings,
) -> None:
    account, meter = household
    wrong = written_unchecked(session, meter, date(2027, 10, 31), "350")
    blocked = _import(session, f"meter,read_on,total\n{meter.number},2026-10-31,250\n", "a.csv")
    assert [(p.field, p.message) for p in blocked.problems] == [
        ("read_on", "before the meter's last reading of 2027-10-31")
    ]
    admin = login("admin")
    response = client.post(
        f"/api/v1/accounts/{account.number}/readings/{wrong}/void",
        json={"reason": "抄表日期录错（2027 应为 2026）"},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    voided = response.json()
    assert voided["void_reason"] == "抄表日期录错（2027 应为 2026）"
    assert voided["voided_at"] is not None
    history = client.get(f"/api/v1/accounts/{account.number}/readings", headers=admin).json()
    assert [(r["read_on"], r["voided_at"] is not None) for r in history] == [
        ("2026-08-15", False),
        ("2026-09-30", False),
        ("2027-10-31", True),  # kept, marked
    ]
    assert history[2]["voided_by_id"] == login_id(client, admin)
    session.expire_all()
    # The row set aside, imported again (its own file: the same file twice changes nothing).
    again = _import(session, f"meter,total,read_on\n{meter.number},250,2026-10-31\n", "b.csv")
    assert (again.accepted, again.problems) == (1, [])
    right = session.scalar(select(MeterReading).where(MeterReading.read_on == date(2026, 10, 31)))
    assert right is not None and right.previous_total == D("100.00")
    bill_run.run(session, date(2026, 10, 1), settings=settings, by=system("test"))
    assert session.scalar(select(Bill.kwh).where(Bill.account_id == account.id)) == D("150.00")


def login_id(client: TestClient, headers: dict[str, str]) -> int:
    return int(client.get("/api/v1/auth/me", headers=headers).json()["id"])


def test_a_misread_register_is_voided_and_the_month_bills_from_the_readings_in_force(
    session: Session, household: tuple[Account, Meter], settings: Settings
) -> None:
    account, meter = household
    misread = accounts.record_reading(
        session, meter=meter, read_on=date(2026, 10, 15), total=D(900)
    )
    session.commit()
    with pytest.raises(ValidationFailed) as lower:  # the right reading looks like a step back
        accounts.record_reading(session, meter=meter, read_on=date(2026, 10, 31), total=D(250))
    assert lower.value.field == "total"
    session.rollback()
    admin = _actor(session, "admin")
    accounts.void_reading(session, account.number, misread.id, by=admin, reason="900 应为 190")
    right = accounts.record_reading(session, meter=meter, read_on=date(2026, 10, 31), total=D(250))
    assert right.previous_total == D("100.00")
    session.commit()
    report = bill_run.run(session, date(2026, 10, 1), settings=settings, by=system("test"))
    assert report.held == 0
    assert session.scalar(select(Bill.kwh).where(Bill.account_id == account.id)) == D("150.00")


def test_voiding_a_reading_in_the_middle_rechains_the_next_one(
    session: Session, household: tuple[Account, Meter], settings: Settings
) -> None:
    # The misread one came first and the right one was rolled over past it: the month shows a
    # negative step and is held. Voiding the misread one makes the next one follow 100 again.
    account, meter = household
    misread = accounts.record_reading(
        session, meter=meter, read_on=date(2026, 10, 15), total=D(900)
    )
    later = accounts.record_reading(
        session, meter=meter, read_on=date(2026, 10, 31), total=D(250), rolled_over=True
    )
    session.commit()
    assert later.previous_total == D("900.00")
    accounts.void_reading(
        session, account.number, misread.id, by=_actor(session, "admin"), reason="误抄"
    )
    session.commit()
    session.refresh(later)
    assert later.previous_total == D("100.00")
    bill_run.run(session, date(2026, 10, 1), settings=settings, by=system("test"))
    assert session.scalar(select(Bill.kwh).where(Bill.account_id == account.id)) == D("150.00")
    assert session.scalar(select(HeldReading.id)) is None


def test_a_voided_reading_gives_its_day_to_the_right_one(
    session: Session, household: tuple[Account, Meter]
) -> None:
    account, meter = household
    misread = accounts.record_reading(
        session, meter=meter, read_on=date(2026, 10, 31), total=D(900)
    )
    session.commit()
    accounts.void_reading(
        session, account.number, misread.id, by=_actor(session, "admin"), reason="误抄"
    )
    right = accounts.record_reading(session, meter=meter, read_on=date(2026, 10, 31), total=D(250))
    session.commit()
    assert (right.read_on, right.previous_total) == (date(2026, 10, 31), D("100.00"))


def _actor(session: Session, username: str) -> Actor:
    staff = session.scalar(select(Staff).where(Staff.username == username))
    assert staff is not None
    return Actor(staff.id, staff.username, Role(staff.role), staff.department_id)


def test_only_an_administrator_voids_with_a_reason_and_once(
    session: Session,
    town: Town,
    household: tuple[Account, Meter],
    client: TestClient,
    login: Login,
) -> None:
    account, meter = household
    wrong = written_unchecked(session, meter, date(2026, 10, 31), "350")
    installation = session.scalar(
        select(MeterReading.id).where(
            MeterReading.meter_id == meter.id, MeterReading.kind == "initial"
        )
    )
    path = f"/api/v1/accounts/{account.number}/readings"
    session.rollback()  # SQLite: an open transaction would hold the write lock the API needs
    admin = login("admin")
    cases = [
        ("dispatcher", wrong, {"reason": "误抄"}, 403, None),
        ("hall-baohe", wrong, {"reason": "误抄"}, 403, None),
        ("admin", wrong, {"reason": ""}, 422, "reason"),
        ("admin", wrong, {"reason": "误\x00抄"}, 422, "reason"),
        ("admin", wrong, {}, 422, "reason"),
        ("admin", installation, {"reason": "误抄"}, 409, "reading_id"),
        ("admin", 999_999, {"reason": "误抄"}, 404, "reading_id"),
        ("admin", 2**63, {"reason": "误抄"}, 422, "reading_id"),
    ]
    for who, reading_id, body, status, field in cases:
        response = client.post(f"{path}/{reading_id}/void", json=body, headers=login(who))
        assert (response.status_code, response.json().get("field")) == (status, field), (
            who,
            reading_id,
            body,
            response.text,
        )
    assert (
        client.post(f"{path}/{wrong}/void", json={"reason": "误抄"}, headers=admin).status_code
        == 200
    )
    twice = client.post(f"{path}/{wrong}/void", json={"reason": "误抄"}, headers=admin)
    assert twice.status_code == 409
    # Another account's number does not reach this meter's reading.
    other, _ = town.household("ZJ-RES")
    session.commit()
    elsewhere = client.post(
        f"/api/v1/accounts/{other.number}/readings/{wrong}/void",
        json={"reason": "误抄"},
        headers=admin,
    )
    assert elsewhere.status_code == 404
