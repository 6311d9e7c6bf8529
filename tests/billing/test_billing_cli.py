"""`quarterhour billing …` against a real database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from billing.town import Town
from quarterhour.billing.models import Bill, BillRun
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.cli.main import app

pytestmark = pytest.mark.db
runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    return database_url


def test_billing_run_bills_each_district_and_says_what_it_did(
    cli_env: str, session: Session, org: Organisation
) -> None:
    town = Town(session, org)
    _, meter = town.household("ZJ-RES", initial=Decimal(0))
    town.read(meter, date(2026, 10, 31), "5000")
    session.commit()

    result = runner.invoke(app, ["billing", "run", "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "2,852.00" in result.output  # PRODUCT.md's worked case, billed in one month
    assert session.scalar(select(func.count()).select_from(Bill)) == 1
    assert session.scalar(select(func.count()).select_from(BillRun)) == len(org.districts)
    if session.get_bind().dialect.name == "postgresql":
        # The planner learns of the new bills at once, not when autovacuum comes round.
        analysed = session.scalar(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'bill'")
        )
        assert analysed is not None
    session.rollback()  # on SQLite even a read here holds the write lock (BEGIN IMMEDIATE)

    again = runner.invoke(app, ["billing", "run", "--period", "2026-10", "--district", "baohe"])
    assert again.exit_code == 0, again.output
    assert session.scalar(select(func.count()).select_from(Bill)) == 1


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--period", "2026-13"], "period"),
        (["--period", "2026-10", "--district", "nowhere"], "district"),
    ],
)
def test_billing_run_refuses_bad_options_naming_them(
    cli_env: str, org: Organisation, args: list[str], field: str
) -> None:
    result = runner.invoke(app, ["billing", "run", *args])
    assert result.exit_code == 2
    assert f"[{field}]" in result.output


def test_tariffs_list_shows_what_is_in_force_and_flags_unverified_samples(
    cli_env: str, org: Organisation
) -> None:
    assert runner.invoke(app, ["billing", "tariffs", "install-samples"]).exit_code == 0
    result = runner.invoke(
        app, ["billing", "tariffs", "list", "--on", "2026-11-01"], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 0, result.output
    assert "ZJ-RES" in result.output
    assert "2760" in result.output
    assert "no" in result.output  # unverified samples say so


def test_late_fee_rules_are_listed_and_a_version_added_from_the_cli(
    cli_env: str, session: Session, org: Organisation
) -> None:
    session.commit()
    listed = runner.invoke(app, ["billing", "late-fees", "list"], env={"COLUMNS": "240"})
    assert listed.exit_code == 0, listed.output
    assert "2024-06-01" in listed.output and "0.002" in listed.output
    added = runner.invoke(
        app,
        [
            "billing",
            "late-fees",
            "add-version",
            "--from",
            "2027-03-01",
            "--residential",
            "0.0005",
            "--current-year",
            "0.001",
            "--earlier-years",
            "0.002",
            "--source",
            "a later regulation (test)",
        ],
    )
    assert added.exit_code == 0, added.output
    assert "new rule from 2027-03-01" in added.output
    refused = runner.invoke(
        app,
        [
            "billing",
            "late-fees",
            "add-version",
            "--from",
            "2027-02-01",
            "--residential",
            "0.001",
            "--current-year",
            "0.002",
            "--earlier-years",
            "0.003",
            "--source",
            "back-dated",
        ],
    )
    assert refused.exit_code != 0
    assert "effective_from" in refused.output
