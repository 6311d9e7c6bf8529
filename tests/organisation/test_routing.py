"""Routing picks the most specific rule: sub-type over type, district over any district."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from quarterhour.demo.organisation import Organisation
from quarterhour.errors import ValidationFailed
from quarterhour.organisation import service as organisation


def test_district_rule_beats_the_citywide_one(session: Session, org: Organisation) -> None:
    routed = organisation.route(session, "fault_repair", None, org.districts["shushan"])
    assert routed is not None and routed.code == "repair-shushan"


def test_without_district_the_citywide_rule_applies(session: Session, org: Organisation) -> None:
    routed = organisation.route(session, "fault_repair", None, None)
    assert routed is not None and routed.code == "repair-luyang"


def test_subtype_rule_beats_the_district_rule(session: Session, org: Organisation) -> None:
    routed = organisation.route(session, "service_request", "meter_anomaly", org.districts["baohe"])
    assert routed is not None and routed.code == "metering"
    split = organisation.route(session, "service_request", "meter_split", org.districts["baohe"])
    assert split is not None and split.code == "hall-baohe"


def test_no_rule_no_department(session: Session, org: Organisation) -> None:
    session.execute(organisation.RoutingRule.__table__.delete())
    assert organisation.route(session, "complaint", None, None) is None


def test_rules_are_validated(session: Session, org: Organisation) -> None:
    with pytest.raises(ValidationFailed) as raised:
        organisation.add_routing_rule(
            session, by=None, order_type="complaint", subtype="meter_split", department_id=1
        )
    assert raised.value.field == "subtype"
    with pytest.raises(ValidationFailed) as raised:
        organisation.add_routing_rule(session, by=None, order_type="nonsense", department_id=1)
    assert raised.value.field == "order_type"
