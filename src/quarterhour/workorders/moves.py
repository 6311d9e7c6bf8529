"""Every move of an order after intake (`act`): the checks, the action's handler, the guarded
write, and the retry when another writer came first.

Services flush, never commit: the entrypoint owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor, system
from quarterhour.access.permissions import checked, require_see_order
from quarterhour.calendar import service as calendar_service
from quarterhour.config import Settings
from quarterhour.errors import (
    Conflict,
    Forbidden,
    IllegalTransition,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from quarterhour.kit import clock
from quarterhour.organisation import service as organisation
from quarterhour.storage import one_write
from quarterhour.workorders import customer_messages, order_record, policies, writes
from quarterhour.workorders.deadlines import due_with_settings
from quarterhour.workorders.kinds import (
    DeadlineKind,
    FollowUpOutcome,
    LimitUnit,
    OrderType,
    ServiceSubtype,
)
from quarterhour.workorders.lifecycle import (
    GUARD_REASONS,
    SYSTEM_ACTIONS,
    Action,
    State,
    actions_for,
    fits_type,
    holds,
    move_for,
    resolve_target,
)
from quarterhour.workorders.models import Contact, Deadline, WorkOrder
from quarterhour.workorders.schemas import ActionIn, MeterSplitIn, StepWithFiles


def act(
    session: Session,
    order_id: int,
    action: Action | str,
    data: ActionIn,
    *,
    by: Actor,
    settings: Settings,
) -> WorkOrder:
    """Any lifecycle move on one order: checks, state change, deadlines and the event, together.

    Returns a transient copy of the order as written (writes.py says why not the ORM)."""
    try:
        action = Action(action)
    except ValueError:
        raise ValidationFailed(
            f"unknown action {action!r}; one of {', '.join(a for a in Action)}", field="action"
        ) from None
    session.flush()  # pending ORM work of the caller is visible to the read below
    for _ in range(_RETRIES):
        # Each round reads once and writes with one statement (storage/one_write.py holds the
        # one-write session to it); a round that wrote nothing leaves the next one free.
        with one_write.use_case(session, f"act({action})"):
            loaded = writes.load(session, order_id)
            if loaded is None:
                raise NotFound(f"no work order {order_id}", field="order_id")
            change = _decide(session, loaded, action, data, by=by, settings=settings)
            version = writes.write(session, change)
        if version is not None:
            loaded.order.version = version
            return loaded.order
        # Someone else moved the order between our read and our write. A caller who named the
        # version gets the news on the next round; otherwise the move is checked again.
    raise Conflict("the order kept changing while this action ran; try again", field="version")


# A move without an expected version is re-checked against the newer state this many times.
_RETRIES = 5


def _decide(
    session: Session,
    loaded: writes.Loaded,
    action: Action,
    data: ActionIn,
    *,
    by: Actor,
    settings: Settings,
) -> writes.Change:
    order = loaded.order
    require_see_order(by, order.department_id)
    state = State(order.state)
    if data.version is not None and data.version != order.version:
        raise StaleVersion(
            f"the order changed since version {data.version}; it is now version {order.version}"
            f" in state {state}",
            field="version",
            state=str(state),
            version=order.version,
            allowed_actions=_allowed(order, by),
        )
    move = move_for(state, action)
    if move is None or action in SYSTEM_ACTIONS:
        raise IllegalTransition(
            f"{action} is not allowed in state {state}",
            state=str(state),
            allowed=_allowed(order, by),
            version=order.version,
        )
    if by.role not in move.roles:
        raise Forbidden(
            f"role {by.role} may not {action}; allowed roles: "
            f"{', '.join(sorted(str(r) for r in move.roles))}",
            permission=str(action),
        )
    if move.department_only and by.department_id != order.department_id:
        raise Forbidden("only the order's own department may do this", permission=str(action))
    checked(f"move {action}")
    if not fits_type(action, order.order_type):
        # Checked last so that role and department refusals read the same for every type.
        raise IllegalTransition(
            f"{action} does not apply to a {order.order_type}",
            state=str(state),
            allowed=_allowed(order, by),
            version=order.version,
        )
    if not holds(move.guard, order):
        assert move.guard is not None  # holds() is true without a guard
        raise IllegalTransition(
            f"{action} is not open now: {GUARD_REASONS[move.guard]}",
            state=str(state),
            allowed=_allowed(order, by),
            version=order.version,
        )

    now = clock.now()
    when = _when(data, order, now, settings)
    ctx = _Ctx(session, order, loaded.deadlines, data, by, settings, when.claimed, now, when.proven)
    ctx.caller = loaded.caller
    handler = _HANDLERS.get(action)
    extra: dict[str, Any] = {}
    target: State | None = None
    if handler is not None:
        target, extra = handler(ctx)
    at = when.claimed
    to_state = resolve_target(move, state, target)
    order.state = to_state
    order.updated_at = now
    if to_state in (State.ARCHIVED, State.CANCELLED):
        order.closed_at = at
    if isinstance(data, StepWithFiles) and data.attachments:
        extra["attachments"] = [a.model_dump() for a in data.attachments]
    if when.beyond_tolerance:
        # Kept and shown, but not taken as proof: the deadlines were met when it was entered.
        extra[order_record.CLAIM_BEYOND] = settings.claimed_time_tolerance_minutes
    order_record.refresh_due(order, ctx.deadlines, now)
    return writes.change_of(
        loaded,
        event=order_record.event_row(
            order.id,
            action,
            state,
            to_state,
            by=by,
            at=now,
            claimed_at=None if data.at is None else at,
            note=data.note,
            data=extra,
        ),
        new_deadlines=ctx.new_deadlines,
        follow_up=ctx.follow_up,
    )


def _allowed(order: WorkOrder, by: Actor) -> list[str]:
    return [str(a) for a in actions_for(order, by.role, by.department_id)]


# A claimed time may run this far ahead of the server's clock (a phone's clock a little fast).
CLOCK_SKEW = timedelta(minutes=2)


@dataclass(frozen=True)
class _When:
    claimed: datetime  # what the step says happened when (the entry time if no time was given)
    proven: datetime  # what the deadlines count: the claim if entered soon enough, else the entry
    beyond_tolerance: bool


def _when(data: ActionIn, order: WorkOrder, now: datetime, settings: Settings) -> _When:
    """The time a step claims, checked, and the time its deadlines take as proven.

    A claim cannot lie in the future (beyond CLOCK_SKEW) nor before the order was accepted; the
    step's handler checks it against the step it follows (arrival after dispatch, restoration
    after arrival, return after the work started). A claim entered within the configured
    tolerance counts as it stands; an older one is kept in the history next to the entry time
    and flagged, and the deadlines take the entry time — what the record proves."""
    if data.at is None:
        return _When(now, now, beyond_tolerance=False)
    at = clock.local(data.at)
    if at > now + CLOCK_SKEW:
        raise ValidationFailed("at: a step cannot be dated in the future", field="at")
    if at < order.accepted_at:
        raise ValidationFailed(
            "at: a step cannot be dated before the order was accepted", field="at"
        )
    tolerance = timedelta(minutes=settings.claimed_time_tolerance_minutes)
    if now - at > tolerance:
        return _When(at, now, beyond_tolerance=True)
    return _When(at, min(at, now), beyond_tolerance=False)


def _not_before(ctx: _Ctx, earliest: datetime | None, what: str) -> None:
    if earliest is not None and ctx.at < earliest:
        raise ValidationFailed(
            f"at: {what} ({clock.local(earliest).isoformat(timespec='minutes')})", field="at"
        )


@dataclass
class _Ctx:
    session: Session
    order: WorkOrder
    deadlines: list[Deadline]
    data: ActionIn
    by: Actor
    settings: Settings
    at: datetime  # the time the step claims (now, unless a time was given)
    now: datetime
    proven: datetime  # the time its deadlines are met at (see _when)
    new_deadlines: list[Deadline] = field(default_factory=list)
    follow_up: dict[str, Any] | None = None
    caller: customer_messages.Caller | None = None  # read with the order (writes.load)

    def meet(self, *kinds: DeadlineKind) -> None:
        for deadline in self.deadlines:
            if deadline.kind in kinds and deadline.met_at is None:
                deadline.met_at = self.proven

    def add_deadline(self, kind: DeadlineKind, amount: int, unit: str, policy_id: int) -> None:
        seq = 1 + max((d.seq for d in self.deadlines if d.kind == kind), default=0)
        deadline = order_record.new_deadline(
            self.order,
            kind,
            seq,
            self.at,
            amount,
            unit,
            policy_id,
            calendar_service.current_calendar(self.session),
            self.settings,
        )
        self.deadlines.append(deadline)
        self.new_deadlines.append(deadline)

    def add_limit(self, kind: DeadlineKind) -> None:
        """A new deadline of this kind from the step's time, if the order's policy (the one in
        force when it was accepted) has a limit of that kind for it."""
        policy = policies.policy_in_force(self.session, self.order.accepted_at.date())
        for limit in policy.limits_for(
            self.order.order_type, self.order.subtype, self.order.area_class
        ):
            if limit.kind is kind:
                self.add_deadline(kind, limit.amount, limit.unit, policy.id)

    def reopen(self) -> None:
        """退回重办 / a dissatisfied follow-up: the work goes back, counted, with a new limit."""
        self.order.rework_count += 1
        self.order.returned_at = None
        # The work is with its department again from now: a return cannot be dated before.
        self.order.dispatched_at = self.at
        if self.order.order_type == OrderType.FAULT_REPAIR:
            self.revisit()
        completion = [
            d for d in self.deadlines if d.kind in (DeadlineKind.COMPLETION, DeadlineKind.REWORK)
        ]
        if completion:
            basis = completion[0]
            # The unmet original limit keeps running; a met one is superseded by a rework limit.
            if all(d.met_at is not None for d in completion):
                self.add_deadline(DeadlineKind.REWORK, basis.amount, basis.unit, basis.policy_id)

    def revisit(self) -> None:
        """A repair done again is a new visit of the crew: on site within the arrival limit from
        now, supply restored within the restoration limit after that arrival (deadlines seq 2,
        3 …). The earlier visit stays in the history and in its met deadlines."""
        self.order.arrived_at = None
        self.order.restored_at = None
        self.order.crew_dispatched_at = self.at
        self.add_limit(DeadlineKind.ARRIVAL)

    def require_field(self, value: object, field: str, why: str) -> None:
        if value is None or value == "":
            raise ValidationFailed(why, field=field)


def _close_on_intake(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    # 直接办结 is a consultation answered on the spot; anything else must run the whole loop,
    # follow-up included, or it would be archived silently.
    ctx.require_field(ctx.data.result, "result", "直接办结 needs the answer given to the caller")
    assert ctx.data.result is not None  # required just above
    channel = ctx.session.scalars(
        select(Contact.channel).where(Contact.id == ctx.order.contact_id)
    ).one()
    method = order_record.answer_on_the_spot(
        ctx.order, ctx.deadlines, ctx.data.result, channel, by=ctx.by, at=ctx.at
    )
    return None, {"result": ctx.data.result, "reply_method": method}


def _dispatch(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    department_id = ctx.data.department_id or ctx.order.department_id
    if department_id is None:
        raise ValidationFailed(
            "no routing rule matched: choose the department", field="department_id"
        )
    organisation.check_department(ctx.session, department_id, field="department_id")
    ctx.order.department_id = department_id
    ctx.order.assignee_id = None
    ctx.order.dispatched_at = ctx.at
    ctx.meet(DeadlineKind.DISPATCH)
    if ctx.order.order_type == OrderType.FAULT_REPAIR:
        if ctx.data.crew:
            ctx.order.crew = ctx.data.crew
        ctx.order.crew_dispatched_at = ctx.at
    return None, {"department_id": department_id, "crew": ctx.data.crew}


def _decline(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.require_field(ctx.data.note, "note", "say why the order is not this department's work")
    ctx.order.assignee_id = None
    # Back with the service centre, to be dispatched again: its dispatch clock runs anew.
    ctx.add_limit(DeadlineKind.DISPATCH)
    return None, {"department_id": ctx.order.department_id}


def _acknowledge(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.order.assignee_id = ctx.by.id
    return None, {"assignee_id": ctx.by.id}


def _contact_customer(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.meet(DeadlineKind.FIRST_CONTACT)
    return None, {}


def _progress(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.require_field(ctx.data.note, "note", "a progress record needs a note")
    return None, {}


def _arrive(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    # Once per visit (Guard.NOT_ARRIVED); the crew cannot be there before it was sent.
    _not_before(
        ctx,
        ctx.order.dispatched_at or ctx.order.crew_dispatched_at,
        "the crew cannot arrive before it was dispatched",
    )
    ctx.order.arrived_at = ctx.at
    ctx.meet(DeadlineKind.ARRIVAL, DeadlineKind.FIRST_CONTACT)
    if ctx.order.order_type == OrderType.FAULT_REPAIR and ctx.data.at is None:
        # Told as it happens; an arrival entered after the fact is news to nobody.
        customer_messages.crew_arrived(
            ctx.session, ctx.order, ctx.order.crew or "抢修人员", ctx.settings, caller=ctx.caller
        )
    policy = policies.policy_in_force(ctx.session, ctx.order.accepted_at.date())
    for limit in policy.limits_for(ctx.order.order_type, ctx.order.subtype, ctx.order.area_class):
        if limit.kind is DeadlineKind.RESTORATION:
            # The restoration limit runs from the arrival the crew claims, even one entered too
            # late to count for the arrival limit: their own statement binds them.
            ctx.add_deadline(DeadlineKind.RESTORATION, limit.amount, limit.unit, policy.id)
    return None, {"arrived_at": ctx.at.isoformat()}


def _restore(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    # After arrival, once per visit (Guard.ARRIVED_NOT_RESTORED).
    _not_before(ctx, ctx.order.arrived_at, "restoration cannot precede the crew's arrival")
    ctx.order.restored_at = ctx.at
    ctx.meet(DeadlineKind.RESTORATION)
    return None, {"restored_at": ctx.at.isoformat()}


def _return_result(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.require_field(ctx.data.result, "result", "回单 needs the result of the work")
    resumed = _credit_pause(ctx) if ctx.order.paused_at is not None else None
    # A repair is returned once supply is back (Guard.RESTORED_IF_REPAIR), and not dated before;
    # other work not before it reached the department.
    if ctx.order.order_type == OrderType.FAULT_REPAIR:
        _not_before(ctx, ctx.order.restored_at, "a repair cannot be returned before restoration")
    _not_before(
        ctx, ctx.order.dispatched_at, "the work cannot be returned before it was dispatched"
    )
    ctx.order.result = ctx.data.result
    ctx.order.returned_at = ctx.at
    return None, {"result": ctx.data.result, "paused_working_days": resumed}


def _pause(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.require_field(ctx.data.note, "note", "say what the customer has to do (暂停计时)")
    ctx.order.paused_at = ctx.at
    return None, {}


def _resume(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    return None, {"paused_working_days": _credit_pause(ctx)}


def _credit_pause(ctx: _Ctx) -> int:
    """The customer's stage ends: every running limit gets the working days it lasted (the day
    the clock stopped not counted, the day it runs again counted: 民法典 art. 201, as for the
    limit itself) and is due that much later; a limit in hours or minutes, the time it lasted."""
    paused_at = ctx.order.paused_at
    assert paused_at is not None  # Guard.PAUSED, or checked by the caller
    _not_before(ctx, paused_at, "the clock cannot run again before it was paused")
    calendar = calendar_service.current_calendar(ctx.session)
    days = calendar.working_days_between(clock.local_date(paused_at), clock.local_date(ctx.at))
    for deadline in ctx.deadlines:
        if deadline.met_at is not None:
            continue
        if deadline.unit == LimitUnit.WORKING_DAYS:
            deadline.paused_working_days += days
            due = due_with_settings(
                calendar,
                deadline.start_at,
                deadline.amount + deadline.paused_working_days,
                deadline.unit,
                ctx.settings,
            )
            deadline.due_at, deadline.warn_at = due.due_at, due.warn_at
            deadline.is_provisional = due.is_provisional
        else:
            deadline.due_at += ctx.at - paused_at
            deadline.warn_at += ctx.at - paused_at
    ctx.order.paused_at = None
    return days


def _send_back(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.require_field(ctx.data.note, "note", "say what must be redone (退回重办)")
    ctx.reopen()
    return None, {"rework_count": ctx.order.rework_count}


def _reply(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.require_field(
        ctx.data.reply_method,
        "reply_method",
        "how was the customer told: programme, counter, phone, sms, letter, visit",
    )
    ctx.order.replied_at = ctx.at
    ctx.order.replied_by_id = ctx.by.id
    ctx.order.reply_method = ctx.data.reply_method
    ctx.meet(DeadlineKind.COMPLETION, DeadlineKind.REWORK, DeadlineKind.FIRST_CONTACT)
    if ctx.order.follow_up_required:
        ctx.add_limit(DeadlineKind.FOLLOW_UP)
    # In writing too, with the survey by SMS (customer_messages.py), joined to this move's write.
    ctx.order.sms_survey_until = customer_messages.result_replied(
        ctx.session, ctx.order, at=ctx.now, settings=ctx.settings, caller=ctx.caller
    )
    return None, {"reply_method": ctx.data.reply_method, "replied_by_id": ctx.by.id}


def _follow_up(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    outcome = ctx.data.outcome
    if outcome is None:
        raise ValidationFailed(
            "a follow-up needs its outcome: satisfied, basically_satisfied, dissatisfied or "
            "unreachable",
            field="outcome",
        )
    ctx.follow_up = {
        "order_id": ctx.order.id,
        "at": ctx.at,
        "outcome": str(outcome),
        "by_id": ctx.by.id,
        "note": ctx.data.note,
    }
    data: dict[str, Any] = {"outcome": outcome}
    # Answered, one way or the other: the survey by SMS waits no more.
    ctx.order.sms_survey_until = None
    if ctx.by.username == SMS_SURVEY.username:
        data["via"] = "sms"  # the customer's own answer to the survey (sms_survey.py)
    # The call was made: its clock is met, whatever the outcome. An unanswered call before the
    # last attempt leaves the order waiting for the next one, which has the same limit.
    ctx.meet(DeadlineKind.FOLLOW_UP)
    # 满意率 = (satisfied + basically satisfied) / answered follow-ups (PRODUCT.md); an unreachable
    # call did not reach the customer, so it is not answered, while a dissatisfied one is.
    if outcome is not FollowUpOutcome.UNREACHABLE:
        ctx.order.answered_follow_ups += 1
    if outcome in (FollowUpOutcome.SATISFIED, FollowUpOutcome.BASICALLY_SATISFIED):
        ctx.order.satisfied_follow_ups += 1
    if outcome is FollowUpOutcome.UNREACHABLE:
        ctx.order.follow_up_attempts += 1
        data["attempt"] = ctx.order.follow_up_attempts
        if ctx.order.follow_up_attempts < ctx.settings.follow_up_max_attempts:
            if ctx.order.follow_up_required:
                ctx.add_limit(DeadlineKind.FOLLOW_UP)
            return State.REPLIED, data
    elif outcome is FollowUpOutcome.DISSATISFIED:
        # Never archived silently: the work goes back to the department (重办), counted.
        ctx.order.follow_up_outcome = outcome
        ctx.order.follow_up_attempts = 0
        ctx.order.assignee_id = None
        ctx.reopen()
        data["rework_count"] = ctx.order.rework_count
        return State.DISPATCHED, data
    ctx.order.follow_up_outcome = outcome
    ctx.order.followed_up_at = ctx.at
    return State.FOLLOWED_UP, data


# Who records a follow-up answered by the customer's SMS (workorders/sms_survey.py).
SMS_SURVEY = system("sms-survey")


def _cancel(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.require_field(ctx.data.note, "note", "say why the order is cancelled")
    for deadline in ctx.deadlines:
        if deadline.met_at is None:
            deadline.met_at = ctx.at
    return None, {}


def _press(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    # Only work sitting with a department is pressed: the table offers 催办 in those states only.
    return None, {"department_id": ctx.order.department_id}


def _escalate(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.order.is_escalated = True
    return None, {"department_id": ctx.order.department_id}


def _split_out(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    """拆分: a call wrongly linked to an outage becomes an ordinary repair, with the clocks intake
    would have given it (restoration from the arrival, follow-up from the reply) running from
    now, and waits in the dispatch queue (Guard.LINKED)."""
    outage_id = ctx.order.outage_id
    ctx.order.outage_id = None
    policy = policies.policy_in_force(ctx.session, ctx.order.accepted_at.date())
    for limit in policy.limits_for(ctx.order.order_type, ctx.order.subtype, ctx.order.area_class):
        if limit.kind not in (DeadlineKind.RESTORATION, DeadlineKind.FOLLOW_UP):
            ctx.add_deadline(limit.kind, limit.amount, limit.unit, policy.id)
    return None, {"outage_id": outage_id}


def _comment(ctx: _Ctx) -> tuple[State | None, dict[str, Any]]:
    ctx.require_field(ctx.data.note, "note", "a comment needs its text")
    return None, {}


_Handler = Callable[[_Ctx], tuple[State | None, dict[str, Any]]]
_HANDLERS: dict[Action, _Handler] = {
    Action.CLOSE_ON_INTAKE: _close_on_intake,
    Action.DISPATCH: _dispatch,
    Action.REDISPATCH: _dispatch,
    Action.DECLINE: _decline,
    Action.ACKNOWLEDGE: _acknowledge,
    Action.CONTACT_CUSTOMER: _contact_customer,
    Action.RECORD_PROGRESS: _progress,
    Action.ARRIVE: _arrive,
    Action.RESTORE: _restore,
    Action.RETURN_RESULT: _return_result,
    Action.SEND_BACK: _send_back,
    Action.REPLY: _reply,
    Action.FOLLOW_UP: _follow_up,
    Action.CANCEL: _cancel,
    Action.PRESS: _press,
    Action.ESCALATE: _escalate,
    Action.PAUSE: _pause,
    Action.RESUME: _resume,
    Action.COMMENT: _comment,
    Action.SPLIT_OUT: _split_out,
}


def meter_split_step(
    session: Session,
    order_id: int,
    data: MeterSplitIn,
    *,
    by: Actor,
    settings: Settings,
) -> WorkOrder:
    """The step a 分户装表 done on site records on its service request: a progress record by the
    order's own department (act() checks role, department and the version seen). The order as
    moved: its id and customer are what the split itself needs (customers.meter_split), which
    the caller records next in the same transaction."""
    order = session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(f"no work order {order_id}", field="order_id")
    if (order.order_type, order.subtype) != (OrderType.SERVICE_REQUEST, ServiceSubtype.METER_SPLIT):
        raise ValidationFailed(
            "only a 分户装表 service request (meter_split) records a meter split", field="order_id"
        )
    return act(
        session,
        order_id,
        Action.RECORD_PROGRESS,
        ActionIn(version=data.version, note=data.note or f"分户装表：装新表 {data.new_meter}"),
        by=by,
        settings=settings,
    )
