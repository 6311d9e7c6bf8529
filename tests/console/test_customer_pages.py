"""Customers and bills in the console: search, the customer page, one bill's lines, bill runs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from billing.test_inquiry_and_payments import billed_household
from quarterhour.access.actor import system
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]


def test_from_search_to_the_customer_and_a_bills_itemised_lines(
    desk: Desk, session: Session, org: Organisation, settings: Settings
) -> None:
    account = billed_household(session, org, settings)
    session.commit()
    number, last4, phone = account.number, account.phone_last4, account.phone or ""
    session.rollback()
    agent = desk("agent")
    found = agent.get(f"/console/customers?q={last4}")
    assert found.status_code == 200
    link = re.search(r'href="/console/customers/(\d+)"', found.text)
    assert link, found.text
    page = agent.get(f"/console/customers/{link.group(1)}")
    assert page.status_code == 200
    assert number in page.text and phone not in page.text
    assert f"/console/accounts/{number}/bills/2026-10-01" in page.text
    # Each bill with the readings it was computed from and what is paid of it.
    row = re.search(rf'<tr id="bill-{number}-2026-10">(.*?)</tr>', page.text, re.DOTALL)
    assert row and "200.00" in row.group(1) and "500.00" in row.group(1), page.text
    assert "本次示数" in page.text and "缴费状态" in page.text
    bill = agent.get(f"/console/accounts/{number}/bills/2026-10-01")
    assert bill.status_code == 200
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td>", bill.text)
    assert rows and rows[0][0] == "1"
    assert "161.40" in bill.text
    assert agent.get(f"/console/accounts/{number}/bills/2025-01-01").status_code == 404


def test_the_bill_runs_and_held_readings_are_listed(
    desk: Desk, session: Session, org: Organisation, settings: Settings
) -> None:
    billed_household(session, org, settings)
    session.commit()
    session.rollback()
    page = desk("dispatcher").get("/console/billing")
    assert page.status_code == 200
    assert page.text.count("2026-09") >= 1 and page.text.count("2026-10") >= 1
    assert "完成" in page.text
    assert desk("followup").get("/console/billing").status_code == 200
    assert desk("admin").get("/console/billing").status_code == 200  # he runs the bills


def test_an_administrator_runs_a_months_bills_as_a_job_and_watches_it(
    desk: Desk,
    session: Session,
    org: Organisation,
    frozen_clock: Any,
    run_jobs: Callable[[], int],
) -> None:
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import func, select

    from billing.town import Town
    from quarterhour.billing.models import Bill

    town = Town(session, org)
    _, meter = town.household("ZJ-RES", initial=Decimal(0))
    town.read(meter, date(2026, 9, 30), "200")
    town.read(meter, date(2026, 10, 31), "500")
    session.commit()
    session.rollback()
    admin = desk("admin")
    page = admin.get("/console/billing")
    assert 'id="start-run"' in page.text
    assert 'id="start-run"' not in desk("dispatcher").get("/console/billing").text
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token
    # 27 November (the frozen clock): November has not ended, October has.
    early = admin.post("/console/billing/run", data={"csrf": token.group(1), "period": "2026-11"})
    assert early.status_code == 422 and "2026-11尚未结束" in early.text
    started = admin.post("/console/billing/run", data={"csrf": token.group(1), "period": "2026-10"})
    assert started.status_code == 303
    job_page = started.headers["location"]
    waiting = admin.get(job_page).text
    assert 'data-status="queued"' in waiting  # the web process only enqueued it
    assert 'http-equiv="refresh"' in waiting  # the page follows the job by itself
    assert run_jobs() == 1
    shown = admin.get(job_page).text
    assert 'data-status="done"' in shown, shown
    assert 'id="job-result"' in shown and "包河区" in shown
    session.expire_all()
    bills = session.scalar(select(func.count()).select_from(Bill))
    session.rollback()  # SQLite: reading here holds the write lock the next page needs
    assert bills == 1
    assert desk("dispatcher").get(job_page).status_code == 403


def test_an_administrator_imports_customers_and_gets_the_rows_set_aside(
    desk: Desk, session: Session, org: Organisation, run_jobs: Callable[[], int]
) -> None:
    from billing.test_import_register import CUSTOMERS
    from quarterhour.tariffs import tariff_book

    tariff_book.install_samples(session, by=system("test"))
    session.commit()
    admin = desk("admin")
    page = admin.get("/console/imports")
    assert page.status_code == 200
    assert desk("dispatcher").get("/console/imports").status_code == 403
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token
    started = admin.post(
        "/console/imports",
        data={"csrf": token.group(1), "kind": "customers"},
        files={"file": ("客户.csv", CUSTOMERS.encode("gb18030"), "text/csv")},
    )
    assert started.status_code == 303, started.text
    assert run_jobs() == 1
    shown = admin.get(started.headers["location"]).text
    assert 'data-status="done"' in shown
    counts = re.search(r"共 (\d+) 行：导入 (\d+) 行，搁置 (\d+) 行", shown)
    assert counts and counts.group(1) == "13" and int(counts.group(3)) >= 9
    assert 'id="import-problems"' in shown
    assert "<td>供电区域</td>" in shown  # the column in words, not `district`
    rejects = admin.get(started.headers["location"] + "/rejects.csv")
    lines = rejects.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("row,field,problem,原因,account,name")
    assert len(lines) >= 10
    again = admin.post(
        "/console/imports",
        data={"csrf": token.group(1), "kind": "customers"},
        files={"file": ("客户.csv", CUSTOMERS.encode("gb18030"), "text/csv")},
    )
    assert run_jobs() == 1
    assert "以前导入过" in admin.get(again.headers["location"]).text
    bad = admin.post(
        "/console/imports",
        data={"csrf": token.group(1), "kind": "nonsense"},
        files={"file": ("x.csv", b"a,b\n", "text/csv")},
    )
    assert bad.status_code == 422 and "kind" in bad.text


def test_the_hall_takes_a_payment_at_the_counter_once_per_receipt(
    desk: Desk, session: Session, org: Organisation, settings: Settings
) -> None:
    account = billed_household(session, org, settings)
    session.commit()
    number, customer_id = account.number, account.customer_id
    session.rollback()
    assert (
        'class="filters take-payment"'
        not in desk("agent").get(f"/console/customers/{customer_id}").text
    )
    hall = desk("hall-baohe")
    page = hall.get(f"/console/customers/{customer_id}")
    assert 'class="filters take-payment"' in page.text
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token
    form = {
        "csrf": token.group(1),
        "customer_id": str(customer_id),
        "amount": "100.00",
        "reference": "R-0001",
    }
    paid = hall.post(f"/console/accounts/{number}/payments", data=form)
    assert paid.status_code == 303
    assert "已收费 100.00 元" in hall.get(paid.headers["location"]).text
    assert hall.post(f"/console/accounts/{number}/payments", data=form).status_code == 303
    wrong = hall.post(
        f"/console/accounts/{number}/payments", data=form | {"amount": "0", "reference": ""}
    )
    assert wrong.status_code == 422
    forged = desk("agent").post(f"/console/accounts/{number}/payments", data=form)
    assert forged.status_code == 403
    from sqlalchemy import func, select

    from quarterhour.billing.models import Payment

    count = session.scalar(select(func.count()).select_from(Payment))
    session.rollback()
    assert count == 1  # the same receipt twice is one payment


@pytest.mark.parametrize(
    ("username", "path", "first_cell"),
    [
        ("dispatcher", "/console/billing/runs", "账期"),
        ("dispatcher", "/console/billing/held", "户号"),
        ("admin", "/console/admin/staff", "用户名"),
        ("supervisor", "/console/dashboard/figures", "2026-"),
        ("dispatcher", "/console/orders/export", "工单号"),
    ],
)
def test_every_list_exports_to_csv_and_xlsx(
    desk: Desk,
    session: Session,
    org: Organisation,
    settings: Settings,
    username: str,
    path: str,
    first_cell: str,
) -> None:
    import io
    import zipfile

    billed_household(session, org, settings)
    session.commit()
    session.rollback()
    browser = desk(username)
    query = "?start=2026-09-01&end=2026-11-27" if "dashboard" in path else ""
    as_csv = browser.get(f"{path}.csv{query}")
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.decode("utf-8-sig").startswith(first_cell)
    as_xlsx = browser.get(f"{path}.xlsx{query}")
    assert as_xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(as_xlsx.content)) as book:
        assert "xl/worksheets/sheet1.xml" in book.namelist()
    assert browser.get(f"{path}.pdf{query}").status_code == 422


def test_a_handler_sees_only_his_departments_orders_on_the_customer_page_and_in_exports(
    desk: Desk, loop: LoopApi
) -> None:
    from workorders.loop_client import MATTERS

    contact = loop.contact(MATTERS["complaint"], MATTERS["fault_repair"])
    complaint, repair = contact["orders"]
    for order in (complaint, repair):
        loop.act("dispatcher", order["id"], "dispatch")
    page = f"/console/customers/{contact['customer_id']}"
    shown = desk("dispatcher").get(page).text
    assert complaint["number"] in shown and repair["number"] in shown
    hall = desk("hall-baohe")
    shown = hall.get(page).text
    assert complaint["number"] in shown and repair["number"] not in shown
    exported = hall.get("/console/orders/export.csv").content.decode("utf-8-sig")
    assert complaint["number"] in exported and repair["number"] not in exported


def test_a_held_readings_note_is_read_in_the_staffs_language() -> None:
    from quarterhour.entrypoints.web.wording import Words

    note = "8490.00 kWh against a usual 348.14 kWh"  # as the bill run records it
    assert Words("zh").held_detail(note) == "本月 8490.00 千瓦时，常量 348.14 千瓦时"
    assert Words("en").held_detail(note) == note
    assert Words("zh").held_detail(None) == ""
