"""The bill run at scale: N accounts on PostgreSQL, readings in the database to bills in it.

    .venv/bin/python -m bench.billing                      # 1,000,000 accounts (fill ~2 min)
    .venv/bin/python -m bench.billing --accounts 100000    # a quicker look

1. Recreates `qh_billing`, migrates it, installs the demo organisation and the sample tariffs,
   and fills it with set-based SQL: the mix of households below, one meter each (a 合表 meter
   serves three flats), readings at the ends of August, September and October 2026.
2. Bills September (so October has a year to date and a usual consumption), then measures:
   - **end to end**: `bill_run.run` for October, one transaction, everything in scope;
   - **again**: the same run once more (nothing changed, so nothing may be written);
   - **pure computation**: `pricing.price_columns` + fingerprints on October's columns;
   - **COPY floor**: the same bill and line rows written by COPY alone into empty copies of
     the tables (what writing costs without computing anything);
   - **ORM loop**: a straightforward loop over a sample of accounts (read the account and its
     readings through the ORM, price with the reference `tariffs.price`, add Bill and BillLine
     objects, flush), extrapolated to N.
3. Writes `bench/results/billing-<time>.json` and prints a table.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.common import PG_BASE, log, machine_facts, recreate_database, uptime_line, write_result
from quarterhour.access.actor import system
from quarterhour.billing import bill_run
from quarterhour.billing.consumption import period_usage
from quarterhour.billing.models import Bill, BillLine
from quarterhour.billing.pricing import Consumption, fingerprints, price_columns
from quarterhour.config import Settings
from quarterhour.customers.models import Account, Meter, MeterReading
from quarterhour.demo import organisation as demo_org
from quarterhour.kit import clock
from quarterhour.storage.engine import make_engine, make_session_factory
from quarterhour.storage.migrate import upgrade
from quarterhour.tariffs import tariff_book
from quarterhour.tariffs.reference import Usage, price

SEPTEMBER = date(2026, 9, 1)
OCTOBER = date(2026, 10, 1)
# Share of accounts per tariff code (residential annual tiers, TOU, monthly tiers, 合表, shops).
MIX = (
    ("ZJ-RES", 0.60),
    ("ZJ-RES-TOU", 0.15),
    ("AH-RES", 0.10),
    ("AH-SHARED", 0.10),
    ("AH-BIZ", 0.05),
)

_FILL = """
INSERT INTO customer (id, name, phone, phone_last4, address, district_id, created_at)
SELECT g, '客户' || g, '139' || lpad(g::text, 8, '0'), right(lpad(g::text, 8, '0'), 4),
       '合肥市' || g || '号', (CAST(:districts AS integer[]))[1 + g % 4], now()
FROM generate_series(1, :n) g;
INSERT INTO premises (id, address, district_id, area_class, created_at)
SELECT g, '合肥市某路' || g || '号', (CAST(:districts AS integer[]))[1 + g % 4], 'urban', now()
FROM generate_series(1, :n) g;
INSERT INTO account (id, number, customer_id, premises_id, category, tariff_id, phone,
                     phone_last4, opened_on, created_at)
SELECT g, lpad(g::text, 10, '0'), g, g,
       CASE WHEN t.code = 'AH-BIZ' THEN 'non_residential' ELSE 'residential' END,
       t.id, '139' || lpad(g::text, 8, '0'), right(lpad(g::text, 8, '0'), 4), '2020-01-01', now()
FROM generate_series(1, :n) g
JOIN tariff t ON t.code = CASE
    WHEN g % 100 < :c1 THEN 'ZJ-RES' WHEN g % 100 < :c2 THEN 'ZJ-RES-TOU'
    WHEN g % 100 < :c3 THEN 'AH-RES' WHEN g % 100 < :c4 THEN 'AH-SHARED' ELSE 'AH-BIZ' END;
INSERT INTO meter (id, number, account_id, multiplier, digits, is_time_of_use, is_shared,
                   installed_on)
SELECT a.id, 'M' || a.id, a.id, 1, 6, t.code = 'ZJ-RES-TOU', t.code = 'AH-SHARED', '2020-01-01'
FROM account a JOIN tariff t ON t.id = a.tariff_id;
INSERT INTO meter_household (meter_id, premises_id, since) SELECT id, id, '2020-01-01' FROM meter;
-- Readings at three month ends, each with the register values it follows: 50–600 kWh a month.
INSERT INTO meter_reading (meter_id, period, read_on, kind, source, total, peak, valley,
                           previous_total, previous_peak, previous_valley, rolled_over, created_at)
SELECT x.id, x.period, x.read_on, 'regular', 'actual', x.total,
       CASE WHEN x.tou THEN x.total * 0.6 END, CASE WHEN x.tou THEN x.total * 0.4 END,
       x.total - x.used,
       CASE WHEN x.tou THEN (x.total - x.used) * 0.6 END,
       CASE WHEN x.tou THEN (x.total - x.used) * 0.4 END,
       false, now()
