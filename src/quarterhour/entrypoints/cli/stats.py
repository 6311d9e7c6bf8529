from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import typer
from rich.table import Table

from quarterhour.access.actor import system
from quarterhour.analytics import service as analytics
from quarterhour.analytics.message_schemas import (
    ChannelFigures,
    Latency,
    MessageQuery,
    MessageReport,
)
from quarterhour.analytics.messages import message_figures
from quarterhour.analytics.repair_schemas import (
    CauseRow,
    RepairQuery,
    RepairReport,
    Spread,
    TimeFigures,
)
from quarterhour.analytics.repairs import repair_figures
from quarterhour.analytics.schemas import Figures, QualityReport, StatsQuery
from quarterhour.entrypoints.cli.common import console, err_console, transaction
from quarterhour.kit import clock
from quarterhour.workorders import labels
from quarterhour.workorders.kinds import OrderType

_DAY = ["%Y-%m-%d"]

# (field, label) in reading order: counts, then the rate they make.
_TOTAL_ROWS = (
    ("accepted", "受理 accepted"),
    ("handled", "已处置 handled"),
    ("handling_rate", "处置率 handling rate"),
    ("closed_on_intake", "直接办结 closed on intake"),
    ("follow_up_due", "应回访 follow-up due"),
    ("followed_up", "已回访 followed up"),
    ("follow_up_rate", "回访率 follow-up rate"),
    ("answered_follow_ups", "回访接通 answered calls"),
    ("satisfied_follow_ups", "满意+基本满意 satisfied calls"),
    ("satisfaction_rate", "满意率 satisfaction rate"),
    ("completed", "已办结 completed"),
    ("on_time", "按时办结 on time"),
    ("on_time_rate", "及时率 on-time rate"),
    ("rework_count", "重办次数 rework count"),
    ("reworked_orders", "重办工单 reworked orders"),
    ("overdue_open", "超时未办结 overdue open"),
    ("cancelled", "撤销 cancelled (not counted)"),
)
_BREAKDOWN_COLUMNS = (
    ("accepted", "受理\naccepted"),
    ("handling_rate", "处置率\nhandled"),
    ("follow_up_rate", "回访率\nfollow-up"),
    ("satisfaction_rate", "满意率\nsatisfied"),
    ("on_time_rate", "及时率\non time"),
    ("rework_count", "重办\nrework"),
    ("overdue_open", "超时\noverdue"),
)


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value * 100:.2f}%"
    return str(value)


def _breakdown(title: str, first: str, rows: list[tuple[str, Figures]]) -> Table:
    # Light borders keep eight columns inside an 80-column terminal; long names fold, never "…".
    table = Table(title=title, title_justify="left", box=None, padding=(0, 0, 0, 1))
    table.add_column(first, overflow="fold")
    for _, label in _BREAKDOWN_COLUMNS:
        table.add_column(label, justify="right", no_wrap=True)
    for name, figures in rows:
        table.add_row(name, *(_cell(getattr(figures, f)) for f, _ in _BREAKDOWN_COLUMNS))
    return table


def _print(report: QualityReport) -> None:
    scope = [f"{report.start.isoformat()} – {report.end.isoformat()}"]
    if report.order_type is not None:
        scope.append(f"{labels.ORDER_TYPES[report.order_type].zh} {report.order_type}")
    if report.department_id is not None:
        scope.append(f"department {report.department_id}")
    if report.district_id is not None:
        scope.append(f"district {report.district_id}")
    # The heading is a line of its own: a table title would wrap at the narrow table's width.
    console.print(f"[bold]质量指标 Quality figures: {', '.join(scope)}[/bold]")
    total = Table("指标 figure", "数值 value")
    for field, label in _TOTAL_ROWS:
        total.add_row(label, _cell(getattr(report.total, field)))
    console.print(total)
    if report.by_type:
        console.print(
            _breakdown(
                "按类型 By order type",
                "类型 type",
                [(f"{t.label} {t.order_type}", t) for t in report.by_type],
            )
        )
    if report.by_department:
        console.print(
            _breakdown(
                "按部门 By department",
                "部门 department",
                [(d.department, d) for d in report.by_department],
            )
        )
    console.print(
        f"orders accepted in the period, states as of {report.as_of:%Y-%m-%d %H:%M} Asia/Shanghai"
    )


class Section(StrEnum):
    QUALITY = "quality"
    REPAIRS = "repairs"
    MESSAGES = "messages"


