"""The supervisor's dashboard: the quality figures against their targets, overdue work by
department, the call mix over time and the programme's episodes, for any period, department,
district or type. Everything is read through `analytics` and `programme` (VIEW_STATS)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from quarterhour.access.permissions import Permission, can
from quarterhour.analytics import service as analytics
from quarterhour.analytics.message_schemas import ChannelFigures, MessageQuery
from quarterhour.analytics.messages import message_figures
from quarterhour.analytics.repair_schemas import RepairQuery, RepairReport, Spread, TimeRow
from quarterhour.analytics.repairs import repair_figures
from quarterhour.analytics.schemas import Bucket, MixQuery, MixReport
from quarterhour.analytics.targets import TARGETS
from quarterhour.entrypoints.shared.validation import validated
from quarterhour.entrypoints.web import charts, exports, render
from quarterhour.entrypoints.web.drill import Drill, outage
from quarterhour.entrypoints.web.session import Console, ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.notifications import templates as message_templates
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
    districts = {d.id: d.name for d in organisation.list_districts(session)}
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
        districts=districts,
        **_repair_section(console, t, q, drill, districts),
        **_message_section(console, t, q),
    )


# --- 抢修与停电: the repair and outage figures (analytics/repairs.py) -----------------------------

CAUSE_BARS = 8
OUTAGES_LISTED = 10


def _span(t: Words, row: TimeRow, measure: str, href: str | None, scale: int) -> charts.Span:
    spread: Spread = getattr(row, measure)

    def scaled(value: Any) -> float | None:
        return None if value is None else round(float(value) / scale, 2)

    return charts.Span(
        row.label or t("all_districts"),
        scaled(spread.median),
        scaled(spread.p90),
        scaled(spread.limit),
        href if spread.count else None,
    )


def _time_chart(t: Words, report: RepairReport, drill: Drill, measure: str) -> Markup:
    """Repairs by area class (each with its commitment marked), then by district, then fault
    outages by area class; a sentence instead of an empty plot when nothing was timed."""
    scale, unit = (1, t("rf_minutes")) if measure == "arrival" else (60, t("rf_hours"))
    rows = [
        _span(t, r, measure, drill.repairs(area_class=r.key), scale)
        for r in report.repairs.by_area_class
    ]
    rows += [
        _span(t, r, measure, drill.repairs(district_id=int(r.key)) if r.key else None, scale)
        for r in report.repairs.by_district
    ]
    rows += [
        replace(
            _span(t, r, measure, outage(), scale),
            label=f"{t('rf_fault_outages')}{t.aside(r.label or t('all_districts'))}",
        )
        for r in report.fault_outages.by_area_class
    ]
    rows = [r for r in rows if r.middle is not None]
    if not rows:
        return Markup('<p class="muted">{}</p>').format(t("rf_nothing_timed"))
    legend = (t("rf_median"), "P90", t("rf_commitment"))
    draw = partial(charts.spans, rows, title=t(f"rf_{measure}_chart"), unit=unit, legend=legend)
    # Drawn for the section's width (about 560 px), so its words are the page's size.
    return charts.responsive(draw(width=560, label_width=150), draw(width=340, label_width=100))


def _bucket_label(above: int, up_to: int | None, scale: int) -> str:
    """A bucket's range in the chart's unit: ≤15, 15–30 … >120 (each includes its upper end)."""
    if up_to is None:
        return f">{above / scale:g}"
    if above == 0:
        return f"≤{up_to / scale:g}"
    return f"{above / scale:g}–{up_to / scale:g}"


def _histogram(t: Words, report: RepairReport, measure: str) -> Markup:
    """How many repairs and fault outages took how long (no list filters by duration, so the
    columns link nowhere: the table beside the chart says the same)."""
    scale, unit = (1, t("rf_minutes")) if measure == "arrival" else (60, t("rf_hours"))
    repairs: Spread = getattr(report.repairs.total, measure)
    outages: Spread = getattr(report.fault_outages.total, measure)
    columns = [
        charts.Column(label=_bucket_label(b.above, b.up_to, scale), values=[b.count, o.count])
        for b, o in zip(repairs.buckets, outages.buckets, strict=True)
    ]
    series = [t("rf_repairs"), t("rf_fault_outages")]
    title = f"{t(f'rf_{measure}_chart')} ({unit})"
    draw = partial(charts.stacked_columns, columns, series, title=title, unit=t("rf_count_unit"))
    return charts.responsive(
        # The aside is about 360 px wide: drawn for it, its words stay readable.
        draw(chart_id=f"rf-{measure}-wide", width=360, plot_height=140, most_labels=7),
        draw(chart_id=f"rf-{measure}-narrow", width=340, plot_height=120, most_labels=7),
    )


def _time_rows(t: Words, report: RepairReport, drill: Drill) -> list[dict[str, Any]]:
    """The times as a table: repairs (each row linked to the orders it times), then fault
    outages (linked to the outage board), in total, by area class and by district."""
    rows: list[dict[str, Any]] = []
    for source, timed in (("repairs", report.repairs), ("fault_outages", report.fault_outages)):
        scoped: list[tuple[str, TimeRow, dict[str, Any]]] = [("total", timed.total, {})]
        scoped += [("area", r, {"area_class": r.key}) for r in timed.by_area_class]
        scoped += [
            ("district", r, {"district_id": int(r.key)} if r.key else {}) for r in timed.by_district
        ]
        for scope, row, narrowed in scoped:
            if scope == "district" and not narrowed:
                href = None  # no list selects the orders without a district
            elif source == "repairs":
                href = drill.repairs(**narrowed)
            else:
                href = outage()
            rows.append(
                {
                    "source": t(f"rf_{source}"),
                    "scope": row.label if scope != "total" else t("rf_total"),
                    "row": row,
                    "href": href,
                }
            )
    return rows


def _repair_section(
    console: Console, t: Words, q: MixQuery, drill: Drill, districts: dict[int, str]
) -> dict[str, Any]:
    """The dashboard's 抢修与停电: the period and district apply (the type and department
    filters are about the quality figures: repairs are one type, outages have no department)."""
    query = RepairQuery(start=q.start, end=q.end, district_id=q.district_id)
    report = repair_figures(console.session, query, by=console.actor, districts=districts)
    causes = report.outages.by_cause
    bars = [charts.Bar(row.label, row.outages, outage()) for row in causes[:CAUSE_BARS]]
    draw_causes = partial(charts.hbars, bars, title=t("rf_by_cause"), unit=t("rf_outages_unit"))
    return {
        "rf": report,
        "rf_rows": _time_rows(t, report, drill),
        "rf_arrival_chart": _time_chart(t, report, drill, "arrival"),
        "rf_restoration_chart": _time_chart(t, report, drill, "restoration"),
        "rf_arrival_histogram": _histogram(t, report, "arrival"),
        "rf_restoration_histogram": _histogram(t, report, "restoration"),
        "rf_cause_chart": charts.responsive(
            draw_causes(width=560, label_width=180), draw_causes(width=340, label_width=112)
        )
        if bars
        else None,
        "rf_causes_rest": causes[CAUSE_BARS:],
        "rf_listed": report.outages.listed[:OUTAGES_LISTED],
        "rf_buckets": [
            (
                _bucket_label(a.above, a.up_to, 1),
                a.count,
                _bucket_label(r.above, r.up_to, 60),
                r.count,
            )
            for a, r in zip(
                report.repairs.total.arrival.buckets,
                report.repairs.total.restoration.buckets,
                strict=True,
            )
        ],
    }


# --- 消息送达: the delivery figures of the outbox (analytics/messages.py) ----------------------


def _latency_words(t: Words, row: ChannelFigures, name: str) -> list[str]:
    """A channel's latency as sentences: the reader wants "how fast", not a table of ranks."""
    sent, delivered = row.to_sent, row.to_delivered
    if not sent.count:
        return [t("mf_latency_none", channel=name)]
    said = [
        t(
            "mf_latency_sent",
            channel=name,
            n=sent.count,
            p50=sent.p50,
            p90=sent.p90,
            p99=sent.p99,
            mean=sent.mean,
        )
    ]
    if delivered.count:
        said.append(
            t("mf_latency_delivered", n=delivered.count, p50=delivered.p50, p99=delivered.p99)
        )
    return said


def _message_section(console: Console, t: Words, q: MixQuery) -> dict[str, Any]:
    """The dashboard's 消息送达: only the period applies (a message has no order type,
    department or district of its own)."""
    report = message_figures(
        console.session, MessageQuery(start=q.start, end=q.end), by=console.actor
    )
    rows = [(t(f"mf_channel_{row.channel}"), row) for row in report.by_channel]
    rows.append((t("mf_total"), report.total))
    return {
        "mf": report,
        "mf_rows": rows,
        "mf_latency": [_latency_words(t, row, name) for name, row in rows],
        "mf_kind_names": {
            name: kind.en if t.en else kind.zh for name, kind in message_templates.KINDS.items()
        },
    }


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
