"""Files that staff open in a spreadsheet never carry a formula from the data (OWASP CSV injection):
the console's list exports (CSV and XLSX), the rejects file of an import in the console and the
one the command line writes. A text cell that starts with = + - @ or a tab or line break gets a
single quote in front; numbers stay numbers; the XLSX has no formula element at all."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from billing.test_import_readings import households
from console.conftest import csrf_of
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.cli.main import app as cli
from quarterhour.entrypoints.web import exports
from quarterhour.kit.sheets import csv_text, neutralised
from workorders.loop_client import MATTERS, LoopApi

Desk = Callable[[str], TestClient]

HYPERLINK = '=HYPERLINK("http://x","y")'
FORMULAS = [HYPERLINK, "+1+2", "@SUM(A1)", "-2+3", "\t=1", "\r=1"]

# Readings whose values a spreadsheet would run; each row is set aside (not a number, or an
# unknown meter) and its values go to the rejects file as they were typed.
READINGS = (
    "meter,read_on,total,peak,valley,rolled_over\n"
    f'M000001,2026-10-31,"{HYPERLINK.replace(chr(34), chr(34) * 2)}",,,\n'
    "M000002,2026-10-31,+1+2,,,\n"
    "@SUM(A1),2026-10-31,5,,,\n"
    "M000003,2026-10-31,-2+3,,,\n"
)


def _xlsx_cells(content: bytes) -> tuple[str, list[str]]:
    """The first sheet's XML and the text of every cell (shared strings resolved)."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        names = book.namelist()
        shared_xml = (
            book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in names else ""
        )
    shared = [_unescape(s) for s in re.findall(r"<t[^>]*>(.*?)</t>", shared_xml, re.S)]
    cells = []
    for kind, value in re.findall(
        r'<c r="[A-Z]+\d+"(?: s="\d+")?(?: t="(\w+)")?>(?:<v>(.*?)</v>)?', sheet
    ):
        cells.append(shared[int(value)] if kind == "s" else _unescape(value))
    return sheet, cells


def _unescape(text: str) -> str:
    text = re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), text)  # OOXML's \r
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )


def test_text_that_a_spreadsheet_would_run_gets_a_quote_and_numbers_stay_numbers() -> None:
    for formula in FORMULAS:
        assert neutralised(formula) == "'" + formula
    for plain in ("袁女士", "Q-2026-000001", "", "a=b", " =1", "'=1"):
        assert neutralised(plain) == plain
    for number in (-5, -2.5, Decimal("-12.30"), 0, None):
        assert neutralised(number) == number
    rows = list(csv.reader(io.StringIO(csv_text(["a", "b"], [[HYPERLINK, -3]]).lstrip("\ufeff"))))
    assert rows == [["a", "b"], ["'" + HYPERLINK, "-3"]]


def test_an_export_of_formulas_has_them_as_quoted_text_in_csv_and_xlsx() -> None:
    header = ["name", "note", "amount"]
    rows = [[formula, f"x{formula}", Decimal("-12.30")] for formula in FORMULAS]
    as_csv = exports.export("check", header, rows, "csv")
    read = list(csv.reader(io.StringIO(as_csv.body.decode("utf-8-sig"))))
    assert [row[0] for row in read[1:]] == ["'" + f for f in FORMULAS]
    assert [row[1] for row in read[1:]] == [f"x{f}" for f in FORMULAS]  # not at the start
    assert all(row[2] == "-12.30" for row in read[1:])
    sheet, cells = _xlsx_cells(exports.export("check", header, rows, "xlsx").body)
    assert "<f>" not in sheet and "<f " not in sheet
    for formula in FORMULAS:
        assert "'" + formula in cells
    assert cells.count("-12.30") == len(FORMULAS)
    assert re.search(r'<c r="C2"><v>-12.30</v>', sheet)  # a number cell (no t="s")


def test_the_console_exports_a_customer_named_like_a_formula_as_text(
    desk: Desk, loop: LoopApi, org: Organisation
) -> None:
    titles = ["+1+2", "@SUM(A1)", "-2+3"]
    for title in titles:
        loop.client.post(
            "/api/v1/contacts",
            json={
                "channel": "hotline",
                "customer": loop.customer(name=HYPERLINK),
                "matters": [{**MATTERS["complaint"], "title": title}],
            },
            headers=loop.headers("agent"),
        ).raise_for_status()
    dispatcher = desk("dispatcher")
    as_csv = dispatcher.get("/console/orders/export.csv?state=accepted")
    assert as_csv.status_code == 200
    read = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    cells = [cell for row in read[1:] for cell in row]
    assert sorted(row[2] for row in read[1:]) == sorted("'" + t for t in titles)
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    names = {row[6] for row in read[1:]}
    assert len(names) == 1 and names.pop().startswith("'=")  # masked in lists, still neutralised
    as_xlsx = dispatcher.get("/console/orders/export.xlsx?state=accepted")
    sheet, cells = _xlsx_cells(as_xlsx.content)
    assert "<f>" not in sheet and "<f " not in sheet
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
    for title in titles:
        assert "'" + title in cells


def test_the_console_rejects_file_has_the_formulas_as_text(
    desk: Desk, session: Session, org: Organisation, run_jobs: Callable[[], int]
) -> None:
    households(session, org)
    session.rollback()
    admin = desk("admin")
    token = csrf_of(admin.get("/console/imports").text)
    started = admin.post(
        "/console/imports",
        data={"csrf": token, "kind": "readings"},
        files={"file": ("oct.csv", READINGS.encode(), "text/csv")},
    )
    assert started.status_code == 303, started.text
    job = started.headers["location"]
    assert run_jobs() == 1
    rejects = admin.get(job + "/rejects.csv")
    assert rejects.status_code == 200
    assert rejects.headers["content-disposition"].endswith("filename*=UTF-8''oct.rejects.csv")
    read = list(csv.reader(io.StringIO(rejects.content.decode("utf-8-sig"))))
    assert read[0][:5] == ["row", "field", "problem", "原因", "meter"]
    cells = [cell for row in read[1:] for cell in row]
    assert len(read) == 5
    for value in (HYPERLINK, "+1+2", "@SUM(A1)", "-2+3"):
        assert "'" + value in cells, cells
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells), cells


def test_the_command_lines_rejects_file_has_the_formulas_as_text(
    session: Session,
    org: Organisation,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    households(session, org)
    session.rollback()
    monkeypatch.setenv("QUARTERHOUR_DATABASE_URL", database_url)
    source = tmp_path / "oct.csv"
    source.write_text(READINGS, encoding="utf-8")
    done = CliRunner().invoke(cli, ["billing", "import-readings", str(source)])
    assert done.exit_code == 0, done.output
    text = (tmp_path / "oct.rejects.csv").read_text(encoding="utf-8-sig")
    read = list(csv.reader(io.StringIO(text)))
    assert len(read) == 5
    cells = [cell for row in read[1:] for cell in row]
    for value in (HYPERLINK, "+1+2", "@SUM(A1)", "-2+3"):
        assert "'" + value in cells, cells
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells), cells
