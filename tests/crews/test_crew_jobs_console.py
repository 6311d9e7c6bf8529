"""The crew's phone page and the dispatcher's 派抢修班组 form, on every configured database: the
suggested crew chosen already with its reason, the crew landing on its jobs with one big button
for the next step, a refused time shown next to its field in the reader's language."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from console.conftest import csrf_of
from quarterhour.access.actor import system
from quarterhour.crews import service as crews
from quarterhour.demo.organisation import Organisation
from quarterhour.outages import service as outages
from quarterhour.outages.models import Feeder, TransformerArea
from quarterhour.storage.engine import make_session_factory
from quarterhour.workorders import routing
from workorders.loop_client import LoopApi

Desk = Callable[[str], TestClient]


def _crew(engine: Engine, org: Organisation, now: datetime) -> int:
    with make_session_factory(engine)() as session:
        by = system("test")
        crew = crews.create_crew(
            session,
            by=by,
            code="BH-1",
            name="包河区抢修一班",
            department_id=org.dept("repair-baohe"),
        )
        crews.add_member(session, crew.id, by=by, staff_id=org.staff["repair-baohe"].id)
        start = now - timedelta(hours=1)
        crews.add_shift(
            session, crew.id, by=by, starts_at=start, ends_at=start + timedelta(hours=12)
        )
        crews.set_status(session, crew.id, by=by, status="available", at=start)
        session.commit()
        return crew.id


def _buttons(html: str) -> dict[str, bool]:
    """Each step's button and whether it may be pressed."""
    return {
        step: "disabled" not in attributes
        for attributes, step in re.findall(
            r'<button type="submit" name="step" value="(\w+)" class="big-step"([^>]*)>', html
        )
        for step, attributes in [(attributes, step)]
    }


