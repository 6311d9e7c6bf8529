"""`quarterhour`: the command line of Quarter Hour."""

from __future__ import annotations

import os
from pathlib import Path

import typer
import uvicorn

from quarterhour.config import Settings
from quarterhour.demo.organisation import DEMO_PASSWORD
from quarterhour.entrypoints.cli import (
    billing,
    calendar,
    crews,
    customers,
    db,
    notifications,
    outages,
    sla,
    stats,
    users,
    worker,
)
from quarterhour.entrypoints.cli.common import console, err_console

app = typer.Typer(
    help="Quarter Hour 供电一刻钟: closed-loop customer service for electric utilities.",
    no_args_is_help=True,
)
app.add_typer(db.app, name="db")
app.add_typer(sla.app, name="sla")
app.add_typer(users.app, name="user")
app.add_typer(calendar.app, name="calendar")
app.add_typer(billing.app, name="billing")
app.add_typer(customers.app, name="customers")
app.add_typer(outages.app, name="outages")
app.add_typer(crews.app, name="crews")
app.add_typer(notifications.app, name="notifications")
app.command("stats")(stats.stats)
app.command("worker")(worker.worker)
app.add_typer(worker.jobs_app, name="jobs")


ASGI_APP = "quarterhour.entrypoints.asgi:app_from_env"


def _serve(host: str, port: int, workers: int, reload: bool = False, app: str = ASGI_APP) -> None:
    uvicorn.run(
        app,
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        log_level=os.environ.get("QUARTERHOUR_LOG_LEVEL", "info"),
        access_log=os.environ.get("QUARTERHOUR_ACCESS_LOG", "1") != "0",
        reload=reload,
        # The app decides which proxies' X-Forwarded-For it believes (QUARTERHOUR_TRUSTED_PROXIES,
        # kit/callers.py); uvicorn's own handling would believe any local peer's.
        proxy_headers=False,
    )


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    workers: int = typer.Option(1, min=1, help="worker processes"),
) -> None:
    """Serve the API (and console) on the configured database."""
    _serve(host, port, workers)


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    path: Path = typer.Option(Path("quarterhour.db"), help="the demo's SQLite file"),
    serve_after: bool = typer.Option(True, "--serve/--no-serve"),
    days: int = typer.Option(120, help="days of history to generate"),
    reset: bool = typer.Option(
        False, "--reset", help="delete the demo's SQLite file first and generate it afresh"
    ),
) -> None:
    """Create ./quarterhour.db with demo data if it is missing (or afresh with --reset), then
    serve on :8000."""
    from quarterhour.demo import generator

    url = os.environ.get("QUARTERHOUR_DATABASE_URL") or f"sqlite:///{path.resolve()}"
    os.environ["QUARTERHOUR_DATABASE_URL"] = url
    settings = Settings.from_env()
    is_file = url.startswith("sqlite")
    if reset and is_file:
        # The database and SQLite's write-ahead log beside it: a stale -wal would replay into
        # the new file.
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
    elif reset:
        err_console.print(
            "--reset only deletes the demo's SQLite file; drop a server database yourself"
        )
        raise typer.Exit(2)
    if is_file and path.exists():
        console.print(
            f"using the existing demo database {path} (--reset starts afresh)", soft_wrap=True
        )
    else:
        db.upgrade_database(settings)
        console.print(generator.generate(settings, days=days), soft_wrap=True)
    console.print(
        f"demo accounts, all with the password [bold]{DEMO_PASSWORD}[/bold]: admin, agent, "
        "agent2, specialist, dispatcher, followup, supervisor, leader, "
        "hall-{baohe,shushan,luyang,yaohai}, repair-{baohe,shushan,luyang,yaohai}, metering, "
        "marketing, inspection",
        soft_wrap=True,
    )
    if serve_after:
        console.print(f"console: http://{host}:{port}/   API docs: http://{host}:{port}/docs")
        if not os.environ.get("QUARTERHOUR_SMS_GATEWAY_URL"):
            # No gateway: the demo's own sandbox takes its SMS, read on the console's 演示手机.
            # The server calls itself (the sandbox, its callbacks): never on a wildcard address.
            local = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
            os.environ.setdefault("QUARTERHOUR_PUBLIC_BASE_URL", f"http://{local}:{port}")
            os.environ["QUARTERHOUR_SMS_SANDBOX"] = "1"
            console.print(
                "SMS: no gateway configured (QUARTERHOUR_SMS_GATEWAY_URL), so the demo's sandbox "
                f"gateway takes them; read them at http://{host}:{port}/console/demo-phone",
                soft_wrap=True,
            )
        _serve(host, port, 1)


def main() -> None:
    app()
