"""Delivery figures of the outbox (issue 15): what the customers were sent, how much of it
arrived and how fast, and what the SMS satisfaction survey brings back.

The cohort is the messages *written* (outbox_message.created_at) in the period, Asia/Shanghai
days, half-open like the other figures, counted by where each stands now:

- written: every row, suppressed ones included (they were written, for the timeline's sake);
- suppressed: never to be sent (the customer's preference);
- queued: not handed to a channel yet, whether waiting (quiet hours, backoff, flood control) or
  held by a sender right now (`sending`);
- sent: taken by the channel and not confirmed (an SMS whose delivery report has not come);
- delivered: confirmed, by the channel itself (SMTP, a webhook's 2xx) or a delivery report;
- failed: refused for good, out of attempts, or reported undelivered after it was sent.

Delivery rate = delivered / (sent + delivered + failed), failure rate = failed / the same. The
denominator is the messages the channel was asked to carry and answered about: a suppressed one
was never meant to go and a queued one has no outcome yet, so counting either would move the
rates with preferences and with the time of day the figures are read, not with the channels. A
`sent` SMS stays in it (it went out; no report is no proof of delivery), so a gateway that stops
reporting shows as a falling delivery rate rather than vanishing.

Latency runs from when a message was due (not_before: its writing, or the end of the quiet hours
it was held for) to sent_at (handed to the channel) and to delivered_at, over the messages that
reached each step: mean, p50 (two middles averaged), p90 and p99 (nearest rank),
per channel and in total. As in analytics/repairs.py, the database ranks the durations (both
dialects rank; neither offers the other's percentile function) and only the rows at those
ranks come back, each carrying its group's count and sum.

The survey: surveys written are outbox messages of kind follow_up_survey by SMS; sent are those
the gateway took and did not report undelivered. A reply is a survey that a customer's text
answered, whatever it said (inbound_sms.survey_message_id: a "谢谢" is a response too, an "1"
and then a "谢谢" one response). The share of follow-ups closed by SMS
is over the follow_up events of the period that reached the customer (an outcome other than
unreachable: an unanswered call closes nothing). Replies are counted by their own time, surveys
by theirs, so a survey sent on the period's last evening may be answered in the next one.

Each block is one statement: the counts (grouped by channel and kind, summed here), the
latencies, the survey.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    case,
    cast,
    distinct,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, require
from quarterhour.analytics.message_schemas import (
    ChannelFigures,
    KindFigures,
    Latency,
    MessageQuery,
    MessageReport,
    SurveyFigures,
)
from quarterhour.analytics.quality import rate
from quarterhour.analytics.service import period_span
from quarterhour.kit import clock
from quarterhour.notifications import templates
from quarterhour.notifications.models import CHANNELS, InboundSms, OutboxMessage
from quarterhour.workorders.kinds import FollowUpOutcome
from quarterhour.workorders.lifecycle import Action
from quarterhour.workorders.models import OrderEvent

_M = OutboxMessage
SURVEY_KIND = "follow_up_survey"
ALL = "all"  # the scope of every channel together in the latency statement
TO_SENT, TO_DELIVERED = "to_sent", "to_delivered"
ONE_PLACE = Decimal("0.1")
# Each count and the statuses it is made of ("sending" is a queued message in a sender's hands).
COUNTED: dict[str, tuple[str, ...]] = {
    "suppressed": ("suppressed",),
    "queued": ("queued", "sending"),
    "sent": ("sent",),
    "delivered": ("delivered",),
    "failed": ("failed",),
}


# --- counts -----------------------------------------------------------------------------------


@dataclass
class Counts:
    written: int = 0
    suppressed: int = 0
    queued: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0

    def add(self, other: Counts) -> None:
        for name in ("written", *COUNTED):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, Any]:
        answered = self.sent + self.delivered + self.failed
        return {
            "written": self.written,
            **{name: getattr(self, name) for name in COUNTED},
            "delivery_rate": rate(self.delivered, answered),
            "failure_rate": rate(self.failed, answered),
        }


def _in_period(starts: datetime, ends: datetime) -> list[ColumnElement[bool]]:
    return [_M.created_at >= starts, _M.created_at < ends]


def counted(session: Session, starts: datetime, ends: datetime) -> dict[tuple[str, str], Counts]:
    """One statement: the period's messages by channel and kind, each status counted."""
    query = (
        select(
            _M.channel,
            _M.kind,
            func.count().label("written"),
            *(
                func.sum(case((_M.status.in_(statuses), 1), else_=0)).label(name)
                for name, statuses in COUNTED.items()
            ),
        )
        .where(*_in_period(starts, ends))
        .group_by(_M.channel, _M.kind)
    )
    return {
        (row.channel, row.kind): Counts(
            written=int(row.written), **{name: int(getattr(row, name)) for name in COUNTED}
        )
        for row in session.execute(query)
    }


