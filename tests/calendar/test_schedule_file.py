from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from quarterhour.calendar.schedule_file import parse_schedule, read_schedule_file
from quarterhour.errors import ValidationFailed

# Invented days for a test year: not official data, only the shape of a notice.
GOOD_CSV = """date,kind,name
2030-01-01,holiday,元旦
2030-02-02,holiday,春节
2030-02-03,holiday,春节
2030-02-04,holiday,春节
2030-01-26,workday,春节
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def failure(tmp_path: Path, name: str, content: str | bytes) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        read_schedule_file(write(tmp_path, name, content))
    return caught.value


def test_reads_a_utf8_csv(tmp_path: Path) -> None:
    schedule = read_schedule_file(
        write(tmp_path, "2030.csv", GOOD_CSV), source="国办发明电〔2029〕1号"
    )
    assert schedule.year == 2030
    assert schedule.holidays == {
        date(2030, 1, 1): "元旦",
        date(2030, 2, 2): "春节",
        date(2030, 2, 3): "春节",
        date(2030, 2, 4): "春节",
    }
    assert schedule.makeup_workdays == {date(2030, 1, 26): "春节"}
    assert schedule.source == "国办发明电〔2029〕1号"


def test_csv_without_a_source_names_the_file(tmp_path: Path) -> None:
    schedule = read_schedule_file(write(tmp_path, "2030.csv", GOOD_CSV))
    assert "2030.csv" in schedule.source


@pytest.mark.parametrize(
    "encoded",
    [
        GOOD_CSV.encode("utf-8-sig"),
        GOOD_CSV.encode("gb18030"),
        GOOD_CSV.replace("\n", "\r\n").encode("gb18030"),
    ],
    ids=["utf8-bom", "gb18030", "gb18030-crlf"],
)
def test_reads_bom_and_gb18030_csv(tmp_path: Path, encoded: bytes) -> None:
    schedule = read_schedule_file(write(tmp_path, "2030.csv", encoded))
    assert schedule.holidays[date(2030, 1, 1)] == "元旦"
    assert schedule.makeup_workdays[date(2030, 1, 26)] == "春节"


def test_csv_accepts_chinese_kinds_slash_dates_other_column_order_and_blank_lines(
    tmp_path: Path,
) -> None:
    content = "name, Kind ,DATE\n元旦,休,2030/1/1\n\n春节,班,2030/01/26\n,,\n"
    schedule = read_schedule_file(write(tmp_path, "2030.csv", content))
    assert schedule.holidays == {date(2030, 1, 1): "元旦"}
    assert schedule.makeup_workdays == {date(2030, 1, 26): "春节"}


def test_holiday_on_a_weekend_is_allowed(tmp_path: Path) -> None:
    # 2030-02-02 is a Saturday, inside the Spring Festival span.
    schedule = read_schedule_file(write(tmp_path, "2030.csv", GOOD_CSV))
    assert date(2030, 2, 2).weekday() == 5
    assert date(2030, 2, 2) in schedule.holidays


def test_reads_json(tmp_path: Path) -> None:
    document = {
        "year": 2030,
        "source": "国办发明电〔2029〕1号",
        "days": [
            {"date": "2030-01-01", "kind": "holiday", "name": "元旦"},
            {"date": "2030-01-26", "kind": "班", "name": "春节"},
        ],
    }
    path = write(tmp_path, "2030.json", json.dumps(document, ensure_ascii=False))
    schedule = read_schedule_file(path)
    assert schedule.year == 2030
    assert schedule.source == "国办发明电〔2029〕1号"
    assert schedule.holidays == {date(2030, 1, 1): "元旦"}
    assert schedule.makeup_workdays == {date(2030, 1, 26): "春节"}


def test_json_is_recognised_without_a_file_name() -> None:
    data = b'{"year": 2030, "days": [{"date": "2030-01-01", "kind": "holiday", "name": "x"}]}'
    assert parse_schedule(data).year == 2030


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        ("date,kind,name\n2030-02-30,holiday,春节\n", "line 2: date", "not a valid date"),
        ("date,kind,name\n2030-1-1x,holiday,元旦\n", "line 2: date", "YYYY-MM-DD"),
        ("date,kind,name\n01/02/2030,holiday,元旦\n", "line 2: date", "YYYY-MM-DD"),
        ("date,kind,name\n2030-01-01,holiday,元旦\n2030-01-02,rest,元旦\n", "line 3: kind", "休"),
        ("date,kind,name\n2030-01-01,holiday,\n", "line 2: name", "empty"),
        ("date,kind,name\n2030-01-01,holiday,元旦,extra\n", "line 2", "expected 3 fields"),
        ("day,kind,name\n2030-01-01,holiday,元旦\n", "line 1: header", "date,kind,name"),
        (
            "date,kind,name\n2030-01-01,holiday,元旦\n2031-01-01,holiday,元旦\n",
            "line 3: date",
            "one file holds one year",
        ),
        (
            "date,kind,name\n2030-01-01,holiday,元旦\n2030-01-01,holiday,元旦\n",
            "line 3: date",
            "already listed (line 2)",
        ),
        (
            # 2030-02-08 is a Friday: a make-up day must be a weekend day.
            "date,kind,name\n2030-01-01,holiday,元旦\n2030-02-08,workday,春节\n",
            "line 3: kind",
            "Friday",
        ),
        ("date,kind,name\n2030-01-26,workday,春节\n", "file", "no holiday"),
        ("date,kind,name\n", "file", "no days"),
        ("date,kind,name\n2030-01-01,holiday," + "长" * 65 + "\n", "line 2: name", "64"),
    ],
)
def test_csv_errors_name_line_and_field(
    tmp_path: Path, content: str, field: str, words: str
) -> None:
    error = failure(tmp_path, "2030.csv", content)
    assert error.field == field
    assert field in error.message
    assert words in error.message


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"])
def test_empty_file_is_an_error(tmp_path: Path, content: bytes) -> None:
    error = failure(tmp_path, "2030.csv", content)
    assert error.field == "file"
    assert "empty" in error.message


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    content = "date,kind,name\n2030-13-01,holiday,元旦\n2030-01-02,nap,元旦\n2030-01-03,holiday,\n"
    error = failure(tmp_path, "2030.csv", content)
    assert error.field == "line 2: date"
    assert [problem["field"] for problem in error.details["problems"]] == [
        "line 2: date",
        "line 3: kind",
        "line 4: name",
    ]
    for field in ("line 2: date", "line 3: kind", "line 4: name"):
        assert field in error.message


def test_csv_line_numbers_count_blank_lines(tmp_path: Path) -> None:
    content = "date,kind,name\n\n2030-01-01,holiday,元旦\n\n2030-01-01,holiday,元旦\n"
    error = failure(tmp_path, "2030.csv", content)
    assert error.field == "line 5: date"
    assert "line 3" in error.message


def test_declared_year_must_match_the_days(tmp_path: Path) -> None:
    path = write(tmp_path, "2030.csv", GOOD_CSV)
    with pytest.raises(ValidationFailed) as caught:
        read_schedule_file(path, year=2031)
    assert caught.value.field == "line 2: date"
    assert "2031" in caught.value.message


def test_source_longer_than_the_column_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "2030.csv", GOOD_CSV)
    with pytest.raises(ValidationFailed) as caught:
        read_schedule_file(path, source="x" * 201)
    assert caught.value.field == "source"


def test_undecodable_csv_is_an_error(tmp_path: Path) -> None:
    error = failure(tmp_path, "2030.csv", b"date,kind,name\n2030-01-01,holiday,\x81\x20\n")
    assert error.field == "file"
    assert "UTF-8" in error.message


def json_days(*days: Any, **top: Any) -> str:
    return json.dumps({"year": 2030, "days": list(days), **top}, ensure_ascii=False)


NEW_YEAR = {"date": "2030-01-01", "kind": "holiday", "name": "元旦"}


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        ('{"year": 2030, "days": [', "line 1", "not valid JSON"),
        ("[]", "file", "JSON object"),
        (json_days(NEW_YEAR, year="2030"), "year", "number"),
        (json_days(NEW_YEAR, year=True), "year", "number"),
        (json_days(NEW_YEAR, yaer=2030), "yaer", "unknown key"),
        (json_days(NEW_YEAR, source=""), "source", "empty"),
        (json_days(), "days", "empty"),
        (json.dumps({"year": 2030, "days": {}}), "days", "list"),
        (json_days(NEW_YEAR, "2030-01-02"), "days[1]", "object"),
        (json_days({"date": "2030-01-01", "kind": "holiday"}), "days[0]: name", "text"),
        (json_days({**NEW_YEAR, "note": "x"}), "days[0]: note", "unknown key"),
        (json_days({**NEW_YEAR, "date": "2031-01-01"}), "days[0]: date", "for 2030"),
        (json_days(NEW_YEAR, NEW_YEAR), "days[1]: date", "already listed (days[0])"),
        (
            json_days(NEW_YEAR, {"date": "2030-02-06", "kind": "workday", "name": "春节"}),
            "days[1]: kind",
            "Wednesday",
        ),
    ],
)
def test_json_errors_name_the_field(tmp_path: Path, content: str, field: str, words: str) -> None:
    error = failure(tmp_path, "2030.json", content)
    assert error.field == field
    assert field in error.message
    assert words in error.message


def test_json_year_must_match_the_requested_year() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_schedule(json_days(NEW_YEAR).encode(), filename="2030.json", year=2031)
    assert caught.value.field == "year"
