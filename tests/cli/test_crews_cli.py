"""`quarterhour crews …` against a real database: the list (a table and JSON), the roster of a
day, and the roster imported from a file with its rejects, twice without adding anything."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from quarterhour.access.actor import system
from quarterhour.crews import service as crews
from quarterhour.crews.models import CrewShift
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.cli.main import app
from quarterhour.kit import clock
from quarterhour.storage.engine import make_session_factory

pytestmark = pytest.mark.db
# Wide enough that Rich never folds a cell the assertions read.
runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    return database_url


def _crews(engine: Engine, org: Organisation) -> dict[str, int]:
    with make_session_factory(engine)() as session:
        by = system("test")
        one = crews.create_crew(
            session,
            by=by,
            code="BH-1",
            name="包河区抢修一班",
            department_id=org.dept("repair-baohe"),
        )
        two = crews.create_crew(
            session,
            by=by,
            code="SS-1",
            name="蜀山区抢修一班",
            department_id=org.dept("repair-shushan"),
        )
        crews.add_member(
            session, one.id, by=by, staff_id=org.staff["repair-baohe"].id, is_leader=True
        )
        crews.add_vehicle(session, by=by, plate="皖A·D1234", kind="repair", crew_id=one.id)
        morning = datetime(2026, 11, 27, 8, 0, tzinfo=clock.SHANGHAI)
        crews.add_shift(
            session, one.id, by=by, starts_at=morning, ends_at=morning + timedelta(hours=12)
        )
        crews.add_shift(
            session,
            two.id,
            by=by,
            starts_at=morning + timedelta(hours=12),
            ends_at=morning + timedelta(hours=24),
        )
        crews.set_status(session, one.id, by=by, status="available")
        session.commit()
        return {"BH-1": one.id, "SS-1": two.id}


def test_crews_list_as_a_table_and_as_json(
    cli_env: str, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    _crews(engine, org)
    listed = runner.invoke(app, ["crews", "list"])
    assert listed.exit_code == 0, listed.output
    for words in (
        "BH-1",
        "包河区抢修一班",
        "包河区 / 包河区抢修班",
        "待命 available",
        "邓师傅 (班长)",
        "皖A·D1234",
    ):
        assert words in listed.output, words
    assert "2026-11-27 09:00" in listed.output

    as_json = runner.invoke(app, ["crews", "list", "--json"])
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.output)
    assert sorted(r["code"] for r in rows) == ["BH-1", "SS-1"]
    bh = next(r for r in rows if r["code"] == "BH-1")
    assert bh["status"] == "available" and bh["since"].startswith("2026-11-27T09:00")
    assert bh["members"] == [{"name": "邓师傅", "leader": True}]
    assert bh["vehicles"] == [{"plate": "皖A·D1234", "kind": "repair"}]


def test_crews_roster_of_a_day(
    cli_env: str, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    _crews(engine, org)
    day = runner.invoke(app, ["crews", "roster", "--date", "2026-11-27", "--json"])
    assert day.exit_code == 0, day.output
    shifts = json.loads(day.output)
    assert [(s["crew_code"], s["starts_at"][11:16], s["ends_at"][11:16]) for s in shifts] == [
        ("BH-1", "08:00", "20:00"),
        ("SS-1", "20:00", "08:00"),
    ]
    # The night shift reaches into the next day: it is on that day's roster too.
    next_day = runner.invoke(app, ["crews", "roster", "--date", "2026-11-28"])
    assert next_day.exit_code == 0, next_day.output
    assert "SS-1" in next_day.output and "BH-1" not in next_day.output
    assert "2026-11-27 20:00" in next_day.output
    empty = runner.invoke(app, ["crews", "roster", "--date", "2026-12-25"])
    assert "no crew is on duty on 2026-12-25" in empty.output
    bad = runner.invoke(app, ["crews", "roster", "--date", "27.11.2026"])
    assert bad.exit_code == 2


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["crew_code", "starts_at", "ends_at"], *rows])
    return path


def test_crews_import_roster_sets_aside_bad_rows_and_adds_nothing_twice(
    cli_env: str, org: Organisation, engine: Engine, frozen_clock: Any, tmp_path: Path
) -> None:
    ids = _crews(engine, org)
    roster = _write(
        tmp_path / "roster.csv",
        [
            ["BH-1", "2026-11-28 08:00", "2026-11-28 20:00"],  # line 2: new
            ["BH-1", "2026-11-27 08:00", "2026-11-27 20:00"],  # 3: recorded already
            ["BH-1", "2026-11-27 19:00", "2026-11-27 23:00"],  # 4: overlaps the recorded one
            ["XX-9", "2026-11-28 08:00", "2026-11-28 20:00"],  # 5: no such crew
            ["SS-1", "2026-11-28 08:00", "tomorrow"],  # 6: not a time
            ["SS-1", "2026-11-28 20:00", "2026-11-28 08:00"],  # 7: ends before it starts
            ["SS-1", "2026-11-28T08:00+08:00", "2026-11-28 20:00"],  # 8: new
            ["SS-1", "2026-11-28 12:00", "2026-11-28 14:00"],  # 9: overlaps row 8
            ["SS-1", "2026-11-29 00:00", "2026-11-30 08:00"],  # 10: 32 hours
        ],
    )
    first = runner.invoke(app, ["crews", "import-roster", str(roster)])
    assert first.exit_code == 0, first.output
    assert "9 rows: 3 imported, 6 set aside, 1 recorded already" in first.output
    with (tmp_path / "roster.rejects.csv").open(encoding="utf-8-sig") as f:
        rejects = [(r["row"], r["field"], r["problem"]) for r in csv.DictReader(f)]
    assert rejects == [
        ("4", "starts_at", "the crew is on duty from 2026-11-27 08:00 to 2026-11-27 20:00 already"),
        ("5", "crew_code", "no crew 'XX-9'"),
        ("6", "ends_at", "'tomorrow' is not a date and time (YYYY-MM-DD HH:MM)"),
        ("7", "ends_at", "the shift ends after it starts"),
        ("9", "starts_at", "overlaps the shift of row 8"),
        ("10", "ends_at", "a shift is at most 24 hours long"),
    ]
    count = select(func.count()).select_from(CrewShift)
    with make_session_factory(engine)() as session:
        assert session.scalar(count) == 4
        assert session.scalar(count.where(CrewShift.crew_id == ids["SS-1"])) == 2

    again = runner.invoke(app, ["crews", "import-roster", str(roster)])
    assert again.exit_code == 0, again.output
    assert "was imported before" in again.output
    # The good rows alone, as another file: recorded already, nothing added.
    good = _write(
        tmp_path / "good.csv",
        [
            ["BH-1", "2026-11-28 08:00", "2026-11-28 20:00"],
            ["SS-1", "2026-11-28 08:00", "2026-11-28 20:00"],
        ],
    )
    repeated = runner.invoke(app, ["crews", "import-roster", str(good)])
    assert repeated.exit_code == 0, repeated.output
    assert "2 rows: 2 imported, 0 set aside, 2 recorded already" in repeated.output
    with make_session_factory(engine)() as session:
        assert session.scalar(count) == 4


def test_crews_import_roster_strict_imports_nothing(
    cli_env: str, org: Organisation, engine: Engine, frozen_clock: Any, tmp_path: Path
) -> None:
    _crews(engine, org)
    roster = _write(
        tmp_path / "roster.csv",
        [
            ["BH-1", "2026-11-28 08:00", "2026-11-28 20:00"],
            ["XX-9", "2026-11-28 08:00", "2026-11-28 20:00"],
        ],
    )
    strict = runner.invoke(app, ["crews", "import-roster", str(roster), "--strict"])
    assert strict.exit_code == 2
    assert "row 3, crew_code: no crew 'XX-9'" in strict.output
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(CrewShift)) == 2
