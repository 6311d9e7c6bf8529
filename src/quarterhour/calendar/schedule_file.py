"""An administrator's file with a new year's official schedule, transcribed from the State Council
General Office notice (国务院办公厅关于…年部分节假日安排的通知).

CSV (UTF-8 with or without BOM, or GB18030 as saved by Excel on Chinese Windows)::

    date,kind,name
    2027-01-01,holiday,元旦
    2027-02-07,workday,春节

JSON::

    {"year": 2027, "source": "国办发明电〔2026〕…号",
     "days": [{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}]}

`kind` is `holiday`/`workday` or 休/班. Deadlines depend on this data, so a file is rejected as a
whole, with every problem named by line (CSV) or entry (JSON), rather than half loaded.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from quarterhour.calendar.official import YearSchedule
from quarterhour.calendar.workdays import DayKind
from quarterhour.errors import ValidationFailed

# Column widths of calendar_year.source and calendar_day.name.
MAX_SOURCE_LENGTH = 200
MAX_NAME_LENGTH = 64
# Enough to fix a file in one pass without drowning the administrator.
_MAX_REPORTED = 20

_KINDS = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Year first, so never ambiguous; the slash form is what Excel writes in a Chinese locale.
_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")
_CSV_COLUMNS = ("date", "kind", "name")
_JSON_KEYS = frozenset({"year", "source", "days"})
_JSON_DAY_KEYS = frozenset(_CSV_COLUMNS)


@dataclass(frozen=True)
class _Problem:
    field: str
    message: str


@dataclass
class _Collector:
    declared_year: int | None
    year_origin: str = "as declared"  # for messages: where the schedule's year came from
    problems: list[_Problem] = field(default_factory=list)
    holidays: dict[date, str] = field(default_factory=dict)
    makeup: dict[date, str] = field(default_factory=dict)
    seen: dict[date, str] = field(default_factory=dict)

    def add(self, where: str, column: str, message: str) -> None:
        self.problems.append(_Problem(f"{where}: {column}", message))

    def day(self, where: str, raw_date: str, raw_kind: str, raw_name: str) -> None:
        day = self._date(where, raw_date)
        kind = self._kind(where, raw_kind)
        name = self._name(where, raw_name)
        if day is None:
            return
        if self.declared_year is None:
            self.declared_year = day.year
            self.year_origin = f"as on {where}"
        elif day.year != self.declared_year:
            self.add(
                where,
                "date",
                f"{day.isoformat()} is in {day.year}, but the schedule is for {self.declared_year}"
                f" ({self.year_origin}); one file holds one year",
            )
            return
        if day in self.seen:
            self.add(where, "date", f"{day.isoformat()} is already listed ({self.seen[day]})")
            return
        self.seen[day] = where
        if kind is DayKind.WORKDAY and day.weekday() < 5:
            self.add(
                where,
                "kind",
                f"{day.isoformat()} is a {_WEEKDAY_NAMES[day.weekday()]}; a make-up workday (班)"
                " must be a Saturday or Sunday",
            )
            return
        if kind is None or name is None:
            return
        (self.holidays if kind is DayKind.HOLIDAY else self.makeup)[day] = name

    def _date(self, where: str, raw: str) -> date | None:
        text = raw.strip()
        match = _DATE.fullmatch(text)
        if match is None:
            self.add(where, "date", f"{text!r} is not a date; write YYYY-MM-DD, e.g. 2027-01-01")
            return None
        try:
            return date(int(match[1]), int(match[3]), int(match[4]))
        except ValueError as error:
            self.add(where, "date", f"{text!r} is not a valid date ({error})")
            return None

    def _kind(self, where: str, raw: str) -> DayKind | None:
        text = raw.strip()
        kind = _KINDS.get(text.lower())
        if kind is None:
            self.add(where, "kind", f"{text!r} must be holiday or workday (休 or 班)")
        return kind

    def _name(self, where: str, raw: str) -> str | None:
        text = raw.strip()
        if not text:
            self.add(where, "name", "is empty; give the holiday's name, e.g. 春节")
            return None
        if len(text) > MAX_NAME_LENGTH:
            self.add(where, "name", f"is longer than {MAX_NAME_LENGTH} characters")
            return None
        return text

    def finish(self, source: str) -> YearSchedule:
        if not self.problems and not self.seen:
            self.problems.append(_Problem("file", "lists no days"))
        if not self.problems and not self.holidays:
            # Every notice gives at least 元旦 and 春节; a file without holidays is a wrong file.
            self.problems.append(_Problem("file", "lists no holiday, only make-up workdays"))
        if self.problems or self.declared_year is None:
            raise _failure(self.problems)
        return YearSchedule(self.declared_year, self.holidays, self.makeup, source)


def _failure(problems: list[_Problem]) -> ValidationFailed:
    lines = [f"{problem.field}: {problem.message}" for problem in problems[:_MAX_REPORTED]]
    if len(problems) > _MAX_REPORTED:
        lines.append(f"… and {len(problems) - _MAX_REPORTED} more")
    message = lines[0] if len(problems) == 1 else f"{len(problems)} problems: " + "; ".join(lines)
    return ValidationFailed(
        message,
        field=problems[0].field,
        problems=[{"field": p.field, "message": p.message} for p in problems[:_MAX_REPORTED]],
    )


def _single(where: str, message: str) -> ValidationFailed:
    return _failure([_Problem(where, message)])


def _check_source(source: str, where: str) -> str:
    text = source.strip()
    if not text:
        raise _single(where, "is empty; name the notice, e.g. 国办发明电〔2026〕…号")
    if len(text) > MAX_SOURCE_LENGTH:
        raise _single(where, f"is longer than {MAX_SOURCE_LENGTH} characters")
    return text


def read_schedule_file(
    path: str | os.PathLike[str], *, year: int | None = None, source: str | None = None
) -> YearSchedule:
    file = Path(path)
    return parse_schedule(file.read_bytes(), filename=file.name, year=year, source=source)


def parse_schedule(
    data: bytes, *, filename: str = "", year: int | None = None, source: str | None = None
) -> YearSchedule:
    """`year`, when given (e.g. by the CLI), must match the file; `source` names the notice when
    the file itself does not (CSV has no place for it)."""
    if not data.strip().lstrip(b"\xef\xbb\xbf").strip():
        raise _single("file", "is empty")
    suffix = Path(filename).suffix.lower()
    if suffix == ".json" or (suffix != ".csv" and _looks_like_json(data)):
        return _parse_json(data, year=year, source=source, filename=filename)
    return _parse_csv(data, year=year, source=source, filename=filename)


def _looks_like_json(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _default_source(filename: str) -> str:
    return f"administrator file {filename}".strip()


def _decode_csv(data: bytes) -> str:
    # Valid UTF-8 is tried first: GB18030 accepts almost any byte string, so the reverse order
    # would silently turn UTF-8 Chinese into mojibake.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _single("file", "is neither UTF-8 nor GB18030 text") from None


def _parse_csv(data: bytes, *, year: int | None, source: str | None, filename: str) -> YearSchedule:
    reader = csv.reader(io.StringIO(_decode_csv(data), newline=""))
    header: list[str] | None = None
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip().lower() for cell in row]
            break
    if header is None:
        raise _single("file", "is empty")
    header_line = f"line {reader.line_num}"
    if sorted(header) != sorted(_CSV_COLUMNS):
        raise _single(
            f"{header_line}: header",
            f"must be the columns {','.join(_CSV_COLUMNS)}, found {','.join(header)!r}",
        )
    positions = [header.index(column) for column in _CSV_COLUMNS]
    collector = _Collector(year)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # blank lines, e.g. those Excel leaves at the end
        where = f"line {reader.line_num}"
        if len(row) != len(_CSV_COLUMNS):
            collector.problems.append(
                _Problem(where, f"expected {len(_CSV_COLUMNS)} fields, found {len(row)}")
            )
            continue
        raw_date, raw_kind, raw_name = (row[i] for i in positions)
        collector.day(where, raw_date, raw_kind, raw_name)
    checked_source = _check_source(source, "source") if source is not None else None
    return collector.finish(checked_source or _default_source(filename))


def _parse_json(
    data: bytes, *, year: int | None, source: str | None, filename: str
) -> YearSchedule:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _single("file", "JSON must be UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise _single(f"line {error.lineno}", f"not valid JSON: {error.msg}") from None
    if not isinstance(document, dict):
        raise _single("file", 'must be a JSON object {"year": …, "source": …, "days": […]}')
    unknown = sorted(set(document) - _JSON_KEYS)
    if unknown:
        raise _single(unknown[0], f"unknown key; expected only {', '.join(sorted(_JSON_KEYS))}")
    declared = _json_year(document.get("year"), year)
    declared_source = _json_source(document.get("source"), source)
    days = document.get("days")
    if not isinstance(days, list):
        raise _single("days", "must be a list of {date, kind, name} objects")
    if not days:
        raise _single("days", "is empty")
    collector = _Collector(declared)
    for index, entry in enumerate(days):
        where = f"days[{index}]"
        if not isinstance(entry, dict):
            collector.problems.append(_Problem(where, "must be an object {date, kind, name}"))
            continue
        values = _json_day_fields(collector, where, entry)
        if values is not None:
            collector.day(where, *values)
    return collector.finish(declared_source or _default_source(filename))


def _json_year(value: Any, expected: int | None) -> int:
    # bool is an int in Python, and `true` is not a year.
    if not isinstance(value, int) or isinstance(value, bool):
        raise _single("year", f"must be a number such as 2027, found {value!r}")
    if not 1900 <= value <= 9999:
        raise _single("year", f"{value} is not a plausible year")
    if expected is not None and value != expected:
        raise _single("year", f"the file is for {value}, but {expected} was requested")
    return value


def _json_source(value: Any, given: str | None) -> str | None:
    if value is None:
        return _check_source(given, "source") if given is not None else None
    if not isinstance(value, str):
        raise _single("source", f"must be text, found {value!r}")
    return _check_source(value, "source")


def _json_day_fields(
    collector: _Collector, where: str, entry: dict[str, Any]
) -> tuple[str, str, str] | None:
    complete = True
    for key in sorted(set(entry) - _JSON_DAY_KEYS):
        collector.add(where, key, "unknown key; expected date, kind, name")
        complete = False
    values: list[str] = []
    for key in _CSV_COLUMNS:
        value = entry.get(key)
        if not isinstance(value, str):
            collector.add(where, key, f"must be text, found {value!r}")
            complete = False
        else:
            values.append(value)
    if not complete:
        return None
    return values[0], values[1], values[2]
