"""Issue 13's wording and the repair crew's console: words in the reader's language (payment
channels, the administrators' warnings), tiers with their units, dates on one line, the public
pages on a phone with a way back for staff, and a crew named 抢修人员 that is offered neither
exports nor the billing desk."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from billing.test_inquiry_and_payments import PAID_AT, billed_household
from quarterhour.access.actor import CREW_DEPARTMENT_KIND, system
from quarterhour.access.permissions import NOT_FOR_CREWS, Permission
from quarterhour.billing import payments
from quarterhour.billing.payments import CHANNELS
from quarterhour.config import Settings
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.web.wording import Words
from quarterhour.kit import clock
from quarterhour.organisation.models import DepartmentKind
from quarterhour.outages.lifecycle import Action as OutageAction
from quarterhour.tariffs import tariff_book
from quarterhour.workorders import labels
from workorders.loop_client import LoopApi

Desk = Callable[[str], TestClient]
CJK = re.compile(r"[\u4e00-\u9fff]")
STATIC = Path(__file__).resolve().parents[2] / "src/quarterhour/entrypoints/web/static"


def _role_shown(page: str) -> str:
    found = re.search(r'<span id="who-role">([^<]*)</span>', page)
    assert found, "the top bar names no role"
    return found.group(1)


# --- the repair crew ---------------------------------------------------------------------------


@pytest.mark.db
def test_a_repair_crew_is_named_so_and_offered_neither_exports_nor_billing(desk: Desk) -> None:
    crew = desk("repair-baohe")
    page = crew.get("/console/my-work")
    assert page.status_code == 200
    assert _role_shown(page.text) == "抢修人员"
    assert "/console/billing" not in page.text and "电费核算" not in page.text
    assert "/export." not in page.text and "导出" not in page.text
    # The filters fold on a phone (console.js) when none is set.
    assert 'id="filter-panel" open data-fold-narrow' in page.text
    english = crew.get("/console/my-work?lang=en").text
    assert _role_shown(english) == "repair crew"
    assert "Export" not in english and "Billing" not in english
    # Not offered, and not served either: the use cases refuse a crew.
    assert crew.get("/console/orders/export.csv").status_code == 403
    assert crew.get("/console/billing").status_code == 403
    assert crew.get("/console/billing/held.csv").status_code == 403


@pytest.mark.db
def test_a_filter_set_keeps_the_panel_open_on_a_phone(desk: Desk) -> None:
    page = desk("repair-baohe").get("/console/my-work?overdue=true").text
    assert 'id="filter-panel" open>' in page
    assert "data-fold-narrow" not in page


@pytest.mark.db
def test_a_halls_handler_is_named_by_his_hall_and_keeps_exports_and_billing(desk: Desk) -> None:
    hall = desk("hall-baohe")
    page = hall.get("/console/my-work").text
    assert _role_shown(page) == "营业厅人员"
    assert "/console/orders/export.csv?" in page and 'href="/console/billing"' in page
    assert hall.get("/console/orders/export.csv").status_code == 200
    # The metering centre's handler by his centre; a department of no named kind and the other
    # roles keep the role's name.
    assert _role_shown(desk("metering").get("/console/my-work").text) == "计量人员"
    assert _role_shown(desk("inspection").get("/console/my-work").text) == "部门处理人"
    assert _role_shown(desk("dispatcher").get("/console/orders").text) == "调度员"


def test_the_crews_department_kind_is_the_organisations() -> None:
    assert DepartmentKind.REPAIR.value == CREW_DEPARTMENT_KIND
    assert {Permission.EXPORT_LISTS, Permission.VIEW_BILLING} <= NOT_FOR_CREWS
    assert labels.role_text("handler", "repair", "en") == "repair crew"
    assert labels.role_text("dispatcher", "repair") == "调度员"


# --- words in the reader's language ------------------------------------------------------------


@pytest.mark.db
def test_payment_channels_are_in_the_readers_language(
    desk: Desk, session: Session, org: Organisation, settings: Settings
) -> None:
    account = billed_household(session, org, settings)
    payments.record_payment(session, account, amount="50.00", channel="bank", paid_at=PAID_AT)
    payments.record_payment(session, account, amount="20.00", channel="online", paid_at=PAID_AT)
    session.commit()
    customer_id = account.customer_id
    session.rollback()
    agent = desk("agent")
    zh = agent.get(f"/console/customers/{customer_id}").text
    assert "<td>银行代收</td>" in zh and "<td>网上缴费</td>" in zh
    en = agent.get(f"/console/customers/{customer_id}?lang=en").text
    assert "<td>bank collection</td>" in en and "<td>online</td>" in en
    assert "<td>bank</td>" not in en and "银行代收" not in en


def test_every_payment_channel_has_its_words() -> None:
    assert set(labels.PAYMENT_CHANNELS) == set(CHANNELS)
    assert Words("zh").pay_channel("counter") == "营业厅柜台"
    assert Words("en").pay_channel("counter") == "at the counter"


def test_a_held_readings_note_is_read_in_english_too() -> None:
    note = "8490.00 kWh against a usual 348.14 kWh"
    assert Words("en").held_detail(note) == "8490.00 kWh against a usual 348.14 kWh"
    assert CJK.search(Words("zh").held_detail(note))


@pytest.mark.db
def test_the_administrators_warnings_are_in_one_language(
    desk: Desk, loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 12, 31, 10, 0, tzinfo=clock.SHANGHAI))
    loop.intake("complaint")
    admin = desk("admin")

    def banners(lang: str) -> dict[str, str]:
        page = admin.get(f"/console/admin/calendar?lang={lang}").text
        return dict(re.findall(r'data-warning="(\w+)">([^<]*)</div>', page))

    zh = banners("zh")
    assert set(zh) == {"calendar_year_missing", "provisional_deadlines"}
    assert "尚未导入2027年的官方节假日安排" in zh["calendar_year_missing"]
    assert zh["provisional_deadlines"].startswith("1 个工单的时限为临时时限")
    assert not any(re.search(r"[A-Za-z]{3,}", text) for text in zh.values()), zh
    en = banners("en")
    assert en["calendar_year_missing"].startswith("No official holiday schedule is loaded for 2027")
    assert en["provisional_deadlines"].startswith("Orders with provisional deadlines: 1,")
    assert not any(CJK.search(text) for text in en.values()), en


def test_two_missing_years_are_joined_in_each_language() -> None:
    values = {"years": (2027, 2028)}
    assert "2027年、2028年" in Words("zh").warning("calendar_year_missing", values)
    assert "for 2027 and 2028:" in Words("en").warning("calendar_year_missing", values)


# --- tiers with their units --------------------------------------------------------------------


@pytest.mark.db
def test_tiers_carry_their_units_on_the_disclosure_and_the_tariff_page(
    client: TestClient, desk: Desk, session: Session
) -> None:
    tariff_book.install_samples(session, by=system("test"))
    session.commit()
    zh = client.get("/disclosure").text
    tiers = re.findall(r'<td data-label="阶梯" class="tiers">(.*?)</td>', zh, re.DOTALL)
    assert tiers and any("千瓦时：基础电价" in cell for cell in tiers), tiers
    assert any("千瓦时以上：加价" in cell and "元/千瓦时" in cell for cell in tiers)
    en = client.get("/disclosure?lang=en").text
    assert "kWh: base price" in en and "yuan/kWh" in en
    admin = desk("admin")
    page = admin.get("/console/admin/tariffs").text
    cells = re.findall(r'<td class="tiers">(.*?)</td>', page, re.DOTALL)
    assert any("千瓦时：基础电价" in c and "元/千瓦时" in c for c in cells), cells
    assert "一档上限（千瓦时）" in page and "二档加价（元/千瓦时）" in page
    english = admin.get("/console/admin/tariffs?lang=en").text
    assert "kWh: base price" in english and "Tier 1 up to (kWh)" in english


@pytest.mark.db
def test_the_bills_consumption_is_in_kilowatt_hours(
    desk: Desk, session: Session, org: Organisation, settings: Settings
) -> None:
    account = billed_household(session, org, settings)
    session.commit()
    number = account.number
    session.rollback()
    page = desk("agent").get(f"/console/accounts/{number}/bills/2026-10-01").text
    assert "<dt>用电量（千瓦时）</dt><dd>300.00</dd>" in page
    assert '<th class="num">用电量（千瓦时）</th><th class="num">单价（元/千瓦时）</th>' in page
    assert '<dd class="time">2026-11-20</dd>' in page


# --- dates on one line -------------------------------------------------------------------------

_MOMENT = re.compile(r"<td([^>]*)>\s*(\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?)")


@pytest.mark.db
def test_dates_and_times_in_tables_do_not_wrap(desk: Desk, loop: LoopApi) -> None:
    order = loop.intake("complaint")
    dispatcher = desk("dispatcher")
    for path in ("/console/orders", f"/console/orders/{order['id']}"):
        found = _MOMENT.findall(dispatcher.get(path).text)
        assert found, path
        for attributes, moment, _ in found:
            classes = re.search(r'class="([^"]*)"', attributes)
            assert classes and "time" in classes.group(1).split(), f"{path}: {moment} may wrap"
    assert (
        ".time" in (STATIC / "console.css").read_text()
        and "white-space: nowrap" in (STATIC / "console.css").read_text()
    )
    assert re.search(r"\.time \{ white-space: nowrap", (STATIC / "public.css").read_text())


# --- the public pages --------------------------------------------------------------------------


@pytest.mark.db
@pytest.mark.parametrize("path", ["/disclosure", "/bill", "/status"])
def test_the_public_pages_lead_staff_back_to_the_console(client: TestClient, path: str) -> None:
    zh = client.get(path).text
    assert '<a href="/console" id="staff-console">工作人员入口</a>' in zh
    en = client.get(f"{path}?lang=en").text
    assert '<a href="/console?lang=en" id="staff-console">Staff console</a>' in en


@pytest.mark.db
def test_the_disclosures_wide_tables_become_cards_on_a_phone(
    client: TestClient, session: Session
) -> None:
    tariff_book.install_samples(session, by=system("test"))
    session.commit()
    page = client.get("/disclosure").text
    for table in ("tariffs", "commitments"):
        body = re.search(rf'<table class="cards" id="{table}">.*?<tbody>(.*?)</tbody>', page, re.S)
        assert body, table
        cells = re.findall(r"<td([^>]*)>", body.group(1))
        assert cells and all("data-label=" in c or "card-title" in c for c in cells), table
    css = (STATIC / "public.css").read_text()
    assert "content: attr(data-label)" in css and "table.cards thead { display: none; }" in css


@pytest.mark.db
def test_the_staff_list_names_handlers_as_their_departments_people(desk: Desk) -> None:
    page = desk("admin").get("/console/admin/staff").text
    row = re.search(r"<tr><td>repair-baohe</td>.*?</tr>", page, re.S)
    assert row and "<td>抢修人员</td>" in row.group(0)
    row = re.search(r"<tr><td>hall-baohe</td>.*?</tr>", page, re.S)
    assert row and "<td>营业厅人员</td>" in row.group(0)
    row = re.search(r"<tr><td>dispatcher</td>.*?</tr>", page, re.S)
    assert row and "<td>调度员</td>" in row.group(0)


def test_every_step_of_an_outages_history_has_its_words() -> None:
    """The outage page names each event of the history by its action (a crew sent, arrived)."""
    for lang in ("zh", "en"):
        words = Words(lang)
        for action in OutageAction:
            assert words(f"outage_action_{action}"), action
