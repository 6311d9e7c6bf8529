"""Use cases of the closed loop, called alike by the API, the console and the CLI.

Services flush, never commit: the entrypoint owns the transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import (
    Permission,
    can_reveal_caller,
    require,
    require_see_order,
)
from quarterhour.calendar import service as calendar_service
from quarterhour.calendar.workdays import WorkCalendar
from quarterhour.config import Settings
from quarterhour.customers import accounts
from quarterhour.customers import service as customers
from quarterhour.customers.models import Account, Customer
from quarterhour.customers.schemas import FullPhoneOut
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
from quarterhour.programme import service as programme
from quarterhour.storage import driver
from quarterhour.tariffs import tariff_book
from quarterhour.workorders import attachments, labels, policies, repository, routing, writes
from quarterhour.workorders.deadlines import due_with_settings, nearest_open
from quarterhour.workorders.kinds import (
    Channel,
    DeadlineKind,
    FollowUpOutcome,
    LimitUnit,
    OrderType,
    ReplyMethod,
    ServiceSubtype,
)
from quarterhour.workorders.lifecycle import (
    GUARD_REASONS,
    OPEN_STATES,
    SYSTEM_ACTIONS,
    Action,
    State,
    actions_for,
    fits_type,
    holds,
    move_for,
    resolve_target,
)
from quarterhour.workorders.models import Contact, Deadline, OrderEvent, WorkOrder
from quarterhour.workorders.schemas import (
    ActionIn,
    AttachmentMeta,
    ContactIn,
    MatterIn,
    MeterSplitIn,
    OrderSummary,
    PublicStatus,
    StepWithFiles,
)

REPLY_BY_CHANNEL = {
    Channel.PROGRAMME: ReplyMethod.PROGRAMME,
    Channel.COUNTER: ReplyMethod.COUNTER,
    Channel.SMS: ReplyMethod.SMS,
    Channel.LETTER: ReplyMethod.LETTER,
}


@dataclass(frozen=True)
class IntakeResult:
    contact: Contact
    orders: list[WorkOrder]
    created: bool
    customer: Customer | None = None  # known when created: the answer needs no second read


def _request_hash(data: ContactIn) -> str:
    body = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def take_contact(
    session: Session,
    data: ContactIn,
    *,
    by: Actor,
    settings: Settings,
    idempotency_key: str | None = None,
) -> IntakeResult:
    """受理: one contact with its matters; each matter becomes a work order with its deadlines."""
    require(by, Permission.TAKE_CONTACT)
    request_hash = _request_hash(data)
    if idempotency_key is not None:
        if not 1 <= len(idempotency_key) <= 128:
            raise ValidationFailed(
                "Idempotency-Key must have 1 to 128 characters", field="Idempotency-Key"
            )
        # Nearly every key is new: look for it with a plain row query, load the contact only
        # when the key was seen before.
        seen = session.execute(
            select(_CONTACT.c.id, _CONTACT.c.request_hash).where(
                _CONTACT.c.idempotency_key == idempotency_key
            )
        ).first()
        if seen is not None:
            if seen.request_hash != request_hash:
                raise Conflict(
                    "this Idempotency-Key was used for a different contact",
                    field="Idempotency-Key",
                    contact_id=seen.id,
                )
            previous = session.get_one(Contact, seen.id)
            earlier = session.scalars(
                select(WorkOrder).where(WorkOrder.contact_id == previous.id).order_by(WorkOrder.id)
            )
            return IntakeResult(previous, list(earlier), created=False)

    now = clock.now()
    received_at = clock.local(data.received_at) if data.received_at else now
    if received_at > now + timedelta(minutes=5):
        raise ValidationFailed("a contact cannot be received in the future", field="received_at")
    customer, new_customer, account_id = _customer_for(session, data)
    episode_id = programme.episode_for_contact(
        session, channel=data.channel, received_at=received_at, episode_id=data.episode_id
    )
    calendar = calendar_service.current_calendar(session)
    policy = policies.policy_in_force(session, received_at.date())
    routes = [
        routing.route_matter(session, matter, index, customer.district_id)
        for index, matter in enumerate(data.matters)
    ]
    # Everything is checked; the ids come next so that numbers and references are known and
    # the whole contact is written at once.
    wanted = [(_CONTACT, 1), (_ORDER, len(data.matters))]
    if new_customer:
        wanted.append((_CUSTOMER, 1))
    ids = driver.allocate_ids(session, wanted)
    if new_customer:
        customer.id = ids[2][0]
    contact = Contact(
        id=ids[0][0],
        number=f"LD{received_at:%Y%m%d}{ids[0][0]:06d}",
        channel=data.channel,
        customer_id=customer.id,
        caller_name=data.caller_name or customer.name,
        caller_phone=customers.normalise_phone(data.caller_phone, field="caller_phone")
        or customer.phone,
        received_at=received_at,
        taken_by_id=by.id,
        episode_id=episode_id,
        summary=data.summary,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        created_at=now,
    )
    orders: list[WorkOrder] = []
    deadlines: list[Deadline] = []
    events: list[dict[str, Any]] = []
    for order_id, matter, (district_id, department_id) in zip(
        ids[1], data.matters, routes, strict=True
    ):
        order, its_deadlines, its_events = _open_order(
            order_id,
            contact,
            account_id,
            customer.address,
            matter,
            district_id,
            department_id,
            by=by,
            settings=settings,
            calendar=calendar,
            policy=policy,
        )
        orders.append(order)
        deadlines.extend(its_deadlines)
        events.extend(its_events)
    writes.insert_rows(
        session,
        [
            (_CUSTOMER, [writes.row_of(_CUSTOMER, customer)] if new_customer else []),
            (_CONTACT, [writes.row_of(_CONTACT, contact)]),
            (_ORDER, [writes.row_of(_ORDER, order) for order in orders]),
            (_DEADLINE, [writes.row_of(_DEADLINE, deadline) for deadline in deadlines]),
            (_EVENT, events),
        ],
    )
    return IntakeResult(contact, orders, created=True, customer=customer)


_CUSTOMER: Table = Customer.__table__  # type: ignore[assignment]
_CONTACT: Table = Contact.__table__  # type: ignore[assignment]
_ORDER: Table = WorkOrder.__table__  # type: ignore[assignment]
_DEADLINE: Table = Deadline.__table__  # type: ignore[assignment]
_EVENT: Table = OrderEvent.__table__  # type: ignore[assignment]


def _customer_for(session: Session, data: ContactIn) -> tuple[Customer, bool, int | None]:
    """The caller's customer record, whether it is new, and the account the contact is about."""
    ref = data.customer
    if ref.account is not None:
        found = session.execute(
            select(Account.id, Account.customer_id).where(Account.number == ref.account)
        ).first()
        if found is None:
            raise NotFound(f"no account {ref.account}", field="customer.account")
        if ref.id is not None and ref.id != found.customer_id:
            raise ValidationFailed(
                f"account {ref.account} is not customer {ref.id}'s", field="customer.account"
            )
        customer = customers.get_customer(session, found.customer_id, field="customer.account")
        return customer, False, found.id
    if ref.id is not None:
        return customers.get_customer(session, ref.id, field="customer.id"), False, None
    if ref.district_id is not None:
        organisation.check_district(session, ref.district_id, field="customer.district_id")
    customer, new = customers.find_or_new(
        session, name=ref.name, phone=ref.phone, address=ref.address, district_id=ref.district_id
    )
    return customer, new, None


