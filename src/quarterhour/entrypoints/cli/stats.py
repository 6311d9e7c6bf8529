from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import typer
from rich.table import Table

from quarterhour.access.actor import system
from quarterhour.analytics import service as analytics
from quarterhour.analytics.schemas import Figures, QualityReport, StatsQuery
from quarterhour.entrypoints.cli.common import console, transaction
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


def stats(
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
    """Quality figures (质量指标) of the orders accepted in a period, Asia/Shanghai days.

    Runs on the server as the administrator (no login): it reads QUARTERHOUR_DATABASE_URL."""
    today = clock.now().date()
    first: date = start.date() if start else today.replace(day=1)
    last: date = end.date() if end else today
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
