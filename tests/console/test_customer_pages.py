"""Customers and bills in the console: search, the customer page, one bill's lines, bill runs."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from billing.test_inquiry_and_payments import billed_household
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation

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
    assert desk("admin").get("/console/billing").status_code == 403
