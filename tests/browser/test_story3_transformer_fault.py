"""Issue 14's story in Chromium: one transformer fails at 07:50 on a Friday, while 供电一刻钟 is on
the air. Twenty callers from its area ring in (three through the programme, the rest on the
hotline); the dispatcher sees the calls grouped into a suggested fault, declares it (the twenty
calls join the outage and lose their own clocks), sends the crew the page suggests — the nearest
one, by the distance from its last position — and the crew takes the job on a phone-sized page:
accepts, sets off, arrives at 08:30, restores at 10:40. Every caller then has the reply, and the
supervisor's dashboard shows the outage's arrival (40 minutes) and restoration (2.2 hours) times,
its customers and calls. Screenshots: test-artifacts/console/story3-*.png."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from browser.conftest import PHONE, log_in, schedule_episode, screenshot
from quarterhour.access.actor import system
from quarterhour.customers import register_import
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.outages import network_import
from quarterhour.tariffs import tariff_book
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

OpenPage = Callable[..., Page]
DAY = "2026-11-27"  # a Friday; the programme is on the air 07:40–07:55
FAILED = datetime(2026, 11, 27, 7, 50, tzinfo=clock.SHANGHAI)
CALLERS = 20
NAMES = [
    "张伟",
    "李娜",
    "王芳",
    "刘洋",
    "陈静",
    "杨帆",
    "赵敏",
    "黄磊",
    "周杰",
    "吴倩",
    "徐鹏",
    "孙丽",
    "胡军",
    "朱琳",
    "高峰",
    "林涛",
    "何静",
    "郭亮",
    "马超",
    "罗敏",
]


def _network(session: Session) -> list[str]:
    """徽州大道18号's twenty households on 台区 TA-101 (one feeder), a neighbour on TA-102;
    returns the twenty account numbers."""
    accounts = [f"34001{n:05d}" for n in range(1, CALLERS + 1)]
    rows = [
        f"{a},{NAMES[i]},合肥市包河区徽州大道18号{i // 4 + 1}栋{i % 4 + 1}01室,baohe,ZJ-RES,2026-08-01"
        for i, a in enumerate(accounts)
    ]
    rows.append("3400199999,方圆,合肥市包河区徽州大道20号,baohe,ZJ-RES,2026-08-01")
    customers = "account,name,address,district,tariff,opened_on\n" + "\n".join(rows) + "\n"
    supply = "account,transformer\n" + "".join(f"{a},TA-101\n" for a in accounts)
    supply += "3400199999,TA-102\n"
    by = system("test")
    tariff_book.install_samples(session, by=by)
    register_import.import_customers(session, customers.encode(), file_name="c.csv", by=by)
    for importer, text in (
        (network_import.import_feeders, "feeder,name,district\nBH-10-18,徽州线,baohe\n"),
        (
            network_import.import_transformers,
            "transformer,name,feeder,latitude,longitude\n"
            "TA-101,徽州大道18号台区,BH-10-18,31.820000,117.290000\n"
            "TA-102,徽州大道20号台区,BH-10-18,31.823000,117.292000\n",
        ),
        (network_import.import_supply, supply),
    ):
        report = importer(session, text.encode(), file_name="n.csv", by=by)
        assert not report.problems, report.problems
    session.commit()
    return accounts


def _crews(api: LoopApi, org: Organisation, at: datetime) -> dict[str, int]:
    """Two crews of 包河区's repair department on duty and on standby: 一班 (its member the
    district's repair handler) 300 m from the transformer, 二班 across the district."""
    client, admin, dispatcher = api.client, api.headers("admin"), api.headers("dispatcher")
    made: dict[str, int] = {}
    for code, name, (lat, lon) in (
        ("BH-1", "包河区抢修一班", (31.8225, 117.2915)),
        ("BH-2", "包河区抢修二班", (31.7600, 117.3400)),
    ):
        crew = client.post(
            "/api/v1/crews",
            json={"code": code, "name": name, "department_id": org.dept("repair-baohe")},
            headers=admin,
        )
        assert crew.status_code == 201, crew.text
        crew_id = crew.json()["id"]
        made[code] = crew_id
        shift = {
            "starts_at": (at - timedelta(minutes=50)).isoformat(),
            "ends_at": (at + timedelta(hours=11, minutes=10)).isoformat(),
        }
        for path, body in (
            ("roster", shift),
            ("status", {"status": "available"}),
            ("position", {"latitude": str(lat), "longitude": str(lon)}),
        ):
            answer = client.post(f"/api/v1/crews/{crew_id}/{path}", json=body, headers=dispatcher)
            assert answer.status_code in (200, 201), answer.text
    answer = client.post(
        f"/api/v1/crews/{made['BH-1']}/members",
        json={"staff_id": org.staff["repair-baohe"].id},
        headers=admin,
    )
    assert answer.status_code in (200, 201), answer.text
    return made