def stats(
    section: Section = typer.Option(
        Section.QUALITY,
        "--section",
        help="quality: the quality figures; repairs: 抢修与停电, arrival and restoration times,"
        " outages, customer-hours and SAIDI; messages: 消息送达, the outbox's delivery rates and"
        " latency per channel, the SMS survey",
    ),
    start: datetime | None = typer.Option(
        None, "--start", formats=_DAY, help="first day (default: the 1st of this month)"
    ),
    end: datetime | None = typer.Option(
        None, "--end", formats=_DAY, help="last day, included (default: today)"
    ),
    order_type: OrderType | None = typer.Option(None, "--type", help="only this order type"),
    department_id: int | None = typer.Option(None, "--department", help="department id"),
    district_id: int | None = typer.Option(None, "--district", help="district id"),
    as_json: bool = typer.Option(False, "--json", help="print the figures as JSON"),
) -> None:
    """Quality figures (质量指标) of the orders accepted in a period, Asia/Shanghai days, or
    with --section repairs the repair and outage figures (抢修与停电), with --section messages
    the delivery figures of the messages written in it (消息送达).

    Runs on the server as the administrator (no login): it reads QUARTERHOUR_DATABASE_URL."""
    today = clock.now().date()
    first: date = start.date() if start else today.replace(day=1)
    last: date = end.date() if end else today
    if section is Section.REPAIRS:
        if order_type is not None or department_id is not None:
            # Repairs are one type, timed by district and area class: a department would
            # silently narrow nothing.
            err_console.print("--type and --department apply to --section quality only")
            raise typer.Exit(2)
        _repairs(RepairQuery(start=first, end=last, district_id=district_id), as_json)
        return
    if section is Section.MESSAGES:
        if order_type is not None or department_id is not None or district_id is not None:
            # Messages have no type, department or district of their own.
            err_console.print("--type, --department and --district do not apply to messages")
            raise typer.Exit(2)
        _messages(MessageQuery(start=first, end=last), as_json)
        return
    query = StatsQuery(
        start=first,
        end=last,
        order_type=order_type,
        department_id=department_id,
        district_id=district_id,
    )
    with transaction() as session:
        report = analytics.quality_figures(session, query, by=system("cli"))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _print(report)


# --- --section repairs ------------------------------------------------------------------------


def _minutes(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}"


def _times_table(title: str, measure: str, figures: dict[str, TimeFigures]) -> Table:
    table = Table(title=title, title_justify="left", box=None, padding=(0, 0, 0, 1))
    table.add_column("范围 scope", overflow="fold")
    for label in (
        "件数\ncount",
        "平均\nmean",
        "中位\nmedian",
        "P90",
        "承诺\nlimit",
        "达标率\nwithin",
    ):
        table.add_column(label, justify="right", no_wrap=True)
    for source, timed in figures.items():
        rows = [("合计 total", timed.total), *((r.label, r) for r in timed.by_district)]
        rows += [(r.label, r) for r in timed.by_area_class]
        for name, row in rows:
            spread: Spread = getattr(row, measure)
            table.add_row(
                f"{source} · {name}",
                str(spread.count),
                _minutes(spread.mean),
                _minutes(spread.median),
                _minutes(spread.p90),
                "—" if spread.limit is None else str(spread.limit),
                _cell(spread.within_rate),
            )
    return table


def _buckets_table(report: RepairReport) -> Table:
    table = Table(
        title="分布 Distribution (fault repairs)",
        title_justify="left",
        box=None,
        padding=(0, 0, 0, 1),
    )
    table.add_column("到达 arrival min", justify="right")
    table.add_column("件数 count", justify="right")
    table.add_column("恢复 restoration h", justify="right")
    table.add_column("件数 count", justify="right")
    arrival = report.repairs.total.arrival.buckets
    restoration = report.repairs.total.restoration.buckets
    for a, r in zip(arrival, restoration, strict=True):
        a_range = f"{a.above}–{a.up_to}" if a.up_to is not None else f">{a.above}"
        r_low, r_high = _hours(r.above), _hours(r.up_to)
        r_range = f"{r_low}–{r_high}" if r.up_to is not None else f">{r_low}"
        table.add_row(a_range, str(a.count), r_range, str(r.count))
    return table


def _hours(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes / 60:g}"


def _causes_table(title: str, rows: list[CauseRow]) -> Table:
    table = Table(title=title, title_justify="left", box=None, padding=(0, 0, 0, 1))
    table.add_column("", overflow="fold")
    table.add_column("停电 outages", justify="right")
    table.add_column("用户 customers", justify="right")
    table.add_column("时户数 customer-hours", justify="right")
    for row in rows:
        table.add_row(row.label, str(row.outages), str(row.customers), str(row.customer_hours))
    return table


