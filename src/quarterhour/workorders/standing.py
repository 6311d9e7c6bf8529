"""Where an order stands, written once as SQL conditions on `work_order`'s own columns.

The quality figures (analytics/quality.py) count with these conditions and the order list
(filters.OrderFilter) selects with them, so a figure on the dashboard and the list it drills down
to cannot disagree: "3 overdue" there is the same three orders here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, not_

from quarterhour.workorders.lifecycle import OPEN_STATES, State
from quarterhour.workorders.models import WorkOrder

_W = WorkOrder
_CLOSED = sorted(str(s) for s in frozenset(State) - OPEN_STATES)

# 处置 (handled): the department returned its result (回单) or the order was closed at intake
# (直接办结), PRODUCT.md "受理投诉处置率 = complaints handled / complaints accepted". The state is
# used rather than `returned_at`: both 退回重办 and a dissatisfied follow-up clear `returned_at` and
# put the order back with the department, so an order being redone is not handled until it is
# returned again. Every archived order passed 答复 (or closed at intake), so it counts.
HANDLED_STATES = frozenset(
    {State.RETURNED, State.REVIEWED, State.REPLIED, State.FOLLOWED_UP, State.ARCHIVED}
)
# 办结 (completed): the customer has been given the result (答复), the point at which the
# completion, rework and first-contact limits are met; a repair is returned only once restored.
# Only the follow-up's clock (回访 within its limit after the reply) may still run, so a completed
# order's on-time flag is final once it is followed up.
COMPLETED_STATES = frozenset({State.REPLIED, State.FOLLOWED_UP, State.ARCHIVED})
# Accepted work: everything but 撤销 (duplicates and withdrawals are not calls about something new).
ACCEPTED_STATES = frozenset(State) - {State.CANCELLED}


def overdue(now: datetime) -> ColumnElement[bool]:
    """超期: still open and its nearest unmet deadline has passed.

    That is what the sweep escalates (督办), so an escalated order whose deadline is still unmet
    is overdue whatever its state — 答复 waiting for a follow-up call past its limit included —
    and an order is overdue from the moment its deadline passes, not only once the sweep has run.
    A deadline met late leaves its mark (`is_overdue`, 曾超期: the on-time rate's, see `late`)
    but the order is no longer overdue once its running clock is within its limit again; a paused
    connection has no running clock (`due_at` is NULL). The partial index
    ix_work_order_open_due (due_at, id) WHERE open serves exactly this range.
    """
    # Written as the index's own predicate (NOT IN the closed states): PostgreSQL then reads the
    # overdue range from it whatever it guesses of the range's size (it guesses 2 k of 38 k).
    return and_(_W.state.notin_(_CLOSED), _W.due_at < now)


def not_overdue(now: datetime) -> ColumnElement[bool]:
    return not_(and_(_W.state.notin_(_CLOSED), _W.due_at.is_not(None), _W.due_at < now))


def late(flag: bool) -> ColumnElement[bool]:
    """曾超期: some deadline was met late or escalated (the sweep's sticky flag)."""
    return _W.is_overdue.is_(flag)


def reworked(flag: bool) -> ColumnElement[bool]:
    """Sent back at least once (退回重办 or a dissatisfied follow-up)."""
    return _W.rework_count > 0 if flag else _W.rework_count == 0


class FollowUpStanding(StrEnum):
    """An order's follow-up, as the figures count it."""

    DUE = "due"  # 应回访: replied to, and a follow-up is required
    DONE = "done"  # 已回访: of those, the latest reply has its outcome
    ANSWERED = "answered"  # the customer answered at least one follow-up call
    DISSATISFIED = "dissatisfied"  # at least one answered call was not satisfied


def follow_up(standing: FollowUpStanding) -> ColumnElement[bool]:
    due = and_(_W.follow_up_required.is_(True), _W.replied_at.is_not(None))
    if standing is FollowUpStanding.DUE:
        return due
    if standing is FollowUpStanding.DONE:
        # An order in 答复 waits for its call: never called, only unreachable so far, or redone
        # after a dissatisfied call and replied again. Unreachable after the last allowed
        # attempt is an outcome (the order moves on to 回访).
        return and_(due, _W.follow_up_outcome.is_not(None), _W.state != State.REPLIED)
    if standing is FollowUpStanding.ANSWERED:
        return _W.answered_follow_ups > 0
    return _W.answered_follow_ups > _W.satisfied_follow_ups


def in_states(states: frozenset[State]) -> ColumnElement[bool]:
    return _W.state.in_(sorted(str(s) for s in states))
