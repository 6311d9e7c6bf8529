"""Readings from CSV: row-by-row checks, rejects, strict mode, GB18030, re-import changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import bill_run
from quarterhour.billing.models import Bill
from quarterhour.config import Settings
from quarterhour.customers import reading_import
from quarterhour.customers.models import Account, Meter, MeterReading
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.cli.main import app
from quarterhour.errors import ValidationFailed

pytestmark = pytest.mark.db
D = Decimal

GOOD_AND_BAD = """meter,read_on,total,peak,valley,rolled_over
M000001,2026-10-31,350.5,,,
M000002,2026/10/31,120,,,
M999999,2026-10-31,10,,,
M000001,2026-10-31,360,,,
M000002,2026-10-30,abc,,,
M000003,2026-10-31,5,,,
M000004,2026-10-31,20,,,yes
"""


def households(session: Session, org: Organisation) -> list[tuple[Account, Meter]]:
    town = Town(session, org)
    made = [
        town.household("ZJ-RES", initial=D(0)),
        town.household("ZJ-RES", initial=D(100)),
        town.household("ZJ-RES", initial=D(50)),
        town.household("AH-BIZ", category="non_residential", digits=4, initial=D(9990)),
    ]
    session.commit()
    return made


def readings(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(MeterReading)) or 0)


def test_good_rows_go_in_bad_rows_are_set_aside_with_the_reason(
    session: Session, org: Organisation, settings: Settings
) -> None:
    made = households(session, org)
    before = readings(session)
    report = reading_import.import_readings(
        session, GOOD_AND_BAD.encode(), file_name="oct.csv", by=system("test")
    )
    assert (report.rows, report.accepted, report.rejected) == (7, 3, 4)
    assert [(p.row, p.field) for p in report.problems] == [
        (4, "meter"),  # unknown meter
        (5, "read_on"),  # M000001 again on the same day
        (6, "total"),  # not a number
        (7, "total"),  # 5 is lower than the installation's 50, no roll-over
    ]
    assert readings(session) == before + 3
    session.commit()
    # The imported readings bill like any others: roll-over included (9990 → 20 on 4 digits).
    bill_run.run(session, date(2026, 10, 1), settings=settings, by=system("test"))
    billed = dict(session.execute(select(Bill.account_id, Bill.kwh)).all())
    assert billed == {
        made[0][0].id: D("350.50"),
        made[1][0].id: D("20.00"),
        made[3][0].id: D("30.00"),
    }
    rolled = session.scalar(
        select(MeterReading).where(
            MeterReading.meter_id == made[3][1].id, MeterReading.kind == "regular"
        )
    )
    assert rolled is not None
    assert (rolled.previous_total, rolled.total, rolled.rolled_over) == (
        D("9990.00"),
        D("20.00"),
        True,
    )


def test_a_field_beyond_the_csv_readers_limit_is_a_rejected_row_not_a_failed_import(
    session: Session, org: Organisation
) -> None:
    import csv

    households(session, org)
    huge = "x" * (csv.field_size_limit() + 1)
    data = f"""meter,read_on,total,peak,valley,rolled_over
M000001,2026-10-31,350.5,,,
M000002,2026-10-31,120,,,{huge}
M000003,2026-10-31,60,,,
"""
    before = readings(session)
    report = reading_import.import_readings(
        session, data.encode(), file_name="huge.csv", by=system("test")
    )
    assert (report.rows, report.accepted, report.rejected) == (3, 2, 1)
    assert [(p.row, p.field) for p in report.problems] == [(3, "row")]
    assert "longer than" in report.problems[0].message
    assert readings(session) == before + 2


def test_the_same_file_twice_changes_nothing(session: Session, org: Organisation) -> None:
    households(session, org)
    reading_import.import_readings(
        session, GOOD_AND_BAD.encode(), file_name="oct.csv", by=system("test")
    )
    count = readings(session)
    again = reading_import.import_readings(
        session, GOOD_AND_BAD.encode(), file_name="copy.csv", by=system("test")
    )
    assert again.already_imported
    assert readings(session) == count


def test_strict_mode_imports_nothing_when_one_row_is_wrong(
    session: Session, org: Organisation
) -> None:
    households(session, org)
    before = readings(session)
    with pytest.raises(ValidationFailed) as caught:
        reading_import.import_readings(
            session, GOOD_AND_BAD.encode(), file_name="oct.csv", strict=True, by=system("test")
        )
    assert caught.value.field == "meter"
    assert "row 4" in caught.value.message
    assert readings(session) == before


def test_gb18030_files_and_missing_columns(session: Session, org: Organisation) -> None:
    households(session, org)
    text = "meter,read_on,total\nM000001,2026-10-31,100\n"
    report = reading_import.import_readings(
        session, ("\ufeff" + text).encode("utf-8"), file_name="bom.csv", by=system("test")
    )
    assert report.accepted == 1
    chinese = "meter,read_on,total,source\nM000002,2026-10-31,150,估抄\n"
    wrong_source = reading_import.import_readings(
        session, chinese.encode("gb18030"), file_name="gb.csv", by=system("test")
    )
    assert [(p.field, p.values["source"]) for p in wrong_source.problems] == [("source", "估抄")]
    with pytest.raises(ValidationFailed) as caught:
        reading_import.import_readings(
            session, b"meter,total\nM000001,1\n", file_name="bad.csv", by=system("test")
        )
    assert caught.value.field == "read_on"


def test_the_cli_writes_a_rejects_file(
    session: Session,
    org: Organisation,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    households(session, org)
    session.rollback()
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    source = tmp_path / "oct.csv"
    source.write_bytes(GOOD_AND_BAD.encode("gb18030"))
    result = CliRunner().invoke(app, ["billing", "import-readings", str(source)])
    assert result.exit_code == 0, result.output
    assert "3 imported, 4 set aside" in result.output
    rejects = (tmp_path / "oct.rejects.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects[0].startswith("row,field,problem,meter")
    assert len(rejects) == 5
    again = CliRunner().invoke(app, ["billing", "import-readings", str(source)])
    assert "imported before" in again.output
