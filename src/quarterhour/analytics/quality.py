"""Quality figures (PRODUCT.md "Quality figures"; issue 2, item 7) from one set-based aggregate.

Every figure describes one cohort: the work orders *accepted* in the period (Asia/Shanghai days)
that match the filters, counted in the state they stand in now. A past month's figures therefore
keep moving while its late orders are finished, which is what a supervisor chasing them wants.
Cancelled orders (撤销: duplicates and withdrawals) are outside the cohort and reported apart.

The query reads the cohort's work-order rows once (a range of `ix_work_order_accepted`) and
counts them per (type, department, state) with a few conditional counts and sums on plain
columns; each order carries the number of its answered and satisfied follow-up calls, so the
calls need no second pass. The definitions below then classify those few hundred rows in Python:
what a state means is written once, here, and the database does no string matching per row
(measured: the per-row work, not the reading, is what a month costs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, RowMapping, Select, func, select
from sqlalchemy.orm import Session

from quarterhour.workorders.kinds import OrderType
from quarterhour.workorders.lifecycle import State
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.standing import (
    COMPLETED_STATES,
    HANDLED_STATES,
    FollowUpStanding,
    follow_up,
    late,
    overdue,
    reworked,
)

_W = WorkOrder

# What handled, completed and overdue mean is written once, in workorders/standing.py: the
# order list selects with the same conditions these figures count with.
FOUR_PLACES = Decimal("0.0001")


def rate(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


@dataclass
class Tally:
    """Additive counts of one group; rates are derived only after groups are summed."""

    accepted: int = 0
    handled: int = 0
    closed_on_intake: int = 0
    follow_up_due: int = 0
    followed_up: int = 0
    answered_follow_ups: int = 0
    satisfied_follow_ups: int = 0
    answered_orders: int = 0
    dissatisfied_orders: int = 0
    completed: int = 0
    on_time: int = 0
    rework_count: int = 0
    reworked_orders: int = 0
    overdue_open: int = 0
    cancelled: int = 0

    def add(self, other: Tally) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def add_state(self, state: str, row: RowMapping) -> None:
        """Count one (type, department, state) row of query 1 into the figures."""
        if state == State.CANCELLED:
            self.cancelled += row["orders"]
            return
        self.accepted += row["orders"]
        if state in HANDLED_STATES:
            self.handled += row["orders"]
        self.closed_on_intake += row["closed_on_intake"]
        self.answered_follow_ups += int(row["answered_follow_ups"] or 0)
        self.satisfied_follow_ups += int(row["satisfied_follow_ups"] or 0)
        # 回访率: of the orders that need a follow-up (complaints and repairs always, others per
        # the policy) and have been replied to, those whose latest reply has a follow-up
        # outcome (standing.FollowUpStanding.DONE).
        self.follow_up_due += row["follow_up_due"]
        self.followed_up += row["followed_up"]
        # The orders behind the satisfaction rate's calls, which the dashboard links to.
        self.answered_orders += row["answered_orders"]
        self.dissatisfied_orders += row["dissatisfied_orders"]
        # 及时率 (on-time rate per type and department, PRODUCT.md): completed orders whose
        # deadlines were all met in time — the service centre's dispatch and follow-up clocks
        # included: the customer waited either way. `is_overdue` is sticky: set when a deadline
        # was met late or the sweep escalated the order (督办), never cleared. A deadline is met
        # at the time a step claims only when that claim was entered within the tolerance
        # (workorders.moves._when); otherwise at its entry, so a claim typed in long after
        # the fact cannot prove an order on time.
        if state in COMPLETED_STATES:
            self.completed += row["orders"]
            self.on_time += row["never_overdue"]
        # 重办: each 退回重办 and each dissatisfied follow-up adds one (workorders.moves).
        self.rework_count += int(row["rework_count"] or 0)
        self.reworked_orders += row["reworked_orders"]
        # 超期 (standing.overdue): open with its running deadline past, whatever the state.
        self.overdue_open += row["overdue"]

    def figures(self) -> dict[str, int | Decimal | None]:
        counts: dict[str, int | Decimal | None] = {
            f.name: getattr(self, f.name) for f in fields(self)
        }
        return {
            **counts,
            "handling_rate": rate(self.handled, self.accepted),
            "follow_up_rate": rate(self.followed_up, self.follow_up_due),
            "satisfaction_rate": rate(self.satisfied_follow_ups, self.answered_follow_ups),
            "on_time_rate": rate(self.on_time, self.completed),
        }


# (order type, sub-type, department id): the sub-type carries a complaint's class (服务, 营业,
# 停送电, 供电质量, 电网建设), which the figures report apart.
GroupKey = tuple[str, str | None, int | None]


@dataclass(frozen=True)
class Cohort:
    """Orders accepted in [starts, ends) matching the filters."""

    starts: datetime
    ends: datetime
    order_type: OrderType | None = None
    department_id: int | None = None
    district_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        # The range on accepted_at leads: ix_work_order_accepted serves it; the filters are
        # checked on the rows it yields.
        found = [_W.accepted_at >= self.starts, _W.accepted_at < self.ends]
        if self.order_type is not None:
            found.append(_W.order_type == self.order_type)
        if self.department_id is not None:
            found.append(_W.department_id == self.department_id)
        if self.district_id is not None:
            found.append(_W.district_id == self.district_id)
        return found


def _orders_query(cohort: Cohort, now: datetime) -> Select[*tuple[Any, ...]]:
    count = func.count
    follow_up_due = follow_up(FollowUpStanding.DUE)
    return (
        select(
            _W.order_type,
            _W.subtype,
            _W.department_id,
            _W.state,
            count().label("orders"),
            count().filter(_W.closed_on_intake.is_(True)).label("closed_on_intake"),
            count().filter(follow_up_due).label("follow_up_due"),
            count().filter(follow_up(FollowUpStanding.DONE)).label("followed_up"),
            count().filter(late(False)).label("never_overdue"),
            func.sum(_W.rework_count).label("rework_count"),
            count().filter(reworked(True)).label("reworked_orders"),
            count().filter(overdue(now)).label("overdue"),
            count().filter(follow_up(FollowUpStanding.ANSWERED)).label("answered_orders"),
            count().filter(follow_up(FollowUpStanding.DISSATISFIED)).label("dissatisfied_orders"),
            # 满意率 counts every answered call, so a dissatisfied call and the satisfied one
            # after the rework both count: the customer was asked twice and answered twice.
            func.sum(_W.answered_follow_ups).label("answered_follow_ups"),
            func.sum(_W.satisfied_follow_ups).label("satisfied_follow_ups"),
        )
        .where(*cohort.conditions())
        .group_by(_W.order_type, _W.subtype, _W.department_id, _W.state)
    )


def tally(session: Session, cohort: Cohort, now: datetime) -> dict[GroupKey, Tally]:
    groups: dict[GroupKey, Tally] = {}
    rows = session.execute(_orders_query(cohort, now)).mappings().all()
    for row in rows:
        key = (row["order_type"], row["subtype"], row["department_id"])
        group = groups.setdefault(key, Tally())
        group.add_state(row["state"], row)
    return groups


K = TypeVar("K")


def roll_up(
    groups: Iterable[tuple[GroupKey, Tally]], key: Callable[[GroupKey], K]
) -> dict[K, Tally]:
    out: dict[K, Tally] = {}
    for group_key, counts in groups:
        out.setdefault(key(group_key), Tally()).add(counts)
    return out
