"""A held month reviewed: accepted, corrected or voided, each decision kept with who, when, why
and the values before and after; the next bill run bills what was decided."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from billing.test_void_readings import _actor
from billing.town import Town
from quarterhour.access.actor import system
from quarterhour.billing import bill_run, reading_review
from quarterhour.billing.models import Bill, HeldReading, ReadingReview
from quarterhour.config import Settings
from quarterhour.customers.models import Account, Meter, MeterReading
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Conflict, Forbidden, ValidationFailed
from quarterhour.kit import clock
from quarterhour.storage.engine import make_session_factory

pytestmark = pytest.mark.db
D = Decimal
SEPTEMBER, OCTOBER = date(2026, 9, 1), date(2026, 10, 1)
Login = Callable[[str], dict[str, str]]


@pytest.fixture
def jumpy(
    session: Session, org: Organisation, settings: Settings, frozen_clock: Any
) -> tuple[Account, Meter, HeldReading]:
    """A shop that used 100 kWh in September and, by its October reading, 1100: held."""
    frozen_clock.set(datetime(2026, 11, 27, 10, 0, tzinfo=clock.SHANGHAI))
    town = Town(session, org)
    account, meter = town.household("AH-BIZ", category="non_residential")
    town.read(meter, date(2026, 9, 30), "100")
    town.read(meter, date(2026, 10, 31), "1200")
    bill_run.run(session, SEPTEMBER, settings=settings, by=system("test"))
    report = bill_run.run(session, OCTOBER, settings=settings, by=system("test"))
    assert report.held == 1
    held = session.scalars(select(HeldReading)).one()
    session.commit()
    return account, meter, held


def october_kwh(session: Session, account: Account) -> Decimal | None:
    return session.scalar(
        select(Bill.kwh).where(Bill.account_id == account.id, Bill.period == OCTOBER)
    )


def test_an_accepted_month_is_billed_by_the_next_run(
    session: Session, jumpy: tuple[Account, Meter, HeldReading], settings: Settings
) -> None:
    account, _, held = jumpy
    metering = _actor(session, "metering")
    case = reading_review.held_case(session, held.id, by=metering)
    assert (case.kwh, case.usual, [r.total for _, r in case.readings]) == (
        D("1100.00"),
        D("100.00"),
        [D("1200.00")],
    )
    done = reading_review.review(
        session, held.id, by=metering, decision="accept", reason="新开空调，客户确认"
    )
    session.commit()
    assert (done.row.decision, done.row.kwh_before, done.reviewer) == ("accept", D("1100"), "钱工")
    assert reading_review.held_case(session, held.id, by=metering).history[0].row.id == done.row.id
    report = bill_run.run(session, OCTOBER, settings=settings, by=system("test"))
    assert report.held == 0
    assert october_kwh(session, account) == D("1100.00")
    session.refresh(held)
    assert (held.decision, held.resolved_by_id) == ("accept", metering.id)


def test_a_corrected_reading_is_billed_and_the_original_is_kept(
    session: Session, jumpy: tuple[Account, Meter, HeldReading], settings: Settings
) -> None:
    account, _, held = jumpy
    original = session.scalars(
        select(MeterReading).where(MeterReading.read_on == date(2026, 10, 31))
    ).one()
    done = reading_review.review(
        session,
        held.id,
        by=_actor(session, "metering"),
        decision="correct",
        reason="抄表员多抄一位",
        total=D("200"),
    )
    session.commit()
    row = done.row
    assert (row.total_before, row.total_after, row.kwh_before, row.kwh_after) == (
        D("1200"),
        D("200"),
        D("1100"),
        D("100"),
    )
    session.refresh(original)
    assert original.voided_at is not None and original.void_reason == "抄表员多抄一位"
    new = session.get(MeterReading, row.new_reading_id)
    assert new is not None
    assert (new.corrects_id, new.total, new.previous_total, new.read_on) == (
        original.id,
        D("200.00"),
        D("100.00"),
        date(2026, 10, 31),
    )
    assert bill_run.run(session, OCTOBER, settings=settings, by=system("test")).held == 0
    assert october_kwh(session, account) == D("100.00")


def test_a_correction_still_far_above_the_usual_is_held_again(
    session: Session, jumpy: tuple[Account, Meter, HeldReading], settings: Settings
) -> None:
    _, _, held = jumpy
    reading_review.review(
        session, held.id, by=_actor(session, "admin"), decision="correct", reason="x", total=D(1150)
    )
    session.commit()
    assert bill_run.run(session, OCTOBER, settings=settings, by=system("test")).held == 1
    session.refresh(held)
    assert (held.resolved_at, held.decision) == (None, None)  # back on the list
    assert held.detail == "1050.00 kWh against a usual 100.00 kWh"


def test_a_voided_reading_leaves_the_month_missing(
    session: Session, jumpy: tuple[Account, Meter, HeldReading], settings: Settings
) -> None:
    account, _, held = jumpy
    done = reading_review.review(
        session, held.id, by=_actor(session, "metering"), decision="void", reason="不是本表"
    )
    session.commit()
    assert (done.row.total_before, done.row.kwh_before, done.row.kwh_after) == (
        D("1200"),
        D("1100"),
        None,
    )
    voided = session.get(MeterReading, done.row.reading_id)
    assert voided is not None and voided.voided_at is not None
    bill_run.run(session, OCTOBER, settings=settings, by=system("test"))
    reasons = dict(session.execute(select(HeldReading.reason, HeldReading.decision)).all())
    assert reasons == {"implausible": "void", "missing": None}
    assert october_kwh(session, account) is None


def test_bad_decisions_are_refused_naming_the_field(
    session: Session, jumpy: tuple[Account, Meter, HeldReading]
) -> None:
    _, _, held = jumpy
    metering = _actor(session, "metering")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"decision": "approve"}, "decision"),
        ({"decision": "accept", "reason": "  "}, "reason"),
        ({"decision": "accept", "reason": "a\x00b"}, "reason"),
        ({"decision": "correct"}, "total"),
        ({"decision": "correct", "total": D(99)}, "total"),  # below September's 100
        ({"decision": "correct", "total": D(1_000_000)}, "total"),  # a 6-digit register
        ({"decision": "correct", "total": D(-1)}, "total"),
        ({"decision": "correct", "total": D("150.001")}, "total"),
        ({"decision": "correct", "total": D(1200)}, "total"),  # the same: accept instead
        ({"decision": "correct", "total": D(150), "peak": D(1)}, "peak"),  # no TOU register
        ({"decision": "correct", "total": D(150), "reading_id": 1}, "reading_id"),
    ]
    for given, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            reading_review.review(session, held.id, by=metering, **{"reason": "x", **given})
        assert refused.value.field == field, given
        session.rollback()
    assert session.scalar(select(ReadingReview.id)) is None
    with pytest.raises(Forbidden):
        reading_review.review(
            session, held.id, by=_actor(session, "dispatcher"), decision="accept", reason="x"
        )


def test_two_reviews_at_once_one_wins_the_other_is_refused(
    engine: Engine, jumpy: tuple[Account, Meter, HeldReading]
) -> None:
    _, _, held = jumpy
    factory = make_session_factory(engine)
    outcome: dict[str, object] = {}
    with factory() as first, factory() as second:
        metering, admin = _actor(first, "metering"), _actor(first, "admin")
        first.commit()
        reading_review.review(first, held.id, by=metering, decision="accept", reason="真实用电")

        def other() -> None:
            try:
                reading_review.review(
                    second, held.id, by=admin, decision="correct", reason="误抄", total=D(200)
                )
                second.commit()
                outcome["second"] = "won"
            except Conflict as exc:
                second.rollback()
                outcome["second"] = exc.field

        racer = threading.Thread(target=other)
        racer.start()
        time.sleep(0.5)  # the second now waits for the first's row (or write) lock
        first.commit()
        racer.join(timeout=30)
    assert outcome == {"second": "held_id"}
    with factory() as check:
        assert check.scalars(select(ReadingReview.decision)).all() == ["accept"]
        assert (
            check.scalar(select(MeterReading.id).where(MeterReading.voided_at.is_not(None))) is None
        )


def test_the_api_reviews_with_the_same_rules(
    session: Session,
    jumpy: tuple[Account, Meter, HeldReading],
    client: TestClient,
    login: Login,
) -> None:
    account, _, held = jumpy
    session.rollback()
    path = f"/api/v1/held-readings/{held.id}"
    listed = client.get("/api/v1/held-readings", headers=login("agent")).json()
    assert [(h["id"], h["account"], h["reason"]) for h in listed] == [
        (held.id, account.number, "implausible")
    ]
    case = client.get(path, headers=login("metering")).json()
    assert (case["kwh"], case["usual"], case["readings"][0]["previous_total"]) == (
        "1100.00",
        "100.00",
        "100.00",
    )
    refusals = [
        ("dispatcher", "accept", {"reason": "x"}, 403, None),
        ("agent", "correct", {"reason": "x", "total": "200"}, 403, None),
        ("metering", "correct", {"reason": "x", "total": "-5"}, 422, "total"),
        ("metering", "correct", {"reason": "x", "total": "50"}, 422, "total"),
        ("metering", "correct", {"reason": "x"}, 422, "total"),
        ("metering", "correct", {"reason": "", "total": "200"}, 422, "reason"),
        (
            "metering",
            "correct",
            {"reason": "x", "total": "200", "reading_id": 0},
            422,
            "reading_id",
        ),
        ("metering", "accept", {"reason": "x", "extra": 1}, 422, "extra"),
    ]
    for who, decision, body, status, field in refusals:
        answer = client.post(f"{path}/{decision}", json=body, headers=login(who))
        assert (answer.status_code, answer.json().get("field")) == (status, field), answer.text
    gone = client.post(
        "/api/v1/held-readings/999999/accept", json={"reason": "x"}, headers=login("admin")
    )
    assert gone.status_code == 404
    done = client.post(
        f"{path}/correct", json={"reason": "多抄一位", "total": "200"}, headers=login("metering")
    )
    assert done.status_code == 200, done.text
    assert (
        done.json()["total_before"],
        done.json()["total_after"],
        done.json()["reviewed_by"],
    ) == (
        "1200.00",
        "200.00",
        "钱工",
    )
    again = client.post(f"{path}/accept", json={"reason": "x"}, headers=login("admin"))
    assert (again.status_code, again.json()["field"]) == (409, "held_id")
    history = client.get(
        "/api/v1/held-readings/reviews", params={"account": account.number}, headers=login("admin")
    ).json()
    assert [(r["decision"], r["reason"]) for r in history] == [("correct", "多抄一位")]
    assert client.get("/api/v1/held-readings", headers=login("admin")).json() == []
