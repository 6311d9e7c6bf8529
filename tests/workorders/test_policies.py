"""Time-limit policies: defaults from PRODUCT.md, the most specific limit wins, versions by date."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.errors import ValidationFailed
from quarterhour.workorders import policies
from quarterhour.workorders.kinds import AreaClass, DeadlineKind, LimitUnit, OrderType

CENTRE = (DeadlineKind.DISPATCH, DeadlineKind.FOLLOW_UP)


def _limits(view: policies.PolicyView, *args: str | None) -> dict[str, tuple[int, str]]:
    """The limits of the work itself (the service centre's dispatch and follow-up apart)."""
    return {
        lim.kind: (lim.amount, lim.unit) for lim in view.limits_for(*args) if lim.kind not in CENTRE
    }


def _centre(view: policies.PolicyView, *args: str | None) -> dict[str, tuple[int, str]]:
    return {
        lim.kind: (lim.amount, lim.unit) for lim in view.limits_for(*args) if lim.kind in CENTRE
    }


def test_defaults_follow_the_product_brief(session: Session) -> None:
    policies.ensure_default_policies(session, by=system("test"))
    view = policies.policy_in_force(session, date(2026, 11, 27))
    assert view.code == "SGCC-2021"
    assert _limits(view, "complaint", None, None) == {
        "first_contact": (24, "hours"),
        "completion": (4, "working_days"),
    }
    assert _limits(view, "fault_repair", None, "urban") == {
        "arrival": (45, "minutes"),
        "restoration": (3, "hours"),
    }
    assert _limits(view, "fault_repair", None, "rural")["arrival"] == (90, "minutes")
    assert _limits(view, "fault_repair", None, "remote")["arrival"] == (120, "minutes")
    assert _limits(view, "misconduct_report", None, None) == {
        "first_contact": (24, "hours"),
        "completion": (9, "working_days"),
    }
    assert _limits(view, "service_request", None, None) == {"completion": (5, "working_days")}
    assert _limits(view, "service_request", "meter_anomaly", None) == {
        "completion": (5, "working_days")
    }
    assert _limits(view, "service_request", "reading_anomaly", None) == {
        "completion": (6, "working_days")
    }
    assert _limits(view, "service_request", "reconnection", None) == {"completion": (24, "hours")}
    assert _centre(view, "fault_repair", None, "urban") == {
        "dispatch": (5, "minutes"),
        "follow_up": (1, "working_days"),
    }
    for kind in OrderType:
        if kind is not OrderType.FAULT_REPAIR:
            assert _centre(view, kind, None, None)["dispatch"] == (1, "working_days")
    assert view.follow_up_required("complaint")
    assert view.follow_up_required("fault_repair")
    assert not view.follow_up_required("consultation")
    assert all(lim.source for lim in view.limits)


def test_the_policy_in_force_depends_on_the_date(session: Session) -> None:
    policies.ensure_default_policies(session, by=system("test"))
    old = policies.policy_in_force(session, date(2015, 6, 1))
    assert old.code == "SGCC-2011"
    assert _limits(old, "complaint", None, None)["completion"] == (7, "working_days")
    with pytest.raises(ValidationFailed) as raised:
        policies.policy_in_force(session, date(2005, 11, 9))
    assert raised.value.field == "received_at"


def test_ensure_defaults_is_idempotent(session: Session) -> None:
    policies.ensure_default_policies(session, by=system("test"))
    policies.ensure_default_policies(session, by=system("test"))
    assert len(policies.policies(session)) == 2


def test_a_policy_cannot_drop_the_follow_up_of_complaints(session: Session) -> None:
    spec = policies.PolicySpec(
        code="BAD",
        name="bad",
        source="test",
        effective_from=date(2026, 1, 1),
        limits=[],
        follow_up={OrderType.COMPLAINT: False, OrderType.FAULT_REPAIR: True},
    )
    with pytest.raises(ValidationFailed) as raised:
        policies.install_policy(session, spec)
    assert raised.value.field == "follow_up"


def test_a_policy_rejects_a_limit_given_twice(session: Session) -> None:
    limit = policies.Limit(
        OrderType.PRAISE, DeadlineKind.COMPLETION, 5, LimitUnit.WORKING_DAYS, "x"
    )
    spec = policies.PolicySpec(
        code="DUP",
        name="dup",
        source="test",
        effective_from=date(2026, 1, 1),
        limits=[limit, limit],
        follow_up=dict(policies.DEFAULT_FOLLOW_UP),
    )
    with pytest.raises(ValidationFailed) as raised:
        policies.install_policy(session, spec)
    assert raised.value.field == "limits"


def test_area_specific_limit_beats_the_general_one() -> None:
    general = policies.Limit(
        OrderType.FAULT_REPAIR, DeadlineKind.ARRIVAL, 60, LimitUnit.MINUTES, "g"
    )
    rural = policies.Limit(
        OrderType.FAULT_REPAIR,
        DeadlineKind.ARRIVAL,
        90,
        LimitUnit.MINUTES,
        "r",
        area_class=AreaClass.RURAL,
    )
    view = policies.PolicyView(1, "T", date(2026, 1, 1), (general, rural), {})
    assert _limits(view, "fault_repair", None, "rural")["arrival"] == (90, "minutes")
    assert _limits(view, "fault_repair", None, "urban")["arrival"] == (60, "minutes")


def test_a_limit_for_a_complaint_class_holds_for_the_matters_chosen_within_it() -> None:
    """A limit naming 营业投诉 holds for 电费电价 too, unless one names 电费电价 itself."""
    c, k, u = OrderType.COMPLAINT, DeadlineKind.COMPLETION, LimitUnit.WORKING_DAYS
    view = policies.PolicyView(
        id=1,
        code="T",
        effective_from=date(2026, 1, 1),
        limits=(
            policies.Limit(c, k, 4, u, "type"),
            policies.Limit(c, k, 3, u, "class", subtype="business"),
            policies.Limit(c, k, 2, u, "matter", subtype="billing"),
        ),
        follow_up={},
    )
    sources = {
        subtype: [lim.source for lim in view.limits_for(c, subtype, None)]
        for subtype in ("billing", "metering", "business", "service", None)
    }
    assert sources == {
        "billing": ["matter"],
        "metering": ["class"],
        "business": ["class"],
        "service": ["type"],
        None: ["type"],
    }
