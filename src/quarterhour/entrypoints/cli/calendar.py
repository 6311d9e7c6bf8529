from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from quarterhour.access.actor import system
from quarterhour.calendar import service as calendar_service
from quarterhour.calendar.schedule_file import read_schedule_file
from quarterhour.config import Settings
from quarterhour.entrypoints.cli.common import console, err_console, transaction
from quarterhour.kit import clock
from quarterhour.workorders import sla

app = typer.Typer(
    help="Working-day calendars: official holiday schedules per year.", no_args_is_help=True
)


@app.command("show")
def show() -> None:
    """Which years have official data, and whether one is missing."""
    with transaction() as session:
        years = calendar_service.covered_years(session)
        loaded = {y.year: y for y in calendar_service.loaded_years(session, by=system("cli"))}
        warning = calendar_service.missing_year_warning(session, clock.now().date())
    table = Table("year", "source")
    for year in years:
        source = loaded[year].source if year in loaded else "built in (chinesecalendar)"
        table.add_row(str(year), source)
    console.print(table)
    if warning:
        err_console.print(f"[yellow]{warning.message}[/yellow]")


@app.command("load")
def load(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    year: int | None = typer.Option(None, help="the year the file must cover"),
    source: str | None = typer.Option(None, help="the notice it comes from (CSV has no field)"),
) -> None:
    """Load a year's official schedule (国务院办公厅通知) from CSV (date,kind,name) or JSON, then
    recompute the provisional deadlines it settles."""
    settings = Settings.from_env()
    with transaction(settings) as session:
        schedule = read_schedule_file(path, year=year, source=source)
        rescheduled = sla.load_official_year(session, schedule, by=system("cli"), settings=settings)
    console.print(
        f"loaded {schedule.year}: {len(schedule.holidays)} holidays, "
        f"{len(schedule.makeup_workdays)} make-up workdays; {rescheduled} orders rescheduled"
    )
