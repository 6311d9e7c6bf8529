"""`quarterhour billing run`: every account's bill for a period, set-based and idempotent.

1. consumption per account from the readings (`consumption.period_usage`, two statements);
2. accounts with missing, negative or implausible consumption, or no price in force, are held
   (`held_reading`) instead of billed;
3. the rest are priced over columns (`pricing.price_columns`) with a fingerprint per bill;
4. bills already there with the same fingerprint are left alone; changed ones are replaced;
   new ones are written — by COPY on PostgreSQL, in batches on SQLite.

Exactly one bill per account and period (a unique key), so running twice, or again after a
crash, leaves the same bills; a re-run that computes nothing new writes no bill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Table, bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.billing.consumption import DISTRICT_OF_BILL, PeriodUsage, period_usage
from quarterhour.billing.models import Bill, BillLine, BillRun, HeldReading
from quarterhour.billing.pricing import KINDS, Consumption, Lines, fingerprints, price_columns
from quarterhour.config import Settings
from quarterhour.errors import Conflict, ValidationFailed
from quarterhour.kit import clock
from quarterhour.storage import driver
from quarterhour.storage.engine import unit_of_work
from quarterhour.tariffs import tariff_book
from quarterhour.tariffs.reference import TariffVersion, period_bounds, price_segments

I64 = npt.NDArray[np.int64]
Progress = Callable[[str], None]

_BILL: Table = Bill.__table__  # type: ignore[assignment]
_LINE: Table = BillLine.__table__  # type: ignore[assignment]
_CHUNK = 5_000


@dataclass(frozen=True)
class RunReport:
    run_id: int
    period: date
    district_id: int | None
    accounts: int
    created: int
    replaced: int
    unchanged: int
    held: int
    amount: Decimal  # total of the bills written by this run


def run(
    session: Session,
    period: date,
    *,
    settings: Settings,
    district_id: int | None = None,
    by: Actor,
    progress: Progress | None = None,
) -> RunReport:
    require(by, Permission.RUN_BILLING)
    say = progress or (lambda _message: None)
    period = period.replace(day=1)
    if period >= clock.now().date().replace(day=1):
        raise ValidationFailed(
            f"{period:%Y-%m} has not ended yet; bill a month after it is over", field="period"
        )
    _take_the_period(session, period, district_id)
    started = clock.now()
    record = BillRun(
        period=period,
        district_id=district_id,
        status="running",
        started_by_id=by.id,
        started_at=started,
    )
    session.add(record)
    session.flush()

    say("reading consumption")
    usage = period_usage(session, period, district_id=district_id)
    versions = tariff_book.versions_by_tariff(session)
    held = _hold(session, usage, versions, period, record.id, settings)
    billable = np.flatnonzero(~held)

    say(f"pricing {len(billable)} accounts")
    tariff_ids = sorted(versions)
    consumption = Consumption(
        tariff=np.searchsorted(np.array(tariff_ids, dtype=np.int64), usage.tariff_id[billable]),
        kwh=usage.kwh[billable],
        peak=usage.peak[billable],
        valley=usage.valley[billable],
        earlier_this_year=usage.earlier_this_year[billable],
        tiered=usage.tiered[billable],
    )
    lines, totals = price_columns(consumption, period, [versions[t] for t in tariff_ids])
    digest = fingerprints(lines, len(billable)).view(np.int64)

    say("comparing with the bills already there")
    accounts = usage.account_id[billable]
    existing = _existing_bills(session, period, district_id)
    known, same, replaced_ids = _compare(existing, accounts, digest)
    write = ~same

    say(f"writing {int(write.sum())} bills")
    if len(replaced_ids):
        _delete_bills(session, replaced_ids)
    due_on = period_bounds(period)[1] + timedelta(days=settings.bill_due_days - 1)
    written = np.flatnonzero(write)
    bill_ids = np.array(
        driver.allocate_ids(session, [(_BILL, len(written))])[0] if len(written) else [],
        dtype=np.int64,
    )
    _write(
        session,
        usage,
        billable,
        written,
        bill_ids,
        lines,
        totals,
        digest,
        period,
        due_on,
        record.id,
        started,
    )

    amount = Decimal(int(totals[written].sum())).scaleb(-2)
    record.status = "done"
    record.accounts = len(usage.account_id)
    record.created = int((write & ~known).sum())
    record.replaced = len(replaced_ids)
    record.unchanged = int(same.sum())
    record.held = int(held.sum())
    record.finished_at = clock.now()
    session.flush()
    return RunReport(
        run_id=record.id,
        period=period,
        district_id=district_id,
        accounts=record.accounts,
        created=record.created,
        replaced=record.replaced,
        unchanged=record.unchanged,
        held=record.held,
        amount=amount,
    )


@dataclass(frozen=True)
class DistrictRun:
    district_id: int
    name: str
    report: RunReport


# (index of the district, its name, what the run is doing now)
Step = Callable[[int, str, str], None]


# pg advisory lock on a whole period: this number's billions plus yyyymm (the sweep's key is
# elsewhere); a district's own run also locks (yyyymm, district id) in the two-key space.
_PERIOD_LOCKS = 7_401_000_000


def _take_the_period(session: Session, period: date, district_id: int | None) -> None:
    """Two runs of one period at once would both write its bills: the second is refused with
    a sentence instead of failing on the unique key. A run of every district holds the period
    alone; runs of different districts go side by side. Held until the transaction ends.
    SQLite needs none of this: BEGIN IMMEDIATE lets one writer in at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return
    month = period.year * 100 + period.month
    if district_id is None:
        got = session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:whole)"), {"whole": _PERIOD_LOCKS + month}
        )
    else:
        got = session.scalar(
            text(
                "SELECT pg_try_advisory_xact_lock_shared(:whole)"
                " AND pg_try_advisory_xact_lock(:month, :district)"
            ),
            {"whole": _PERIOD_LOCKS + month, "month": month, "district": district_id},
        )
    if not got:
        where = "" if district_id is None else f" in district {district_id}"
        raise Conflict(
            f"period: a bill run of {period:%Y-%m}{where} is running already;"
            " wait for it to finish (running again afterwards is safe)",
            field="period",
        )