# --- latencies, ranked in the database --------------------------------------------------------


def millis_between(dialect: str, earlier: Any, later: Any) -> ColumnElement[int]:
    """Whole milliseconds from `earlier` to `later`, NULL when either is (a sender is quicker
    than a second: analytics/repairs.py's whole seconds would round most of it to 0)."""
    if dialect == "postgresql":
        return cast(func.round(func.extract("epoch", later - earlier) * 1000), BigInteger)
    if dialect == "sqlite":
        # julianday's double keeps tens of microseconds at today's dates: ample for a millisecond.
        days = func.julianday(later) - func.julianday(earlier)
        return cast(func.round(days * 86_400_000), BigInteger)
    raise NotImplementedError(f"no durations for the {dialect} dialect")


@dataclass
class Timed:
    count: int
    total_ms: int
    at_rank: dict[int, int]


def _ranks(n: int) -> tuple[int, int, int, int]:
    """The ranks (from 1) of the two middles, the 90th and the 99th percentile (nearest rank,
    ⌈p·n⌉, in integers)."""
    return (n + 1) // 2, (n + 2) // 2, (9 * n + 9) // 10, (99 * n + 99) // 100


def timed(session: Session, starts: datetime, ends: datetime) -> dict[tuple[str, str], Timed]:
    """One statement: each duration once for its channel and once for all channels, ranked per
    (scope, measure); only the rows at the four ranks come back."""
    dialect = session.get_bind().dialect.name
    measures = {
        # From when it was due: a message held for the morning (quiet hours) waited by the
        # rules, not for the system, and would otherwise read as hours of latency.
        TO_SENT: millis_between(dialect, _M.not_before, _M.sent_at),
        TO_DELIVERED: millis_between(dialect, _M.not_before, _M.delivered_at),
    }
    parts: list[Any] = []
    for measure, value in measures.items():
        for per_channel in (True, False):
            scope = _M.channel if per_channel else literal_column(f"'{ALL}'")
            parts.append(
                select(
                    scope.label("scope"),
                    literal_column(f"'{measure}'").label("measure"),
                    value.label("ms"),
                ).where(*_in_period(starts, ends), value.is_not(None))
            )
    durations = union_all(*parts).subquery("durations")
    group = [durations.c.scope, durations.c.measure]
    ranked = select(
        *group,
        durations.c.ms,
        func.row_number().over(partition_by=group, order_by=durations.c.ms).label("rank"),
        func.count().over(partition_by=group).label("n"),
        func.sum(durations.c.ms).over(partition_by=group).label("total_ms"),
    ).subquery("ranked")
    n, position = ranked.c.n, ranked.c.rank
    query = select(ranked).where(
        or_(
            position == (n + 1) // 2,
            position == (n + 2) // 2,
            position == (9 * n + 9) // 10,
            position == (99 * n + 99) // 100,
        )
    )
    found: dict[tuple[str, str], Timed] = {}
    for row in session.execute(query).mappings():
        key = (row["scope"], row["measure"])
        entry = found.setdefault(key, Timed(int(row["n"]), int(row["total_ms"]), {}))
        entry.at_rank[int(row["rank"])] = int(row["ms"])
    return found


