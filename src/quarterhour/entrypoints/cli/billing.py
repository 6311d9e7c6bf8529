"""`quarterhour billing …`: bill runs, the tariff book and the late-fee rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from quarterhour.access.actor import system
from quarterhour.billing import bill_run, inquiry, late_fees, payment_import
from quarterhour.config import Settings
from quarterhour.customers import reading_import
from quarterhour.entrypoints.cli.common import console, err_console, transaction
from quarterhour.entrypoints.cli.records import FILE, REJECTS, STRICT, import_file
from quarterhour.errors import DomainError
from quarterhour.kit import clock
from quarterhour.organisation import service as organisation
from quarterhour.storage.engine import make_engine, make_session_factory
from quarterhour.tariffs import tariff_book

app = typer.Typer(help="Bills: bill runs and tariffs (电费).", no_args_is_help=True)
tariffs = typer.Typer(
    help="The tariff book: published prices and their versions.", no_args_is_help=True
)
app.add_typer(tariffs, name="tariffs")
fees = typer.Typer(
    help="Late-fee rules (电费违约金): versions with their sources.", no_args_is_help=True
)
app.add_typer(fees, name="late-fees")


def _period(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        err_console.print(
            f"[red]error {escape('[period]')}:[/red] {text!r} is not a month like 2026-10"
        )
        raise typer.Exit(code=2) from None


@app.command("run")
def run(
    period: str = typer.Option(..., help="the month to bill, e.g. 2026-10"),
    district: str | None = typer.Option(None, help="only this district (its code, e.g. baohe)"),
) -> None:
    """Bill every account for a month, one district after the other (each district is one
    transaction: a crash leaves whole districts done, and running again finishes the rest)."""
    month = _period(period)
    settings = Settings.from_env()
    with transaction(settings) as session:
        known = {d.code: (d.id, d.name) for d in organisation.list_districts(session)}
    if district is not None and district not in known:
        err_console.print(
            f"[red]error {escape('[district]')}:[/red] no district {district!r};"
            f" one of {', '.join(sorted(known))}"
        )
        raise typer.Exit(code=2)
    chosen = [district] if district is not None else sorted(known)
    table = Table(
        "district", "accounts", "created", "replaced", "unchanged", "held", "amount (yuan)"
    )
    engine = make_engine(settings)
    try:
        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
        ) as progress:
            overall = progress.add_task(f"bill run {month:%Y-%m}", total=len(chosen))
            steps = {
                code: progress.add_task(f"{known[code][1]}: waiting", total=None) for code in chosen
            }

            def say(index: int, name: str, message: str) -> None:
                progress.update(steps[chosen[index]], description=f"{name}: {message}")
                if message == "done":
                    progress.advance(overall)

            try:
                runs = bill_run.run_districts(
                    make_session_factory(engine),
                    month,
                    settings=settings,
                    districts=[known[code] for code in chosen],
                    on_step=say,
                    by=system("cli"),
                )
            except DomainError as exc:
                field = escape(f" [{exc.field}]") if exc.field else ""
                err_console.print(f"[red]error{field}:[/red] {escape(exc.message)}")
                raise typer.Exit(code=2) from None
            progress.update(overall, completed=len(chosen))
    finally:
        engine.dispose()
    totals = [0, 0, 0, 0, 0]
    for done in runs:
        report = done.report
        counts = [report.accounts, report.created, report.replaced, report.unchanged, report.held]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        table.add_row(done.name, *(str(c) for c in counts), f"{report.amount:,.2f}")
    if len(chosen) > 1:
        table.add_row("all", *(str(c) for c in totals), "")
    console.print(table)


@tariffs.command("list")
def list_tariffs(
    on: str | None = typer.Option(None, help="the day whose prices to show (default today)"),
) -> None:
    """The tariffs in force, as published."""
    day = date.fromisoformat(on) if on else clock.now().date()
    with transaction() as session:
        published = tariff_book.in_force(session, day)
        table = Table("code", "name", "tiers", "prices (yuan/kWh)", "since", "verified")
        for tariff, version in published:
            tiers = (
                f"{version.tier_mode}: {version.tier1_limit} / {version.tier2_limit} kWh,"
                f" +{version.tier2_surcharge} / +{version.tier3_surcharge}"
                if version.is_tiered
                else "flat"
            )
            prices = f"{version.flat_price}"
            if version.has_time_of_use:
                prices += f" (peak {version.peak_price}, valley {version.valley_price})"
            table.add_row(
                tariff.code,
                tariff.name,
                tiers,
                prices,
                f"{version.effective_from}",
                "yes" if tariff.is_verified else "[yellow]no[/yellow]",
            )
    console.print(table)


@tariffs.command("install-samples")
def install_samples() -> None:
    """Add the shipped sample tariffs that are missing (only ZJ-RES is confirmed)."""
    with transaction() as session:
        added = tariff_book.install_samples(session, by=system("cli"))
    console.print(f"added: {', '.join(added)}" if added else "all samples are there already")


@app.command("inquire")
def inquire(
    account: str = typer.Argument(..., help="the account number (户号)"),
    phone_last4: str = typer.Argument(..., help="the last four digits of its registered phone"),
) -> None:
    """The bill inquiry line's answer: this month's bill, the total due, the spoken sentence."""
    settings = Settings.from_env()
    with transaction(settings) as session:
        answer = inquiry.inquire(
            session, account, phone_last4, settings=settings, as_of=clock.now().date()
        )
    console.print(answer.sentence)
    if answer.amount is not None:
        console.print(
            f"period {answer.period:%Y-%m}  kWh {answer.kwh}  amount {answer.amount}  "
            f"due {answer.due_on}  total due {answer.total_due}  (late fees {answer.late_fees},"
            f" credit {answer.credit})"
        )


@tariffs.command("add-version")
def add_version(
    code: str = typer.Argument(..., help="the tariff's code, e.g. AH-RES"),
    effective_from: str = typer.Option(..., "--from", help="first day of the new prices"),
    source: str = typer.Option(..., help="the price notice they come from"),
    flat_price: str = typer.Option(..., help="base price, yuan/kWh"),
    tier_mode: str = typer.Option("none", help="none, monthly or annual"),
    tier1_limit: str | None = typer.Option(None, help="upper kWh of tier 1"),
    tier2_limit: str | None = typer.Option(None, help="upper kWh of tier 2"),
    tier2_surcharge: str = typer.Option("0", help="yuan/kWh added in tier 2"),
    tier3_surcharge: str = typer.Option("0", help="yuan/kWh added in tier 3"),
    peak_price: str | None = typer.Option(None, help="time-of-use peak price"),
    valley_price: str | None = typer.Option(None, help="time-of-use valley price"),
) -> None:
    """New prices for a tariff from a day on; the version in force until then ends there."""
    with transaction() as session:
        row = tariff_book.add_version_by(
            session,
            code,
            {
                "effective_from": effective_from,
                "tier_mode": tier_mode,
                "flat_price": flat_price,
                "tier1_limit": tier1_limit,
                "tier2_limit": tier2_limit,
                "tier2_surcharge": tier2_surcharge,
                "tier3_surcharge": tier3_surcharge,
                "peak_price": peak_price,
                "valley_price": valley_price,
            },
            by=system("cli"),
            source=source,
        )
        console.print(f"{code}: new prices from {row.effective_from}")


@fees.command("list")
def list_late_fee_rules() -> None:
    """Every version of the late-fee rule, oldest first (rates per day)."""
    with transaction() as session:
        book = late_fees.rule_book(session)
    table = Table("from", "households", "others, this year", "others, earlier", "minimum", "source")
    for rule in book.rules:
        table.add_row(
            f"{rule.effective_from}",
            f"{rule.residential}",
            f"{rule.current_year}",
            f"{rule.earlier_years}",
            f"{rule.minimum}",
            escape(rule.source),
        )
    console.print(table)


@fees.command("add-version")
def add_late_fee_version(
    effective_from: str = typer.Option(..., "--from", help="first day of the new rule"),
    source: str = typer.Option(..., help="the regulation it comes from"),
    residential: str = typer.Option(..., help="households, per day (0.001 = 0.1 %)"),
    current_year: str = typer.Option(..., help="others, this year's arrears, per day"),
    earlier_years: str = typer.Option(..., help="others, earlier years' arrears, per day"),
    minimum: str = typer.Option("1.00", help="the least fee of a settlement, yuan"),
) -> None:
    """A new version of the late-fee rule from a day on; days before keep their rule."""
    values = {
        "effective_from": effective_from,
        "residential": residential,
        "current_year": current_year,
        "earlier_years": earlier_years,
        "minimum": minimum,
    }
    with transaction() as session:
        row = late_fees.add_version(session, values, by=system("cli"), source=source)
        console.print(f"late fees: new rule from {row.effective_from}")


@app.command("import-readings")
def import_readings(
    path: Path = FILE, strict: bool = STRICT, rejects: Path | None = REJECTS
) -> None:
    """Meter readings from CSV (UTF-8 or GB18030) or Parquet: meter, read_on, total[, peak,
    valley, kind, source, rolled_over, period]. The same file twice changes nothing."""
    import_file(reading_import.import_readings, path, strict=strict, rejects=rejects)


@app.command("import-payments")
def import_payments(
    path: Path = FILE, strict: bool = STRICT, rejects: Path | None = REJECTS
) -> None:
    """Payments from a bank's or online channel's file (CSV or Parquet): account, amount,
    paid_at, reference[, channel]. A reference reported again is the same payment."""
    import_file(payment_import.import_payments, path, strict=strict, rejects=rejects)
