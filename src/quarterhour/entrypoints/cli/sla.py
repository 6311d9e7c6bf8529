from __future__ import annotations

import typer

from quarterhour.access.actor import system
from quarterhour.entrypoints.cli.common import console, transaction
from quarterhour.workorders import sla

app = typer.Typer(help="Deadlines: warnings and escalation (督办).", no_args_is_help=True)


@app.command("sweep")
def sweep() -> None:
    """Warn about deadlines coming due and escalate overdue orders to the department's supervisor."""
    with transaction() as session:
        report = sla.sweep(session, by=system("cli"))
    console.print(
        f"{report.at:%Y-%m-%d %H:%M}: {report.warned} warnings, {report.escalated} escalations"
    )