FROM (
    SELECT m.id, m.is_time_of_use AS tou, p.period, p.read_on,
           (m.id % 997) * 10 + 600
             + CASE WHEN p.k >= 1 THEN 50 + (m.id * 7 + 13) % 550 ELSE 0 END
             + CASE WHEN p.k >= 2 THEN 50 + (m.id * 7 + 26) % 550 ELSE 0 END AS total,
           50 + (m.id * 7 + p.k * 13) % 550 AS used
    FROM meter m CROSS JOIN (VALUES (0, DATE '2026-08-01', DATE '2026-08-31'),
                                    (1, DATE '2026-09-01', DATE '2026-09-30'),
                                    (2, DATE '2026-10-01', DATE '2026-10-31')) AS p (k, period, read_on)
) AS x;
SELECT setval(pg_get_serial_sequence('customer', 'id'), :n);
SELECT setval(pg_get_serial_sequence('premises', 'id'), :n);
SELECT setval(pg_get_serial_sequence('account', 'id'), :n);
SELECT setval(pg_get_serial_sequence('meter', 'id'), :n);
"""


def fill(session: Session, n: int, districts: list[int]) -> None:
    cuts = np.cumsum([share for _, share in MIX]) * 100
    params = {
        "n": n,
        "districts": districts,
        **{f"c{i + 1}": int(c) for i, c in enumerate(cuts[:4])},
    }
    body = "\n".join(line for line in _FILL.splitlines() if not line.startswith("--"))
    for statement in body.split(";\n"):
        if statement.strip():
            session.execute(text(statement), params)
    session.execute(text("ANALYZE"))


def timed(label: str, fn: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - started
    log(f"{label}: {elapsed:.2f} s")
    return result, elapsed


def orm_loop(session: Session, sample: int, settings: Settings) -> float:
    """What a typical application does: one account at a time through the ORM. Seconds for
    `sample` accounts (written, then rolled back)."""
    versions = tariff_book.versions_by_tariff(session)
    # October is billed already; the loop writes it again inside a transaction rolled back.
    session.execute(text("DELETE FROM bill WHERE period = '2026-10-01'"))
    ids = list(session.scalars(select(Account.id).order_by(Account.id).limit(sample)))
    started = time.perf_counter()
    for account_id in ids:
        account = session.get_one(Account, account_id)
        meter = session.scalars(select(Meter).where(Meter.account_id == account.id)).first()
        assert meter is not None
        readings = session.scalars(
            select(MeterReading)
            .where(MeterReading.meter_id == meter.id, MeterReading.period <= OCTOBER)
            .order_by(MeterReading.read_on.desc())
            .limit(2)
        ).all()
        end, start = readings[0], readings[1]
        earlier = session.scalar(
            select(Bill.year_kwh).where(Bill.account_id == account.id, Bill.period == SEPTEMBER)
        ) or Decimal(0)
        usage = Usage(
            kwh=(end.total - start.total) * meter.multiplier,
            peak_kwh=(end.peak - start.peak)
            if meter.is_time_of_use and end.peak is not None and start.peak is not None
            else None,
            valley_kwh=(end.valley - start.valley)
            if meter.is_time_of_use and end.valley is not None and start.valley is not None
            else None,
            earlier_this_year=earlier,
        )
        lines = price(
            usage,
            OCTOBER,
            versions[account.tariff_id],
            tiered=account.category == "residential" and not meter.is_shared,
        )
        bill = Bill(
            account_id=account.id,
            period=OCTOBER,
            kwh=usage.kwh,
            year_kwh=earlier + usage.kwh,
            amount=sum((line.amount for line in lines), Decimal(0)),
            due_on=date(2026, 11, 20),
            fingerprint=0,
            run_id=1,
            issued_at=clock.now(),
        )
        session.add(bill)
        session.flush()
        for no, line in enumerate(lines, start=1):
            session.add(
                BillLine(
                    bill_id=bill.id,
                    line_no=no,
                    kind=line.kind.value,
                    kwh=line.kwh,
                    unit_price=line.unit_price,
                    amount=line.amount,
                    starts_on=line.starts_on,
                    ends_on=line.ends_on,
                )
            )
        session.flush()
    elapsed = time.perf_counter() - started
    session.rollback()
    return elapsed


def copy_floor(session: Session) -> float:
    """October's bills and lines, as the run wrote them, copied by COPY alone into empty copies
    of the tables (ordinary tables, WAL-logged, same columns and indexes; dropped with the
    rollback): the rows arrive as ready COPY text, so the time is PostgreSQL's writing alone."""
    connection = session.connection().connection.driver_connection
    with connection.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute("CREATE TABLE bill_copy (LIKE bill INCLUDING ALL)")
        cursor.execute("CREATE TABLE bill_line_copy (LIKE bill_line INCLUDING ALL)")
        texts = []
        for query in (
            "COPY (SELECT * FROM bill WHERE period = '2026-10-01') TO STDOUT",
            "COPY (SELECT l.* FROM bill_line l JOIN bill b ON b.id = l.bill_id"
            " WHERE b.period = '2026-10-01') TO STDOUT",
        ):
            with cursor.copy(query) as copy:
                texts.append(b"".join(bytes(chunk) for chunk in copy))
        started = time.perf_counter()
        for table, data in zip(("bill_copy", "bill_line_copy"), texts, strict=True):
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for offset in range(0, len(data), 1 << 20):
                    copy.write(data[offset : offset + (1 << 20)])
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=f"{PG_BASE}/qh_billing")
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--orm-sample", type=int, default=2_000)
    parser.add_argument("--force-drop", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    url = args.database_url
    result: dict[str, Any] = {
        "benchmark": "billing",
        "args": vars(args),
        "uptime_before": uptime_line(),
    }
    recreate_database(url, force=args.force_drop)
    settings = Settings(database_url=url, run_background_sweep=False)
    engine = make_engine(settings)
    upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        org = demo_org.install(session)
        tariff_book.install_samples(session, by=system("bench"))
        session.commit()
        _, result["fill_s"] = timed(
            f"fill {args.accounts:,} accounts",
            lambda: fill(session, args.accounts, list(org.districts.values())),
        )
        session.commit()
    with factory() as session:
        september, result["september_s"] = timed(
            "bill September",
            lambda: bill_run.run(session, SEPTEMBER, settings=settings, by=system("bench")),
        )
        session.commit()
    with factory() as session:
        october, result["end_to_end_s"] = timed(
            "bill October (end to end)",
            lambda: bill_run.run(session, OCTOBER, settings=settings, by=system("bench")),
        )
        session.commit()
    with factory() as session:
        again, result["again_s"] = timed(
            "bill October again",
            lambda: bill_run.run(session, OCTOBER, settings=settings, by=system("bench")),
        )
        session.commit()
    with factory() as session:
        usage, result["read_consumption_s"] = timed(
            "read October's consumption", lambda: period_usage(session, OCTOBER)
        )
        versions = tariff_book.versions_by_tariff(session)
        tariff_ids = sorted(versions)
        consumption = Consumption(
            tariff=np.searchsorted(np.array(tariff_ids), usage.tariff_id),
            kwh=usage.kwh,
            peak=usage.peak,
            valley=usage.valley,
            earlier_this_year=usage.earlier_this_year,
            tiered=usage.tiered,
        )
        table = [versions[t] for t in tariff_ids]
        price_columns(consumption, OCTOBER, table)  # warm
        best = min(
            timed(
                "pure computation",
                lambda: fingerprints(price_columns(consumption, OCTOBER, table)[0], len(usage.kwh)),
            )[1]
            for _ in range(3)
        )
        result["compute_s"] = best
        result["compute_bills_per_s"] = round(len(usage.kwh) / best)
        result["copy_floor_s"] = timed("COPY floor", lambda: copy_floor(session))[1]
        session.rollback()
    with factory() as session:
        orm_s = orm_loop(session, args.orm_sample, settings)
        result["orm_sample_s"] = orm_s
        result["orm_extrapolated_s"] = orm_s / args.orm_sample * october.accounts
        log(
            f"ORM loop: {args.orm_sample} accounts in {orm_s:.2f} s → {result['orm_extrapolated_s']:.0f} s for {october.accounts:,}"
        )
    engine.dispose()
    result["september"] = vars(september) | {
        "period": str(september.period),
        "amount": str(september.amount),
    }
    result["october"] = vars(october) | {
        "period": str(october.period),
        "amount": str(october.amount),
    }
    result["again"] = vars(again) | {"period": str(again.period), "amount": str(again.amount)}
    result["ratio_orm_loop"] = round(result["orm_extrapolated_s"] / result["end_to_end_s"], 1)
    result["ratio_copy_floor"] = round(result["end_to_end_s"] / result["copy_floor_s"], 2)
    result["uptime_after"] = uptime_line()
    result["facts"] = machine_facts(url)
    result["measured_at"] = datetime.now().isoformat(timespec="seconds")
    path = write_result("billing", result, args.out)
    print(f"""
| measurement | figure |
|---|---:|
| accounts billed in October | {october.accounts:,} ({october.created:,} created, {october.held:,} held) |
| end to end, October | {result["end_to_end_s"]:.2f} s |
| again, nothing changed | {result["again_s"]:.2f} s ({again.created} created, {again.replaced} replaced, {again.unchanged:,} unchanged) |
| reading consumption | {result["read_consumption_s"]:.2f} s |
| pure computation | {best:.3f} s = {result["compute_bills_per_s"]:,} bills/s |
| COPY floor (same rows) | {result["copy_floor_s"]:.2f} s (end to end is {result["ratio_copy_floor"]}× it) |
| ORM loop | {args.orm_sample:,} accounts in {orm_s:.2f} s → {result["orm_extrapolated_s"]:.0f} s for all (ours is {result["ratio_orm_loop"]}× faster) |
result: {path}""")


if __name__ == "__main__":
    main()
