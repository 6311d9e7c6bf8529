"""The command line against a real database: schema, users, calendars, sweep."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from quarterhour.calendar import service as calendar_service
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.cli.main import app
from quarterhour.organisation.models import Staff
from quarterhour.workorders.models import TimeLimitPolicy

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    return database_url


def test_db_upgrade_installs_default_policies(cli_env: str, session: Session) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(TimeLimitPolicy)) == 2


def test_user_add_list_disable(cli_env: str, org: Organisation, session: Session) -> None:
    result = runner.invoke(
        app,
        [
            "user",
            "add",
            "newagent",
            "--name",
            "新坐席",
            "--role",
            "duty_agent",
            "--phone",
            "13911112222",
        ],
        input="secret-pass-1\nsecret-pass-1\n",
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["user", "list"])
    assert "newagent" in listed.output
    assert "13911112222" not in listed.output
    assert "139****" in listed.output
    assert runner.invoke(app, ["user", "disable", "newagent"]).exit_code == 0
    staff = session.scalar(select(Staff).where(Staff.username == "newagent"))
    assert staff is not None and not staff.is_active


def test_user_add_rejects_a_weak_password(cli_env: str, org: Organisation) -> None:
    result = runner.invoke(
        app,
        ["user", "add", "weak", "--name", "x", "--role", "duty_agent"],
        input="12345678\n12345678\n",
    )
    assert result.exit_code == 2
    assert "password" in result.output


def test_calendar_load_and_show(
    cli_env: str, org: Organisation, tmp_path: Path, engine: Engine
) -> None:
    schedule = tmp_path / "2027.csv"
    schedule.write_text(
        "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,workday,春节\n2027-02-08,holiday,春节\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["calendar", "load", str(schedule), "--source", "测试通知"])
    assert result.exit_code == 0, result.output
    assert "loaded 2027" in result.output
    shown = runner.invoke(app, ["calendar", "show"])
    assert "2027" in shown.output and "测试通知" in shown.output
    calendar_service.invalidate_cache()


def test_calendar_load_reports_bad_lines(cli_env: str, org: Organisation, tmp_path: Path) -> None:
    schedule = tmp_path / "bad.csv"
    schedule.write_text("date,kind,name\n2027-13-01,holiday,元旦\n", encoding="utf-8")
    result = runner.invoke(app, ["calendar", "load", str(schedule), "--source", "x"])
    assert result.exit_code == 2
    assert "line 2" in result.output


def test_sla_sweep_runs(cli_env: str, org: Organisation) -> None:
    result = runner.invoke(app, ["sla", "sweep"])
    assert result.exit_code == 0, result.output
    assert "0 warnings, 0 escalations" in result.output


def test_demo_reset_starts_afresh_and_names_the_accounts_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "quarterhour.db"
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", f"sqlite:///{path}")
    path.write_bytes(b"not a database: --reset must throw this away")
    (tmp_path / "quarterhour.db-wal").write_bytes(b"a stale log")
    args = ["demo", "--no-serve", "--days", "2", "--path", str(path)]

    kept = runner.invoke(app, args)
    assert "using the existing demo database" in kept.output
    assert "--reset starts afresh" in kept.output

    fresh = runner.invoke(app, [*args, "--reset"])
    assert fresh.exit_code == 0, fresh.output
    assert "Demo history" in fresh.output
    assert fresh.output.count("quarter-hour-1996") == 1
    assert "PRODUCT.md" not in fresh.output
    wal = tmp_path / "quarterhour.db-wal"
    assert not wal.exists() or not wal.read_bytes().startswith(b"a stale")
    with Session(create_engine(f"sqlite:///{path}")) as session:
        assert session.scalar(select(func.count()).select_from(Staff)) > 10


def test_demo_reset_never_drops_a_server_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = runner.invoke(app, ["demo", "--no-serve", "--reset"])
    assert result.exit_code == 2
    assert "drop a server database yourself" in result.output
