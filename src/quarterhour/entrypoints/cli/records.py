"""Importing a file of customer records from the command line: the report and the rejects file."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.entrypoints.cli.common import console, err_console, transaction
from quarterhour.kit import sheets
from quarterhour.records.imports import Importer

# The file and options every import command takes.
FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV or Parquet")
STRICT = typer.Option(False, help="one bad row stops the whole file")
REJECTS = typer.Option(None, help="where to write the rows set aside (CSV)")


def import_file(importer: Importer, path: Path, *, strict: bool, rejects: Path | None) -> None:
    """Runs one import in one transaction; rows set aside go to `rejects` (by default beside the
    file, as NAME.rejects.csv) with the row number, the field and the reason first."""
    session: Session
    with transaction() as session:
        report = importer(
            session, path.read_bytes(), file_name=path.name, strict=strict, by=system("cli")
        )
    if report.already_imported:
        console.print(f"{path.name} was imported before (batch {report.batch_id}); nothing changed")
        return
    again = f", {report.unchanged} recorded already" if report.unchanged else ""
    console.print(
        f"{report.rows} rows: {report.accepted} imported, {report.rejected} set aside{again}"
    )
    if not report.problems:
        return
    target = rejects or path.with_name(f"{path.stem}.rejects.csv")
    with target.open("w", encoding="utf-8-sig", newline="") as out:
        sheets.write_csv(
            out,
            ["row", "field", "problem", *report.problems[0].values],
            (
                [problem.row, problem.field, problem.message, *problem.values.values()]
                for problem in report.problems
            ),
        )
    err_console.print(f"[yellow]rows set aside, with the reasons: {target}[/yellow]")
