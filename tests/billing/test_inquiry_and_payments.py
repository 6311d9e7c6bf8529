"""Payments, the account statement and the public bill inquiry (电话管家), on a real database."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import bill_run, payments, voice
from quarterhour.billing.inquiry import sentence
from quarterhour.billing.models import Payment
from quarterhour.config import Settings
from quarterhour.customers.models import Account
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.cli.main import app as cli
from quarterhour.errors import Conflict, ValidationFailed
from quarterhour.kit import clock

pytestmark = pytest.mark.db
D = Decimal
PAID_AT = datetime(2026, 10, 15, 9, 30, tzinfo=clock.SHANGHAI)  # before either due date


def billed_household(session: Session, org: Organisation, settings: Settings) -> Account:
    town = Town(session, org)
    account, meter = town.household("ZJ-RES", initial=D(0))
    town.read(meter, date(2026, 9, 30), "200")
    town.read(meter, date(2026, 10, 31), "500")
    bill_run.run(
        session, date(2026, 9, 1), settings=settings, by=system("test")
    )  # 200 kWh: 107.60, due 10-20
    bill_run.run(
        session, date(2026, 10, 1), settings=settings, by=system("test")
    )  # 300 kWh: 161.40, due 11-20
    return account


def test_a_statement_applies_payments_oldest_first_with_late_fees(
    session: Session, org: Organisation, settings: Settings
) -> None:
    account = billed_household(session, org, settings)
    shanghai = clock.SHANGHAI
    payments.record_payment(
        session,
        account,
        amount="50.00",
        channel="counter",
        paid_at=datetime(2026, 10, 10, tzinfo=shanghai),
    )
    owed = payments.account_statement(session, account, settings=settings, as_of=date(2026, 11, 19))
    # September: 57.60 left, 30 days late at 0.1 % → 1.728 → 1.73; October not yet due.
    assert owed.unpaid == D("219.00")
    assert owed.late_fees == D("1.73")
    assert owed.total_due == D("220.73")


def test_a_payment_reported_twice_is_one_payment_and_a_clash_is_refused(
    session: Session, org: Organisation, settings: Settings
) -> None:
    account = billed_household(session, org, settings)
    first = payments.record_payment(
        session, account, amount="300.00", channel="bank", reference="B-1", paid_at=PAID_AT
    )
    again = payments.record_payment(
        session, account, amount="300.00", channel="bank", reference="B-1", paid_at=PAID_AT
    )
    assert again.id == first.id
    with pytest.raises(Conflict) as caught:
        payments.record_payment(session, account, amount="30.00", channel="bank", reference="B-1")
    assert caught.value.field == "reference"
    assert session.scalar(select(func.count()).select_from(Payment)) == 1
    owed = payments.account_statement(session, account, settings=settings, as_of=date(2026, 11, 1))
    assert owed.total_due == D("0.00")
    assert owed.credit == D("31.00")  # 300 − 107.60 − 161.40: kept, not lost


@pytest.mark.parametrize(
    ("amount", "channel", "field"),
    [
        ("0", "bank", "amount"),
        ("-5", "bank", "amount"),
        ("1.005", "bank", "amount"),
        (1.5, "bank", "amount"),
        ("10", "cheque", "channel"),
    ],
)
def test_bad_payments_are_refused_naming_the_field(
    session: Session,
    org: Organisation,
    settings: Settings,
    amount: object,
    channel: str,
    field: str,
) -> None:
    account = billed_household(session, org, settings)
    with pytest.raises(ValidationFailed) as caught:
        payments.record_payment(session, account, amount=amount, channel=channel)
    assert caught.value.field == field


def test_the_public_inquiry_answers_the_bill_and_nothing_personal(
    session: Session, org: Organisation, settings: Settings, client: TestClient
) -> None:
    account = billed_household(session, org, settings)
    session.commit()
    last4 = account.phone_last4
    response = client.get(
        "/api/v1/public/bill", params={"account": account.number, "phone_last4": last4}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == "2026-10-01"
    assert D(body["amount"]) == D("161.40")
    assert D(body["total_due"]) >= D("269.00")  # both bills unpaid (and September late by now)
    assert body["due_on"] == "2026-11-20"
    assert body["sentence"].startswith("您户号")
    assert "2026年10月电费161.40元" in body["sentence"]
    text = response.text
    for personal in (account.phone or "", "户主", "拱辰街"):
        assert personal not in text


def test_the_line_counts_payments_and_late_fees_as_the_statement_does(
    session: Session, org: Organisation, settings: Settings, client: TestClient
) -> None:
    # On PostgreSQL the route reads on the event loop (storage.reads), elsewhere in a session:
    # both must owe what the account statement owes.
    account = billed_household(session, org, settings)
    payments.record_payment(session, account, amount="100.00", channel="bank")
    session.commit()
    owed = payments.account_statement(session, account, settings=settings)
    params = {"account": account.number, "phone_last4": account.phone_last4}
    session.rollback()  # SQLite: a reading session would hold the write lock the route takes
    assert owed.late_fees > 0
    body = client.get("/api/v1/public/bill", params=params).json()
    assert (D(body["total_due"]), D(body["late_fees"]), D(body["credit"])) == (
        owed.total_due,
        owed.late_fees,
        owed.credit,
    )
    assert f"累计应缴{owed.total_due:.2f}元" in body["sentence"]


def test_a_wrong_account_and_a_wrong_check_answer_alike_and_repeated_failures_are_refused(
    session: Session, org: Organisation, settings: Settings, client: TestClient
) -> None:
    account = billed_household(session, org, settings)
    session.commit()
    wrong_check = client.get(
        "/api/v1/public/bill", params={"account": account.number, "phone_last4": "0000"}
    )
    wrong_account = client.get(
        "/api/v1/public/bill", params={"account": "9999999999", "phone_last4": account.phone_last4}
    )
    assert wrong_check.status_code == wrong_account.status_code == 404
    # Byte for byte, whichever answered it: the line in front of the router (PostgreSQL) or
    # FastAPI's route (SQLite).
    assert (
        wrong_check.text
        == wrong_account.text
        == (
            '{"error":"not_found","message":"no account matches this number and phone",'
            '"field":"account"}'
        )
    )
    for params, field in (
        ({"account": account.number, "phone_last4": "12a4"}, "phone_last4"),
        ({"account": "x" * 21, "phone_last4": "1234"}, "account"),
        ({"phone_last4": "1234"}, "account"),
    ):
        malformed = client.get("/api/v1/public/bill", params=params)
        assert (malformed.status_code, malformed.json()["field"]) == (422, field)
    for n in range(settings.public_lookup_limit):  # different numbers: the caller's budget
        client.get(
            "/api/v1/public/bill", params={"account": f"99999999{n:02d}", "phone_last4": "0" * 4}
        )
    blocked = client.get(
        "/api/v1/public/bill",
        params={"account": account.number, "phone_last4": account.phone_last4},
    )
    assert blocked.status_code == 429


def test_the_voice_sentence_reads_the_account_digit_by_digit() -> None:
    assert sentence("0012", None, D("0")) == "您户号零零一二暂无电费账单，累计应缴0.00元。"


def test_billing_inquire_cli(
    session: Session,
    org: Organisation,
    settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = billed_household(session, org, settings)
    session.commit()
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    result = CliRunner().invoke(
        cli, ["billing", "inquire", account.number, account.phone_last4 or ""]
    )
    assert result.exit_code == 0, result.output
    assert "161.40" in result.output
    refused = CliRunner().invoke(cli, ["billing", "inquire", account.number, "0000"])
    assert refused.exit_code == 2


def test_the_counter_takes_a_payment_and_shows_the_statement(
    session: Session,
    org: Organisation,
    settings: Settings,
    client: TestClient,
    login: Any,
) -> None:
    account = billed_household(session, org, settings)
    session.commit()
    hall = login("hall-baohe")
    body = {
        "amount": "107.60",
        "channel": "counter",
        "reference": "R-001",
        "paid_at": "2026-10-15T09:00:00+08:00",
    }
    first = client.post(f"/api/v1/accounts/{account.number}/payments", json=body, headers=hall)
    assert first.status_code == 201, first.text
    again = client.post(f"/api/v1/accounts/{account.number}/payments", json=body, headers=hall)
    assert again.json()["id"] == first.json()["id"]  # the same receipt is one payment
    owed = first.json()["statement"]
    assert [(b["period"], D(b["unpaid"])) for b in owed["bills"]] == [
        ("2026-09-01", D("0.00")),
        ("2026-10-01", D("161.40")),
    ]
    statement = client.get(f"/api/v1/accounts/{account.number}/statement", headers=login("agent"))
    assert statement.status_code == 200
    assert D(statement.json()["unpaid"]) == D("161.40")
    refused = client.post(
        f"/api/v1/accounts/{account.number}/payments", json=body, headers=login("agent")
    )
    assert refused.status_code == 403
    bad = client.post(
        f"/api/v1/accounts/{account.number}/payments", json={"amount": "-1"}, headers=hall
    )
    assert bad.status_code == 422
    assert "amount" in bad.text


def test_the_spoken_answer_is_a_wav_with_espeak_and_a_clear_503_without(
    session: Session,
    org: Organisation,
    settings: Settings,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = billed_household(session, org, settings)
    session.commit()
    params = {"account": account.number, "phone_last4": account.phone_last4}
    if voice.available():
        spoken = client.get("/api/v1/public/bill.wav", params=params)
        assert spoken.status_code == 200, spoken.text
        assert spoken.headers["content-type"] == "audio/wav"
        assert spoken.content[:4] == b"RIFF"
    # Without the engine (PATH emptied): the text answer still works, the spoken one says why.
    monkeypatch.setenv("PATH", "")
    assert not voice.available()
    silent = client.get("/api/v1/public/bill.wav", params=params)
    assert silent.status_code == 503
    assert silent.json()["error"] == "unavailable"
    assert client.get("/api/v1/public/bill", params=params).status_code == 200
    wrong = client.get("/api/v1/public/bill.wav", params={**params, "phone_last4": "0000"})
    assert wrong.status_code == 404  # checked before anything is spoken
