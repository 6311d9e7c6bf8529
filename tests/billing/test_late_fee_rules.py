"""Late-fee rules as stored versions with their sources, and one computation for every reader:
the account statement, the bill inquiry (API and page) and the customer view."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import bill_run, late_fees, payments
from quarterhour.billing.models import Bill, LateFeeRuleRow
from quarterhour.config import Settings
from quarterhour.customers.models import Account
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock, recheck

pytestmark = pytest.mark.db
D = Decimal


def business_in_arrears(session: Session, org: Organisation, settings: Settings) -> Account:
    """An 一般工商业 account billed for September to November 2026, 1000 kWh a month at
    AH-BIZ's 0.7342: 734.20 each, due 10-20, 11-20 and 12-20."""
    town = Town(session, org)
    account, meter = town.household("AH-BIZ", category="non_residential", initial=D(0))
    for day, total in ((date(2026, 9, 30), "1000"), (date(2026, 10, 31), "2000")):
        town.read(meter, day, total)
    town.read(meter, date(2026, 11, 30), "3000")
    for month in (9, 10, 11):
        bill_run.run(session, date(2026, month, 1), settings=settings, by=system("test"))
    bills = session.execute(
        select(Bill.amount, Bill.due_on).where(Bill.account_id == account.id).order_by(Bill.period)
    ).all()
    assert [tuple(b) for b in bills] == [
        (D("734.20"), date(2026, 10, 20)),
        (D("734.20"), date(2026, 11, 20)),
        (D("734.20"), date(2026, 12, 20)),
    ]
    return account


def test_statement_inquiry_and_customer_view_owe_the_same_late_fees(
    session: Session,
    org: Organisation,
    settings: Settings,
    client: TestClient,
    login: Callable[[str], dict[str, str]],
    frozen_clock: Any,
) -> None:
    frozen_clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=clock.SHANGHAI))
    account = business_in_arrears(session, org, settings)
    payments.record_payment(
        session,
        account,
        amount="734.20",
        channel="bank",
        paid_at=datetime(2027, 1, 5, 10, 0, tzinfo=clock.SHANGHAI),
    )
    session.commit()
    # The payment on 2027-01-05 pays September (late since 10-21), one settlement:
    #   734.20 × (0.002 × 72 days of 2026 + 0.003 × 5 days of 2027) = 734.20 × 0.159 = 116.7378
    #   → 116.74
    # Still unpaid on 2027-01-10, the other settlement:
    #   October  734.20 × (0.002 × 41 + 0.003 × 10) = 734.20 × 0.112 = 82.2304
    #   November 734.20 × (0.002 × 11 + 0.003 × 10) = 734.20 × 0.052 = 38.1784
    #   together 120.4088 → 120.41
    # Late fees 116.74 + 120.41 = 237.15; total due 2 × 734.20 + 237.15 = 1705.55.
    expected = {"late_fees": D("237.15"), "total_due": D("1705.55")}

    owed = payments.account_statement(session, account, settings=settings)
    assert [s.fee for s in owed.settlements] == [D("116.74"), D("120.41")]
    assert {"late_fees": owed.late_fees, "total_due": owed.total_due} == expected
    number, last4, customer_id = account.number, account.phone_last4, account.customer_id
    session.rollback()  # SQLite: a reading session would hold the write lock the routes take

    agent = login("agent")
    api_statement = client.get(f"/api/v1/accounts/{number}/statement", headers=agent)
    assert api_statement.status_code == 200, api_statement.text
    body = api_statement.json()
    assert {k: D(body[k]) for k in expected} == expected
    assert [D(b["late_fee"]) for b in body["bills"]] == [D("116.74"), D("82.23"), D("38.18")]

    line = client.get(
        "/api/v1/public/bill",
        params={"account": number, "phone_last4": last4},
    ).json()
    assert {k: D(line[k]) for k in expected} == expected
    assert "累计应缴1705.55元" in line["sentence"]

    view = client.get(f"/api/v1/customers/{customer_id}", headers=agent).json()
    [mine] = [a for a in view["accounts"] if a["number"] == number]
    assert {k: D(mine[k]) for k in expected} == expected

    page = client.get("/bill", params={"account": number, "phone_last4": last4})
    assert "237.15" in page.text and "1705.55" in page.text