def _open_order(
    order_id: int,
    contact: Contact,
    account_id: int | None,
    customer_address: str | None,
    matter: MatterIn,
    district_id: int | None,
    department_id: int | None,
    *,
    by: Actor,
    settings: Settings,
    calendar: WorkCalendar,
    policy: policies.PolicyView,
) -> tuple[WorkOrder, list[Deadline], list[dict[str, Any]]]:
    """The new order (transient), its deadlines and its events, for one insert of the contact."""
    kind = OrderType(matter.order_type)
    at = contact.received_at
    order = WorkOrder(
        id=order_id,
        number=f"GD{at:%Y%m%d}{order_id:06d}",
        contact_id=contact.id,
        customer_id=contact.customer_id,
        account_id=account_id,
        order_type=kind,
        subtype=matter.subtype,
        title=matter.title,
        description=matter.description,
        address=matter.address or customer_address,
        district_id=district_id,
        department_id=department_id,
        state=State.ACCEPTED,
        accepted_at=at,
        follow_up_required=policy.follow_up_required(kind),
        area_class=matter.area_class,
        updated_at=clock.now(),
        is_overdue=False,
        is_escalated=False,
        has_provisional_deadline=False,
        rework_count=0,
        follow_up_attempts=0,
        answered_follow_ups=0,
        satisfied_follow_ups=0,
        closed_on_intake=False,
        version=1,
    )
    events = [
        _event_row(
            order_id,
            Action.ACCEPT,
            None,
            State.ACCEPTED,
            by=by,
            at=at,
            note=matter.description,
            data={"department_id": department_id},
        )
    ]
    deadlines = [
        _new_deadline(
            order, limit.kind, 1, at, limit.amount, limit.unit, policy.id, calendar, settings
        )
        for limit in policy.limits_for(kind, matter.subtype, matter.area_class)
        # Restoration starts when the crew arrives, the follow-up when the customer is told.
        if limit.kind not in (DeadlineKind.RESTORATION, DeadlineKind.FOLLOW_UP)
    ]
    if matter.answer is not None:
        _answer_on_the_spot(order, deadlines, matter.answer, contact.channel, by=by, at=at)
        order.closed_at = at
        order.state = State.ARCHIVED
        events.append(
            _event_row(
                order_id,
                Action.CLOSE_ON_INTAKE,
                State.ACCEPTED,
                State.ARCHIVED,
                by=by,
                at=at,
                note=matter.answer,
            )
        )
    _refresh_due(order, deadlines, at)
    return order, deadlines, events


