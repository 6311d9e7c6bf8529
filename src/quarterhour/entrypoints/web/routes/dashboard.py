"""The supervisor's dashboard: the quality figures against their targets, overdue work by
department, the call mix over time and the programme's episodes, for any period, department,
district or type. Everything is read through `analytics` and `programme` (VIEW_STATS)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from quarterhour.access.permissions import Permission, can
from quarterhour.analytics import service as analytics
from quarterhour.analytics.schemas import Bucket, MixQuery
from quarterhour.analytics.targets import TARGETS
from quarterhour.entrypoints.shared.validation import validated
from quarterhour.entrypoints.web import charts, exports, render
from quarterhour.entrypoints.web.session import Console, ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.organisation import service as organisation
from quarterhour.views import episode_calls
from quarterhour.workorders.kinds import OrderType

router = APIRouter(prefix="/console", include_in_schema=False)


def _query(console: Console) -> tuple[MixQuery, str | None]:
    """The period and filters from the query string (this month so far by default); columns by
    day up to a month, by week up to half a year, by month beyond, unless asked otherwise."""
    today = clock.now().date()
    defaults: dict[str, Any] = {"start": today.replace(day=1), "end": today}
    raw = dict(defaults)
    for key in ("start", "end", "order_type", "department_id", "district_id", "bucket"):
        value = console.request.query_params.get(key, "")
        if value:
            raw[key] = value
    problem: str | None = None
    try:
        q = validated(MixQuery, raw)
    except ValidationFailed as exc:
        problem = exc.message
        q, raw = MixQuery.model_validate(defaults), dict(defaults)
    if "bucket" not in raw:
        days = (q.end - q.start).days
        bucket = Bucket.DAY if days <= 31 else Bucket.WEEK if days <= 190 else Bucket.MONTH
        q = q.model_copy(update={"bucket": bucket})
    return q, problem


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(console: ConsoleDep) -> HTMLResponse:
    q, problem = _query(console)
    session = console.session
    t = Words(console.lang)
    report = analytics.quality_figures(session, q, by=console.actor)  # a MixQuery is a StatsQuery
    mix = analytics.call_mix(session, q, by=console.actor)
    overdue = [(d.department, d.overdue_open) for d in report.by_department if d.overdue_open > 0]
    overdue.sort(key=lambda row: -row[1])
    columns = [
        (row.bucket_start.strftime("%m-%d"), [row.counts[k] for k in mix.order_types])
        for row in mix.rows
    ]
    episodes = (
        episode_calls.list_episodes(session, by=console.actor, start=q.start, end=q.end, limit=30)
        if can(console.actor, Permission.VIEW_PROGRAMME)
        else []
    )
    return render.console_page(
        console,
        "console/dashboard.html",
        q=q,
        problem=problem,
        report=report,
        targets=TARGETS,
        overdue_chart=charts.hbars(overdue[:15]),
        overdue=overdue,
        mix_chart=charts.stacked_columns(columns, [t.kind(k) for k in mix.order_types]),
        mix=mix,
        episodes=episodes,
        order_types=list(OrderType),
        departments={d.id: d.name for d in organisation.list_departments(session)},
        districts={d.id: d.name for d in organisation.list_districts(session)},
    )


FIGURES = (
    "accepted",
    "handled",
    "handling_rate",
    "follow_up_due",
    "followed_up",
    "follow_up_rate",
    "answered_follow_ups",
    "satisfied_follow_ups",
    "satisfaction_rate",
    "completed",
    "on_time",
    "on_time_rate",
    "rework_count",
    "overdue_open",
)


@router.get("/dashboard/figures.{fmt}")
def export_figures(fmt: str, console: ConsoleDep) -> Response:
    """The period's quality figures as a file to publish: in total, per type, per department."""
    q, _ = _query(console)
    t = Words(console.lang)
    report = analytics.quality_figures(console.session, q, by=console.actor)
    scopes: list[tuple[str, Any]] = [(t("all_districts"), report.total)]
    scopes += [(t.kind(row.order_type), row) for row in report.by_type]
    scopes += [(row.department, row) for row in report.by_department]
    rows = [[name, *(getattr(figures, f) for f in FIGURES)] for name, figures in scopes]
    header = [f"{q.start}–{q.end}", *FIGURES]
    return exports.export("quality-figures", header, rows, fmt)
