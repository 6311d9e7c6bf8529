"""Times staff type in for a step (a crew's arrival, restoration, the return of the work) are
claims: checked against the step they follow and the clock, kept next to the time they were
entered, and counted for the deadlines only when entered within the configured tolerance."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from quarterhour.kit import clock
from workorders.loop_client import LoopApi

ACCEPTED = datetime(2026, 3, 3, 1, 0, tzinfo=clock.SHANGHAI)  # a Tuesday night; urban: 45 min


def iso(moment: datetime) -> str:
    return moment.isoformat()


def deadline(order: dict[str, Any], kind: str, seq: int = 1) -> dict[str, Any]:
    found = [d for d in order["deadlines"] if d["kind"] == kind and d["seq"] == seq]
    assert found, f"no {kind}#{seq} in {order['deadlines']}"
    return found[0]


def repair_on_its_way(loop: LoopApi, frozen_clock: Any, *, dispatched_after: int = 3) -> int:
    """A repair accepted at 01:00, dispatched `dispatched_after` minutes later, acknowledged."""
    frozen_clock.set(ACCEPTED)
    order_id = int(loop.intake("fault_repair")["id"])
    frozen_clock.advance(minutes=dispatched_after)
    loop.act("dispatcher", order_id, "dispatch", crew="包河抢修一班")
    frozen_clock.advance(minutes=2)
    loop.act("repair-baohe", order_id, "acknowledge")
    return order_id


def test_an_arrival_claimed_before_the_dispatch_is_refused(
    loop: LoopApi, frozen_clock: Any
) -> None:
    # Dispatched at 01:50, late; the crew then says it was on site at 01:30, which would have met
    # the 45-minute commitment. It cannot have been there before it was sent.
    order_id = repair_on_its_way(loop, frozen_clock, dispatched_after=50)
    frozen_clock.advance(minutes=20)
    refused = loop.act(
        "repair-baohe", order_id, "arrive", at=iso(ACCEPTED + timedelta(minutes=30)), expect=422
    )
    assert refused["field"] == "at"
    assert "dispatched" in refused["message"]
    order = loop.order(order_id)
    assert order["arrived_at"] is None
    assert deadline(order, "arrival")["met_at"] is None


@pytest.mark.parametrize(
    ("action", "claimed_minutes", "why"),
    [
        ("arrive", 4, "in the future"),  # beyond the 2-minute clock skew allowed
        ("restore", -30, "before the crew's arrival"),
        ("return_result", -30, "before restoration"),
    ],
)
def test_claims_out_of_order_or_in_the_future_are_refused(
    loop: LoopApi, frozen_clock: Any, action: str, claimed_minutes: int, why: str
) -> None:
    order_id = repair_on_its_way(loop, frozen_clock)
    frozen_clock.advance(minutes=20)  # 01:25
    if action != "arrive":
        loop.act("repair-baohe", order_id, "arrive")
        frozen_clock.advance(minutes=40)
    if action == "return_result":
        loop.act("repair-baohe", order_id, "restore")
        frozen_clock.advance(minutes=40)
    body = {"result": "更换熔断器"} if action == "return_result" else {}
    at = clock.now() + timedelta(minutes=claimed_minutes)
    if action != "arrive":
        # Between the step it follows (40 minutes ago) and now, less the claimed offset.
        at = clock.now() - timedelta(minutes=40) + timedelta(minutes=claimed_minutes)
    refused = loop.act("repair-baohe", order_id, action, at=iso(at), expect=422, **body)
    assert refused["field"] == "at", why
    # Within the allowance, the same claim is taken.
    loop.act("repair-baohe", order_id, action, at=iso(clock.now()), **body)


def test_a_return_is_not_dated_before_the_work_reached_the_department(
    loop: LoopApi, frozen_clock: Any
) -> None:
    frozen_clock.set(ACCEPTED.replace(hour=9))
    order_id = int(loop.intake("complaint")["id"])
    frozen_clock.advance(hours=2)
    loop.act("dispatcher", order_id, "dispatch")
    frozen_clock.advance(minutes=10)
    loop.act("hall-baohe", order_id, "acknowledge")
    refused = loop.act(
        "hall-baohe",
        order_id,
        "return_result",
        result="已解释",
        at=iso(ACCEPTED.replace(hour=10)),
        expect=422,
    )
    assert refused["field"] == "at"


def test_a_claim_within_the_tolerance_counts_and_both_times_are_kept(
    loop: LoopApi, frozen_clock: Any
) -> None:
    order_id = repair_on_its_way(loop, frozen_clock)
    frozen_clock.set(ACCEPTED + timedelta(minutes=60))  # entered at 02:00 ...
    claimed = ACCEPTED + timedelta(minutes=40)  # ... says 01:40, within 30 minutes
    loop.act("repair-baohe", order_id, "arrive", at=iso(claimed))
    order = loop.order(order_id)
    arrival = deadline(order, "arrival")
    assert datetime.fromisoformat(arrival["met_at"]) == claimed
    assert not arrival["is_late"]
    event = order["events"][-1]
    assert event["action"] == "arrive"
    assert datetime.fromisoformat(event["at"]) == ACCEPTED + timedelta(minutes=60)
    assert datetime.fromisoformat(event["claimed_at"]) == claimed
    assert not event["claim_beyond_tolerance"]
    # Restoration is due 3 hours after the arrival claimed.
    restoration = deadline(order, "restoration")
    assert datetime.fromisoformat(restoration["due_at"]) == claimed + timedelta(hours=3)


def test_a_claim_beyond_the_tolerance_is_flagged_and_does_not_prove_the_order_on_time(
    loop: LoopApi, frozen_clock: Any, client: TestClient
) -> None:
    order_id = repair_on_its_way(loop, frozen_clock)
    frozen_clock.set(ACCEPTED + timedelta(minutes=120))  # entered at 03:00 ...
    claimed = ACCEPTED + timedelta(minutes=40)  # ... says 01:40: 80 minutes before
    loop.act("repair-baohe", order_id, "arrive", at=iso(claimed))
    order = loop.order(order_id)
    arrival = deadline(order, "arrival")
    assert datetime.fromisoformat(arrival["met_at"]) == ACCEPTED + timedelta(minutes=120)
    assert arrival["is_late"]
    assert order["is_overdue"]
    event = order["events"][-1]
    assert datetime.fromisoformat(event["claimed_at"]) == claimed
    assert event["claim_beyond_tolerance"]
    assert event["data"]["claim_beyond_tolerance_minutes"] == 30
    # The crew's own claim still binds it: restoration is due 3 hours after 01:40.
    restoration = deadline(order, "restoration")
    assert datetime.fromisoformat(restoration["due_at"]) == claimed + timedelta(hours=3)

    # Finished in time otherwise, the repair still does not count as on time.
    loop.act("repair-baohe", order_id, "restore")
    loop.act("repair-baohe", order_id, "return_result", result="更换熔断器，已恢复供电")
    loop.act("dispatcher", order_id, "approve")
    loop.act("followup", order_id, "reply", reply_method="phone")
    figures = client.get(
        "/api/v1/stats/quality",
        params={"start": "2026-03-03", "end": "2026-03-03", "order_type": "fault_repair"},
        headers=loop.headers("supervisor"),
    ).json()["total"]
    assert (figures["completed"], figures["on_time"], figures["on_time_rate"]) == (1, 0, "0.0000")


def test_the_tolerance_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from quarterhour.config import Settings

    monkeypatch.setenv("QUARTERHOUR_CLAIMED_TIME_TOLERANCE_MINUTES", "90")
    assert Settings.from_env().claimed_time_tolerance_minutes == 90
    assert Settings().claimed_time_tolerance_minutes == 30
