"""An order's page for a full working day (issue 13): where to go and whom to call at the top,
the account number leading to the customer and the bills, and a bill complaint's bills with the
readings behind them, what is paid and the late fees."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session

from billing.test_inquiry_and_payments import billed_household
from billing.town import Town
from quarterhour.access import permissions
from quarterhour.access.actor import Role, system
from quarterhour.access.permissions import Permission
from quarterhour.billing import bill_run, payments
from quarterhour.config import Settings
from quarterhour.customers.models import Account, Customer
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from workorders.loop_client import CUSTOMER_PHONE, LoopApi

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]
D = Decimal
WOMAN = "340104198001011242"  # an ID number whose 17th digit is even, its check digit right


def _where(page: str) -> str:
    """The top card of an order's page: its service address and whom to call."""
    found = re.search(r'<div class="card where" id="where".*?\n  </div>', page, re.DOTALL)
    assert found, page
    return found.group(0)


def _billed_account(session: Session, org: Organisation, settings: Settings) -> Account:
    """An account with September (200 kWh, 107.60, due 10-20) paid on time and October (300 kWh,
    161.40, due 11-20) not paid at all."""
    account = billed_household(session, org, settings)
    session.execute(
        update(Customer)
        .where(Customer.id == account.customer_id)
        .values(district_id=org.districts["baohe"])
    )
    payments.record_payment(
        session,
        account,
        amount="107.60",
        channel="counter",
        paid_at=datetime(2026, 10, 15, 10, 0, tzinfo=clock.SHANGHAI),
    )
    session.commit()
    return account


def _about_account(loop: LoopApi, number: str, **matter: Any) -> dict[str, Any]:
    order: dict[str, Any] = loop.contact(matter, customer={"account": number})["orders"][0]
    return order


def test_the_service_address_and_whom_to_call_come_first(desk: Desk, loop: LoopApi) -> None:
    order = loop.intake("fault_repair", address="芜湖路174号宿舍楼3单元402")
    loop.act("dispatcher", order["id"], "dispatch", crew="包河抢修一班")
    for who in ("dispatcher", "repair-baohe"):
        page = desk(who).get(f"/console/orders/{order['id']}").text
        where = _where(page)
        assert '<p class="address" id="service-address">芜湖路174号宿舍楼3单元402</p>' in where
        assert "包河区" in where and "城区" in where  # district and area class: the time limit
        assert '<strong id="caller-name">袁女士</strong>' in where  # as the caller gave it
        assert "138****3456" in where and CUSTOMER_PHONE not in page
        # Before the description, the deadlines and the history: a phone shows it first.
        assert page.index('id="where"') < page.index("整栋楼停电") < page.index("处理过程")
    english = desk("dispatcher").get(f"/console/orders/{order['id']}?lang=en").text
    assert "Service address" in _where(english) and "Ms 袁" in _where(english)


def test_the_caller_is_addressed_by_surname_and_title_else_by_the_masked_name(
    desk: Desk, loop: LoopApi, session: Session
) -> None:
    order = loop.intake("complaint", address="望湖城7栋1203")
    customer_id = loop.order(order["id"])["customer_id"]
    session.execute(update(Customer).where(Customer.id == customer_id).values(name="刘晓燕"))
    session.commit()
    dispatcher = desk("dispatcher")
    page = dispatcher.get(f"/console/orders/{order['id']}").text
    assert '<strong id="caller-name">刘**</strong>' in _where(page)  # nothing says which
    session.execute(update(Customer).where(Customer.id == customer_id).values(id_number=WOMAN))
    session.commit()
    page = dispatcher.get(f"/console/orders/{order['id']}").text
    assert '<strong id="caller-name">刘女士</strong>' in _where(page)
    assert "刘晓燕" not in page and WOMAN not in page


