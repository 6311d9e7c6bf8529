"""The programme in the console: a supervisor schedules an episode with its roster; its calls."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.conftest import csrf_of
from quarterhour.demo.organisation import Organisation
from quarterhour.kit import clock
from workorders.loop_client import LoopApi

pytestmark = pytest.mark.db

Desk = Callable[[str], TestClient]


def test_a_supervisor_schedules_an_episode_and_sees_its_calls(
    desk: Desk, loop: LoopApi, org: Organisation, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 16, 0, tzinfo=clock.SHANGHAI))  # Friday
    supervisor = desk("supervisor")
    page = supervisor.get("/console/programme")
    assert 'value="2026-11-30"' in page.text  # the next weekday is offered
    form = {
        "csrf": csrf_of(page.text),
        "air_date": "2026-11-30",
        "leader": str(org.staff["leader"].id),
        "specialists": [str(org.staff["specialist"].id)],
    }
    assert supervisor.post("/console/programme", data=form).status_code == 303
    again = supervisor.post("/console/programme", data=form)
    assert again.status_code == 409
    no_leader = supervisor.post(
        "/console/programme", data=form | {"air_date": "2026-12-01", "leader": ""}
    )
    assert no_leader.status_code == 422 and "leader" in no_leader.text
    weekend = supervisor.post("/console/programme", data=form | {"air_date": "2026-12-05"})
    assert weekend.status_code == 422
    frozen_clock.set(datetime(2026, 11, 30, 7, 45, tzinfo=clock.SHANGHAI))
    call = loop.contact(
        {"order_type": "consultation", "title": "咨询阶梯电价", "answer": "第一档每月180度"},
        by="specialist",
        channel="programme",
    )
    supervisor = desk("supervisor")  # a new shift: Friday's session has expired
    listing = supervisor.get("/console/programme")
    link = re.search(r'href="/console/programme/(\d+)"', listing.text)
    assert link, listing.status_code
    shown = supervisor.get(f"/console/programme/{link.group(1)}")
    assert call["orders"][0]["number"] in shown.text and "值班领导" in shown.text
    agent = desk("agent")
    assert 'id="add-episode"' not in agent.get("/console/programme").text  # sees, not plans
    assert agent.post("/console/programme", data=form).status_code == 403
    assert desk("hall-baohe").get("/console/programme").status_code == 403
