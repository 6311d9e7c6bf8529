"""`quarterhour stats` against the test database (QUARTERHOUR_DATABASE_URL)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from analytics.scenario import Builder
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.cli.main import app

runner = CliRunner()
OCTOBER = ["stats", "--start", "2026-10-01", "--end", "2026-10-31"]


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    return database_url


def test_json_figures(cli_env: str, october: Builder, org: Organisation) -> None:
    result = runner.invoke(app, [*OCTOBER, "--type", "complaint", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["total"]["accepted"] == 3
    assert body["total"]["handling_rate"] == "0.6667"
    assert body["total"]["rework_count"] == 1


def test_filters(cli_env: str, october: Builder, org: Organisation) -> None:
    result = runner.invoke(app, [*OCTOBER, "--district", str(org.districts["baohe"]), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"]["accepted"] == 3
    result = runner.invoke(app, [*OCTOBER, "--department", str(org.dept("marketing")), "--json"])
    assert json.loads(result.stdout)["total"]["closed_on_intake"] == 1


def test_table(cli_env: str, october: Builder) -> None:
    result = runner.invoke(app, OCTOBER)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "质量指标 Quality figures: 2026-10-01 – 2026-10-31" in out
    assert "处置率 handling rate" in out
    assert "83.33%" in out  # 5 of 6 handled
    assert "66.67%" in out  # satisfaction 2 of 3 answered calls
    assert "投诉 complaint" in out
    assert "包河区供电营业厅" in out


def test_an_empty_period_prints_dashes(cli_env: str, org: Organisation) -> None:
    result = runner.invoke(app, ["stats", "--start", "2026-08-01", "--end", "2026-08-31"])
    assert result.exit_code == 0, result.output
    assert "—" in result.stdout
    assert "%" not in result.stdout


def test_end_before_start_is_an_error_naming_end(cli_env: str, org: Organisation) -> None:
    result = runner.invoke(app, ["stats", "--start", "2026-10-31", "--end", "2026-10-01"])
    assert result.exit_code == 2
    # The message names the field itself: common.transaction() prints "[end]" as Rich markup,
    # which swallows it (reported to the lead).
    assert "end 2026-10-01 is before start 2026-10-31" in result.stderr


def test_more_than_five_years_is_an_error(cli_env: str, org: Organisation) -> None:
    result = runner.invoke(app, ["stats", "--start", "2020-01-01", "--end", "2026-10-31"])
    assert result.exit_code == 2
    assert "error [end]:" in result.stderr
    assert "at most 5 years: end may be 2024-12-31 at the latest" in " ".join(result.stderr.split())


def test_a_malformed_date_is_refused(cli_env: str, org: Organisation) -> None:
    result = runner.invoke(app, ["stats", "--start", "01/10/2026"])
    assert result.exit_code == 2
    assert "--start" in result.output