def _print_repairs(report: RepairReport) -> None:
    scope = [f"{report.start.isoformat()} – {report.end.isoformat()}"]
    if report.district_id is not None:
        scope.append(f"district {report.district_id}")
    console.print(f"[bold]抢修与停电 Repairs and outages: {', '.join(scope)}[/bold]")
    timed = {"抢修 repairs": report.repairs, "故障停电 fault outages": report.fault_outages}
    console.print(_times_table("到达现场 Arrival on site (minutes)", "arrival", timed))
    console.print(
        _times_table("恢复供电 Restoration after arrival (minutes)", "restoration", timed)
    )
    console.print(_buckets_table(report))
    out = report.outages
    total = Table("停电 outages", "数值 value")
    for label, value in (
        ("停电次数 outages", out.outages),
        ("停电用户 customers cut off", out.customers),
        ("停电时户数 customer-hours lost", out.customer_hours),
        ("范围内用户 customers in scope", out.customers_in_scope),
        ("户均停电分钟 SAIDI minutes per customer", _minutes(out.saidi_minutes)),
        ("关联来电 linked calls", out.calls),
        ("每次停电来电 calls per outage", _minutes(out.calls_per_outage)),
        ("最多来电 most calls to one outage", out.most_calls),
    ):
        total.add_row(label, str(value))
    console.print(total)
    console.print(_causes_table("按类型 By kind", out.by_kind))
    if out.by_cause:
        console.print(_causes_table("按原因 By cause", out.by_cause))
    console.print(
        f"commitments of the policy {report.policy}; outages still out are counted up to"
        f" {report.as_of:%Y-%m-%d %H:%M} Asia/Shanghai"
    )


def _repairs(query: RepairQuery, as_json: bool) -> None:
    with transaction() as session:
        report = repair_figures(session, query, by=system("cli"))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _print_repairs(report)


# --- --section messages -----------------------------------------------------------------------

_STATUS_COLUMNS = (
    ("written", "写入\nwritten"),
    ("suppressed", "不发送\nsuppressed"),
    ("queued", "待发\nqueued"),
    ("sent", "已发\nsent"),
    ("delivered", "送达\ndelivered"),
    ("failed", "失败\nfailed"),
    ("delivery_rate", "送达率\ndelivery"),
    ("failure_rate", "失败率\nfailure"),
)
_CHANNELS = {"sms": "短信 SMS", "email": "邮件 e-mail", "webhook": "Webhook"}


def _seconds(value: Decimal | None) -> str:
    return "—" if value is None else f"{value} s"


def _latency_cells(latency: Latency) -> list[str]:
    return [
        str(latency.count),
        *(_seconds(v) for v in (latency.mean, latency.p50, latency.p90, latency.p99)),
    ]


def _print_messages(report: MessageReport) -> None:
    console.print(
        f"[bold]消息送达 Messages: {report.start.isoformat()} – {report.end.isoformat()}[/bold]"
    )
    scopes: list[tuple[str, ChannelFigures]] = [
        *((_CHANNELS.get(c.channel or "", c.channel or ""), c) for c in report.by_channel),
        ("合计 total", report.total),
    ]
    counts = Table(title="按渠道 By channel", title_justify="left", box=None, padding=(0, 0, 0, 1))
    counts.add_column("渠道 channel", overflow="fold")
    for _, label in _STATUS_COLUMNS:
        counts.add_column(label, justify="right", no_wrap=True)
    for name, row in scopes:
        counts.add_row(name, *(_cell(getattr(row, f)) for f, _ in _STATUS_COLUMNS))
    console.print(counts)
    times = Table(
        title="时延 Latency from written", title_justify="left", box=None, padding=(0, 0, 0, 1)
    )
    times.add_column("渠道 channel", overflow="fold")
    times.add_column("到 to", no_wrap=True)
    for label in ("件数\ncount", "平均\nmean", "P50", "P90", "P99"):
        times.add_column(label, justify="right", no_wrap=True)
    for name, row in scopes:
        times.add_row(name, "已发 sent", *_latency_cells(row.to_sent))
        times.add_row(name, "送达 delivered", *_latency_cells(row.to_delivered))
    console.print(times)
    if report.by_kind:
        kinds = Table(title="按类型 By kind", title_justify="left", box=None, padding=(0, 0, 0, 1))
        kinds.add_column("类型 kind", overflow="fold")
        for _, label in _STATUS_COLUMNS:
            kinds.add_column(label, justify="right", no_wrap=True)
        for k in report.by_kind:
            # The label alone: the kind's code beside it would fold the row (--json has it).
            kinds.add_row(k.label, *(_cell(getattr(k, f)) for f, _ in _STATUS_COLUMNS))
        console.print(kinds)
    s = report.survey
    survey = Table("短信回访 SMS survey", "数值 value")
    for label, value in (
        ("发出回访短信 surveys written", s.surveys_written),
        ("已发出 surveys sent", s.surveys_sent),
        ("短信回复 replied", s.replied),
        ("回复率 response rate", s.response_rate),
        ("回访接通 follow-ups reaching the customer", s.follow_ups),
        ("短信办结 closed by SMS", s.closed_by_sms),
        ("短信办结占比 share closed by SMS", s.closed_by_sms_share),
    ):
        survey.add_row(label, _cell(value))
    console.print(survey)
    console.print(
        f"messages written in the period, states as of {report.as_of:%Y-%m-%d %H:%M} Asia/Shanghai"
    )


def _messages(query: MessageQuery, as_json: bool) -> None:
    with transaction() as session:
        report = message_figures(session, query, by=system("cli"))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        _print_messages(report)
