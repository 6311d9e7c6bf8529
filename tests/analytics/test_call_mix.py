"""The call mix and the Asia/Shanghai day boundaries (stored values are UTC on both databases)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from analytics.scenario import Builder
from quarterhour.access.actor import system
from quarterhour.analytics import service as analytics
from quarterhour.analytics.mix import bucket_starts
from quarterhour.analytics.schemas import Bucket, MixQuery, MixReport, StatsQuery
from quarterhour.workorders.kinds import OrderType


def mix(session: Session, start: date, end: date, bucket: str, **more: object) -> MixReport:
    query = MixQuery.model_validate({"start": start, "end": end, "bucket": bucket, **more})
    return analytics.call_mix(session, query, by=system("test"))


def accepted(session: Session, start: date, end: date) -> int:
    query = StatsQuery(start=start, end=end)
    return analytics.quality_figures(session, query, by=system("test")).total.accepted


@pytest.fixture
def midnight(builder: Builder) -> Builder:
    """Consultations closed at intake either side of two Shanghai midnights.

    2026-10-01 00:10 +08:00 is 2026-09-30 16:10 UTC; 2026-11-01 00:30 +08:00 is 2026-10-31
    16:30 UTC: a UTC bucket would put both in the wrong month."""
    for name, when in (
        ("Sep30", "2026-09-30 23:50"),
        ("Oct01", "2026-10-01 00:10"),
        ("Oct31", "2026-10-31 23:30"),
        ("Nov01", "2026-11-01 00:30"),
    ):
        builder.intake(name, when, "consultation", answer="已当场答复")
    builder.session.commit()
    return builder


def test_figures_cut_periods_at_shanghai_midnight(midnight: Builder, session: Session) -> None:
    assert accepted(session, date(2026, 9, 1), date(2026, 9, 30)) == 1
    assert accepted(session, date(2026, 10, 1), date(2026, 10, 31)) == 2
    assert accepted(session, date(2026, 11, 1), date(2026, 11, 30)) == 1
    assert accepted(session, date(2026, 10, 31), date(2026, 10, 31)) == 1


def test_month_buckets_at_shanghai_midnight(midnight: Builder, session: Session) -> None:
    report = mix(session, date(2026, 9, 1), date(2026, 11, 30), "month")
    assert [(r.bucket_start, r.total) for r in report.rows] == [
        (date(2026, 9, 1), 1),
        (date(2026, 10, 1), 2),
        (date(2026, 11, 1), 1),
    ]
    assert report.rows[1].counts["consultation"] == 2
    assert report.rows[1].counts["complaint"] == 0
    assert report.order_types == [t.value for t in OrderType]


def test_day_buckets_fill_quiet_days_with_zeros(midnight: Builder, session: Session) -> None:
    report = mix(session, date(2026, 9, 30), date(2026, 11, 1), "day")
    assert len(report.rows) == 33
    busy = {r.bucket_start: r.total for r in report.rows if r.total}
    assert busy == {
        date(2026, 9, 30): 1,
        date(2026, 10, 1): 1,
        date(2026, 10, 31): 1,
        date(2026, 11, 1): 1,
    }


def test_week_buckets_start_on_monday(midnight: Builder, session: Session) -> None:
    report = mix(session, date(2026, 9, 30), date(2026, 11, 1), "week")
    rows = {r.bucket_start: r.total for r in report.rows}
    # Wed 30 Sep and Thu 1 Oct share the week of Mon 28 Sep; Sat 31 Oct and Sun 1 Nov that of
    # Mon 26 Oct.
    assert rows[date(2026, 9, 28)] == 2
    assert rows[date(2026, 10, 26)] == 2
    assert sum(rows.values()) == 4
    assert all(start.weekday() == 0 for start in rows)
    assert min(rows) == date(2026, 9, 28)
    assert max(rows) == date(2026, 10, 26)


def test_mix_counts_types_and_leaves_out_cancelled(october: Builder, session: Session) -> None:
    report = mix(session, date(2026, 10, 1), date(2026, 10, 31), "month")
    [row] = report.rows
    assert row.counts["complaint"] == 3  # X1, cancelled, is not a call about anything new
    assert row.counts["fault_repair"] == 2
    assert row.counts["consultation"] == 1
    assert row.total == 6
    weekly = mix(session, date(2026, 10, 1), date(2026, 10, 31), "week")
    by_week = {r.bucket_start: r.counts for r in weekly.rows}
    assert by_week[date(2026, 10, 12)]["complaint"] == 3
    assert by_week[date(2026, 10, 19)] == dict.fromkeys(report.order_types, 0) | {
        "fault_repair": 2,
        "consultation": 1,
    }


def test_mix_with_a_type_filter_has_one_column(october: Builder, session: Session) -> None:
    report = mix(session, date(2026, 10, 1), date(2026, 10, 31), "month", order_type="complaint")
    assert report.order_types == ["complaint"]
    assert [r.counts for r in report.rows] == [{"complaint": 3}]


@pytest.mark.parametrize(
    ("first", "last", "bucket", "expected"),
    [
        (
            date(2026, 1, 31),
            date(2026, 3, 1),
            Bucket.MONTH,
            ["2026-01-01", "2026-02-01", "2026-03-01"],
        ),
        (date(2026, 12, 15), date(2027, 1, 2), Bucket.MONTH, ["2026-12-01", "2027-01-01"]),
        (
            date(2026, 11, 1),
            date(2026, 11, 9),
            Bucket.WEEK,
            ["2026-10-26", "2026-11-02", "2026-11-09"],
        ),
        (
            date(2026, 2, 27),
            date(2026, 3, 1),
            Bucket.DAY,
            ["2026-02-27", "2026-02-28", "2026-03-01"],
        ),
    ],
)
def test_bucket_starts(first: date, last: date, bucket: Bucket, expected: list[str]) -> None:
    assert [d.isoformat() for d in bucket_starts(first, last, bucket)] == expected