def test_the_shipped_rules_are_stored_with_their_sources(
    session: Session, org: Organisation
) -> None:
    rows = session.scalars(select(LateFeeRuleRow).order_by(LateFeeRuleRow.effective_from)).all()
    assert [r.effective_from for r in rows] == [date(1996, 10, 8), date(2024, 6, 1)]
    assert "第九十八条" in rows[0].source  # the 1996 text's article, for days before 2024-06-01
    assert "国家发展改革委令2024年第14号" in rows[1].source
    late_fees.ensure_default_rules(session)  # idempotent
    assert session.scalar(select(func.count()).select_from(LateFeeRuleRow)) == 2


def test_a_new_version_applies_from_its_first_day_and_is_published(
    session: Session, org: Organisation, client: TestClient
) -> None:
    late_fees.add_version(
        session,
        {
            "effective_from": "2027-03-01",
            "residential": "0.0005",
            "current_year": "0.001",
            "earlier_years": "0.002",
            "minimum": "0.50",
        },
        by=system("test"),
        source="a later regulation (test)",
    )
    session.commit()
    book = late_fees.rule_book(session)
    assert book.in_force(date(2027, 2, 28)).residential == D("0.001")  # type: ignore[union-attr]
    assert book.in_force(date(2027, 3, 1)).residential == D("0.0005")  # type: ignore[union-attr]
    session.rollback()  # SQLite: the read above holds the lock the routes take
    before = client.get("/api/v1/public/disclosure", params={"on": "2027-02-28"}).json()
    after = client.get("/api/v1/public/disclosure", params={"on": "2027-03-01"}).json()
    assert before["late_fees"]["source"].startswith("《供电营业规则》(国家发展改革委令2024年第14号")
    assert D(before["late_fees"]["residential_per_day"]) == D("0.001")
    assert D(before["late_fees"]["minimum"]) == D("1.00")
    assert after["late_fees"]["source"] == "a later regulation (test)"
    assert D(after["late_fees"]["earlier_years_per_day"]) == D("0.002")
    old = client.get("/api/v1/public/disclosure", params={"on": "2012-01-01"}).json()
    assert "第九十八条" in old["late_fees"]["source"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"effective_from": "2027-13-01"}, "effective_from"),
        ({"residential": "0.1"}, "residential"),  # 10 % a day: surely a percent typed as such
        ({"current_year": "-0.001"}, "current_year"),
        ({"earlier_years": "0.0000001"}, "earlier_years"),
        ({"minimum": "-1"}, "minimum"),
        ({"effective_from": "2024-06-01"}, "effective_from"),  # not after the newest version
    ],
)
def test_bad_versions_are_refused_naming_the_field(
    session: Session, org: Organisation, values: dict[str, str], field: str
) -> None:
    good = {
        "effective_from": "2027-03-01",
        "residential": "0.001",
        "current_year": "0.002",
        "earlier_years": "0.003",
    }
    with pytest.raises(ValidationFailed) as caught:
        late_fees.add_version(session, {**good, **values}, by=system("test"), source="test")
    assert caught.value.field == field
    with pytest.raises(ValidationFailed) as caught:
        late_fees.add_version(session, good, by=system("test"), source=" ")
    assert caught.value.field == "source"


def test_the_disclosure_page_shows_the_late_fee_rule_with_its_source(
    session: Session, org: Organisation, client: TestClient
) -> None:
    html = client.get("/disclosure", params={"on": "2026-11-01"}).text
    for seen in (
        "电费违约金",
        "居民用户",
        "0.1%",
        "跨年度欠费部分",
        "0.3%",
        "不足1.00元",
        "2024年第14号",
    ):
        assert seen in html, seen
    english = client.get("/disclosure", params={"on": "2026-11-01", "lang": "en"}).text
    assert "Late fees" in english and "split at 31 December" in english


def test_the_rules_are_read_once_per_window_not_per_inquiry(
    session: Session, org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = late_fees.rule_book(session)
    # Another process adds a version: rows, and no call into this process's copy.
    session.execute(
        insert(LateFeeRuleRow).values(
            effective_from=date(2027, 3, 1),
            residential_rate=D("0.0005"),
            current_year_rate=D("0.001"),
            earlier_years_rate=D("0.002"),
            minimum_fee=D("1.00"),
            source="other process",
            created_at=clock.now(),
        )
    )
    assert late_fees.rule_book(session) is first  # within the window: the copy, no statement
    real = time.monotonic
    monkeypatch.setattr(recheck.time, "monotonic", lambda: real() + recheck.SECONDS + 0.1)
    seen = late_fees.rule_book(session)
    assert seen is not first
    assert seen.in_force(date(2027, 3, 1)).source == "other process"  # type: ignore[union-attr]
