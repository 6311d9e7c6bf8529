"""Payments from a bank's file: row/field problems, a reference reported again is one payment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import payment_import, payments
from quarterhour.billing.models import Payment
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.cli.main import app

pytestmark = pytest.mark.db


def bank_file(first: str, second: str) -> str:
    return f"""account,amount,paid_at,reference,channel
{first},100.00,2026-11-02 09:15:00,BK0001,
{first},100.00,2026-11-02 09:15:00,BK0001,
{second},50.5,2026/11/03 10:00,BK0002,online
{second},60.00,2026-11-03,BK0001,
9999999999,10,2026-11-03,BK0003,
{first},0,2026-11-03,BK0004,
{first},1.005,2026-11-03,BK0005,
{first},10,2099-01-01,BK0006,
{first},10,2026-11-03,BK0007,cheque
{first},10,yesterday,BK0008,
{first},10,2026-11-03,,
"""


def test_a_bank_file_records_each_payment_once_and_sets_aside_the_bad_rows(
    session: Session, org: Organisation, settings: Settings
) -> None:
    town = Town(session, org)
    first, _ = town.household("ZJ-RES")
    second, _ = town.household("ZJ-RES")
    session.commit()
    text = bank_file(first.number, second.number)
    report = payment_import.import_payments(
        session, text.encode(), file_name="nov.csv", by=system("test")
    )
    assert (report.rows, report.accepted, report.unchanged) == (11, 2, 1)
    assert {p.row: p.field for p in report.problems} == {
        5: "reference",  # BK0001 again, for another account and amount
        6: "account",
        7: "amount",
        8: "amount",
        9: "paid_at",  # in the future
        10: "channel",
        11: "paid_at",
        12: "reference",  # missing
    }
    # No bills yet: what was paid waits as credit, to the fen.
    assert payments.account_statement(session, first, settings=settings).credit == Decimal(100)
    assert payments.account_statement(session, second, settings=settings).credit == Decimal("50.5")
    online = session.scalars(select(Payment).where(Payment.reference == "BK0002")).one()
    assert online.channel == "online"
    assert (online.paid_at.hour, online.paid_at.minute) == (10, 0)  # Shanghai time, as written
    # The next day's file repeats yesterday's last payment: still one payment.
    again = f"account,amount,paid_at,reference\n{second.number},50.50,2026-11-03 10:00,BK0002\n"
    repeated = payment_import.import_payments(
        session, again.encode(), file_name="dec.csv", by=system("test")
    )
    assert (repeated.accepted, repeated.unchanged, repeated.rejected) == (0, 1, 0)
    assert session.scalar(select(func.count()).select_from(Payment)) == 2


def test_the_cli_imports_payments_and_says_what_was_recorded_already(
    session: Session,
    org: Organisation,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    town = Town(session, org)
    first, _ = town.household("ZJ-RES")
    second, _ = town.household("ZJ-RES")
    text = bank_file(first.number, second.number)
    session.commit()
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    source = tmp_path / "nov.csv"
    source.write_text(text, encoding="utf-8")
    done = CliRunner().invoke(app, ["billing", "import-payments", str(source)])
    assert done.exit_code == 0, done.output
    assert "2 imported, 8 set aside, 1 recorded already" in done.output
    assert (tmp_path / "nov.rejects.csv").exists()