def test_a_transformer_fails_at_0750_and_every_caller_hears_back(
    open_page: OpenPage,
    live_server: str,
    session: Session,
    org: Organisation,
    frozen_clock: Any,
    backend: str,
) -> None:
    shots = backend == "sqlite"
    frozen_clock.set(FAILED - timedelta(minutes=20))
    accounts = _network(session)
    api = LoopApi(httpx.Client(base_url=live_server, timeout=30), org)
    schedule_episode(api.client, api.headers("admin"), DAY, org)
    crews = _crews(api, org, FAILED)

    # 07:51–08:05: twenty calls from the transformer's area, the first three on the programme.
    orders: list[dict[str, Any]] = []
    for n, account in enumerate(accounts):
        frozen_clock.set(FAILED + timedelta(minutes=1, seconds=45 * n))
        answer = api.contact(
            {
                "order_type": "fault_repair",
                "title": "家里突然停电，整栋楼都没电",
                "area_class": "urban",
            },
            channel="programme" if n < 3 else "hotline",
            customer={"account": account},
        )
        orders.extend(answer["orders"])
    assert len(orders) == CALLERS
    assert all(o["state"] == "accepted" for o in orders)

    # 08:06: the dispatcher finds the calls grouped on 停电 and declares the fault from them.
    frozen_clock.set(FAILED + timedelta(minutes=16))
    desk = open_page()
    log_in(desk, "dispatcher")
    desk.locator("header.bar nav").get_by_role("link", name="停电", exact=True).click()
    suggested = desk.locator("#suggested-outages tr.suggested")
    expect(suggested).to_have_count(1)
    expect(suggested).to_have_attribute("data-calls", str(CALLERS))
    expect(suggested).to_contain_text("TA-101")
    if shots:
        screenshot(desk, "story3-suggested")
    suggested.get_by_role("link", name="登记为故障停电").click()
    form = desk.locator("#declare")
    expect(form.get_by_label("停电类型")).to_have_value("fault")
    form.get_by_label("停电原因").fill("台区变压器故障")
    form.get_by_label("开始时间").fill("2026-11-27T07:50")
    form.get_by_label("预计复电时间").fill("2026-11-27T11:30")
    form.get_by_role("button", name="登记停电").click()
    expect(desk.locator(".flash.ok")).to_have_text("停电已登记。")
    expect(desk.locator("#outage-calls")).to_contain_text(str(CALLERS))
    outage_id = int(desk.url.split("/console/outages/")[1].split("?")[0])

    # 08:07: the page suggests the nearest crew; the dispatcher sends it.
    frozen_clock.advance(minutes=1)
    desk.reload()
    dispatch = desk.locator("#crew-dispatch")
    expect(dispatch.locator("#crew-suggestion")).to_contain_text("包河区抢修一班")
    expect(dispatch.locator("select[name=crew_id]")).to_have_value(str(crews["BH-1"]))
    if shots:
        screenshot(desk, "story3-outage-declared")
    dispatch.get_by_role("button", name="派出").click()
    expect(desk.locator("#crew-dispatch .flash.ok")).to_be_visible()

    # The crew on its phone: the job is there when it logs in.
    phone = open_page(PHONE)
    log_in(phone, "repair-baohe")
    expect(phone).to_have_url(f"{live_server}/console/crew")
    job = phone.locator("article.job")
    expect(job).to_have_count(1)
    expect(job).to_contain_text("台区变压器故障")
    expect(job).to_contain_text(f"关联来电{CALLERS}个")
    if shots:
        screenshot(phone, "story3-crew-job")
    for minutes, button in ((18, "接单"), (19, "出发"), (40, "到场"), (170, "恢复供电")):
        frozen_clock.set(FAILED + timedelta(minutes=minutes))
        phone.locator("article.job").get_by_role("button", name=button).click()
        expect(phone.locator(".flash.ok")).to_be_visible()
    expect(phone.locator("#no-jobs")).to_be_visible()
    if shots:
        screenshot(phone, "story3-crew-done")

    # Every caller has the reply, and the outage says when supply came back.
    dispatcher = api.headers("dispatcher")
    outage = api.client.get(f"/api/v1/outages/{outage_id}", headers=dispatcher).json()
    assert outage["outage"]["state"] == "restored"
    for order in orders:
        assert api.order(order["id"])["state"] == "replied"
    linked = api.client.get(
        "/api/v1/orders", params={"outage_id": outage_id, "per_page": 100}, headers=dispatcher
    ).json()
    assert {o["id"] for o in linked["items"]} == {o["id"] for o in orders}

    # The supervisor's dashboard: the fault outage arrived in 40 minutes, restored 2.2 hours
    # after the crew arrived, twenty customers, twenty calls.
    frozen_clock.set(FAILED + timedelta(hours=3))
    boss = open_page()
    log_in(boss, "supervisor")
    boss.goto("/console/dashboard")
    section = boss.locator("#repairs")
    expect(section).to_be_visible()
    listed = section.locator(f"#rf-outages tr[data-outage='{outage_id}']")
    expect(listed).to_contain_text("台区变压器故障")
    expect(listed.locator("td").nth(3)).to_have_text(str(CALLERS))
    expect(listed.locator("td").nth(5)).to_have_text(str(CALLERS))
    total = section.locator("#rf-times tbody tr", has_text="故障停电").filter(has_text="合计")
    cells = total.locator("td")
    expect(cells.nth(3)).to_have_text("40.0")  # arrival, mean minutes
    expect(cells.nth(7)).to_have_text("2.2")  # restoration, mean hours
    section.scroll_into_view_if_needed()
    if shots:
        screenshot(boss, "story3-dashboard")
