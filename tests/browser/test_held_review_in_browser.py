"""Billing staff work through the held readings in Chromium: open the list, correct one reading,
accept another month, and see the history on the list and on the account's readings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from browser.conftest import log_in, screenshot
from quarterhour.access.actor import system
from quarterhour.billing import bill_run
from quarterhour.billing.models import HeldReading
from quarterhour.config import Settings
from quarterhour.customers import accounts
from quarterhour.customers.models import Customer
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.storage.engine import make_session_factory
from quarterhour.tariffs import tariff_book
from quarterhour.tariffs.reference import month_back

pytestmark = pytest.mark.db
OpenPage = Callable[..., Page]


def two_jumpy_shops(session: Session, org: Organisation, settings: Settings) -> list[str]:
    """Two shops that used 100 kWh the month before last and ten times more last month (dates
    from today, so the live server takes them as past): both held. Their account numbers."""
    this_month = clock.now().date().replace(day=1)
    before, last = month_back(this_month, 2), month_back(this_month, 1)
    tariff_book.install_samples(session, by=system("test"))
    tariff = tariff_book.get_tariff(session, "AH-BIZ").id
    numbers = []
    for n in (1, 2):
        customer = Customer(name=f"商户{n}", phone=f"1390000{n:04d}", created_at=clock.now())
        session.add(customer)
        session.flush()
        premises = accounts.add_premises(
            session,
            address=f"合肥市包河区徽州大道{n}号",
            district_id=org.districts["baohe"],
            by=system("test"),
        )
        account = accounts.open_account(
            session,
            customer=customer,
            premises=premises,
            tariff_id=tariff,
            category="non_residential",
            opened_on=month_back(this_month, 4),
        )
        meter = accounts.install_meter(
            session,
            account=account,
            number=f"HB-SHOP-{n}",
            installed_on=month_back(this_month, 4),
            households=[premises],
        )
        for month, total in ((before, "100"), (last, "1200")):
            end = month_back(month, -1) - timedelta(days=1)
            accounts.record_reading(session, meter=meter, read_on=end, total=Decimal(total))
        numbers.append(account.number)
    bill_run.run(session, before, settings=settings, by=system("test"))
    assert bill_run.run(session, last, settings=settings, by=system("test")).held == 2
    session.commit()
    return numbers


def test_billing_staff_correct_one_held_reading_and_accept_another(
    open_page: OpenPage, org: Organisation, engine: Engine, settings: Settings
) -> None:
    with make_session_factory(engine)() as session:
        first, second = two_jumpy_shops(session, org, settings)
    page = open_page()
    log_in(page, "metering")
    page.goto("/console/billing")
    held = page.locator("#held tbody tr")
    expect(held).to_have_count(2)
    screenshot(page, "held-list")
    held.filter(has_text=first).get_by_role("link", name="审核").click()
    expect(page.locator("#month-kwh")).to_have_text("1100.00")
    expect(page.locator("#usual-kwh")).to_have_text("100.00")
    correct = page.locator("#correct-held")
    correct.get_by_label("更正后示数").fill("50")  # below last month's 100: refused, kept
    correct.get_by_label("审核说明").fill("抄表员多抄一位")
    correct.get_by_role("button", name="更正读数").click()
    expect(page.locator("#error")).to_contain_text("低于上次示数100.00")
    total = page.locator("#correct-held").get_by_label("更正后示数")
    expect(total).to_have_attribute("aria-invalid", "true")  # marked, its message beside it
    message = page.locator(f"#{total.get_attribute('aria-describedby')}")
    expect(message).to_contain_text("低于上次示数")
    expect(page.locator("#correct-held").get_by_label("审核说明")).to_have_value("抄表员多抄一位")
    screenshot(page, "held-review-refused")
    page.locator("#correct-held").get_by_label("更正后示数").fill("200")
    page.locator("#correct-held").get_by_role("button", name="更正读数").click()
    # On to the next held month at once.
    expect(page.locator("#review-done")).to_contain_text("更正读数")
    expect(page.locator("h1")).to_contain_text(second)
    screenshot(page, "held-review-next")
    accept = page.locator("#accept-held")
    accept.get_by_label("审核说明").fill("新开餐馆，现场核实")
    accept.get_by_role("button", name="确认读数无误").click()
    expect(page.locator("#review-done")).to_contain_text("没有待审核的抄表了")
    expect(page.locator("#held tbody tr")).to_have_count(1)  # the "—" row
    history = page.locator("#recent-reviews tbody tr")
    expect(history).to_have_count(2)
    expect(history.filter(has_text=first)).to_contain_text("1200.00 → 200.00")
    expect(history.filter(has_text=second)).to_contain_text("确认无误")
    screenshot(page, "held-reviews-done")
    page.goto(f"/console/accounts/{first}/readings")
    expect(page.locator("#account-reviews")).to_contain_text("抄表员多抄一位")
    expect(page.locator("table.readings")).to_contain_text("已更正为 200.00")
    screenshot(page, "held-review-account-readings")
    with make_session_factory(engine)() as session:
        decisions = session.scalars(select(HeldReading.decision).order_by(HeldReading.id)).all()
    assert decisions == ["correct", "accept"]
