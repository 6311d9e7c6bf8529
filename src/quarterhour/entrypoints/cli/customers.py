"""`quarterhour customers …`: the customer register from files."""

from __future__ import annotations

from pathlib import Path

import typer

from quarterhour.customers import register_import
from quarterhour.entrypoints.cli.records import import_file

app = typer.Typer(help="Customers, accounts and meters (客户档案).", no_args_is_help=True)

_FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV or Parquet")
_STRICT = typer.Option(False, help="one bad row stops the whole file")
_REJECTS = typer.Option(None, help="where to write the rows set aside (CSV)")


@app.command("import-customers")
def import_customers(
    path: Path = _FILE, strict: bool = _STRICT, rejects: Path | None = _REJECTS
) -> None:
    """Customers and their accounts, one row per account: account, name, address, district,
    tariff, opened_on[, phone, id_number, area_class, category]. The same file twice changes
    nothing."""
    import_file(register_import.import_customers, path, strict=strict, rejects=rejects)


@app.command("import-meters")
def import_meters(
    path: Path = _FILE, strict: bool = _STRICT, rejects: Path | None = _REJECTS
) -> None:
    """Meters, one row each: meter, account, installed_on[, multiplier, digits, tou, initial,
    initial_peak, initial_valley, serves]. `serves`: the households' addresses separated by ';'
    (a 合表); empty, the account's own premises."""
    import_file(register_import.import_meters, path, strict=strict, rejects=rejects)
