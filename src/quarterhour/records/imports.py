"""What every import of records shares (customers, meters, readings, payments): reading the file,
the per-row report, the batch.

A file is CSV (UTF-8 or GB18030, what Excel in China saves) or Parquet (when `pyarrow` is
installed). Every value reaches the checks as text, whatever the file's format, so one set of
checks serves both. Either every good row goes in and the bad ones are set aside with the reason
(the caller writes them to a rejects file), or, strict, one bad row stops the whole file. The same
file (by its SHA-256) is never imported twice: importing it again changes nothing. Nothing is
half-written: the caller's transaction holds the batch record and all its rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.errors import ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.records.models import ImportBatch

CHUNK = 5_000
TRUE = {"1", "true", "yes", "y", "是"}
FALSE = {"", "0", "false", "no", "n", "否"}
_PARQUET_MAGIC = b"PAR1"

Row = tuple[int, dict[str, str]]  # (its number in the file, column → text)
Plan = TypeVar("Plan")


@dataclass(frozen=True)
class Problem:
    row: int  # CSV: the line number (the header is line 1); Parquet: the record number from 1
    field: str
    message: str
    values: dict[str, str]


@dataclass
class ImportReport:
    file_name: str
    rows: int = 0
    accepted: int = 0
    problems: list[Problem] = field(default_factory=list)
    unchanged: int = 0  # rows that repeat what is recorded already (left as they are)
    already_imported: bool = False
    batch_id: int | None = None

    @property
    def rejected(self) -> int:
        return len({p.row for p in self.problems})


class RowProblem(Exception):
    """Raised by a row's check: the field at fault and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("the file is neither UTF-8 nor GB18030 text", field="file")


def read_rows(data: bytes, required: Sequence[str]) -> tuple[list[Row], list[Problem]]:
    """The file's rows as text, after checking it has the `required` columns, and the rows that
    could not even be read (a field beyond the CSV reader's limit): those are set aside like any
    wrong row, the rest of the file goes on."""
    unreadable: list[Problem] = []
    if data[:4] == _PARQUET_MAGIC:
        columns, rows = _parquet_rows(data)
    else:
        reader = csv.DictReader(io.StringIO(decode(data)))
        columns = [c.strip() for c in reader.fieldnames or []]
        rows = []
        number = 1  # the header's line
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                break
            except csv.Error as error:  # the reader starts afresh on the next line
                number += 1
                why = (
                    f"a field is longer than {csv.field_size_limit():,} characters"
                    if "field limit" in str(error)
                    else f"not readable as CSV ({error})"
                )
                unreadable.append(Problem(number, "row", why, {}))
                continue
            number += 1
            rows.append(
                (number, {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None})
            )
    for column in required:
        if column not in columns:
            raise ValidationFailed(
                f"the file has no {column!r} column (needs {', '.join(required)})", field=column
            )
    return rows, unreadable


