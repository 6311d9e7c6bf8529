"""`quarterhour notifications …`: the channels customers hear back on (a sandbox SMS gateway)."""

from __future__ import annotations

import typer
import uvicorn

from quarterhour.notifications import sandbox_gateway

app = typer.Typer(help="Notifications (短信, 邮件, webhooks).", no_args_is_help=True)


@app.command("sandbox-gateway")
def sandbox(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8025),
    key: str = typer.Option(
        ..., help="the key senders give as a bearer token and callbacks are signed with"
    ),
    report_url: str | None = typer.Option(None, help="where delivery reports are POSTed"),
    inbound_url: str | None = typer.Option(None, help="where customers' replies are POSTed"),
    report_delay: float = typer.Option(
        0.0, min=0.0, help="seconds between a message accepted and its delivery report"
    ),
    undeliverable: list[str] = typer.Option(
        [], help="a number whose messages are reported failed (repeatable)"
    ),
) -> None:
    """Run a sandbox SMS gateway in memory (it lists full numbers to the key's holder: keep it
    on a local port all the same)."""
    gateway = sandbox_gateway.make_app(
        key,
        report_url=report_url,
        inbound_url=inbound_url,
        report_delay=report_delay,
        undeliverable=undeliverable,
    )
    # No access log: every send would be a line, and a sandbox's listing URL holds numbers.
    uvicorn.run(gateway, host=host, port=port, log_level="warning", access_log=False)
