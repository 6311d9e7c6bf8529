"""The quality figures against orders built through the real services (scenario.build_october)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from analytics.scenario import Builder
from quarterhour.access.actor import system
from quarterhour.analytics import service as analytics
from quarterhour.analytics.schemas import Figures, QualityReport, StatsQuery
from quarterhour.demo.organisation import Organisation
from quarterhour.errors import Forbidden, ValidationFailed
from quarterhour.organisation.staff_accounts import actor_of
from quarterhour.workorders import sla

OCTOBER = {"start": date(2026, 10, 1), "end": date(2026, 10, 31)}


def figures(session: Session, **query: Any) -> QualityReport:
    return analytics.quality_figures(
        session, StatsQuery.model_validate({**OCTOBER, **query}), by=system("test")
    )


def counts(f: Figures) -> dict[str, Any]:
    return f.model_dump()


def test_october_totals(october: Builder, session: Session) -> None:
    report = figures(session)
    assert counts(report.total) == {
        "accepted": 6,  # C1 C2 C3 F1 F2 K1; X1 is cancelled
        "handled": 5,  # all but C3
        "handling_rate": Decimal("0.8333"),
        "closed_on_intake": 1,
        "follow_up_due": 4,  # C1 C2 F1 F2 (K1 needs none, C3 not replied)
        "followed_up": 3,  # F2 still waits: one unreachable call is not an outcome
        "follow_up_rate": Decimal("0.7500"),
        # C1 basically satisfied; C2 dissatisfied, then satisfied; F1's and F2's calls unreachable
        "answered_follow_ups": 3,
        "satisfied_follow_ups": 2,
        "satisfaction_rate": Decimal("0.6667"),
        "answered_orders": 2,  # C1, C2
        "dissatisfied_orders": 1,  # C2
        "completed": 5,
        "on_time": 4,  # F1's crew was late
        "on_time_rate": Decimal("0.8000"),
        "rework_count": 1,
        "reworked_orders": 1,
        # C3, past due though the sweep never ran, and F2, whose next follow-up call (due
        # within a working day) has waited a month: the centre's clock runs late too.
        "overdue_open": 2,
        "cancelled": 1,
    }
    assert report.as_of.isoformat() == "2026-11-27T09:00:00+08:00"


def test_breakdown_per_order_type(october: Builder, session: Session) -> None:
    by_type = {t.order_type: t for t in figures(session).by_type}
    assert list(by_type) == ["fault_repair", "complaint", "consultation"]
    complaint = by_type["complaint"]
    assert complaint.label == "投诉"
    # 受理投诉处置率: 3 complaints accepted, 2 handled.
    assert (complaint.accepted, complaint.handled) == (3, 2)
    assert complaint.handling_rate == Decimal("0.6667")
    assert complaint.follow_up_rate == Decimal("1.0000")
    # The dissatisfied call and the satisfied one after the rework are both in the denominator.
    assert (complaint.answered_follow_ups, complaint.satisfied_follow_ups) == (3, 2)
    assert complaint.satisfaction_rate == Decimal("0.6667")
    assert (complaint.rework_count, complaint.overdue_open, complaint.cancelled) == (1, 1, 1)
    repair = by_type["fault_repair"]
    assert (repair.accepted, repair.handled, repair.followed_up, repair.follow_up_due) == (
        2,
        2,
        1,
        2,
    )
    assert repair.follow_up_rate == Decimal("0.5000")
    assert repair.answered_follow_ups == 0
    assert repair.satisfaction_rate is None  # nobody answered: no rate, not 0 %
    assert repair.on_time_rate == Decimal("0.5000")
    consultation = by_type["consultation"]
    assert (consultation.closed_on_intake, consultation.handling_rate) == (1, Decimal("1.0000"))
    assert consultation.follow_up_rate is None
    assert consultation.on_time_rate == Decimal("1.0000")


def test_breakdown_per_department(october: Builder, session: Session, org: Organisation) -> None:
    by_dept = {d.department_id: d for d in figures(session).by_department}
    assert set(by_dept) == {
        org.dept(code)
        for code in ("hall-baohe", "hall-shushan", "repair-baohe", "repair-shushan", "marketing")
    }
    baohe = by_dept[org.dept("hall-baohe")]
    assert baohe.department == "包河区供电营业厅"
    assert (baohe.accepted, baohe.handled, baohe.cancelled, baohe.rework_count) == (2, 2, 1, 1)
    shushan = by_dept[org.dept("hall-shushan")]
    # Zero handled of one accepted is a rate of 0, not a missing rate.
    assert (shushan.accepted, shushan.handling_rate, shushan.overdue_open) == (
        1,
        Decimal("0.0000"),
        1,
    )
    assert shushan.on_time_rate is None
    assert by_dept[org.dept("repair-baohe")].on_time_rate == Decimal("0.0000")
    assert by_dept[org.dept("marketing")].closed_on_intake == 1
    # The breakdowns add up to the total.
    report = figures(session)
    assert sum(d.accepted for d in report.by_department) == report.total.accepted
    assert sum(t.answered_follow_ups for t in report.by_type) == report.total.answered_follow_ups


def test_filters(october: Builder, session: Session, org: Organisation) -> None:
    baohe = figures(session, district_id=org.districts["baohe"]).total
    assert (baohe.accepted, baohe.handled, baohe.followed_up, baohe.follow_up_due) == (3, 3, 3, 3)
    assert (baohe.answered_follow_ups, baohe.satisfied_follow_ups, baohe.on_time) == (3, 2, 2)

    hall = figures(session, department_id=org.dept("hall-baohe"))
    assert (hall.total.accepted, hall.total.handling_rate) == (2, Decimal("1.0000"))
    assert [d.department_id for d in hall.by_department] == [org.dept("hall-baohe")]

    complaints = figures(session, order_type="complaint")
    assert (complaints.total.accepted, complaints.total.handling_rate) == (3, Decimal("0.6667"))
    assert [t.order_type for t in complaints.by_type] == ["complaint"]

    shushan_complaints = figures(
        session, order_type="complaint", district_id=org.districts["shushan"]
    ).total
    assert (shushan_complaints.accepted, shushan_complaints.handled) == (1, 0)

    assert figures(session, order_type="praise").total.accepted == 0


def test_the_period_is_inclusive_of_both_days(october: Builder, session: Session) -> None:
    assert figures(session, start=date(2026, 10, 12), end=date(2026, 10, 12)).total.accepted == 2
    assert figures(session, start=date(2026, 10, 13), end=date(2026, 10, 20)).total.accepted == 3


def test_an_empty_period_has_no_rates(october: Builder, session: Session) -> None:
    report = figures(session, start=date(2026, 8, 1), end=date(2026, 8, 31))
    total = report.total
    assert (total.accepted, total.handled, total.completed, total.cancelled) == (0, 0, 0, 0)
    assert total.handling_rate is None
    assert total.follow_up_rate is None
    assert total.satisfaction_rate is None
    assert total.on_time_rate is None
    assert report.by_type == []
    assert report.by_department == []


def test_an_order_being_redone_is_not_handled(builder: Builder, session: Session) -> None:
    b = builder
    b.intake("R1", "2026-10-12 09:00", "complaint")
    b.act("R1", "2026-10-12 09:10", "dispatcher", "dispatch")
    b.act("R1", "2026-10-12 09:20", "hall-baohe", "acknowledge")
    b.act("R1", "2026-10-12 10:00", "hall-baohe", "return_result", result="已处理")
    assert figures(session).total.handled == 1
    b.act("R1", "2026-10-12 11:00", "dispatcher", "send_back", note="未联系客户")
    sent_back = figures(session).total
    assert (sent_back.handled, sent_back.rework_count, sent_back.reworked_orders) == (0, 1, 1)
    b.act("R1", "2026-10-13 09:00", "hall-baohe", "acknowledge")
    b.act("R1", "2026-10-13 10:00", "hall-baohe", "return_result", result="已联系客户并处理")
    again = figures(session).total
    assert (again.handled, again.rework_count) == (1, 1)


def test_a_late_first_contact_makes_a_completed_order_late(
    builder: Builder, session: Session
) -> None:
    b = builder
    b.intake("L1", "2026-10-12 09:00", "complaint")
    b.act("L1", "2026-10-12 09:10", "dispatcher", "dispatch")
    b.act("L1", "2026-10-12 09:20", "hall-baohe", "acknowledge")
    # Contacted after 26 hours (limit 24 h), answered well inside 4 working days.
    b.act("L1", "2026-10-13 11:00", "hall-baohe", "contact_customer", note="联系客户")
    b.act("L1", "2026-10-13 15:00", "hall-baohe", "return_result", result="已处理")
    b.act("L1", "2026-10-13 16:00", "dispatcher", "approve")
    b.act("L1", "2026-10-13 17:00", "followup", "reply", reply_method="phone")
    total = figures(session).total
    assert (total.completed, total.on_time, total.on_time_rate) == (1, 0, Decimal("0.0000"))


def test_the_sweep_flag_and_the_past_deadline_count_once(
    october: Builder, session: Session
) -> None:
    sla.sweep(session, by=system("test"))
    session.commit()
    total = figures(session).total
    assert total.overdue_open == 2  # C3, F2: escalated or not, the same two
    # Escalation marks only open orders. F2, replied, has waited a month for its next
    # follow-up call (due within 1 working day): that clock is the order's too, so it is no
    # longer on time.
    assert (total.completed, total.on_time) == (5, 3)


def test_unknown_department_or_district_names_the_field(
    org: Organisation, session: Session
) -> None:
    with pytest.raises(ValidationFailed) as found:
        figures(session, department_id=9999)
    assert found.value.field == "department_id"
    with pytest.raises(ValidationFailed) as found:
        figures(session, district_id=9999)
    assert found.value.field == "district_id"


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("dispatcher", True),
        ("supervisor", True),
        ("admin", True),
        ("agent", False),
        ("followup", False),
        ("hall-baohe", False),
    ],
)
def test_who_may_see_the_figures(
    org: Organisation, session: Session, username: str, allowed: bool
) -> None:
    query = StatsQuery.model_validate(OCTOBER)
    actor = actor_of(org.staff[username])
    if allowed:
        assert analytics.quality_figures(session, query, by=actor).total.accepted == 0
    else:
        with pytest.raises(Forbidden):
            analytics.quality_figures(session, query, by=actor)


def test_a_redone_order_replied_again_waits_for_its_second_follow_up(
    builder: Builder, session: Session
) -> None:
    b = builder
    b.intake("D1", "2026-10-12 09:00", "complaint")
    b.run_to_reply("D1", "2026-10-12", "2026-10-13", "hall-baohe")
    b.act("D1", "2026-10-14 10:00", "followup", "follow_up", outcome="dissatisfied")
    redone = figures(session).total
    # The dissatisfied call is the follow-up of the first reply; the work is back with the hall.
    assert (redone.follow_up_due, redone.followed_up, redone.handled) == (1, 1, 0)
    b.act("D1", "2026-10-14 11:00", "hall-baohe", "acknowledge")
    b.act("D1", "2026-10-15 10:00", "hall-baohe", "return_result", result="已重新处理")
    b.act("D1", "2026-10-15 10:30", "dispatcher", "approve")
    b.act("D1", "2026-10-15 11:00", "followup", "reply", reply_method="phone")
    waiting = figures(session).total
    assert (waiting.followed_up, waiting.follow_up_rate) == (0, Decimal("0.0000"))
    assert (waiting.answered_follow_ups, waiting.satisfaction_rate) == (1, Decimal("0.0000"))
    b.act("D1", "2026-10-16 10:00", "followup", "follow_up", outcome="satisfied")
    done = figures(session).total
    assert (done.followed_up, done.follow_up_rate) == (1, Decimal("1.0000"))
    assert (done.answered_follow_ups, done.satisfaction_rate) == (2, Decimal("0.5000"))


def test_a_cancelled_order_takes_its_calls_out_of_the_figures(
    builder: Builder, session: Session
) -> None:
    b = builder
    b.intake("W1", "2026-10-12 09:00", "complaint")
    b.run_to_reply("W1", "2026-10-12", "2026-10-13", "hall-baohe")
    b.act("W1", "2026-10-14 10:00", "followup", "follow_up", outcome="dissatisfied")
    assert figures(session).total.answered_follow_ups == 1
    b.act("W1", "2026-10-14 11:00", "dispatcher", "cancel", note="客户撤回")
    total = figures(session).total
    assert (total.accepted, total.cancelled, total.answered_follow_ups) == (0, 1, 0)
    assert (total.rework_count, total.follow_up_due) == (0, 0)