def _parquet_rows(data: bytes) -> tuple[list[str], list[Row]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ValidationFailed(
            "this is a Parquet file and pyarrow is not installed"
            " (pip install 'quarterhour[parquet]'), or save it as CSV",
            field="file",
        ) from None
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as error:  # pyarrow raises its own zoo of errors for a damaged file
        raise ValidationFailed(f"not a readable Parquet file: {error}", field="file") from None
    columns = [name.strip() for name in table.column_names]
    records = table.to_pylist()
    return columns, [
        (n, {k.strip(): _text(v) for k, v in record.items()})
        for n, record in enumerate(records, start=1)
    ]


def _text(value: Any) -> str:
    """A Parquet value as the text a CSV would have held."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_date(text: str) -> date:
    for form in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    raise ValueError(text)


def parse_number(text: str) -> Decimal | None:
    if text == "":
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def date_field(values: dict[str, str], name: str) -> date:
    try:
        day = parse_date(values.get(name, ""))
    except ValueError:
        raise RowProblem(name, f"{values.get(name)!r} is not a date (YYYY-MM-DD)") from None
    problem = bounds.window_problem(day)
    if problem is not None:
        raise RowProblem(name, problem)
    return day


def number_field(values: dict[str, str], name: str) -> Decimal | None:
    try:
        return parse_number(values.get(name, ""))
    except ValueError:
        raise RowProblem(name, f"{values.get(name)!r} is not a number") from None


def check_register(name: str, value: Decimal | None, digits: int) -> None:
    """A register value as a meter of `digits` digits can show it: 0 to 10^digits − 1, two
    decimals at most."""
    if value is None:
        return
    limit = Decimal(10) ** digits
    if not 0 <= value < limit:
        raise RowProblem(name, f"must lie between 0 and {limit - 1} on this register")
    if value != value.quantize(Decimal("0.01")):
        raise RowProblem(name, "at most two decimals")


def coordinate_field(values: dict[str, str], name: str, limit: int) -> Decimal | None:
    """A latitude (limit 90) or longitude (limit 180) in degrees, to the millionth (the columns'
    Numeric(9, 6)); empty is None."""
    value = number_field(values, name)
    if value is None:
        return None
    if not -limit <= value <= limit:
        raise RowProblem(name, f"must lie between -{limit} and {limit} degrees")
    if value != value.quantize(Decimal("0.000001")):
        raise RowProblem(name, "at most six decimals")
    return value


def position_fields(values: dict[str, str]) -> tuple[Decimal, Decimal] | None:
    """The optional latitude and longitude columns of a row: both or neither (the tables'
    position_whole check); the problem names the one missing."""
    latitude = coordinate_field(values, "latitude", 90)
    longitude = coordinate_field(values, "longitude", 180)
    if (latitude is None) != (longitude is None):
        raise RowProblem(
            "longitude" if longitude is None else "latitude", "give both coordinates or neither"
        )
    if latitude is None or longitude is None:
        return None
    return latitude, longitude


def whole_field(values: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = values.get(name, "")
    if text == "":
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise RowProblem(name, f"{text!r} is not a whole number from {low} to {high}")
    return int(text)


def flag_field(values: dict[str, str], name: str) -> bool:
    text = values.get(name, "").lower()
    if text not in TRUE | FALSE:
        raise RowProblem(name, "yes or no")
    return text in TRUE


def text_field(values: dict[str, str], name: str, limit: int, *, required: bool = True) -> str:
    text = values.get(name, "")
    if required and not text:
        raise RowProblem(name, "missing")
    if len(text) > limit:
        raise RowProblem(name, f"longer than {limit} characters")
    return text


def run(
    session: Session,
    data: bytes,
    *,
    kind: str,
    file_name: str,
    required: Sequence[str],
    strict: bool,
    by_id: int | None,
    plan: Callable[[Session, list[Row], ImportReport], tuple[Plan, int]],
    write: Callable[[Session, Plan, int], None],
) -> ImportReport:
    """The shape of every import: `plan` checks the rows (recording problems in the report) and
    says how many it accepted; `write` puts the accepted ones in under the new batch's id."""
    report = ImportReport(file_name=file_name)
    digest = hashlib.sha256(data).hexdigest()
    earlier = session.scalar(
        select(ImportBatch).where(ImportBatch.kind == kind, ImportBatch.sha256 == digest)
    )
    if earlier is not None:
        report.already_imported = True
        report.batch_id = earlier.id
        report.rows, report.accepted = earlier.rows, earlier.accepted
        return report
    rows, unreadable = read_rows(data, required)
    report.rows = len(rows) + len(unreadable)
    report.problems.extend(unreadable)
    accepted, count = plan(session, _printable_rows(rows, report), report)
    report.problems.sort(key=lambda p: p.row)
    if strict and report.problems:
        first = report.problems[0]
        raise ValidationFailed(
            f"{report.rejected} of {report.rows} rows are wrong; nothing was imported"
            f" (first: row {first.row}, {first.field}: {first.message})",
            field=first.field,
            problems=[f"row {p.row}, {p.field}: {p.message}" for p in report.problems[:50]],
        )
    batch = ImportBatch(
        kind=kind,
        file_name=file_name[:200],
        sha256=digest,
        rows=report.rows,
        accepted=count,
        rejected=report.rejected,
        by_id=by_id,
        created_at=clock.now(),
    )
    session.add(batch)
    session.flush()
    write(session, accepted, batch.id)
    report.accepted = count
    report.batch_id = batch.id
    return report


def _printable_rows(rows: list[Row], report: ImportReport) -> list[Row]:
    """The rows without control characters; the others are set aside naming the field (NUL
    and its kind cannot be stored, and no register or bank writes them)."""
    kept: list[Row] = []
    for n, values in rows:
        bad = next((k for k, v in values.items() if bounds.has_control_character(v)), None)
        if bad is None:
            kept.append((n, values))
        else:
            report.problems.append(Problem(n, bad, bounds.CONTROL_MESSAGE, values))
    return kept


def chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]


def rows_where_in(
    session: Session, query: Select[*tuple[Any, ...]], column: Any, values: Iterable[Any]
) -> Iterator[Any]:
    """The rows of `query` whose `column` is one of `values` (what a file names: meters,
    accounts, references …), a few thousand values per statement."""
    for chunk in chunks(sorted(set(values))):
        yield from session.execute(query.where(column.in_(chunk)))


def insert_all(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """One INSERT per few thousand rows."""
    for chunk in chunks(rows):
        session.execute(insert(model), chunk)


class Importer(Protocol):
    """An import of one kind of record file (customers, meters, readings, payments)."""

    def __call__(
        self, session: Session, data: bytes, /, *, file_name: str, strict: bool, by: Actor
    ) -> ImportReport: ...
