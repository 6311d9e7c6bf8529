"""Meter readings from a CSV file (UTF-8 or GB18030), checked row by row and field by field.

Either every good row goes in and the bad ones are set aside with the reason (the caller writes
them to a rejects file), or, strict, one bad row stops the whole file. The same file (by its
SHA-256) is never imported twice: importing it again changes nothing. Nothing is half-written:
the caller's transaction holds the batch record and all its rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from quarterhour.customers.models import ImportBatch, Meter, MeterReading
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock

REQUIRED = ("meter", "read_on", "total")
OPTIONAL = ("peak", "valley", "kind", "source", "rolled_over", "period")
_CHUNK = 5_000
_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"", "0", "false", "no", "n", "否"}


@dataclass(frozen=True)
class Problem:
    row: int  # the file's line number (the header is line 1)
    field: str
    message: str
    values: dict[str, str]


@dataclass
class ImportReport:
    file_name: str
    rows: int = 0
    accepted: int = 0
    problems: list[Problem] = field(default_factory=list)
    already_imported: bool = False
    batch_id: int | None = None

    @property
    def rejected(self) -> int:
        return len({p.row for p in self.problems})


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else GB18030 — what Excel in China saves."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("the file is neither UTF-8 nor GB18030 text", field="file")


@dataclass
class _Last:
    read_on: date
    total: Decimal
    peak: Decimal | None
    valley: Decimal | None


def import_readings(
    session: Session, data: bytes, *, file_name: str, strict: bool = False, by_id: int | None = None
) -> ImportReport:
    report = ImportReport(file_name=file_name)
    digest = hashlib.sha256(data).hexdigest()
    earlier = session.scalar(
        select(ImportBatch).where(ImportBatch.kind == "readings", ImportBatch.sha256 == digest)
    )
    if earlier is not None:
        report.already_imported = True
        report.batch_id = earlier.id
        report.rows, report.accepted = earlier.rows, earlier.accepted
        return report
    reader = csv.DictReader(io.StringIO(decode(data)))
    columns = [c.strip() for c in reader.fieldnames or []]
    for column in REQUIRED:
        if column not in columns:
            raise ValidationFailed(
                f"the file has no {column!r} column (needs {', '.join(REQUIRED)})", field=column
            )
    rows = [
        (n, {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None})
        for n, raw in enumerate(reader, start=2)
    ]
    report.rows = len(rows)
    meters = _meters(session, {values["meter"] for _, values in rows})
    last = _last_readings(session, [m.id for m in meters.values()])
    seen: set[tuple[int, date, str]] = set()
    accepted: list[dict[str, Any]] = []
    now = clock.now()
    for n, values in rows:
        problem = _check(n, values, meters, last, seen)
        if problem is not None:
            report.problems.append(problem)
            continue
        accepted.append(_row(values, meters, last, seen, now))
    if strict and report.problems:
        first = report.problems[0]
        raise ValidationFailed(
            f"{report.rejected} of {report.rows} rows are wrong; nothing was imported"
            f" (first: line {first.row}, {first.field}: {first.message})",
            field=first.field,
            problems=[f"line {p.row}, {p.field}: {p.message}" for p in report.problems[:50]],
        )
    batch = ImportBatch(
        kind="readings",
        file_name=file_name[:200],
        sha256=digest,
        rows=report.rows,
        accepted=len(accepted),
        rejected=report.rejected,
        by_id=by_id,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    for start in range(0, len(accepted), _CHUNK):
        chunk = accepted[start : start + _CHUNK]
        for row in chunk:
            row["import_batch_id"] = batch.id
        session.execute(insert(MeterReading), chunk)
    report.accepted = len(accepted)
    report.batch_id = batch.id
    return report


def _meters(session: Session, numbers: set[str]) -> dict[str, Meter]:
    found: dict[str, Meter] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), _CHUNK):
        for meter in session.scalars(
            select(Meter).where(Meter.number.in_(ordered[start : start + _CHUNK]))
        ):
            found[meter.number] = meter
    return found


def _last_readings(session: Session, meter_ids: list[int]) -> dict[int, _Last]:
    last: dict[int, _Last] = {}
    for start in range(0, len(meter_ids), _CHUNK):
        chunk = meter_ids[start : start + _CHUNK]
        for reading in session.scalars(
            select(MeterReading)
            .where(MeterReading.meter_id.in_(chunk))
            .order_by(MeterReading.meter_id, MeterReading.read_on, MeterReading.id)
        ):
            last[reading.meter_id] = _Last(
                reading.read_on, reading.total, reading.peak, reading.valley
            )
    return last


def _date(text: str) -> date:
    for form in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(text)


def _number(text: str) -> Decimal | None:
    if text == "":
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def _check(
    n: int,
    values: dict[str, str],
    meters: dict[str, Meter],
    last: dict[int, _Last],
    seen: set[tuple[int, date, str]],
) -> Problem | None:
    def problem(name: str, message: str) -> Problem:
        return Problem(n, name, message, values)

    meter = meters.get(values.get("meter", ""))
    if meter is None:
        return problem("meter", f"no meter {values.get('meter')!r}")
    try:
        read_on = _date(values["read_on"])
    except ValueError:
        return problem("read_on", f"{values['read_on']!r} is not a date (YYYY-MM-DD)")
    numbers: dict[str, Decimal | None] = {}
    for name in ("total", "peak", "valley"):
        try:
            numbers[name] = _number(values.get(name, ""))
        except ValueError:
            return problem(name, f"{values.get(name)!r} is not a number")
    total = numbers["total"]
    if total is None:
        return problem("total", "the register value is missing")
    limit = Decimal(10) ** meter.digits
    for name, value in numbers.items():
        if value is not None and not 0 <= value < limit:
            return problem(name, f"must lie between 0 and {limit - 1} on this register")
        if value is not None and value != value.quantize(Decimal("0.01")):
            return problem(name, "at most two decimals")
    if meter.is_time_of_use and (numbers["peak"] is None or numbers["valley"] is None):
        return problem("peak" if numbers["peak"] is None else "valley", "a TOU meter reads both")
    kind = values.get("kind") or "regular"
    if kind not in ("regular", "final"):
        return problem("kind", "kind is regular or final (installations are not imported)")
    if (values.get("source") or "actual") not in ("actual", "estimated"):
        return problem("source", "source is actual or estimated")
    rolled = (values.get("rolled_over") or "").lower()
    if rolled not in _TRUE | _FALSE:
        return problem("rolled_over", "yes or no")
    previous = last.get(meter.id)
    if previous is None:
        return problem("meter", "the meter has no reading to follow (install it first)")
    if read_on < previous.read_on:
        return problem("read_on", f"before the meter's last reading of {previous.read_on}")
    if (meter.id, read_on, kind) in seen:
        return problem("read_on", "this meter already has a reading of this kind that day")
    if total < previous.total and rolled not in _TRUE:
        return problem(
            "total",
            f"{total} is lower than the previous reading {previous.total} without roll-over",
        )
    return None


def _row(
    values: dict[str, str],
    meters: dict[str, Meter],
    last: dict[int, _Last],
    seen: set[tuple[int, date, str]],
    now: datetime,
) -> dict[str, Any]:
    meter = meters[values["meter"]]
    read_on = _date(values["read_on"])
    kind = values.get("kind") or "regular"
    previous = last[meter.id]
    total = _number(values["total"])
    peak = _number(values.get("peak", "")) if meter.is_time_of_use else None
    valley = _number(values.get("valley", "")) if meter.is_time_of_use else None
    period_text = values.get("period") or ""
    period = _date(period_text + "-01") if len(period_text) == 7 else read_on
    seen.add((meter.id, read_on, kind))
    assert total is not None
    last[meter.id] = _Last(read_on, total, peak, valley)
    return {
        "meter_id": meter.id,
        "period": period.replace(day=1),
        "read_on": read_on,
        "kind": kind,
        "source": values.get("source") or "actual",
        "total": total,
        "peak": peak,
        "valley": valley,
        "previous_total": previous.total,
        "previous_peak": previous.peak,
        "previous_valley": previous.valley,
        "rolled_over": (values.get("rolled_over") or "").lower() in _TRUE,
        "created_at": now,
    }
