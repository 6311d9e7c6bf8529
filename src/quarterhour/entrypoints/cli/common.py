"""What every CLI command shares: settings, engine, one transaction per command, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from quarterhour.config import Settings
from quarterhour.errors import DomainError
from quarterhour.storage.engine import make_engine, make_session_factory, unit_of_work

console = Console()
err_console = Console(stderr=True)


@contextmanager
def transaction(settings: Settings | None = None) -> Iterator[Session]:
    settings = settings or Settings.from_env()
    engine = make_engine(settings)
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
    except DomainError as exc:
        # Field names and messages hold brackets ("[end]", "matters[0]") that Rich would read
        # as markup and swallow.
        field = escape(f" [{exc.field}]") if exc.field else ""
        err_console.print(f"[red]error{field}:[/red] {escape(exc.message)}")
        for problem in exc.details.get("problems", []):
            err_console.print(f"  - {escape(str(problem))}")
        raise typer.Exit(code=2) from None
    finally:
        engine.dispose()
