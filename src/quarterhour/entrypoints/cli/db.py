from __future__ import annotations

import typer

from quarterhour.access.actor import system
from quarterhour.billing import late_fees
from quarterhour.config import Settings
from quarterhour.entrypoints.cli.common import console, transaction
from quarterhour.storage import migrate
from quarterhour.storage.engine import make_engine
from quarterhour.workorders import policies

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


def upgrade_database(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    with transaction(settings) as session:
        policies.ensure_default_policies(session, by=system("cli"))
        late_fees.ensure_default_rules(session)


@app.command()
def upgrade() -> None:
    """Bring the schema to the newest revision and install the default time-limit policies and
    late-fee rules."""
    settings = Settings.from_env()
    upgrade_database(settings)
    console.print(f"schema up to date on {make_engine(settings).url.render_as_string()}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="target revision, e.g. base")) -> None:
    """Step the schema back (development only)."""
    engine = make_engine(Settings.from_env())
    migrate.downgrade(engine, revision)
    console.print(f"schema at {revision}")
