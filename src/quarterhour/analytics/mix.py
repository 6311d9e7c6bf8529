"""The call mix: orders accepted per type per day, week or month (Asia/Shanghai), so management
can watch the shift "from complaints to consultations and praise" (PRODUCT.md, Channels); and
per channel over the period (the hotline, the programme, the customers' own web and app)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, cast, func, literal_column, select
from sqlalchemy.orm import Session

from quarterhour.analytics.quality import Cohort
from quarterhour.analytics.schemas import Bucket
from quarterhour.workorders.lifecycle import State
from quarterhour.workorders.models import Contact, WorkOrder

_W = WorkOrder

# Constants are inlined, not bound: PostgreSQL accepts a GROUP BY expression only if it is the
# select's own, and two bound parameters ($1 in the select, $3 in GROUP BY) would differ.
_SQLITE_MODIFIERS: dict[Bucket, tuple[str, ...]] = {
    Bucket.DAY: (),
    # Back six days, then forward to the next Monday (or stay on it): the week's Monday.
    Bucket.WEEK: ("-6 days", "weekday 1"),
    Bucket.MONTH: ("start of month",),
}


def local_bucket(dialect: str, bucket: Bucket) -> ColumnElement[date]:
    """First day of the Asia/Shanghai day, week or month each order was accepted in."""
    if dialect == "postgresql":
        # timestamptz seen as Shanghai wall time, then truncated; date_trunc weeks are ISO
        # weeks, starting on Monday.
        local = func.timezone(literal_column("'Asia/Shanghai'"), _W.accepted_at)
        return cast(func.date_trunc(literal_column(f"'{bucket.value}'"), local), Date)
    if dialect == "sqlite":
        # SQLite stores UTC text (storage.base.AwareDateTime) and knows no zones. Asia/Shanghai
        # has been UTC+8 all year since 1991 (no daylight saving), so the shift is exact for
        # any order this product holds.
        modifiers: list[ColumnElement[str]] = [
            literal_column(f"'{m}'") for m in ("+8 hours", *_SQLITE_MODIFIERS[bucket])
        ]
        return func.date(_W.accepted_at, *modifiers, type_=Date)
    raise NotImplementedError(f"no call-mix buckets for the {dialect} dialect")


def bucket_start(day: date, bucket: Bucket) -> date:
    if bucket is Bucket.WEEK:
        return day - timedelta(days=day.weekday())
    if bucket is Bucket.MONTH:
        return day.replace(day=1)
    return day


def bucket_starts(first: date, last: date, bucket: Bucket) -> Iterator[date]:
    """Every bucket touching [first, last], so quiet weeks show as zeros, not as gaps."""
    current = bucket_start(first, bucket)
    while current <= last:
        yield current
        if bucket is Bucket.DAY:
            current += timedelta(days=1)
        elif bucket is Bucket.WEEK:
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)


def _mix_query(dialect: str, cohort: Cohort, bucket: Bucket) -> Select[*tuple[Any, ...]]:
    start = local_bucket(dialect, bucket)
    # Cancelled orders are duplicates or withdrawals, not calls about something new (as in the
    # quality figures' "accepted").
    return (
        select(start, _W.order_type, func.count())
        .where(*cohort.conditions(), _W.state != State.CANCELLED)
        .group_by(start, _W.order_type)
    )


def counts(session: Session, cohort: Cohort, bucket: Bucket) -> dict[tuple[date, str], int]:
    dialect = session.get_bind().dialect.name
    return {
        (day, kind): number
        for day, kind, number in session.execute(_mix_query(dialect, cohort, bucket))
    }


def per_channel(session: Session, cohort: Cohort) -> dict[str, int]:
    """Orders accepted in the cohort per channel of their contact (cancelled ones aside)."""
    query = (
        select(Contact.channel, func.count())
        .select_from(_W)
        .join(Contact, Contact.id == _W.contact_id)
        .where(*cohort.conditions(), _W.state != State.CANCELLED)
        .group_by(Contact.channel)
    )
    return {channel: number for channel, number in session.execute(query)}
