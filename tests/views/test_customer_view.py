"""The customer view at the intake desk: accounts, meters, bills, arrears and orders, masked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import bill_run, payments
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.views.customer import customer_view

pytestmark = pytest.mark.db
D = Decimal


def test_the_view_shows_what_the_agent_needs_and_masks_personal_data(
    session: Session,
    org: Organisation,
    settings: Settings,
    client: TestClient,
    login: Callable[[str], dict[str, str]],
) -> None:
    town = Town(session, org)
    account, meter = town.household("ZJ-RES", households=2, initial=D(0))  # a 合表
    town.read(meter, date(2026, 9, 30), "200")
    town.read(meter, date(2026, 10, 31), "500")
    bill_run.run(session, date(2026, 9, 1), settings=settings, by=system("test"))
    bill_run.run(session, date(2026, 10, 1), settings=settings, by=system("test"))
    payments.record_payment(
        session,
        account,
        amount="100.00",
        channel="counter",
        paid_at=datetime(2026, 10, 12, 10, 0, tzinfo=clock.SHANGHAI),
    )
    session.commit()
    agent = login("agent")
    taken = client.post(
        "/api/v1/contacts",
        headers=agent,
        json={
            "channel": "hotline",
            "customer": {"id": account.customer_id},
            "matters": [{"order_type": "complaint", "title": "合表电费纠纷"}],
        },
    )
    assert taken.status_code == 201, taken.text

    response = client.get(f"/api/v1/customers/{account.customer_id}", headers=agent)
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["customer"]["phone"].count("*") == 4
    (shown,) = view["accounts"]
    assert shown["number"] == account.number
    assert shown["tariff"] == "ZJ-RES"
    assert shown["meters"][0]["is_shared"] is True
    assert shown["meters"][0]["households"] == 2
    assert [b["period"] for b in shown["bills"]] == ["2026-10-01", "2026-09-01"]
    assert D(shown["bills"][0]["amount"]) == D("161.40")  # 300 kWh at the flat 0.538 (合表)
    assert D(shown["payments"][0]["amount"]) == D("100.00")
    assert D(shown["unpaid"]) == D("107.60") + D("161.40") - D("100.00")
    assert [o["title"] for o in view["orders"]] == ["合表电费纠纷"]
    assert view["orders"][0]["customer_phone"].count("*") == 4
    assert account.phone not in response.text


def test_a_role_without_customer_access_is_refused(
    session: Session, org: Organisation, client: TestClient, login: Callable[[str], dict[str, str]]
) -> None:
    town = Town(session, org)
    account, _ = town.household("ZJ-RES")
    session.commit()
    # Administrators manage staff and reference data; they do not read customers' accounts.
    response = client.get(f"/api/v1/customers/{account.customer_id}", headers=login("admin"))
    assert response.status_code == 403
    unknown = client.get("/api/v1/customers/999999", headers=login("agent"))
    assert unknown.status_code == 404


def test_search_finds_a_caller_by_account_number(
    session: Session, org: Organisation, client: TestClient, login: Callable[[str], dict[str, str]]
) -> None:
    town = Town(session, org)
    account, _ = town.household("ZJ-RES")
    town.household("ZJ-RES")
    session.commit()
    found = client.get(
        "/api/v1/customers", params={"account": account.number}, headers=login("agent")
    )
    assert found.status_code == 200, found.text
    assert [c["id"] for c in found.json()] == [account.customer_id]
    none = client.get("/api/v1/customers", params={"account": "0000000000"}, headers=login("agent"))
    assert none.json() == []


def test_search_by_phone_last_four_and_name_masks_what_it_returns(
    session: Session, org: Organisation, client: TestClient, login: Callable[[str], dict[str, str]]
) -> None:
    # On PostgreSQL the route reads on the event loop, elsewhere in a session: the same answers.
    town = Town(session, org)
    first, _ = town.household("ZJ-RES")  # 户主1, 13900000001
    town.household("ZJ-RES")  # 户主2, 13900000002
    session.commit()
    agent = login("agent")

    def ids(**params: str) -> list[int]:
        answer = client.get("/api/v1/customers", params=params, headers=agent)
        assert answer.status_code == 200, answer.text
        return [c["id"] for c in answer.json()]

    assert ids(phone="139-0000-0001") == [first.customer_id]
    assert ids(phone="0001") == [first.customer_id]  # the last four digits
    assert len(ids(name="户主")) == 2
    assert ids(name="户%") == []  # a LIKE wildcard typed in is a character, not a pattern
    found = client.get("/api/v1/customers", params={"phone": "0001"}, headers=agent).json()
    assert found[0]["phone"] == "139****0001"
    assert found[0]["name"] == "户**"
    nothing = client.get("/api/v1/customers", headers=agent)
    assert (nothing.status_code, nothing.json()["field"]) == (422, "phone")
    refused = client.get("/api/v1/customers", params={"phone": "0001"}, headers=login("admin"))
    assert refused.status_code == 403


def test_search_finds_a_caller_by_part_of_a_service_address(
    session: Session,
    org: Organisation,
    client: TestClient,
    login: Callable[[str], dict[str, str]],
    backend: str,
) -> None:
    town = Town(session, org)
    account, _ = town.household("ZJ-RES")  # 合肥市包河区拱辰街1号楼1室
    town.household("ZJ-RES")
    session.commit()
    found = client.get(
        "/api/v1/customers", params={"address": "拱辰街1号楼"}, headers=login("agent")
    )
    assert [c["id"] for c in found.json()] == [account.customer_id]
    if backend == "postgresql":  # the trigram indexes that keep this fast at a million rows
        names = set(
            session.scalars(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'"))
        )
        assert {"ix_premises_address_trgm", "ix_customer_address_trgm"} <= names


def test_a_contact_taken_by_account_number_links_its_orders_to_that_account(
    session: Session, org: Organisation, client: TestClient, login: Callable[[str], dict[str, str]]
) -> None:
    town = Town(session, org)
    account, _ = town.household("ZJ-RES")
    other, _ = town.household("ZJ-RES")
    number, customer_id, other_customer = account.number, account.customer_id, other.customer_id
    session.commit()
    agent = login("agent")
    matter = {"order_type": "consultation", "title": "电费为何比上月高", "answer": "已解释阶梯电价"}
    taken = client.post(
        "/api/v1/contacts",
        json={"channel": "hotline", "customer": {"account": number}, "matters": [matter]},
        headers=agent,
    )
    assert taken.status_code == 201, taken.text
    assert taken.json()["customer_id"] == customer_id
    order_id = taken.json()["orders"][0]["id"]
    detail = client.get(f"/api/v1/orders/{order_id}", headers=login("supervisor")).json()
    assert detail["account_number"] == number
    unknown = client.post(
        "/api/v1/contacts",
        json={"channel": "hotline", "customer": {"account": "9999999999"}, "matters": [matter]},
        headers=agent,
    )
    assert (unknown.status_code, unknown.json()["field"]) == (404, "customer.account")
    mismatched = client.post(
        "/api/v1/contacts",
        json={
            "channel": "hotline",
            "customer": {"account": number, "id": other_customer},
            "matters": [matter],
        },
        headers=agent,
    )
    assert (mismatched.status_code, mismatched.json()["field"]) == (422, "customer.account")


def test_each_bill_shows_the_readings_it_was_computed_from_and_what_is_paid_of_it(
    session: Session, org: Organisation, settings: Settings, frozen_clock: Any
) -> None:
    town = Town(session, org)
    account, meter = town.household("AH-SHARED", initial=D(9800), multiplier=2, digits=4)
    town.read(meter, date(2026, 9, 30), "9900", source="estimated")
    town.read(meter, date(2026, 10, 31), "150", rolled_over=True)  # past 9999: 250 on the dial
    for month in (9, 10):
        bill_run.run(session, date(2026, month, 1), settings=settings, by=system("test"))

    def bills(day: date) -> list[Any]:
        view = customer_view(
            session, account.customer_id, by=system("test"), settings=settings, as_of=day
        )
        return view.accounts[0].bills

    october, september = bills(date(2026, 11, 10))
    assert (september.status, october.status) == ("overdue", "unpaid")  # due 10-20, 11-20
    assert [(r.previous, r.current, r.kwh, r.estimated) for r in september.readings] == [
        (D(9800), D(9900), D(200), True)
    ]
    assert [(r.meter, r.previous, r.current, r.kwh) for r in october.readings] == [
        (meter.number, D(9900), D(150), D(500))
    ]
    assert (september.kwh, october.kwh) == (D(200), D(500))
    # September paid whole on its due day, then part of October.
    for amount, day in ((september.amount, 20), (D("20.00"), 28)):
        payments.record_payment(
            session,
            account,
            amount=amount,
            channel="counter",
            paid_at=datetime(2026, 10, day, 10, 0, tzinfo=clock.SHANGHAI),
        )
    session.flush()
    october, september = bills(date(2026, 11, 10))
    assert (september.paid, september.unpaid, september.status) == (september.amount, 0, "paid")
    assert (october.paid, october.status, october.late_fee) == (D(20), "part_paid", D(0))
    assert october.unpaid == october.amount - 20
    october, _ = bills(date(2026, 11, 27))  # a week past its due day
    assert october.status == "overdue" and october.late_fee > 0
