"""分户装表 recorded on a service request: refusals name the field and leave nothing behind."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.customers import accounts
from quarterhour.customers.models import Account, Customer, Meter
from quarterhour.kit import clock
from quarterhour.tariffs import tariff_book
from quarterhour.workorders.models import OrderEvent
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db


@pytest.fixture
def shared(session: Session, loop: LoopApi) -> dict[str, Any]:
    tariff_book.install_samples(session, by=system("test"))
    district = loop.org.districts["baohe"]
    flats = [
        accounts.add_premises(
            session, address=f"合肥市包河区某楼{n}室", district_id=district, by=system("test")
        )
        for n in (1, 2)
    ]
    keeper = Customer(name="楼长", phone="13900001111", phone_last4="1111", created_at=clock.now())
    session.add(keeper)
    session.flush()
    building = accounts.open_account(
        session,
        customer=keeper,
        premises=flats[0],
        tariff_id=tariff_book.get_tariff(session, "AH-SHARED").id,
        opened_on=date(2020, 1, 1),
    )
    one = accounts.add_premises(
        session, address="合肥市包河区单表1号", district_id=district, by=system("test")
    )
    single = accounts.open_account(
        session,
        customer=keeper,
        premises=one,
        tariff_id=tariff_book.get_tariff(session, "AH-RES").id,
        opened_on=date(2020, 1, 1),
    )
    accounts.install_meter(
        session,
        account=building,
        number="SHARED-1",
        installed_on=date(2020, 1, 1),
        households=flats,
    )
    accounts.install_meter(
        session, account=single, number="SINGLE-1", installed_on=date(2020, 1, 1), households=[one]
    )
    session.commit()
    order = loop.intake(
        "complaint", order_type="service_request", subtype="meter_split", title="申请分户"
    )
    loop.act("dispatcher", order["id"], "dispatch")
    loop.act("hall-baohe", order["id"], "acknowledge")
    return {"order": order["id"], "flats": [f.id for f in flats], "one": one.id}


def split(loop: LoopApi, order_id: int, by: str = "hall-baohe", **body: Any) -> Any:
    return loop.client.post(
        f"/api/v1/orders/{order_id}/meter-split",
        json={"shared_meter": "SHARED-1", "new_meter": "NEW-1", "tariff": "AH-RES", **body},
        headers=loop.headers(by),
    )


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as c:
        return (
            int(c.scalar(select(func.count()).select_from(Account)) or 0),
            int(c.scalar(select(func.count()).select_from(Meter)) or 0),
            int(c.scalar(select(func.count()).select_from(OrderEvent)) or 0),
        )


@pytest.mark.parametrize(
    ("body", "by", "status", "field"),
    [
        ({"premises_id": "one"}, "hall-baohe", 422, "premises_id"),  # not on the shared meter
        ({"shared_meter": "SINGLE-1", "premises_id": "one"}, "hall-baohe", 422, "shared_meter"),
        ({"shared_meter": "NOPE", "premises_id": 0}, "hall-baohe", 404, "shared_meter"),
        ({"tariff": "NOPE", "premises_id": 0}, "hall-baohe", 404, "tariff"),
        ({"premises_id": 0}, "hall-shushan", 403, None),  # another department's order
    ],
    ids=[
        "household-elsewhere",
        "not-shared",
        "unknown-meter",
        "unknown-tariff",
        "other-department",
    ],
)
def test_a_refused_split_names_the_problem_and_writes_nothing(
    loop: LoopApi,
    shared: dict[str, Any],
    engine: Engine,
    body: dict[str, Any],
    by: str,
    status: int,
    field: str | None,
) -> None:
    body = dict(body)
    if body.get("premises_id") == "one":
        body["premises_id"] = shared["one"]
    elif body.get("premises_id") == 0:
        body["premises_id"] = shared["flats"][1]
    before = counts(engine)
    response = split(loop, shared["order"], by=by, **body)
    assert response.status_code == status, response.text
    if field is not None:
        assert response.json()["field"] == field
    assert counts(engine) == before


def test_only_a_meter_split_request_records_one(loop: LoopApi, shared: dict[str, Any]) -> None:
    complaint = loop.new_order("complaint", "acknowledged")
    response = split(loop, complaint["id"], premises_id=shared["flats"][1])
    assert response.status_code == 422
    assert response.json()["field"] == "order_id"


def test_a_split_gives_the_household_its_own_meter(
    loop: LoopApi, shared: dict[str, Any], session: Session
) -> None:
    response = split(loop, shared["order"], premises_id=shared["flats"][1], initial_reading="12.5")
    assert response.status_code == 200, response.text
    again = split(loop, shared["order"], new_meter="NEW-2", premises_id=shared["flats"][1])
    assert again.status_code == 422  # that household has left the shared meter
    assert again.json()["field"] == "shared_meter"  # … which now serves one household only
    meter = session.scalar(select(Meter).where(Meter.number == "NEW-1"))
    assert meter is not None
    assert meter.work_order_id == shared["order"]
    assert accounts.households_of(session, meter.id) == [shared["flats"][1]]
    old = session.scalar(select(Meter).where(Meter.number == "SHARED-1"))
    assert old is not None
    assert not old.is_shared
    readings = accounts.readings_of(session, meter.id)
    assert [(r.kind, r.total) for r in readings] == [("initial", Decimal("12.50"))]


def test_the_split_itself_imports_nothing_of_the_closed_loop() -> None:
    """customers/meter_split.py lives with the meters and accounts it writes: what it needs of
    the order (its customer and id) is passed in by the route, never imported from workorders."""
    script = (
        "import sys, quarterhour.customers.meter_split\n"
        "print(sorted(m for m in sys.modules if m.startswith('quarterhour.workorders')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