def run_districts(
    factory: sessionmaker[Session],
    period: date,
    *,
    settings: Settings,
    districts: Sequence[tuple[int, str]],
    by: Actor,
    on_step: Step | None = None,
) -> list[DistrictRun]:
    """A month's bills district after district, each in a transaction of its own: a crash
    leaves whole districts done, and running again finishes the rest (run() is idempotent).
    Used alike by `quarterhour billing run` and the console's bill run."""
    out = []
    for index, (district_id, name) in enumerate(districts):

        def say(message: str, *, index: int = index, name: str = name) -> None:
            if on_step is not None:
                on_step(index, name, message)

        with unit_of_work(factory) as session:
            report = run(
                session,
                period,
                settings=settings,
                district_id=district_id,
                by=by,
                progress=say,
            )
        out.append(DistrictRun(district_id, name, report))
        say("done")
    if any(r.report.created or r.report.replaced for r in out):
        with unit_of_work(factory) as session:
            refresh_statistics(session)
    return out


def refresh_statistics(session: Session) -> None:
    """ANALYZE the bill tables after a run that wrote bills: a month's run adds as many bills as
    there are accounts, and until the planner learns of them it may choose plans made for the
    emptier tables (found: a bitmap scan estimated at thousands of bills per account in the bill
    inquiry, 2.7 ms instead of 0.06). Autovacuum would get there, minutes later."""
    for table in ("bill", "bill_line"):
        session.execute(text(f"ANALYZE {table}"))


def _hold(
    session: Session,
    usage: PeriodUsage,
    versions: dict[int, list[TariffVersion]],
    period: date,
    run_id: int,
    settings: Settings,
) -> npt.NDArray[np.bool_]:
    start, end = period_bounds(period)
    priced = []
    for tariff_id, its_versions in versions.items():
        try:
            price_segments(start, end, its_versions)
        except ValidationFailed:
            continue
        priced.append(tariff_id)
    no_tariff = ~np.isin(usage.tariff_id, np.array(priced, dtype=np.int64))
    # What this period's held rows say already: (account, reason) → (id, still held, decision).
    already = {
        (account_id, reason): (held_id, resolved_at is None, decision)
        for held_id, account_id, reason, resolved_at, decision in session.execute(
            select(
                HeldReading.id,
                HeldReading.account_id,
                HeldReading.reason,
                HeldReading.resolved_at,
                HeldReading.decision,
            ).where(HeldReading.period == period)
        ).all()
    }
    # A person confirmed these months' consumption (billing/reading_review): bill them.
    accepted = np.array(
        [
            a
            for (a, reason), (_, _, d) in already.items()
            if reason == "implausible" and d == "accept"
        ],
        dtype=np.int64,
    )
    implausible = (
        (usage.usual > 0)
        & (usage.kwh > settings.implausible_factor * usage.usual)
        & ~np.isin(usage.account_id, accepted)
    )
    reasons = {
        "missing": usage.missing,
        "negative": usage.negative & ~usage.missing,
        "no_tariff": no_tariff & ~usage.missing & ~usage.negative,
        "implausible": implausible & ~usage.missing & ~usage.negative,
    }
    held = np.zeros(len(usage.account_id), dtype=np.bool_)
    now = clock.now()
    rows = []
    reopened = []
    for reason, mask in reasons.items():
        held |= mask
        for n in np.flatnonzero(mask):
            account_id = int(usage.account_id[n])
            detail = None
            if reason == "implausible":
                detail = (
                    f"{Decimal(int(usage.kwh[n])).scaleb(-2)} kWh against a usual"
                    f" {Decimal(int(usage.usual[n])).scaleb(-2)} kWh"
                )
            if (account_id, reason) in already:
                held_id, waiting, _ = already[(account_id, reason)]
                if not waiting:  # reviewed (corrected, voided), and held again: back on the list
                    reopened.append({"held_id": held_id, "detail": detail})
                continue
            rows.append(
                {
                    "account_id": account_id,
                    "period": period,
                    "reason": reason,
                    "detail": detail,
                    "run_id": run_id,
                    "created_at": now,
                }
            )
    if rows:
        session.execute(insert(HeldReading), rows)
    for again in reopened:  # few: months a person reviewed that are still wrong
        session.execute(
            update(HeldReading)
            .where(HeldReading.id == again["held_id"])
            .values(
                resolved_at=None,
                resolved_by_id=None,
                decision=None,
                detail=again["detail"],
                run_id=run_id,
            )
        )
    return held


