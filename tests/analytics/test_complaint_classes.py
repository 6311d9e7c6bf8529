"""Complaints reported by the five classes 95598 uses (服务, 营业, 停送电, 供电质量, 电网建设)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from analytics.scenario import Builder
from quarterhour.access.actor import system
from quarterhour.analytics import service as analytics
from quarterhour.analytics.schemas import StatsQuery


def test_quality_figures_by_complaint_class(builder: Builder, session: Session) -> None:
    b = builder
    b.intake("Q1", "2026-10-12 09:00", "complaint", subtype="power_quality")
    b.intake("Q2", "2026-10-12 10:00", "complaint", subtype="power_quality")
    b.intake("S1", "2026-10-12 11:00", "complaint", subtype="service")
    b.intake("U1", "2026-10-12 12:00", "complaint")
    b.intake("R1", "2026-10-12 13:00", "service_request", subtype="meter_anomaly")
    b.run_to_reply("Q1", "2026-10-12", "2026-10-13", "hall-baohe")
    session.commit()
    report = analytics.quality_figures(
        session,
        StatsQuery.model_validate({"start": "2026-10-01", "end": "2026-10-31"}),
        by=system("test"),
    )
    rows: dict[Any, Any] = {r.complaint_class: r for r in report.by_complaint_class}
    assert list(rows) == ["service", "power_quality", None]
    assert (rows["power_quality"].accepted, rows["power_quality"].handled) == (2, 1)
    assert rows["power_quality"].label == "供电质量投诉"
    assert rows["service"].accepted == 1 and rows[None].accepted == 1
    # Service requests are not complaints; the totals still count everything.
    assert report.total.accepted == 5


def test_a_complaint_chosen_by_its_matter_counts_in_its_class(
    builder: Builder, session: Session
) -> None:
    b = builder
    b.intake("B1", "2026-10-12 09:00", "complaint", subtype="billing")
    b.intake("B2", "2026-10-12 10:00", "complaint", subtype="metering")
    b.intake("B3", "2026-10-12 11:00", "complaint", subtype="business")
    session.commit()
    report = analytics.quality_figures(
        session,
        StatsQuery.model_validate({"start": "2026-10-01", "end": "2026-10-31"}),
        by=system("test"),
    )
    rows: dict[Any, Any] = {r.complaint_class: r for r in report.by_complaint_class}
    assert list(rows) == ["business"]
    assert rows["business"].accepted == 3 and rows["business"].label == "营业投诉"