def test_the_dispatcher_sends_the_suggested_crew_and_the_crew_works_it_from_its_phone(
    client: TestClient, desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    crew_id = _crew(engine, org, frozen_clock.now)
    order = LoopApi(client, org).intake("fault_repair")
    dispatcher = desk("dispatcher")
    page = dispatcher.get(f"/console/orders/{order['id']}").text
    assert 'id="crew-dispatch"' in page
    assert "建议派包河区抢修一班（本区值班）" in page
    assert f'<option value="{crew_id}" selected>' in page
    sent = dispatcher.post(
        f"/console/orders/{order['id']}/crew", data={"csrf": csrf_of(page), "crew_id": crew_id}
    )
    assert sent.status_code == 303, sent.text
    after = dispatcher.get(sent.headers["location"]).text
    assert "已派抢修班组。" in after and 'id="crew-jobs"' in after

    crew = desk("repair-baohe")
    landing = crew.get("/console")
    assert landing.headers["location"] == "/console/crew"
    phone = crew.get("/console/crew").text
    assert order["number"] in phone and "芜湖路174号宿舍楼" in phone
    assert "138****3456" in phone and "13855123456" not in phone  # masked, as every list
    assert 'src="/static/crew.js"' in phone and "<script>" not in phone and "style=" not in phone
    assert _buttons(phone) == {
        "accepted": True,
        "departed": False,
        "arrived": False,
        "restored": False,
    }
    job_id = re.search(r'action="/console/crew/jobs/(\d+)/steps"', phone)
    assert job_id is not None
    steps = f"/console/crew/jobs/{job_id.group(1)}/steps"
    version = re.search(r'name="version" value="(\d+)"', phone)
    assert version is not None
    taken = crew.post(
        steps,
        data={
            "csrf": csrf_of(phone),
            "step": "accepted",
            "version": version.group(1),
            "latitude": "",
            "longitude": "",
            "at": "",
        },
    )
    assert taken.status_code == 303, taken.text
    # The same button again, from the page it was pressed on.
    twice = crew.post(steps, data={"csrf": csrf_of(phone), "step": "accepted"})
    assert twice.status_code == 409
    assert "该任务已是“接单”；可记录的下一步：出发。" in twice.text
    phone = crew.get(taken.headers["location"]).text
    assert "已记录：接单。" in phone
    assert _buttons(phone)["departed"] and not _buttons(phone)["accepted"]

    ahead = (frozen_clock.now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    refused = crew.post(steps, data={"csrf": csrf_of(phone), "step": "departed", "at": ahead})
    assert refused.status_code == 422
    assert "不能晚于现在" in refused.text and 'aria-invalid="true"' in refused.text
    frozen_clock.advance(minutes=3)
    gone = crew.post(
        steps,
        data={
            "csrf": csrf_of(phone),
            "step": "departed",
            "latitude": "31.800000",
            "longitude": "117.300000",
        },
    )
    assert gone.status_code == 303, gone.text
    english = crew.get("/console/crew?lang=en").text
    assert "Arrived" in english and _buttons(english)["arrived"]
    assert "geo:" not in english  # no coordinates known for this address


def test_a_member_of_no_crew_and_the_outage_form(
    client: TestClient, desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    page = desk("repair-shushan").get("/console/crew")
    assert page.status_code == 200 and 'id="no-crew"' in page.text
    _crew(engine, org, frozen_clock.now)
    with make_session_factory(engine)() as session:
        feeder = Feeder(code="BH-10-01", name="徽州线", district_id=org.districts["baohe"])
        session.add(feeder)
        session.flush()
        session.add(
            TransformerArea(
                code="TA-001",
                name="徽州大道1号台区",
                feeder_id=feeder.id,
                latitude=Decimal("31.82"),
                longitude=Decimal("117.29"),
            )
        )
        session.flush()
        outage = outages.declare(
            session,
            by=system("test"),
            kind="fault",
            cause="台区变压器故障",
            starts_at=frozen_clock.now - timedelta(minutes=10),
            expected_restoration_at=frozen_clock.now + timedelta(hours=3),
            transformers=["TA-001"],
            area="徽州大道",
        )
        session.commit()
        outage_id = outage.id
    # An agent is not offered the form.
    assert 'id="crew-dispatch"' not in desk("agent").get(f"/console/outages/{outage_id}").text
    dispatcher = desk("dispatcher")
    page = dispatcher.get(f"/console/outages/{outage_id}").text
    assert "建议派包河区抢修一班（本区值班）" in page  # no fresh position: the roster
    sent = dispatcher.post(
        f"/console/outages/{outage_id}/crew", data={"csrf": csrf_of(page), "crew_id": ""}
    )
    assert sent.status_code == 303, sent.text
    again = dispatcher.post(
        f"/console/outages/{outage_id}/crew", data={"csrf": csrf_of(page), "crew_id": ""}
    )
    assert again.status_code == 409 and 'role="alert"' in again.text
    phone = desk("repair-baohe").get("/console/crew").text
    assert "台区变压器故障" in phone and "关联来电0个" in phone and "徽州大道" in phone
    assert 'href="geo:31.820000,117.290000"' in phone


def test_the_desk_preview_says_which_crew_the_routing_policy_sends(
    desk: Desk, org: Organisation, engine: Engine, frozen_clock: Any
) -> None:
    with make_session_factory(engine)() as session:
        routing.add_routing_rule(
            session,
            by=system("test"),
            order_type="fault_repair",
            department_id=org.dept("repair-baohe"),
            district_id=org.districts["baohe"],
            priority=1,
            dispatch_to_crew=True,
        )
        session.commit()
    agent = desk("agent")

    def preview() -> str:
        page = agent.get("/console/desk").text
        idem = re.search(r'name="idem" value="([^"]*)"', page)
        assert idem is not None
        checked = agent.post(
            "/console/desk",
            data={
                "csrf": csrf_of(page),
                "idem": idem.group(1),
                "channel": "hotline",
                "caller_name": "钱先生",
                "caller_phone": "13955500001",
                "caller_district_id": str(org.districts["baohe"]),
                "m0_order_type": "fault_repair",
                "m0_area_class": "urban",
                "m0_title": "整栋楼停电",
                "do": "preview",
            },
        )
        assert checked.status_code == 200, checked.text
        return checked.text

    assert "派单规则要求自动派单，但本区暂无待命的值班班组：请调度人员派单" in preview()
    _crew(engine, org, frozen_clock.now)
    assert "已自动派给值班班组：包河区抢修一班（本区值班）" in preview()