def test_the_account_number_leads_to_the_customer_and_the_bills(
    desk: Desk, loop: LoopApi, session: Session, org: Organisation, settings: Settings
) -> None:
    account = _billed_account(session, org, settings)
    number, holder = account.number, account.customer_id
    order = _about_account(
        loop, number, order_type="fault_repair", area_class="urban", title="家中停电"
    )
    dispatcher = desk("dispatcher")
    where = _where(dispatcher.get(f"/console/orders/{order['id']}").text)
    # Neither the matter nor the caller's record gave an address: the account's premises.
    assert '<p class="address" id="service-address">合肥市包河区拱辰街1号楼1室</p>' in where
    record = re.search(r'id="account-link" href="([^"]+)"[^>]*>(\d+)</a>', where)
    bills = re.search(r'id="bills-link" href="([^"]+)">账单</a>', where)
    assert record and bills, where
    assert record.group(2) == number
    assert record.group(1) == f"/console/customers/{holder}#account-{number}"
    assert bills.group(1) == f"/console/customers/{holder}#bills-{number}"
    assert 'id="bill-context"' not in where  # a repair is not about a bill
    customer = dispatcher.get(bills.group(1).split("#")[0])
    assert customer.status_code == 200
    assert f'<h3 id="account-{number}">' in customer.text
    assert f'<h4 id="bills-{number}">账单（近12个月）</h4>' in customer.text


