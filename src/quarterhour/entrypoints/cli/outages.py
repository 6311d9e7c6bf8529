"""`quarterhour outages …`: the supply network (线路, 台区, 户变关系) from files."""

from __future__ import annotations

from pathlib import Path

import typer

from quarterhour.entrypoints.cli.records import FILE, REJECTS, STRICT, import_file
from quarterhour.outages import network_import

app = typer.Typer(help="Outages and the supply network (停电, 线路, 台区).", no_args_is_help=True)


@app.command("import-feeders")
def import_feeders(
    path: Path = FILE, strict: bool = STRICT, rejects: Path | None = REJECTS
) -> None:
    """Feeders (线路), one row each: feeder, name, district. A known code is updated."""
    import_file(network_import.import_feeders, path, strict=strict, rejects=rejects)


@app.command("import-transformers")
def import_transformers(
    path: Path = FILE, strict: bool = STRICT, rejects: Path | None = REJECTS
) -> None:
    """Transformer areas (台区): transformer, name, feeder[, latitude, longitude]."""
    import_file(network_import.import_transformers, path, strict=strict, rejects=rejects)


@app.command("import-supply")
def import_supply(path: Path = FILE, strict: bool = STRICT, rejects: Path | None = REJECTS) -> None:
    """Which transformer supplies each account's premises (户变关系): account, transformer."""
    import_file(network_import.import_supply, path, strict=strict, rejects=rejects)
