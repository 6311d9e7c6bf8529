"""`quarterhour crews …`: the repair crews (抢修班组) and their duty roster, on the server."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from quarterhour.access.actor import system
from quarterhour.crews import labels, roster_import
from quarterhour.crews import service as crews
from quarterhour.entrypoints.cli.common import console, transaction
from quarterhour.entrypoints.cli.records import FILE, REJECTS, STRICT, import_file
from quarterhour.kit import clock

app = typer.Typer(help="Repair crews and their duty roster (抢修班组, 排班).", no_args_is_help=True)

_DAY = ["%Y-%m-%d"]


def _time(moment: datetime) -> str:
    return f"{clock.local(moment):%Y-%m-%d %H:%M}"


def _status(code: str) -> str:
    zh, en = labels.STATUS[code]
    return f"{zh} {en}"


@app.command("list")
def list_crews(
    include_inactive: bool = typer.Option(False, "--all", help="the crews out of service too"),
    as_json: bool = typer.Option(False, "--json", help="print the crews as JSON"),
) -> None:
    """Every crew: its district and department, status and since when, members and vehicles."""
    table = Table("code", "name", "district / department", "status", "since", "members", "vehicles")
    rows: list[dict[str, object]] = []
    with transaction() as session:
        for v in crews.list_crews(session, by=system("cli"), include_inactive=include_inactive):
            crew = v.crew
            rows.append(
                {
                    "code": crew.code,
                    "name": crew.name,
                    "district": v.district_name,
                    "department": v.department_name,
                    "status": crew.status,
                    "since": clock.local(crew.status_since).isoformat(),
                    "active": crew.is_active,
                    "members": [{"name": m.name, "leader": m.is_leader} for m in v.members],
                    "vehicles": [{"plate": x.plate, "kind": x.kind} for x in v.vehicles],
                }
            )
            table.add_row(
                crew.code,
                crew.name if crew.is_active else f"{crew.name} (out of service)",
                f"{v.district_name or '—'} / {v.department_name}",
                _status(crew.status),
                _time(crew.status_since),
                ", ".join(f"{m.name}{' (班长)' if m.is_leader else ''}" for m in v.members) or "—",
                ", ".join(x.plate for x in v.vehicles) or "—",
            )
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif rows:
        console.print(table)
    else:
        console.print("no crews")


@app.command("roster")
def roster(
    day: datetime | None = typer.Option(
        None, "--date", formats=_DAY, help="the day, Asia/Shanghai (default: today)"
    ),
    as_json: bool = typer.Option(False, "--json", help="print the shifts as JSON"),
) -> None:
    """Who is on duty when on one day: the shifts that overlap it, by start."""
    wanted = day.date() if day else clock.now().date()
    start, end = clock.day_span(wanted, wanted)
    by = system("cli")
    with transaction() as session:
        named = {v.crew.id: v for v in crews.list_crews(session, by=by, include_inactive=True)}
        shifts = [
            (named[s.crew_id], s.starts_at, s.ends_at)
            for s in crews.roster(session, by=by, start=start, end=end)
        ]
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "crew_code": v.crew.code,
                        "crew": v.crew.name,
                        "district": v.district_name,
                        "starts_at": clock.local(s).isoformat(),
                        "ends_at": clock.local(e).isoformat(),
                    }
                    for v, s, e in shifts
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not shifts:
        console.print(f"no crew is on duty on {wanted.isoformat()}")
        return
    table = Table("starts", "ends", "code", "crew", "district", title=f"roster of {wanted}")
    for v, s, e in shifts:
        table.add_row(_time(s), _time(e), v.crew.code, v.crew.name, v.district_name or "—")
    console.print(table)


@app.command("import-roster")
def import_roster(path: Path = FILE, strict: bool = STRICT, rejects: Path | None = REJECTS) -> None:
    """Shifts from a file: crew_code, starts_at, ends_at (Shanghai time, 2026-12-01 08:00). A
    shift recorded already is left as it is; the same file twice adds nothing."""
    import_file(roster_import.import_roster, path, strict=strict, rejects=rejects)
