"""Planned outages told to the customers they concern (issue 14): a call about one answered on
the spot and counted on the outage; the bill inquiry and the order status name the outages
announced at the premises for the coming seven days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from outage_network import Network
from sqlalchemy import update
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.customers.models import Account
from quarterhour.kit import clock
from quarterhour.outages import service as outages

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI)
CENTRE = system("test")
INSIDE, OUTSIDE = "3400100001", "3400100003"  # TA-001 (in the outage), TA-003
CALLER = "13955661234"


def announce(session: Session, *, starts: datetime, hours: int = 9) -> int:
    """A planned outage of TA-001, its notice published now."""
    planned = outages.declare(
        session,
        by=CENTRE,
        kind="planned",
        cause="10kV线路检修",
        area="徽州大道1号一带",
        starts_at=starts,
        expected_restoration_at=starts + timedelta(hours=hours),
        transformers=["TA-001"],
    )
    outages.publish_notice(session, planned.id, by=CENTRE)
    return planned.id


@pytest.fixture
def announced(session: Session, network: Network, frozen_clock: object) -> int:
    """Announced today for eight days from now; the test then stands two days later."""
    outage_id = announce(session, starts=NOW + timedelta(days=8, hours=-1))
    session.execute(update(Account).values(phone_last4="1234"))
    session.commit()
    frozen_clock.set(NOW + timedelta(days=2))  # type: ignore[attr-defined]
    return outage_id


LINE = "计划停电：12月5日 08:00–17:00 徽州大道1号一带（10kV线路检修）"


def test_the_bill_inquiry_tells_of_the_outage_at_the_premises(
    client: TestClient, announced: int, session: Session, frozen_clock: object
) -> None:
    session.rollback()
    inside = client.get("/api/v1/public/bill", params={"account": INSIDE, "phone_last4": "1234"})
    assert inside.status_code == 200, inside.text
    body = inside.json()
    [told] = body["planned_outages"]
    assert told["text"] == LINE
    assert told["kind"] == "planned" and told["cause"] == "10kV线路检修"
    assert told["published_at"].startswith("2026-11-27")
    assert body["sentence"].endswith(f"{LINE}。")
    outside = client.get("/api/v1/public/bill", params={"account": OUTSIDE, "phone_last4": "1234"})
    assert outside.json()["planned_outages"] == []
    assert "停电" not in outside.json()["sentence"]
    page = client.get("/bill", params={"account": INSIDE, "phone_last4": "1234"})
    assert page.status_code == 200 and LINE in page.text
    # Further than seven days ahead it is not told yet; once over, not any more.
    frozen_clock.set(NOW)  # type: ignore[attr-defined]
    from quarterhour.outages import coming

    coming.invalidate_cache()
    early = client.get("/api/v1/public/bill", params={"account": INSIDE, "phone_last4": "1234"})
    assert early.json()["planned_outages"] == []


def test_an_unannounced_outage_is_not_told_and_a_wrong_check_learns_nothing(
    client: TestClient, session: Session, network: Network, frozen_clock: object
) -> None:
    outages.declare(
        session,
        by=CENTRE,
        kind="planned",
        cause="检修",
        starts_at=NOW + timedelta(days=8),
        expected_restoration_at=NOW + timedelta(days=8, hours=4),
        transformers=["TA-001"],
    )
    session.execute(update(Account).values(phone_last4="1234"))
    session.commit()
    frozen_clock.set(NOW + timedelta(days=2))  # type: ignore[attr-defined]
    body = client.get(
        "/api/v1/public/bill", params={"account": INSIDE, "phone_last4": "1234"}
    ).json()
    assert body["planned_outages"] == []
    wrong = client.get("/api/v1/public/bill", params={"account": INSIDE, "phone_last4": "9999"})
    assert wrong.status_code == 404 and "停电" not in wrong.text


def consultation(**extra: object) -> dict[str, object]:
    return {"order_type": "consultation", "title": "咨询停电安排", **extra}


def test_a_call_about_it_is_answered_on_the_spot_and_counted(
    client: TestClient,
    login: Callable[[str], dict[str, str]],
    announced: int,
    session: Session,
) -> None:
    session.rollback()
    agent = login("agent")

    def contact(account: str, matter: dict[str, object]) -> object:
        return client.post(
            "/api/v1/contacts",
            json={
                "channel": "hotline",
                "customer": {"account": account},
                "caller_phone": CALLER,
                "matters": [matter],
            },
            headers=agent,
        )

    taken = contact(INSIDE, consultation(answered_by_outage_id=announced))
    assert taken.status_code == 201, taken.text  # type: ignore[attr-defined]
    [order] = taken.json()["orders"]  # type: ignore[attr-defined]
    assert order["state"] == "archived"
    detail = client.get(f"/api/v1/orders/{order['id']}", headers=login("dispatcher")).json()
    assert detail["closed_on_intake"] is True
    assert detail["result"] == f"已告知客户：{LINE}"
    assert [e["action"] for e in detail["events"]] == ["accept", "close_on_intake"]
    # The agent's own words are kept.
    own = contact(INSIDE, consultation(answered_by_outage_id=announced, answer="已解释检修安排"))
    assert own.status_code == 201  # type: ignore[attr-defined]

    # Refused, naming the field: not a consultation; premises outside; no such outage.
    for account, matter in (
        (
            INSIDE,
            {"order_type": "fault_repair", "title": "停电", "answered_by_outage_id": announced},
        ),
        (OUTSIDE, consultation(answered_by_outage_id=announced)),
        (INSIDE, consultation(answered_by_outage_id=99999)),
    ):
        refused = contact(account, matter)
        assert refused.status_code == 422, refused.text  # type: ignore[attr-defined]
        assert refused.json()["field"] == "matters[0].answered_by_outage_id"  # type: ignore[attr-defined]

    centre = login("dispatcher")
    record = client.get(f"/api/v1/outages/{announced}", headers=centre).json()
    assert record["calls"] == {"linked": 0, "answered_on_the_spot": 2}

    # The order status tells the caller of the outage too.
    status = client.get(
        f"/api/v1/public/orders/{order['number']}", params={"phone_last4": CALLER[-4:]}
    )
    assert status.status_code == 200, status.text
    assert [o["text"] for o in status.json()["planned_outages"]] == [LINE]
    page = client.get("/status", params={"number": order["number"], "phone_last4": CALLER[-4:]})
    assert page.status_code == 200 and LINE in page.text
