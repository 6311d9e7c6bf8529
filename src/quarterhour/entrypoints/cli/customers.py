"""`quarterhour customers …`: the customer register from files."""

from __future__ import annotations

from pathlib import Path

import typer

from quarterhour.customers import register_import
from quarterhour.entrypoints.cli.records import FILE, REJECTS, STRICT, import_file

app = typer.Typer(help="Customers, accounts and meters (客户档案).", no_args_is_help=True)


@app.command("import-customers")
def import_customers(
    path: Path = FILE, strict: bool = STRICT, rejects: Path | None = REJECTS
) -> None:
    """Customers and their accounts, one row per account: account, name, address, district,
    tariff, opened_on[, phone, id_number, area_class, category]. The same file twice changes
    nothing."""
    import_file(register_import.import_customers, path, strict=strict, rejects=rejects)


@app.command("import-meters")
def import_meters(path: Path = FILE, strict: bool = STRICT, rejects: Path | None = REJECTS) -> None:
    """Meters, one row each: meter, account, installed_on[, multiplier, digits, tou, initial,
    initial_peak, initial_valley, serves]. `serves`: the households' addresses separated by ';'
    (a 合表); empty, the account's own premises."""
    import_file(register_import.import_meters, path, strict=strict, rejects=rejects)
