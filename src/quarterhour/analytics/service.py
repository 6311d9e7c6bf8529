"""Use cases of the read side: the quality figures and the call mix for a period.

`by=None` is the server-side command line (`quarterhour stats`), trusted like `quarterhour user
add`: whoever runs it on the server already holds the database URL, so it acts as the
administrator. Every other caller is an Actor and needs Permission.VIEW_STATS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.analytics import mix, overdue, quality
from quarterhour.analytics.quality import Cohort, GroupKey, Tally
from quarterhour.analytics.schemas import (
    ComplaintClassFigures,
    DepartmentFigures,
    Figures,
    MixQuery,
    MixReport,
    MixRow,
    OverdueDepartment,
    OverdueReport,
    QualityReport,
    StatsQuery,
    TypeFigures,
)
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation import service as organisation
from quarterhour.workorders import labels
from quarterhour.workorders.kinds import Channel, ComplaintClass, OrderType, complaint_class

# A bound on what one request may scan: five years of a busy hotline is ~1.7M orders (the
# 1,000,000-order benchmark holds three years).
MAX_YEARS = 5
UNROUTED = "未分派 (no department)"
UNCLASSED = "未分类 (no class)"


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → 1 March
        return day.replace(year=day.year + years, month=3, day=1)


def period_span(start: date, end: date) -> tuple[datetime, datetime]:
    """[start of `start`, start of the day after `end`) in Asia/Shanghai, checked."""
    if end < start:
        raise ValidationFailed(
            f"end {end.isoformat()} is before start {start.isoformat()}", field="end"
        )
    limit = _years_after(start, MAX_YEARS)
    if end >= limit:
        last = (limit - timedelta(days=1)).isoformat()
        raise ValidationFailed(
            f"a period covers at most {MAX_YEARS} years: end may be {last} at the latest",
            field="end",
        )
    return clock.day_span(start, end)


def _cohort(session: Session, q: StatsQuery) -> tuple[Cohort, dict[int, str]]:
    starts, ends = period_span(q.start, q.end)
    # Inactive departments stay listed: last year's figures still name them.
    departments = {d.id: d.name for d in organisation.list_departments(session)}
    if q.department_id is not None and q.department_id not in departments:
        raise ValidationFailed(f"no department {q.department_id}", field="department_id")
    if q.district_id is not None:
        organisation.get_district(session, q.district_id, field="district_id")
    cohort = Cohort(starts, ends, q.order_type, q.department_id, q.district_id)
    return cohort, departments


def quality_figures(session: Session, q: StatsQuery, *, by: Actor) -> QualityReport:
    require(by, Permission.VIEW_STATS)
    cohort, departments = _cohort(session, q)
    return _quality(session, q, cohort, departments)


def _quality(
    session: Session, q: StatsQuery, cohort: Cohort, departments: dict[int, str]
) -> QualityReport:
    now = clock.now()
    groups = quality.tally(session, cohort, now)
    total = Tally()
    for counts in groups.values():
        total.add(counts)
    items: list[tuple[GroupKey, Tally]] = list(groups.items())
    by_type = quality.roll_up(items, lambda key: key[0])
    by_department = quality.roll_up(items, lambda key: key[2])
    # Complaints by the five classes of 95598 (None: taken without a class); a matter chosen
    # by name within a class (电费电价) counts as its class.
    by_class = quality.roll_up(
        [(key, counts) for key, counts in items if key[0] == OrderType.COMPLAINT],
        lambda key: complaint_class(key[1]),
    )
    class_order = {c.value: index for index, c in enumerate(ComplaintClass)}
    type_order = {kind.value: index for index, kind in enumerate(OrderType)}
    return QualityReport(
        start=q.start,
        end=q.end,
        order_type=q.order_type,
        department_id=q.department_id,
        district_id=q.district_id,
        as_of=now,
        total=Figures.model_validate(total.figures()),
        by_type=[
            TypeFigures(
                order_type=kind, label=labels.text(labels.ORDER_TYPES, kind), **counts.figures()
            )
            for kind, counts in sorted(by_type.items(), key=lambda i: type_order.get(i[0], 99))
        ],
        by_complaint_class=[
            ComplaintClassFigures(
                complaint_class=code,
                label=labels.text(labels.COMPLAINT_CLASSES, code) if code else UNCLASSED,
                **counts.figures(),
            )
            for code, counts in sorted(
                by_class.items(), key=lambda i: class_order.get(i[0] or "", 99)
            )
        ],
        by_department=[
            DepartmentFigures(
                department_id=department_id,
                department=UNROUTED if department_id is None else departments[department_id],
                **counts.figures(),
            )
            # Unrouted orders last: they are a routing gap to fix, not a department.
            for department_id, counts in sorted(
                by_department.items(), key=lambda i: (i[0] is None, i[0] or 0)
            )
        ],
    )


def call_mix(session: Session, q: MixQuery, *, by: Actor) -> MixReport:
    require(by, Permission.VIEW_STATS)
    cohort, _ = _cohort(session, q)
    return _mix(session, q, cohort)


def _mix(session: Session, q: MixQuery, cohort: Cohort) -> MixReport:
    found = mix.counts(session, cohort, q.bucket)
    kinds = [q.order_type.value] if q.order_type is not None else [k.value for k in OrderType]
    rows = []
    for start in mix.bucket_starts(q.start, q.end, q.bucket):
        row = {kind: found.get((start, kind), 0) for kind in kinds}
        rows.append(MixRow(bucket_start=start, counts=row, total=sum(row.values())))
    channels = mix.per_channel(session, cohort)
    return MixReport(
        start=q.start,
        end=q.end,
        bucket=q.bucket,
        order_types=kinds,
        rows=rows,
        by_channel={c.value: channels.get(c.value, 0) for c in Channel},
    )


def _overdue(session: Session, q: StatsQuery, departments: dict[int, str]) -> OverdueReport:
    now = clock.now()
    found = overdue.per_department(
        session,
        now,
        order_type=q.order_type,
        department_id=q.department_id,
        district_id=q.district_id,
    )
    rows = [
        OverdueDepartment(
            department_id=department_id,
            department=UNROUTED if department_id is None else departments[department_id],
            overdue=number,
        )
        for department_id, number in found.items()
    ]
    rows.sort(key=lambda row: (-row.overdue, row.department))
    return OverdueReport(
        order_type=q.order_type,
        department_id=q.department_id,
        district_id=q.district_id,
        as_of=now,
        total=sum(found.values()),
        by_department=rows,
    )


@dataclass(frozen=True)
class Dashboard:
    figures: QualityReport
    overdue: OverdueReport
    mix: MixReport


def dashboard(session: Session, q: MixQuery, *, by: Actor) -> Dashboard:
    """The supervisor's page at once: the period's figures, the overdue work now, the call mix
    (the filters checked once)."""
    require(by, Permission.VIEW_STATS)
    cohort, departments = _cohort(session, q)
    return Dashboard(
        figures=_quality(session, q, cohort, departments),
        overdue=_overdue(session, q, departments),
        mix=_mix(session, q, cohort),
    )