def _new_deadline(
    order: WorkOrder,
    kind: DeadlineKind | str,
    seq: int,
    start: datetime,
    amount: int,
    unit: LimitUnit | str,
    policy_id: int,
    calendar: WorkCalendar,
    settings: Settings,
) -> Deadline:
    due = due_with_settings(calendar, start, amount, unit, settings)
    return Deadline(
        order_id=order.id,
        kind=kind,
        seq=seq,
        start_at=start,
        amount=amount,
        unit=unit,
        due_at=due.due_at,
        warn_at=due.warn_at,
        is_provisional=due.is_provisional,
        paused_working_days=0,
        policy_id=policy_id,
    )


def _answer_on_the_spot(
    order: WorkOrder,
    deadlines: Sequence[Deadline],
    answer: str,
    channel: str,
    *,
    by: Actor,
    at: datetime,
) -> ReplyMethod:
    """直接办结: the answer given during the contact is the reply, and every limit is met."""
    method = REPLY_BY_CHANNEL.get(Channel(channel), ReplyMethod.PHONE)
    order.result = answer
    order.replied_at = at
    order.replied_by_id = by.id
    order.reply_method = method
    order.closed_on_intake = True
    for deadline in deadlines:
        if deadline.met_at is None:
            deadline.met_at = at
    return method


def _refresh_due(order: WorkOrder, deadlines: Sequence[Deadline], now: datetime) -> None:
    order.due_at, order.has_provisional_deadline = nearest_open(deadlines)
    if order.paused_at is not None:
        order.due_at = None  # waiting for the customer: no deadline runs, last in the queue
    if any(d.met_at is not None and d.met_at > d.due_at for d in deadlines):
        order.is_overdue = True