_EXISTING = """
SELECT CAST(b.account_id AS BIGINT), CAST(b.id AS BIGINT), CAST(b.fingerprint AS BIGINT)
FROM bill b {district_join}
WHERE b.period = :period {district}
ORDER BY b.account_id
"""


def _existing_bills(
    session: Session, period: date, district_id: int | None
) -> tuple[I64, I64, I64]:
    """(account ids, bill ids, fingerprints) of the period's bills in the run's scope, sorted by
    account."""
    params: dict[str, object] = {"period": period}
    query = _EXISTING.format(district="", district_join="")
    if district_id is not None:
        params["district"] = district_id
        query = _EXISTING.format(
            district="AND p.district_id = :district", district_join=DISTRICT_OF_BILL
        )
    table = driver.bigint_table(session, query, params, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def _compare(
    existing: tuple[I64, I64, I64], accounts: I64, digest: I64
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], I64]:
    """Which accounts have a bill already, which of those are unchanged, and the ids of the
    changed ones (to be replaced)."""
    known_accounts, bill_ids, known_digests = existing
    if not len(known_accounts):
        nothing = np.zeros(len(accounts), dtype=np.bool_)
        return nothing, nothing, np.zeros(0, dtype=np.int64)
    at = np.minimum(np.searchsorted(known_accounts, accounts), len(known_accounts) - 1)
    known = known_accounts[at] == accounts
    same = known & (known_digests[at] == digest)
    return known, same, bill_ids[at[known & ~same]]


def _delete_bills(session: Session, bill_ids: I64) -> None:
    # Copies of these bills in the caller's session now describe rows that are gone.
    for bill_id in bill_ids:
        stale = session.identity_map.get(identity_key(Bill, int(bill_id)))
        if stale is not None:
            session.expunge(stale)
    for chunk in _chunks([int(i) for i in bill_ids]):
        session.execute(
            delete(BillLine).where(BillLine.bill_id.in_(bindparam("ids", expanding=True))),
            {"ids": chunk},
        )
        session.execute(
            delete(Bill).where(Bill.id.in_(bindparam("ids", expanding=True))), {"ids": chunk}
        )


