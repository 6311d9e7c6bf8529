"""Meter readings from a file: meter, read_on, total[, peak, valley, kind, source, rolled_over,
period], each row checked against the meter and the reading it follows (see `imports`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.customers.models import Meter, MeterReading
from quarterhour.kit import clock
from quarterhour.records import imports
from quarterhour.records.imports import ImportReport, Problem, Row, RowProblem

REQUIRED = ("meter", "read_on", "total")
OPTIONAL = ("peak", "valley", "kind", "source", "rolled_over", "period")


@dataclass
class _Last:
    read_on: date
    kind: str
    total: Decimal
    peak: Decimal | None
    valley: Decimal | None


def import_readings(
    session: Session, data: bytes, *, file_name: str, strict: bool = False, by: Actor
) -> ImportReport:
    require(by, Permission.IMPORT_RECORDS)
    return imports.run(
        session,
        data,
        kind="readings",
        file_name=file_name,
        required=REQUIRED,
        strict=strict,
        by_id=by.id,
        plan=_plan,
        write=_write,
    )


def _plan(
    session: Session, rows: list[Row], report: ImportReport
) -> tuple[list[dict[str, Any]], int]:
    meters = _meters(session, {values["meter"] for _, values in rows})
    last = _last_readings(session, [m.id for m in meters.values()])
    seen: set[tuple[int, date, str]] = set()
    accepted: list[dict[str, Any]] = []
    now = clock.now()
    for n, values in rows:
        try:
            accepted.append(_row(values, meters, last, seen, now))
        except RowProblem as problem:
            report.problems.append(Problem(n, problem.field, problem.message, values))
    return accepted, len(accepted)


def _write(session: Session, accepted: list[dict[str, Any]], batch_id: int) -> None:
    for row in accepted:
        row["import_batch_id"] = batch_id
    imports.insert_all(session, MeterReading, accepted)


def _meters(session: Session, numbers: set[str]) -> dict[str, Meter]:
    found = imports.rows_where_in(session, select(Meter), Meter.number, numbers)
    return {meter.number: meter for (meter,) in found}


def _last_readings(session: Session, meter_ids: list[int]) -> dict[int, _Last]:
    # The last reading in force of each meter: a voided one is followed by none.
    readings = imports.rows_where_in(
        session,
        select(MeterReading)
        .where(MeterReading.voided_at.is_(None))
        .order_by(MeterReading.meter_id, MeterReading.read_on, MeterReading.id),
        MeterReading.meter_id,
        meter_ids,
    )
    return {r.meter_id: _Last(r.read_on, r.kind, r.total, r.peak, r.valley) for (r,) in readings}


def _row(
    values: dict[str, str],
    meters: dict[str, Meter],
    last: dict[int, _Last],
    seen: set[tuple[int, date, str]],
    now: datetime,
) -> dict[str, Any]:
    """The reading to insert, or RowProblem naming the field at fault."""
    meter = meters.get(values.get("meter", ""))
    if meter is None:
        raise RowProblem("meter", f"no meter {values.get('meter')!r}")
    read_on = imports.date_field(values, "read_on")
    if read_on > now.date():
        # A reading dated ahead would make every real one until that day look out of order.
        raise RowProblem("read_on", f"{read_on} has not come yet")
    numbers = {name: imports.number_field(values, name) for name in ("total", "peak", "valley")}
    total = numbers["total"]
    if total is None:
        raise RowProblem("total", "the register value is missing")
    for name, value in numbers.items():
        imports.check_register(name, value, meter.digits)
    if meter.is_time_of_use and (numbers["peak"] is None or numbers["valley"] is None):
        raise RowProblem("peak" if numbers["peak"] is None else "valley", "a TOU meter reads both")
    kind = values.get("kind") or "regular"
    if kind not in ("regular", "final"):
        raise RowProblem("kind", "kind is regular or final (installations are not imported)")
    source = values.get("source") or "actual"
    if source not in ("actual", "estimated"):
        raise RowProblem("source", "source is actual or estimated")
    rolled_over = imports.flag_field(values, "rolled_over")
    previous = last.get(meter.id)
    if previous is None:
        raise RowProblem("meter", "the meter has no reading to follow (install it first)")
    if read_on < previous.read_on:
        raise RowProblem("read_on", f"before the meter's last reading of {previous.read_on}")
    if (meter.id, read_on, kind) in seen or (read_on, kind) == (previous.read_on, previous.kind):
        # One reading of a kind per meter and day (uq_meter_reading_in_force).
        raise RowProblem("read_on", "this meter already has a reading of this kind that day")
    if total < previous.total and not rolled_over:
        raise RowProblem(
            "total",
            f"{total} is lower than the previous reading {previous.total} without roll-over",
        )
    period_text = values.get("period") or ""
    try:
        period = imports.parse_date(period_text + "-01") if period_text else read_on
    except ValueError:
        raise RowProblem("period", f"{period_text!r} is not a month (YYYY-MM)") from None
    peak = numbers["peak"] if meter.is_time_of_use else None
    valley = numbers["valley"] if meter.is_time_of_use else None
    seen.add((meter.id, read_on, kind))
    last[meter.id] = _Last(read_on, kind, total, peak, valley)
    return {
        "meter_id": meter.id,
        "period": period.replace(day=1),
        "read_on": read_on,
        "kind": kind,
        "source": source,
        "total": total,
        "peak": peak,
        "valley": valley,
        "previous_total": previous.total,
        "previous_peak": previous.peak,
        "previous_valley": previous.valley,
        "rolled_over": rolled_over,
        "created_at": now,
    }
