"""Outages: the lifecycle and its illegal moves, the 7-day notice rule, the lookup by transformer
and by feeder (inside, outside, after restoration), permissions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from outage_network import Network
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, Role, system
from quarterhour.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from quarterhour.kit import clock
from quarterhour.outages import service
from quarterhour.outages.lifecycle import MOVES, State, allowed_actions

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=clock.SHANGHAI)
CENTRE = system("test")


def planned(session: Session, *, days: float = 10, **scope: list[str]) -> int:
    starts = clock.now() + timedelta(days=days)
    outage = service.declare(
        session,
        by=CENTRE,
        kind="planned",
        cause="10kV线路检修",
        starts_at=starts,
        expected_restoration_at=starts + timedelta(hours=8),
        **({"transformers": ["TA-001"]} | scope),
    )
    return outage.id


def test_the_lifecycle_table_is_consistent() -> None:
    # Every move leads somewhere from an open state; nothing leaves restored or cancelled.
    for (state, _), move in MOVES.items():
        assert state in {State.PLANNED, State.ANNOUNCED, State.ACTIVE}
        assert move.kinds
    assert allowed_actions("restored", "fault") == []
    assert allowed_actions("planned", "planned") == ["publish", "reschedule", "cancel"]
    assert "start" in allowed_actions("planned", "temporary")


def test_a_planned_outage_from_declaration_to_restoration(
    session: Session, network: Network, frozen_clock: object
) -> None:
    outage_id = planned(session)
    notice = service.publish_notice(session, outage_id, by=CENTRE, text="徽州大道1号停电")
    assert notice.starts_at - notice.published_at >= timedelta(days=service.NOTICE_DAYS)
    clock_ = frozen_clock
    clock_.set(NOW + timedelta(days=10, minutes=3))  # type: ignore[attr-defined]
    service.start(session, outage_id, by=CENTRE)
    service.update_restoration(
        session,
        outage_id,
        by=CENTRE,
        expected_restoration_at=NOW + timedelta(days=10, hours=10),
        note="电缆头更换",
    )
    clock_.set(NOW + timedelta(days=10, hours=9))  # type: ignore[attr-defined]
    service.restore(session, outage_id, by=CENTRE, at=NOW + timedelta(days=10, hours=8, minutes=50))
    record = service.get_outage(session, outage_id, by=CENTRE)
    assert record.outage.state == "restored"
    assert [e.action for e in record.events] == [
        "declare",
        "publish",
        "start",
        "update_restoration",
        "restore",
    ]
    assert [e.to_state for e in record.events] == [
        "planned",
        "announced",
        "active",
        "active",
        "restored",
    ]
    assert record.events[-1].claimed_at == NOW + timedelta(days=10, hours=8, minutes=50)
    assert record.allowed == []
    assert record.transformers == 1
    with pytest.raises(IllegalTransition) as refused:
        service.cancel(session, outage_id, by=CENTRE, reason="太迟了")
    assert refused.value.details["allowed_actions"] == []


def test_a_planned_outage_cannot_start_unannounced(
    session: Session, network: Network, frozen_clock: object
) -> None:
    outage_id = planned(session)
    with pytest.raises(IllegalTransition) as refused:
        service.start(session, outage_id, by=CENTRE)
    assert refused.value.details["state"] == "planned"
    assert refused.value.details["allowed_actions"] == ["publish", "reschedule", "cancel"]


def test_the_notice_rule_refuses_a_start_within_seven_days(
    session: Session, network: Network, frozen_clock: object
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        planned(session, days=6.9)
    assert refused.value.field == "starts_at"
    assert "7 days" in refused.value.message
    # Declared in time but published too late: refused at publication, and it stays planned.
    outage_id = planned(session, days=8)
    frozen_clock.advance(days=1, hours=1)  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed) as late:
        service.publish_notice(session, outage_id, by=CENTRE)
    assert late.value.field == "starts_at"
    assert service.get_outage(session, outage_id, by=CENTRE).outage.state == "planned"
    # Rescheduled to a start 7 days from now, it may be published.
    starts = clock.now() + timedelta(days=7)
    service.reschedule(
        session,
        outage_id,
        by=CENTRE,
        starts_at=starts,
        expected_restoration_at=starts + timedelta(hours=4),
    )
    service.publish_notice(session, outage_id, by=CENTRE)
    # A temporary outage has no such rule, and may start without a notice.
    temporary = service.declare(
        session,
        by=CENTRE,
        kind="temporary",
        cause="临时检修",
        starts_at=clock.now() + timedelta(hours=2),
        expected_restoration_at=clock.now() + timedelta(hours=4),
        transformers=["TA-003"],
    )
    assert service.start(session, temporary.id, by=CENTRE).state == "active"


def test_declaring_refuses_bad_input_naming_the_field(
    session: Session, network: Network, frozen_clock: object
) -> None:
    starts = clock.now() + timedelta(days=8)
    cases = [
        ({"kind": "storm"}, "kind"),
        ({"cause": "  "}, "cause"),
        ({"expected_restoration_at": starts}, "expected_restoration_at"),
        ({"transformers": ["TA-404"]}, "transformers"),
        ({"feeders": ["BH-99"]}, "feeders"),
        ({"transformers": []}, "transformers"),
        ({"kind": "fault"}, "starts_at"),  # a fault has begun already
    ]
    for change, field in cases:
        values = {
            "kind": "planned",
            "cause": "检修",
            "starts_at": starts,
            "expected_restoration_at": starts + timedelta(hours=2),
            "transformers": ["TA-001"],
        } | change
        with pytest.raises(ValidationFailed) as refused:
            service.declare(session, by=CENTRE, **values)  # type: ignore[arg-type]
        assert refused.value.field == field, change


def test_the_lookup_inside_outside_and_after_restoration(
    session: Session, network: Network, frozen_clock: object
) -> None:
    zhang, wang, zhao = (network.premises[n] for n in ("3400100001", "3400100003", "3400100004"))
    fault = service.declare(
        session,
        by=CENTRE,
        kind="fault",
        cause="变压器故障",
        starts_at=NOW - timedelta(minutes=30),
        expected_restoration_at=NOW + timedelta(hours=3),
        transformers=["TA-001"],
    )
    inside = service.active_outage_for_premises(session, zhang, NOW, by=CENTRE)
    assert inside.outage is not None and inside.outage.id == fault.id
    assert (inside.transformer, inside.feeder) == ("TA-001", "BH-10-01")
    # Before it began; another transformer; a premises the network file does not name.
    assert (
        service.active_outage_for_premises(
            session, zhang, NOW - timedelta(hours=1), by=CENTRE
        ).outage
        is None
    )
    assert service.active_outage_for_premises(session, wang, NOW, by=CENTRE).outage is None
    unknown = service.active_outage_for_premises(session, zhao, NOW, by=CENTRE)
    assert (unknown.transformer, unknown.outage) == (None, None)
    # Still out past the expected restoration: it is over when it is restored.
    late = NOW + timedelta(hours=5)
    assert service.active_outage_for_premises(session, zhang, late, by=CENTRE).outage is not None
    frozen_clock.set(NOW + timedelta(hours=6))  # type: ignore[attr-defined]
    service.restore(session, fault.id, by=CENTRE, at=NOW + timedelta(hours=4))
    assert service.active_outage_for_premises(session, zhang, late, by=CENTRE).outage is None
    during = service.active_outage_for_account(
        session, "3400100001", NOW + timedelta(hours=1), by=CENTRE
    )
    assert during.outage is not None and during.outage.state == "restored"
    with pytest.raises(NotFound) as missing:
        service.active_outage_for_account(session, "3499999999", NOW, by=CENTRE)
    assert missing.value.field == "account"


def test_an_outage_by_feeder_covers_its_transformers_and_a_cancelled_one_nothing(
    session: Session, network: Network, frozen_clock: object
) -> None:
    outage_id = planned(session, feeders=["BH-10-01"], transformers=[])
    assert service.get_outage(session, outage_id, by=CENTRE).transformers == 2
    during = clock.now() + timedelta(days=10, hours=1)
    found = service.active_outage_for_account(session, "3400100002", during, by=CENTRE)
    assert found.outage is not None and found.outage.id == outage_id
    other = service.active_outage_for_account(session, "3400100003", during, by=CENTRE)
    assert other.outage is None  # 芜湖线
    service.cancel(session, outage_id, by=CENTRE, reason="改期")
    assert (
        service.active_outage_for_account(session, "3400100002", during, by=CENTRE).outage is None
    )


def test_who_may_manage_and_see_outages(
    session: Session, network: Network, frozen_clock: object
) -> None:
    agent = Actor(id=None, username="agent", role=Role.DUTY_AGENT, department_id=None)
    crew = Actor(id=None, username="crew", role=Role.HANDLER, department_id=None)
    for actor in (agent, crew):
        with pytest.raises(Forbidden):
            service.declare(
                session,
                by=actor,
                kind="fault",
                cause="x",
                starts_at=NOW,
                expected_restoration_at=NOW + timedelta(hours=1),
                transformers=["TA-001"],
            )
    outage_id = planned(session)
    with pytest.raises(Forbidden):
        service.publish_notice(session, outage_id, by=crew)
    # Everyone who answers callers sees outages and asks the lookup.
    assert [o.id for o in service.list_outages(session, by=agent)] == [outage_id]
    assert service.active_outage_for_account(session, "3400100001", by=crew).outage is None