def _chunks(values: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


_BILL_COLUMNS = (
    "id",
    "account_id",
    "period",
    "kwh",
    "year_kwh",
    "amount",
    "due_on",
    "fingerprint",
    "run_id",
    "issued_at",
)
_LINE_COLUMNS = (
    "bill_id",
    "line_no",
    "kind",
    "kwh",
    "unit_price",
    "amount",
    "starts_on",
    "ends_on",
)


@dataclass(frozen=True)
class _NewBills:
    """The bills and lines a run writes, as columns (quantities 0.01 kWh, prices 0.0001 yuan,
    amounts fen, days as ordinals)."""

    id: I64
    account_id: I64
    kwh: I64
    year_kwh: I64
    amount: I64
    fingerprint: I64
    line_bill: I64
    line: Lines


def _write(
    session: Session,
    usage: PeriodUsage,
    billable: I64,
    written: I64,
    bill_ids: I64,
    lines: Lines,
    totals: I64,
    digest: I64,
    period: date,
    due_on: date,
    run_id: int,
    issued_at: datetime,
) -> None:
    if not len(written):
        return
    bill_of = np.full(len(billable), -1, dtype=np.int64)
    bill_of[written] = bill_ids
    keep = bill_of[lines.account] >= 0
    kwh = usage.kwh[billable]
    new = _NewBills(
        id=bill_ids,
        account_id=usage.account_id[billable][written],
        kwh=kwh[written],
        year_kwh=(usage.earlier_this_year[billable] + kwh)[written],
        amount=totals[written],
        fingerprint=digest[written],
        line_bill=bill_of[lines.account[keep]],
        line=Lines(**{name: getattr(lines, name)[keep] for name in Lines.__annotations__}),
    )
    if driver.on_postgresql(session):
        _copy_binary(session, new, period, due_on, run_id, issued_at)
        return
    bills = [
        {
            "id": int(new.id[k]),
            "account_id": int(new.account_id[k]),
            "period": period,
            "kwh": _centi(new.kwh[k]),
            "year_kwh": _centi(new.year_kwh[k]),
            "amount": _centi(new.amount[k]),
            "due_on": due_on,
            "fingerprint": int(new.fingerprint[k]),
            "run_id": run_id,
            "issued_at": issued_at,
        }
        for k in range(len(new.id))
    ]
    line = new.line
    line_rows = [
        {
            "bill_id": int(new.line_bill[k]),
            "line_no": int(line.line_no[k]),
            "kind": KINDS[int(line.kind[k])].value,
            "kwh": _centi(line.kwh[k]),
            "unit_price": Decimal(int(line.unit_price[k])).scaleb(-4),
            "amount": _centi(line.amount[k]),
            "starts_on": date.fromordinal(int(line.starts_on[k])),
            "ends_on": date.fromordinal(int(line.ends_on[k])),
        }
        for k in range(len(new.line_bill))
    ]
    session.execute(insert(_BILL), bills)
    session.execute(insert(_LINE), line_rows)


def _copy_binary(
    session: Session, new: _NewBills, period: date, due_on: date, run_id: int, issued_at: datetime
) -> None:
    """Bills and lines as PostgreSQL binary COPY records built over columns: no Python object
    per row. Lines go one kind at a time, so that the kind's text has one width."""
    bills = driver.binary_fields(
        len(new.id),
        [
            ("id", ">i8"),
            ("account_id", ">i4"),
            ("period", ">i4"),
            ("kwh", driver.NUMERIC),
            ("year_kwh", driver.NUMERIC),
            ("amount", driver.NUMERIC),
            ("due_on", ">i4"),
            ("fingerprint", ">i8"),
            ("run_id", ">i4"),
            ("issued_at", ">i8"),
        ],
    )
    bills["id"]["value"] = new.id
    bills["account_id"]["value"] = new.account_id
    bills["period"]["value"] = period.toordinal() - driver.PG_EPOCH_DAYS
    bills["kwh"]["value"] = driver.numeric_values(new.kwh, 2)
    bills["year_kwh"]["value"] = driver.numeric_values(new.year_kwh, 2)
    bills["amount"]["value"] = driver.numeric_values(new.amount, 2)
    bills["due_on"]["value"] = due_on.toordinal() - driver.PG_EPOCH_DAYS
    bills["fingerprint"]["value"] = new.fingerprint
    bills["run_id"]["value"] = run_id
    bills["issued_at"]["value"] = driver.pg_microseconds(issued_at)
    driver.copy_in_records(session, "bill", _BILL_COLUMNS, bills)
    line = new.line
    for code, kind in enumerate(KINDS):
        picked = np.flatnonzero(line.kind == code)
        if not len(picked):
            continue
        name = kind.value.encode()
        records = driver.binary_fields(
            len(picked),
            [
                ("bill_id", ">i8"),
                ("line_no", ">i2"),
                ("kind", f"S{len(name)}"),
                ("kwh", driver.NUMERIC),
                ("unit_price", driver.NUMERIC),
                ("amount", driver.NUMERIC),
                ("starts_on", ">i4"),
                ("ends_on", ">i4"),
            ],
        )
        records["bill_id"]["value"] = new.line_bill[picked]
        records["line_no"]["value"] = line.line_no[picked]
        records["kind"]["value"] = name
        records["kwh"]["value"] = driver.numeric_values(line.kwh[picked], 2)
        records["unit_price"]["value"] = driver.numeric_values(line.unit_price[picked], 4)
        records["amount"]["value"] = driver.numeric_values(line.amount[picked], 2)
        records["starts_on"]["value"] = line.starts_on[picked] - driver.PG_EPOCH_DAYS
        records["ends_on"]["value"] = line.ends_on[picked] - driver.PG_EPOCH_DAYS
        driver.copy_in_records(session, "bill_line", _LINE_COLUMNS, records)


def _centi(value: Any) -> Decimal:
    return Decimal(int(value)).scaleb(-2)
