"""The supervisor's dashboard: the quality figures against their targets, overdue work by
department, the call mix over time and the programme's episodes, for any period, department,
district or type. Everything is read through `analytics` and `programme` (VIEW_STATS)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from quarterhour.access.permissions import Permission, can
from quarterhour.analytics import service as analytics
from quarterhour.analytics.schemas import Bucket, MixQuery, MixReport
from quarterhour.analytics.targets import TARGETS
from quarterhour.entrypoints.shared.validation import validated
from quarterhour.entrypoints.web import charts, exports, render
from quarterhour.entrypoints.web.drill import Drill
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
        problem = Words(console.lang).message(exc)
        q, raw = MixQuery.model_validate(defaults), dict(defaults)
    if "bucket" not in raw:
        days = (q.end - q.start).days
        bucket = Bucket.DAY if days <= 31 else Bucket.WEEK if days <= 190 else Bucket.MONTH
        q = q.model_copy(update={"bucket": bucket})
    return q, problem


# Long lists on the dashboard are cut: the bars at the departments with most overdue work (the
# rest summed up, linked to the whole list), the episodes a page at a time.
OVERDUE_BARS = 10
EPISODES_PER_PAGE = 10


def _bucket_end(start: date, bucket: Bucket) -> date:
    if bucket is Bucket.WEEK:
        return start + timedelta(days=6)
    if bucket is Bucket.MONTH:
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return start


def _mix_chart(t: Words, q: MixQuery, mix: MixReport, drill: Drill) -> Markup:
    """The call mix for a wide page and for a phone, every part linked to its orders."""
    columns = [
        charts.Column(
            label=row.bucket_start.strftime("%m-%d"),
            values=[row.counts[k] for k in mix.order_types],
            # Each part: that type's orders accepted in that day, week or month.
            hrefs=[
                drill.of_type(
                    k, start=row.bucket_start, end=_bucket_end(row.bucket_start, q.bucket)
                )
                for k in mix.order_types
            ],
        )
        for row in mix.rows
    ]
    series = [t.kind(k) for k in mix.order_types]
    draw = partial(
        charts.stacked_columns, columns, series, title=t("call_mix"), unit=t("orders_unit")
    )
    return charts.responsive(
        draw(chart_id="mix-wide"),
        draw(chart_id="mix-narrow", width=340, plot_height=140, most_labels=4),
    )


def _page_number(console: Console, key: str) -> int:
    raw = console.request.query_params.get(key, "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 10_000 else 1


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(console: ConsoleDep) -> HTMLResponse:
    q, problem = _query(console)
    session = console.session
    t = Words(console.lang)
    drill = Drill(q)
    found = analytics.dashboard(session, q, by=console.actor)
    report, overdue, mix = found.figures, found.overdue, found.mix
    shown, rest = overdue.by_department[:OVERDUE_BARS], overdue.by_department[OVERDUE_BARS:]
    bars = [
        charts.Bar(
            row.department, row.overdue, drill.overdue(row.department_id, per_department=True)
        )
        for row in shown
    ]
    draw_bars = partial(charts.hbars, bars, title=t("overdue_by_department"), unit=t("orders_unit"))
    episode_page = _page_number(console, "episodes_page")
    episodes = (
        episode_calls.list_episodes(
            session,
            by=console.actor,
            start=q.start,
            end=q.end,
            limit=EPISODES_PER_PAGE + 1,  # one more tells whether there is a next page
            offset=(episode_page - 1) * EPISODES_PER_PAGE,
        )
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
        drill=drill,
        overdue=overdue,
        overdue_chart=charts.responsive(draw_bars(), draw_bars(width=340, label_width=112)),
        overdue_rest=(len(rest), sum(row.overdue for row in rest)),
        mix_chart=_mix_chart(t, q, mix, drill),
        mix=mix,
        episodes=episodes[:EPISODES_PER_PAGE],
        episode_page=episode_page,
        more_episodes=len(episodes) > EPISODES_PER_PAGE,
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
    "answered_orders",
    "dissatisfied_orders",
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
