"""The crews' console page, on every configured database: the dispatcher sees each crew's status,
vehicles, members (phones masked) and today's roster, in Chinese and English, and sets a status;
the menu offers it to those who may see it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from console.conftest import csrf_of
from quarterhour.access.actor import system
from quarterhour.crews import service as crews
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from quarterhour.organisation.models import Staff
from quarterhour.storage.engine import make_session_factory

Desk = Callable[[str], TestClient]


def _crew(engine: Engine, org: Organisation, now: datetime) -> int:
    with make_session_factory(engine)() as session:
        by = system("test")
        session.get_one(Staff, org.staff["repair-baohe"].id).phone = "13905510201"
        crew = crews.create_crew(
            session,
            by=by,
            code="BH-1",
            name="包河区抢修一班",
            department_id=org.dept("repair-baohe"),
        )
        crews.add_member(
            session, crew.id, by=by, staff_id=org.staff["repair-baohe"].id, is_leader=True
        )
        crews.add_vehicle(session, by=by, plate="皖A·D1234", kind="live_line", crew_id=crew.id)
        morning = clock.at(now.date(), datetime.min.time()) + timedelta(hours=8)
        crews.add_shift(
            session, crew.id, by=by, starts_at=morning, ends_at=morning + timedelta(hours=12)
        )
        crews.set_status(session, crew.id, by=by, status="available")
        session.commit()
        return crew.id


def test_the_dispatcher_sees_the_crews_and_sets_a_status(
    desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    crew_id = _crew(engine, org, frozen_clock.now)
    dispatcher = desk("dispatcher")
    page = dispatcher.get("/console/crews")
    assert page.status_code == 200
    html = page.text
    assert 'href="/console/crews" aria-current="page"' in html
    for words in (
        "包河区抢修一班",
        "待命",
        "皖A·D1234",
        "带电作业车",
        "邓师傅（班长）",
        "139****0201",
        "08:00–20:00",
    ):
        assert words in html, words
    assert "13905510201" not in html
    english = dispatcher.get("/console/crews?lang=en").text
    assert "Repair crews" in english and "live-line truck" in english and "available" in english

    sent = dispatcher.post(
        f"/console/crews/{crew_id}/status",
        data={"csrf": csrf_of(html), "status": "en_route", "at": ""},
    )
    assert sent.status_code == 303
    assert "出发" in dispatcher.get("/console/crews?lang=zh").text
    # A board older than the crew: refused in the board's words, the allowed statuses named.
    stale = dispatcher.post(
        f"/console/crews/{crew_id}/status",
        data={"csrf": csrf_of(html), "status": "off_duty", "at": ""},
    )
    assert stale.status_code == 409
    assert "班组状态已是“出发”，现在可改为：到场、待命。" in stale.text
    ahead = (frozen_clock.now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    future = dispatcher.post(
        f"/console/crews/{crew_id}/status",
        data={"csrf": csrf_of(html), "status": "on_site", "at": ahead},
    )
    assert future.status_code == 422
    assert re.search(
        rf'name="at" aria-invalid="true" aria-describedby="error-at-{crew_id}"', future.text
    )
    assert "不能晚于现在" in future.text


def test_the_menu_offers_the_crews_to_those_who_may_see_them(desk: Desk, org: Organisation) -> None:
    for username, offered in (
        ("dispatcher", True),
        ("supervisor", True),
        ("admin", True),
        ("agent", False),
        ("repair-baohe", False),
    ):
        client = desk(username)
        home = client.get("/console/crews")
        assert home.status_code == (200 if offered else 403), username
        menu = client.get(
            "/console/search?q=x" if username != "admin" else "/console/admin/staff"
        ).text
        assert ('href="/console/crews"' in menu) is offered, username