def _seconds(ms: Decimal) -> Decimal:
    return (ms / 1000).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def latency(found: Timed | None) -> Latency:
    if found is None or found.count == 0:
        return Latency(count=0, mean=None, p50=None, p90=None, p99=None)
    low, high, p90, p99 = _ranks(found.count)
    at = found.at_rank
    return Latency(
        count=found.count,
        mean=_seconds(Decimal(found.total_ms) / found.count),
        p50=_seconds(Decimal(at[low] + at[high]) / 2),
        p90=_seconds(Decimal(at[p90])),
        p99=_seconds(Decimal(at[p99])),
    )


# --- the survey -------------------------------------------------------------------------------


def _follow_ups(starts: datetime, ends: datetime) -> list[ColumnElement[bool]]:
    return [OrderEvent.action == Action.FOLLOW_UP, OrderEvent.at >= starts, OrderEvent.at < ends]


def _said(key: str) -> ColumnElement[str]:
    """A key of an event's JSON data as text (->> on PostgreSQL, json_extract on SQLite)."""
    data: Any = OrderEvent.data
    found: ColumnElement[str] = data[key].as_string()
    return found


def _by_sms() -> ColumnElement[bool]:
    return _said("via") == "sms"


def _reached() -> ColumnElement[bool]:
    return _said("outcome") != FollowUpOutcome.UNREACHABLE.value


def _count(query: Select[Any]) -> Any:
    return query.with_only_columns(func.count()).scalar_subquery()


def _survey_replies(starts: datetime, ends: datetime) -> Any:
    """The surveys answered by a text received in the period."""
    return (
        select(func.count(distinct(InboundSms.survey_message_id)))
        .where(InboundSms.received_at >= starts, InboundSms.received_at < ends)
        .scalar_subquery()
    )


def survey(session: Session, starts: datetime, ends: datetime) -> SurveyFigures:
    """One statement of scalar subqueries."""
    surveys = select(_M.id).where(
        *_in_period(starts, ends), _M.kind == SURVEY_KIND, _M.channel == "sms"
    )
    reached = select(OrderEvent.id).where(*_follow_ups(starts, ends), _reached())
    row = session.execute(
        select(
            _count(surveys).label("written"),
            _count(surveys.where(_M.status.in_(("sent", "delivered")))).label("sent"),
            _survey_replies(starts, ends).label("replied"),
            _count(reached).label("follow_ups"),
            _count(reached.where(_by_sms())).label("by_sms"),
        )
    ).one()
    written, sent, replied, follow_ups, by_sms = (int(v or 0) for v in row)
    return SurveyFigures(
        surveys_written=written,
        surveys_sent=sent,
        replied=replied,
        response_rate=rate(replied, sent),
        follow_ups=follow_ups,
        closed_by_sms=by_sms,
        closed_by_sms_share=rate(by_sms, follow_ups),
    )


# --- the report -------------------------------------------------------------------------------


def _kind_label(kind: str) -> str:
    known = templates.KINDS.get(kind)
    return known.zh if known is not None else kind


def message_figures(session: Session, q: MessageQuery, *, by: Actor) -> MessageReport:
    require(by, Permission.VIEW_STATS)
    starts, ends = period_span(q.start, q.end)
    counts = counted(session, starts, ends)
    durations = timed(session, starts, ends)
    per_channel: dict[str, Counts] = defaultdict(Counts)
    per_kind: dict[str, Counts] = defaultdict(Counts)
    total = Counts()
    for (channel, kind), found in counts.items():
        per_channel[channel].add(found)
        per_kind[kind].add(found)
        total.add(found)

    def channel_figures(channel: str | None, found: Counts) -> ChannelFigures:
        scope = channel or ALL
        return ChannelFigures(
            channel=channel,
            **found.figures(),
            to_sent=latency(durations.get((scope, TO_SENT))),
            to_delivered=latency(durations.get((scope, TO_DELIVERED))),
        )

    return MessageReport(
        start=q.start,
        end=q.end,
        as_of=clock.now(),
        total=channel_figures(None, total),
        by_channel=[channel_figures(c, per_channel.get(c, Counts())) for c in CHANNELS],
        by_kind=[
            KindFigures(kind=kind, label=_kind_label(kind), **per_kind[kind].figures())
            for kind in sorted(per_kind, key=lambda k: (-per_kind[k].written, k))
        ],
        survey=survey(session, starts, ends),
    )
