"""Routing picks the most specific rule: sub-type over type, district over any district."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import ValidationFailed
from quarterhour.kit import recheck
from quarterhour.workorders import routing


def test_district_rule_beats_the_citywide_one(session: Session, org: Organisation) -> None:
    routed = routing.route(session, "fault_repair", None, org.districts["shushan"])
    assert routed == org.dept("repair-shushan")


def test_without_district_the_citywide_rule_applies(session: Session, org: Organisation) -> None:
    routed = routing.route(session, "fault_repair", None, None)
    assert routed == org.dept("repair-luyang")


def test_subtype_rule_beats_the_district_rule(session: Session, org: Organisation) -> None:
    routed = routing.route(session, "service_request", "meter_anomaly", org.districts["baohe"])
    assert routed == org.dept("metering")
    split = routing.route(session, "service_request", "meter_split", org.districts["baohe"])
    assert split == org.dept("hall-baohe")


def test_no_rule_no_department(session: Session, org: Organisation) -> None:
    session.execute(routing.RoutingRule.__table__.delete())
    assert routing.route(session, "complaint", None, None) is None


def test_rules_are_validated(session: Session, org: Organisation) -> None:
    with pytest.raises(ValidationFailed) as raised:
        routing.add_routing_rule(
            session,
            by=system("test"),
            order_type="complaint",
            subtype="meter_split",
            department_id=1,
        )
    assert raised.value.field == "subtype"
    with pytest.raises(ValidationFailed) as raised:
        routing.add_routing_rule(session, by=system("test"), order_type="nonsense", department_id=1)
    assert raised.value.field == "order_type"


def test_a_rule_added_here_applies_at_once_one_from_elsewhere_within_the_window(
    session: Session, org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert routing.route(session, "complaint", None, org.districts["yaohai"]) == org.dept(
        "hall-yaohai"
    )
    routing.add_routing_rule(
        session,
        by=system("test"),
        order_type="complaint",
        district_id=org.districts["yaohai"],
        department_id=org.dept("hall-baohe"),
        priority=1,
    )
    assert routing.route(session, "complaint", None, org.districts["yaohai"]) == org.dept(
        "hall-baohe"
    )
    # Another worker process's rule: rows only, no call into this process's copy.
    session.execute(
        insert(routing.RoutingRule).values(
            order_type="complaint",
            district_id=org.districts["yaohai"],
            department_id=org.dept("hall-shushan"),
            priority=5,
        )
    )
    assert routing.route(session, "complaint", None, org.districts["yaohai"]) == org.dept(
        "hall-baohe"
    )
    real = time.monotonic
    monkeypatch.setattr(recheck.time, "monotonic", lambda: real() + recheck.SECONDS + 0.1)
    assert routing.route(session, "complaint", None, org.districts["yaohai"]) == org.dept(
        "hall-shushan"
    )
