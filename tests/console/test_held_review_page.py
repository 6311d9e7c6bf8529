"""Billing staff review held readings from the billing page: the form, a refusal that names
the field and keeps what was typed, the next held month, the history in both places."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import bill_run
from quarterhour.billing.models import HeldReading
from quarterhour.config import Settings
from quarterhour.customers.models import Account
from quarterhour.demo.organisation import Organisation
from quarterhour.entrypoints.web.session import COOKIE, csrf_for
from quarterhour.kit import clock

pytestmark = pytest.mark.db


def two_jumpy_shops(session: Session, org: Organisation, settings: Settings) -> list[int]:
    """Two shops whose October is ten times their September: both held, in the list's order."""
    town = Town(session, org)
    for _ in range(2):
        _, meter = town.household("AH-BIZ", category="non_residential")
        town.read(meter, date(2026, 9, 30), "100")
        town.read(meter, date(2026, 10, 31), "1200")
    bill_run.run(session, date(2026, 9, 1), settings=settings, by=system("test"))
    bill_run.run(session, date(2026, 10, 1), settings=settings, by=system("test"))
    session.commit()
    held = list(session.scalars(select(HeldReading.id).order_by(HeldReading.id)))
    session.rollback()  # SQLite: an open transaction would hold the lock the console needs
    return held


def test_billing_staff_review_held_readings_one_after_the_other(
    session: Session,
    org: Organisation,
    settings: Settings,
    desk: Callable[[str], TestClient],
    frozen_clock: Any,
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI))
    first, second = two_jumpy_shops(session, org, settings)
    account_number = session.scalar(
        select(Account.number)
        .join(HeldReading, HeldReading.account_id == Account.id)
        .where(HeldReading.id == first)
    )
    session.rollback()  # SQLite: an open transaction would hold the lock the console needs
    staff = desk("metering")
    billing = staff.get("/console/billing")
    assert f'href="/console/billing/held/{first}"' in billing.text
    form = staff.get(f"/console/billing/held/{first}")
    assert form.status_code == 200
    assert 'id="correct-held"' in form.text and 'id="accept-held"' in form.text
    assert "1100.00" in form.text and "100.00" in form.text  # this month and the usual one
    token = csrf_for(staff.cookies[COOKIE])
    path = f"/console/billing/held/{first}/review"
    below = staff.post(
        path, data={"csrf": token, "decision": "correct", "total": "50", "reason": "多抄一位"}
    )
    assert below.status_code == 422
    assert "示数：50低于上次示数100.00" in below.text  # in Chinese, the field by its name
    assert 'value="50"' in below.text and "多抄一位" in below.text
    assert (
        'name="total" inputmode="decimal" required maxlength="20" size="12" aria-invalid="true"'
        in below.text
    )
    garbage = staff.post(
        path, data={"csrf": token, "decision": "correct", "total": "1,2", "reason": "x"}
    )
    assert garbage.status_code == 422 and "示数：请填写数字，如1234.56" in garbage.text
    corrected = staff.post(
        path, data={"csrf": token, "decision": "correct", "total": "200", "reason": "多抄一位"}
    )
    assert corrected.status_code == 303
    assert corrected.headers["location"] == f"/console/billing/held/{second}?done=correct"
    next_page = staff.get(corrected.headers["location"])
    assert "已保存：更正读数" in next_page.text
    accepted = staff.post(
        f"/console/billing/held/{second}/review",
        data={"csrf": token, "decision": "accept", "reason": "新开店铺"},
    )
    assert accepted.headers["location"] == "/console/billing?reviewed=accept"
    done = staff.get(accepted.headers["location"])
    assert "没有待审核的抄表了" in done.text
    assert f'id="held-{first}"' not in done.text
    assert "更正读数" in done.text and "确认无误" in done.text and "钱工" in done.text
    again = staff.post(path, data={"csrf": token, "decision": "void", "reason": "x"})
    assert again.status_code == 409
    # The account's readings page shows the decision and the superseded reading; in English too.
    readings = staff.get(f"/console/accounts/{account_number}/readings?lang=en")
    assert "superseded by 200.00" in readings.text
    assert 'id="account-reviews"' in readings.text and "corrected" in readings.text


def test_those_who_may_not_review_see_no_forms_and_are_refused(
    session: Session,
    org: Organisation,
    settings: Settings,
    desk: Callable[[str], TestClient],
    frozen_clock: Any,
) -> None:
    frozen_clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI))
    first, _ = two_jumpy_shops(session, org, settings)
    agent = desk("agent")
    page = agent.get(f"/console/billing/held/{first}")
    assert page.status_code == 200 and 'id="accept-held"' not in page.text
    refused = agent.post(
        f"/console/billing/held/{first}/review",
        data={"csrf": csrf_for(agent.cookies[COOKIE]), "decision": "accept", "reason": "x"},
    )
    assert refused.status_code == 403
    assert desk("metering").get("/console/billing/held/999999").status_code == 404