def test_without_customer_access_the_account_number_is_plain_text(
    desk: Desk,
    loop: LoopApi,
    session: Session,
    org: Organisation,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Today every role that may open an order may see customers too; the page follows the
    # grants, whatever they become.
    account = _billed_account(session, org, settings)
    number, holder = account.number, account.customer_id
    order = _about_account(loop, number, order_type="complaint", subtype="billing", title="电费高")
    loop.act("dispatcher", order["id"], "dispatch")
    without = permissions.GRANTS[Permission.VIEW_CUSTOMERS] - {Role.HANDLER}
    monkeypatch.setitem(permissions.GRANTS, Permission.VIEW_CUSTOMERS, without)
    hall = desk("hall-baohe")
    page = hall.get(f"/console/orders/{order['id']}")
    assert page.status_code == 200
    where = _where(page.text)
    assert f'<span id="account-number">{number}</span>' in where
    assert "/console/customers/" not in page.text and 'id="bill-context"' not in page.text
    assert hall.get(f"/console/customers/{holder}").status_code == 403  # the use case says no


def test_a_bill_complaint_leads_in_one_click_to_the_readings_and_what_is_paid(
    desk: Desk,
    loop: LoopApi,
    session: Session,
    org: Organisation,
    settings: Settings,
    frozen_clock: Any,
) -> None:
    account = _billed_account(session, org, settings)
    number = account.number
    order = _about_account(
        loop, number, order_type="complaint", subtype="billing", title="十月电费比九月高很多"
    )
    loop.act("dispatcher", order["id"], "dispatch")
    hall = desk("hall-baohe")  # the business hall that answers it
    where = _where(hall.get(f"/console/orders/{order['id']}").text)
    link = re.search(
        r'<a class="button" id="bill-context" href="([^"]+)">查看账单、抄表与缴费</a>', where
    )
    assert link, where
    page = hall.get(link.group(1).split("#")[0])  # the fragment is the browser's
    assert page.status_code == 200
    assert link.group(1).endswith(f"#bills-{number}") and f'id="bills-{number}"' in page.text
    table = re.search(
        rf'<table class="list bills" id="bill-table-{number}">.*?</table>', page.text, re.DOTALL
    )
    assert table, page.text
    rows = {
        period: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for period, row in re.findall(
            rf'<tr id="bill-{number}-(\d{{4}}-\d{{2}})">(.*?)</tr>', table.group(0), re.DOTALL
        )
    }
    # Period, meter, previous and current register, kWh, amount, status, paid, late fee, due.
    assert (
        rows["2026-10"]
        == "2026-10 M000001 200.00 500.00 300.00 161.40 逾期未缴 0.00 1.13 2026-11-20"
    )
    assert (
        rows["2026-09"] == "2026-09 M000001 0.00 200.00 200.00 107.60 已缴清 107.60 0.00 2026-10-20"
    )
    assert "上次示数" in table.group(0) and "本次示数" in table.group(0)
    payments_table = page.text[page.text.index(f'id="payments-{number}"') :]
    assert "营业厅柜台" in payments_table[:600] and "107.60" in payments_table[:600]


@pytest.mark.parametrize(
    ("matter", "offered"),
    [
        ({"order_type": "complaint", "subtype": "metering", "title": "电表走得快"}, True),
        ({"order_type": "complaint", "subtype": "business", "title": "收费不合理"}, True),
        ({"order_type": "consultation", "title": "本月电费怎么算的"}, True),
        (
            {"order_type": "service_request", "subtype": "reading_anomaly", "title": "抄表不准"},
            True,
        ),
        ({"order_type": "complaint", "subtype": "service", "title": "态度差"}, False),
        ({"order_type": "fault_repair", "area_class": "urban", "title": "停电"}, False),
    ],
)
def test_the_orders_about_a_bill_offer_its_context(
    desk: Desk,
    loop: LoopApi,
    session: Session,
    org: Organisation,
    matter: dict[str, Any],
    offered: bool,
) -> None:
    account, _ = Town(session, org).household("ZJ-RES")
    session.commit()
    order = _about_account(loop, account.number, **matter)
    where = _where(desk("dispatcher").get(f"/console/orders/{order['id']}").text)
    assert ('id="bill-context"' in where) is offered
    assert 'id="account-link"' in where


def test_a_bill_complaint_without_an_account_points_to_the_customer_record(
    desk: Desk, loop: LoopApi
) -> None:
    order = loop.intake("complaint", subtype="billing", title="电费不对")
    where = _where(desk("dispatcher").get(f"/console/orders/{order['id']}").text)
    customer_id = loop.order(order["id"])["customer_id"]
    assert 'id="bill-context-none"' in where
    assert f'href="/console/customers/{customer_id}">客户资料</a>' in where


def test_the_customer_page_takes_the_same_queries_for_one_bill_or_many_accounts(
    desk: Desk, session: Session, org: Organisation, settings: Settings, engine: Engine
) -> None:
    town = Town(session, org)
    single, single_meter = town.household("ZJ-RES", initial=D(0))
    town.read(single_meter, date(2026, 9, 30), "120")
    holder = Customer(
        name="多户客户", phone="13900009999", phone_last4="9999", created_at=clock.now()
    )
    session.add(holder)
    session.flush()
    for _ in range(3):
        account, meter = town.household("ZJ-RES", initial=D(0))
        account.customer_id = holder.id
        town.read(meter, date(2026, 9, 30), "200")
        town.read(meter, date(2026, 10, 31), "450")
    session.flush()
    for month in (9, 10):
        bill_run.run(session, date(2026, month, 1), settings=settings, by=system("test"))
    session.commit()
    single_id, many_id = single.customer_id, holder.id
    dispatcher = desk("dispatcher")
    dispatcher.get("/console")  # the session's token is checked and cached
    dispatcher.get(f"/console/customers/{single_id}")  # and the late-fee rules, per process

    def queries(path: str) -> int:
        statements: list[str] = []

        def record(*args: Any) -> None:
            statements.append(args[2])

        event.listen(engine, "before_cursor_execute", record)
        try:
            page = dispatcher.get(path)
            assert page.status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    few, many = queries(f"/console/customers/{single_id}"), queries(f"/console/customers/{many_id}")
    assert few == many, (few, many)
    shown = dispatcher.get(f"/console/customers/{many_id}").text
    assert len(re.findall(r'<tr id="bill-\d+-2026-(?:09|10)">', shown)) == 6
    assert shown.count("450.00") == 3  # each October's current reading
