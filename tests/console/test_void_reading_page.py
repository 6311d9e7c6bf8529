"""An administrator voids a wrong meter reading from the console (the API's use case)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from billing.test_void_readings import written_unchecked
from billing.town import Town
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.web.session import COOKIE, csrf_for
from quarterhour.kit import clock

pytestmark = pytest.mark.db


def test_the_administrator_voids_a_reading_from_the_console(
    session: Session, org: Organisation, desk: Callable[[str], TestClient], frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI))
    town = Town(session, org)
    account, meter = town.household("ZJ-RES")
    town.read(meter, date(2026, 9, 30), "100")
    session.commit()
    wrong = written_unchecked(session, meter, date(2027, 10, 31), "350")
    admin = desk("admin")
    page = admin.get(f"/console/accounts/{account.number}/readings")
    assert page.status_code == 200
    assert f"/readings/{wrong}/void" in page.text
    token = csrf_for(admin.cookies[COOKIE])
    path = f"/console/accounts/{account.number}/readings/{wrong}/void"
    refused = admin.post(path, data={"csrf": token, "reason": "  "})
    assert refused.status_code == 422
    assert "reason" in refused.text
    done = admin.post(path, data={"csrf": token, "reason": "日期录错"})
    assert done.status_code == 303
    after = admin.get(done.headers["location"])
    assert "已作废" in after.text and "日期录错" in after.text
    assert f"/readings/{wrong}/void" not in after.text
    # Those who see customers see the history, without the form; the hall cannot void.
    agent_view = desk("agent").get(f"/console/accounts/{account.number}/readings")
    assert agent_view.status_code == 200 and "已作废" in agent_view.text
    assert "void-reading" not in agent_view.text
    hall = desk("hall-baohe")
    forbidden = hall.post(path, data={"csrf": csrf_for(hall.cookies[COOKIE]), "reason": "x"})
    assert forbidden.status_code == 403
