"""An import's rows set aside are read in the reader's language: on the job's page (the column by
its label, the reason from the catalogue), in the rejects file (a column with the reason beside
the importer's own English), and a strict import's refusal with its rows. What is stored stays
the importer's English; only what is shown is translated."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from billing.test_import_readings import GOOD_AND_BAD, households
from console.conftest import csrf_of
from quarterhour.demo.organisation import Organisation
from quarterhour.jobs.models import Job

pytestmark = pytest.mark.db
Desk = Callable[[str], TestClient]

# GOOD_AND_BAD's rows set aside, as a Chinese reader is told: (line, column, reason).
SAID_IN_CHINESE = [
    ("4", "电表", "没有电表'M999999'"),
    ("5", "抄表日期", "该电表当天已有同类型的示数"),
    ("6", "总示数", "'abc'不是数字"),
    ("7", "总示数", "5低于上次示数50.00，且未标记示数翻转"),
]


def _imported(admin: TestClient, run_jobs: Callable[[], int], strict: bool = False) -> str:
    """The job page's address once the import of GOOD_AND_BAD has finished."""
    form = {"csrf": csrf_of(admin.get("/console/imports").text), "kind": "readings"}
    if strict:
        form["strict"] = "1"
    started = admin.post(
        "/console/imports",
        data=form,
        files={"file": ("oct.csv", GOOD_AND_BAD.encode(), "text/csv")},
    )
    assert started.status_code == 303, started.text
    assert run_jobs() == 1
    return str(started.headers["location"])


def _cells(page: str, table: str) -> list[tuple[str, ...]]:
    body = re.search(rf'<table class="list" id="{table}">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert body, f"no table {table}"
    return [
        tuple(html.unescape(c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S))
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


def _rejects(admin: TestClient, job: str) -> list[list[str]]:
    answer = admin.get(job + "/rejects.csv")
    assert answer.status_code == 200
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


def test_the_rows_set_aside_are_said_in_chinese_by_their_columns(
    desk: Desk,
    session: Session,
    org: Organisation,
    frozen_clock: Any,
    run_jobs: Callable[[], int],
) -> None:
    households(session, org)
    session.rollback()
    admin = desk("admin")
    job = _imported(admin, run_jobs)
    page = admin.get(job).text
    assert _cells(page, "import-problems") == SAID_IN_CHINESE
    assert "is not a number" not in page and "no meter" not in page
    # Stored as the importer said it: the API and the command line read the same English.
    stored = session.get(Job, int(job.rsplit("/", 1)[1]))
    assert stored is not None and stored.result is not None
    assert stored.result["problems"][2]["message"] == "'abc' is not a number"


def test_the_rejects_file_gives_the_reason_in_the_readers_language_beside_the_english(
    desk: Desk,
    session: Session,
    org: Organisation,
    frozen_clock: Any,
    run_jobs: Callable[[], int],
) -> None:
    households(session, org)
    session.rollback()
    admin = desk("admin")
    job = _imported(admin, run_jobs)
    read = _rejects(admin, job)
    assert read[0][:5] == ["row", "field", "problem", "原因", "meter"]
    assert read[3][:5] == [
        "6",
        "total",
        "'abc' is not a number",
        "总示数：'abc'不是数字",
        "M000002",
    ]
    assert [(r[0], r[3]) for r in read[1:]] == [(n, f"{c}：{why}") for n, c, why in SAID_IN_CHINESE]
    admin.get("/console/imports?lang=en")
    english = _rejects(admin, job)
    assert english[0][3] == "Reason"
    assert english[3][3] == "total reading: 'abc' is not a number"
    assert [r[:3] for r in english] == [r[:3] for r in read]


def test_a_strict_import_refused_is_said_in_chinese_with_its_rows(
    desk: Desk,
    session: Session,
    org: Organisation,
    frozen_clock: Any,
    run_jobs: Callable[[], int],
) -> None:
    households(session, org)
    session.rollback()
    admin = desk("admin")
    job = _imported(admin, run_jobs, strict=True)
    page = admin.get(job).text
    refused = re.search(r'<span id="import-refused">(.*?)</span>', page, re.S)
    assert refused, page
    assert html.unescape(refused.group(1)) == (
        "7行中有4行有误，整份未导入（第一处：第4行，电表：没有电表'M999999'）"
    )
    rows = re.search(r'<ul id="import-refused-rows">(.*?)</ul>', page, re.S)
    assert rows, page
    assert [html.unescape(r) for r in re.findall(r"<li>(.*?)</li>", rows.group(1))] == [
        f"第{n}行，{c}：{why}" for n, c, why in SAID_IN_CHINESE
    ]