def _event_row(
    order_id: int,
    action: Action,
    from_state: State | None,
    to_state: State,
    *,
    by: Actor | None,
    at: datetime,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    claimed_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "action": str(action),
        "from_state": None if from_state is None else str(from_state),
        "to_state": str(to_state),
        "actor_id": by.id if by else None,
        "at": at,
        "claimed_at": claimed_at,
        "note": note,
        "data": {k: v for k, v in (data or {}).items() if v is not None} or None,
    }


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
        extra["claim_beyond_tolerance_minutes"] = settings.claimed_time_tolerance_minutes
    _refresh_due(order, ctx.deadlines, now)
    return writes.change_of(
        loaded,
        event=_event_row(
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

    def meet(self, *kinds: DeadlineKind) -> None:
        for deadline in self.deadlines:
            if deadline.kind in kinds and deadline.met_at is None:
                deadline.met_at = self.proven

    def add_deadline(self, kind: DeadlineKind, amount: int, unit: str, policy_id: int) -> None:
        seq = 1 + max((d.seq for d in self.deadlines if d.kind == kind), default=0)
        deadline = _new_deadline(
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
    method = _answer_on_the_spot(
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
}


# What the public order status calls each step it shows: the action's public word (labels.py).
PUBLIC_STEPS = {action: step.zh for action, step in labels.PUBLIC_STEPS.items()}


def public_status(session: Session, number: str, phone_last4: str) -> PublicStatus:
    """For anyone with the number and the caller's phone's last four digits; nothing personal.

    A wrong number and a wrong check give the same answer, so the lookup cannot probe numbers."""
    not_found = NotFound("no work order matches this number and phone", field="number")
    row = session.execute(
        select(WorkOrder, Contact.caller_phone)
        .join(Contact, Contact.id == WorkOrder.contact_id)
        .where(WorkOrder.number == number.strip())
    ).first()
    if row is None:
        raise not_found
    order, caller_phone = row
    customer = customers.get_customer(session, order.customer_id)
    digits = {p[-4:] for p in (caller_phone, customer.phone) if p and len(p) >= 4}
    if not phone_last4.isdigit() or phone_last4 not in digits:
        raise not_found
    events = [
        # The customer is told when a step happened: the time claimed for it when that counts
        # (entered within the tolerance), else when it was entered.
        (action, claimed if claimed is not None and not _beyond(data) else at)
        for action, at, claimed, data in session.execute(
            select(OrderEvent.action, OrderEvent.at, OrderEvent.claimed_at, OrderEvent.data)
            .where(OrderEvent.order_id == order.id)
            .order_by(OrderEvent.id)
        )
    ]
    return PublicStatus(
        number=order.number or "",
        order_type=order.order_type,
        state=order.state,
        accepted_at=order.accepted_at,
        due_at=order.due_at,
        replied_at=order.replied_at,
        closed_at=order.closed_at,
        steps=[
            {"at": at.isoformat(), "step": PUBLIC_STEPS[Action(action)], "action": action}
            for action, at in events
            if Action(action) in PUBLIC_STEPS
        ],
    )


def _beyond(data: dict[str, Any] | None) -> bool:
    return bool(data and data.get("claim_beyond_tolerance_minutes") is not None)


def orders_of_customer(
    session: Session, customer: Customer, *, by: Actor, limit: int = 50
) -> list[OrderSummary]:
    """Open and past orders of one customer that `by` may see (masked like every list)."""
    require(by, Permission.VIEW_CUSTOMERS)
    return repository.recent_of_customer(session, customer, limit, by=by)


def attachment(
    session: Session, order_id: int, digest: str, *, by: Actor, settings: Settings
) -> tuple[Path, AttachmentMeta]:
    """A file attached to one of the order's steps, for those who may see the order."""
    order = repository.get_order(session, order_id)
    require_see_order(by, order.department_id)
    return attachments.find(session, settings.attachments_dir, order_id, digest)


def reveal_caller_phone(session: Session, order_id: int, *, by: Actor) -> FullPhoneOut:
    """The caller's whole number, to call him back about this order: for anyone who calls
    callers back, and for the order's own department while it is open. Every look recorded."""
    order = repository.get_order(session, order_id)
    require_see_order(by, order.department_id)
    if not can_reveal_caller(by, order.department_id, is_open=State(order.state) in OPEN_STATES):
        raise Forbidden(
            "the caller's whole number is shown only while the order is open",
            permission=str(Permission.VIEW_ORDER_PHONE),
        )
    phone = customers.disclose_phone(
        session, order.customer_id, by=by, purpose=f"order {order.number}"
    )
    return FullPhoneOut(customer_id=order.customer_id, phone=phone)


def record_meter_split(
    session: Session,
    order_id: int,
    data: MeterSplitIn,
    *,
    by: Actor,
    settings: Settings,
) -> tuple[str, str, WorkOrder]:
    """分户装表 on site, by the order's department: a progress step on the order, and the new
    meter and account (customers.accounts). One transaction; the new account number, the new
    meter number and the order as moved."""
    order = session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(f"no work order {order_id}", field="order_id")
    if (order.order_type, order.subtype) != (OrderType.SERVICE_REQUEST, ServiceSubtype.METER_SPLIT):
        raise ValidationFailed(
            "only a 分户装表 service request (meter_split) records a meter split", field="order_id"
        )
    customer_id = order.customer_id
    moved = act(
        session,
        order_id,
        Action.RECORD_PROGRESS,
        ActionIn(version=data.version, note=data.note or f"分户装表：装新表 {data.new_meter}"),
        by=by,
        settings=settings,
    )
    tariff = tariff_book.get_tariff(session, data.tariff)
    account, meter = accounts.split_from_shared_meter(
        session,
        customer=customers.get_customer(session, customer_id),
        shared_meter_number=data.shared_meter,
        premises_id=data.premises_id,
        tariff_id=tariff.id,
        new_meter_number=data.new_meter,
        installed_on=data.installed_on or clock.now().date(),
        initial=data.initial_reading,
        shared_meter_reading=data.shared_meter_reading,
        multiplier=data.multiplier,
        digits=data.digits,
        work_order_id=order_id,
    )
    return account.number, meter.number, moved
