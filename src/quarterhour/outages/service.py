"""Outages: declared, announced, started, restored or cancelled, each step an event; the lookup
"is this premises out at this moment?"; the planned outages the public is told of.

The notice rule (《电力供应与使用条例》第二十八条: 因供电设施计划检修需要停电时，供电企业应当
提前七天通知用户或者进行公告): a planned outage starts at least NOTICE_DAYS after its notice is
published. It is refused, not flagged: declaring a planned outage that starts sooner, and
publishing a notice later than that, are both refused naming `starts_at` and the earliest start
the rule allows. Work that cannot wait is a temporary outage (临时停电), which has no such rule.
Each notice keeps when it was published and the times it announced, so the rule can be checked
afterwards from the rows alone: `starts_at - published_at >= 7 days`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, can, require
from quarterhour.customers.models import Account, Premises
from quarterhour.errors import IllegalTransition, NotFound, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.outages import coming, customer_notices
from quarterhour.outages.lifecycle import (
    FIRST_STATE,
    Action,
    Kind,
    State,
    allowed_actions,
    target,
)
from quarterhour.outages.models import (
    Feeder,
    Outage,
    OutageEvent,
    OutageFeeder,
    OutageNotice,
    OutageTransformer,
    PremisesSupply,
    TransformerArea,
)

NOTICE_DAYS = 7
# A time given with a step is a claim about the past (a restoration typed in afterwards): it may
# not lie ahead of the server's clock by more than this, as the closed loop's claims.
CLAIM_AHEAD = timedelta(minutes=2)
# One outage covers at most this many transformers (a whole district's feeders, generously).
MAX_TRANSFORMERS = 20_000
# A reason is a sentence or two; the event's note holds the times before it (500 in all).
MAX_REASON = 400


def notice_problem(starts_at: datetime, published_at: datetime) -> str | None:
    """Why a notice published at `published_at` is too late for a start at `starts_at`."""
    earliest = published_at + timedelta(days=NOTICE_DAYS)
    if starts_at < earliest:
        return (
            f"a planned outage is announced at least {NOTICE_DAYS} days before it starts:"
            f" the earliest start for a notice published now is {earliest:%Y-%m-%d %H:%M}"
        )
    return None


def _check_moment(moment: datetime, *, field: str) -> datetime:
    bounds.check_date(moment.astimezone(clock.SHANGHAI).date(), field=field)
    return moment.astimezone(clock.SHANGHAI)


def _claimed(at: datetime | None, *, field: str, not_before: datetime | None) -> datetime:
    now = clock.now()
    if at is None:
        return now
    at = _check_moment(at, field=field)
    if at > now + CLAIM_AHEAD:
        raise ValidationFailed(f"{field}: a time that has not come yet", field=field)
    if not_before is not None and at < not_before:
        raise ValidationFailed(
            f"{field}: before the outage started ({not_before:%Y-%m-%d %H:%M})", field=field
        )
    return at


# --- declaring ---------------------------------------------------------------------------


def declare(
    session: Session,
    *,
    by: Actor,
    kind: str,
    cause: str,
    starts_at: datetime,
    expected_restoration_at: datetime,
    feeders: Sequence[str] = (),
    transformers: Sequence[str] = (),
    area: str | None = None,
) -> Outage:
    """登记: a planned or temporary outage ahead of its start, or a fault in effect now."""
    require(by, Permission.MANAGE_OUTAGES)
    if kind not in set(Kind):
        raise ValidationFailed(f"kind: one of {', '.join(Kind)}", field="kind")
    if not cause.strip():
        raise ValidationFailed("cause: say why the supply is cut", field="cause")
    starts_at = _check_moment(starts_at, field="starts_at")
    expected = _check_moment(expected_restoration_at, field="expected_restoration_at")
    if expected <= starts_at:
        raise ValidationFailed(
            "expected_restoration_at: after the start", field="expected_restoration_at"
        )
    now = clock.now()
    if kind == Kind.PLANNED and (problem := notice_problem(starts_at, now)):
        raise ValidationFailed(f"starts_at: {problem}", field="starts_at")
    if kind == Kind.FAULT and starts_at > now + CLAIM_AHEAD:
        raise ValidationFailed("starts_at: a fault has started already", field="starts_at")
    feeder_ids = _ids(session, Feeder, feeders, field="feeders")
    transformer_ids = set(_ids(session, TransformerArea, transformers, field="transformers"))
    if feeder_ids:
        transformer_ids.update(
            session.scalars(
                select(TransformerArea.id).where(TransformerArea.feeder_id.in_(feeder_ids))
            )
        )
    if not transformer_ids:
        raise ValidationFailed(
            "transformers: name the feeders or transformers the outage covers",
            field="transformers",
        )
    if len(transformer_ids) > MAX_TRANSFORMERS:
        raise ValidationFailed(
            f"transformers: at most {MAX_TRANSFORMERS} in one outage", field="transformers"
        )
    state = FIRST_STATE[Kind(kind)]
    outage = Outage(
        kind=kind,
        state=state,
        cause=cause.strip(),
        area=area.strip() if area and area.strip() else None,
        starts_at=starts_at,
        expected_restoration_at=expected,
        started_at=starts_at if state == State.ACTIVE else None,
        created_at=now,
        created_by_id=by.id,
        version=1,
    )
    session.add(outage)
    session.flush()
    session.add_all(OutageFeeder(outage_id=outage.id, feeder_id=f) for f in feeder_ids)
    begins, ends = _window(outage)
    session.execute(
        insert(OutageTransformer),
        [
            {"outage_id": outage.id, "transformer_id": t, "begins_at": begins, "ends_at": ends}
            for t in sorted(transformer_ids)
        ],
    )
    _event(session, outage, Action.DECLARE, None, by, now)
    session.flush()
    return outage


def _ids(
    session: Session,
    model: type[Feeder] | type[TransformerArea],
    codes: Sequence[str],
    *,
    field: str,
) -> list[int]:
    wanted = {c.strip() for c in codes if c.strip()}
    if not wanted:
        return []
    found = {
        code: id_
        for code, id_ in session.execute(
            select(model.code, model.id).where(model.code.in_(sorted(wanted)))
        )
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise ValidationFailed(f"{field}: no such code {', '.join(missing[:5])}", field=field)
    return sorted(found.values())


def _window(outage: Outage) -> tuple[datetime, datetime | None]:
    """The window the lookup reads (see OutageTransformer)."""
    if outage.state in (State.PLANNED, State.ANNOUNCED):
        return outage.starts_at, outage.expected_restoration_at
    started = outage.started_at or outage.starts_at
    if outage.state == State.ACTIVE:
        return started, None
    if outage.state == State.RESTORED:
        return started, outage.restored_at
    return outage.starts_at, outage.starts_at  # cancelled: it never happened


def _event(
    session: Session,
    outage: Outage,
    action: Action,
    from_state: str | None,
    by: Actor,
    at: datetime,
    *,
    claimed_at: datetime | None = None,
    note: str | None = None,
) -> None:
    session.add(
        OutageEvent(
            outage_id=outage.id,
            action=str(action),
            from_state=from_state,
            to_state=outage.state,
            actor_id=by.id,
            at=at,
            claimed_at=claimed_at,
            note=note,
        )
    )


# --- the moves -----------------------------------------------------------------------------


def _load_for_move(session: Session, outage_id: int, action: Action, *, by: Actor) -> Outage:
    require(by, Permission.MANAGE_OUTAGES)
    outage = session.scalar(select(Outage).where(Outage.id == outage_id).with_for_update())
    if outage is None:
        raise NotFound(f"no outage {outage_id}", field="outage_id")
    if target(outage.state, outage.kind, action) is None:
        raise IllegalTransition(
            f"a {outage.kind} outage that is {outage.state} cannot {action}",
            state=outage.state,
            allowed=allowed_actions(outage.state, outage.kind),
        )
    return outage


def _moved(
    session: Session,
    outage: Outage,
    action: Action,
    by: Actor,
    *,
    claimed_at: datetime | None = None,
    note: str | None = None,
) -> Outage:
    before = outage.state
    state = target(before, outage.kind, action)
    assert state is not None  # checked by _load_for_move
    outage.state = state
    outage.version += 1
    begins, ends = _window(outage)
    session.execute(
        update(OutageTransformer)
        .where(OutageTransformer.outage_id == outage.id)
        .values(begins_at=begins, ends_at=ends)
    )
    _event(session, outage, action, before, by, clock.now(), claimed_at=claimed_at, note=note)
    session.flush()
    coming.invalidate_cache()  # what this process tells with a bill changes at once
    return outage


def publish_notice(
    session: Session, outage_id: int, *, by: Actor, text: str | None = None
) -> OutageNotice:
    """公告: the notice goes out now, with the times it announces."""
    outage = _load_for_move(session, outage_id, Action.PUBLISH, by=by)
    now = clock.now()
    if outage.kind == Kind.PLANNED and (problem := notice_problem(outage.starts_at, now)):
        raise ValidationFailed(f"starts_at: {problem}", field="starts_at")
    notice = OutageNotice(
        outage_id=outage.id,
        published_at=now,
        published_by_id=by.id,
        starts_at=outage.starts_at,
        expected_restoration_at=outage.expected_restoration_at,
        text=text.strip() if text and text.strip() else None,
    )
    session.add(notice)
    _moved(session, outage, Action.PUBLISH, by)
    session.flush()
    # In writing to every account it will cut off, with the notice (customer_notices.py).
    customer_notices.planned_outage_notice(session, outage, notice)
    return notice


def reschedule(
    session: Session,
    outage_id: int,
    *,
    by: Actor,
    starts_at: datetime,
    expected_restoration_at: datetime,
    reason: str | None = None,
) -> Outage:
    """Other times for an outage not yet announced (the notice rule applies to the new start),
    with why, when given (kept in the history after the times)."""
    outage = _load_for_move(session, outage_id, Action.RESCHEDULE, by=by)
    why = (reason or "").strip()
    if len(why) > MAX_REASON:
        raise ValidationFailed(f"reason: at most {MAX_REASON} characters", field="reason")
    starts_at = _check_moment(starts_at, field="starts_at")
    expected = _check_moment(expected_restoration_at, field="expected_restoration_at")
    if expected <= starts_at:
        raise ValidationFailed(
            "expected_restoration_at: after the start", field="expected_restoration_at"
        )
    if outage.kind == Kind.PLANNED and (problem := notice_problem(starts_at, clock.now())):
        raise ValidationFailed(f"starts_at: {problem}", field="starts_at")
    note = f"{outage.starts_at:%Y-%m-%d %H:%M} → {starts_at:%Y-%m-%d %H:%M}"
    if why:
        note = f"{note}: {why}"
    outage.starts_at, outage.expected_restoration_at = starts_at, expected
    return _moved(session, outage, Action.RESCHEDULE, by, note=note)


def start(session: Session, outage_id: int, *, by: Actor, at: datetime | None = None) -> Outage:
    """停电: the supply is cut (at `at`, when entered afterwards)."""
    outage = _load_for_move(session, outage_id, Action.START, by=by)
    started = _claimed(at, field="at", not_before=None)
    outage.started_at = started
    return _moved(session, outage, Action.START, by, claimed_at=at and started)


def update_restoration(
    session: Session,
    outage_id: int,
    *,
    by: Actor,
    expected_restoration_at: datetime,
    note: str | None = None,
) -> Outage:
    """预计复电时间 changed while the supply is off (what the desk tells callers)."""
    outage = _load_for_move(session, outage_id, Action.UPDATE_RESTORATION, by=by)
    expected = _check_moment(expected_restoration_at, field="expected_restoration_at")
    started = outage.started_at or outage.starts_at
    if expected <= started:
        raise ValidationFailed(
            "expected_restoration_at: after the start", field="expected_restoration_at"
        )
    said = f"{outage.expected_restoration_at:%Y-%m-%d %H:%M} → {expected:%Y-%m-%d %H:%M}"
    outage.expected_restoration_at = expected
    why = f"{said}: {note.strip()}" if note and note.strip() else said
    return _moved(session, outage, Action.UPDATE_RESTORATION, by, note=why[:500])


def restore(session: Session, outage_id: int, *, by: Actor, at: datetime | None = None) -> Outage:
    """复电: the supply is back (at `at`, when entered afterwards)."""
    outage = _load_for_move(session, outage_id, Action.RESTORE, by=by)
    restored = _claimed(at, field="at", not_before=outage.started_at)
    outage.restored_at = restored
    return _moved(session, outage, Action.RESTORE, by, claimed_at=at and restored)


def cancel(session: Session, outage_id: int, *, by: Actor, reason: str) -> Outage:
    """取消 before it starts, with the reason (kept in the history)."""
    outage = _load_for_move(session, outage_id, Action.CANCEL, by=by)
    if not reason.strip():
        raise ValidationFailed("reason: say why it is cancelled", field="reason")
    return _moved(session, outage, Action.CANCEL, by, note=reason.strip()[:500])


# Events of a crew's job on the outage: the history says who was sent and when it was there.
CREW_EVENTS = (Action.SEND_CREW, Action.CREW_ARRIVED)


def note_crew(
    session: Session,
    outage_id: int,
    action: Action,
    *,
    by: Actor,
    note: str,
    claimed_at: datetime | None = None,
) -> Outage:
    """A crew's step in the outage's history (sent, on site), moving nothing: by whoever sends
    crews, or by the crew from its phone (its job was checked by crews.jobs)."""
    if can(by, Permission.DISPATCH_CREWS):
        require(by, Permission.DISPATCH_CREWS)
    else:
        require(by, Permission.REPORT_CREW)
    if action not in CREW_EVENTS:
        raise ValueError(f"{action} is not a crew's event")
    outage = session.get(Outage, outage_id)
    if outage is None:
        raise NotFound(f"no outage {outage_id}", field="outage_id")
    _event(
        session,
        outage,
        action,
        outage.state,
        by,
        clock.now(),
        claimed_at=claimed_at,
        note=note[:500],
    )
    session.flush()
    return outage


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutageRecord:
    outage: Outage
    feeders: list[str]
    transformers: int  # how many transformer areas it covers
    notices: list[OutageNotice]
    events: list[OutageEvent]
    allowed: list[str]


def get_outage(session: Session, outage_id: int, *, by: Actor) -> OutageRecord:
    require(by, Permission.VIEW_OUTAGES)
    outage = session.get(Outage, outage_id)
    if outage is None:
        raise NotFound(f"no outage {outage_id}", field="outage_id")
    feeders = session.scalars(
        select(Feeder.code)
        .join(OutageFeeder, OutageFeeder.feeder_id == Feeder.id)
        .where(OutageFeeder.outage_id == outage.id)
        .order_by(Feeder.code)
    ).all()
    covered = session.scalar(select(func.count()).where(OutageTransformer.outage_id == outage.id))
    notices = session.scalars(
        select(OutageNotice).where(OutageNotice.outage_id == outage.id).order_by(OutageNotice.id)
    ).all()
    events = session.scalars(
        select(OutageEvent).where(OutageEvent.outage_id == outage.id).order_by(OutageEvent.id)
    ).all()
    return OutageRecord(
        outage,
        list(feeders),
        int(covered or 0),
        list(notices),
        list(events),
        allowed_actions(outage.state, outage.kind),
    )


def list_outages(
    session: Session,
    *,
    by: Actor,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Outage]:
    """Newest start first."""
    require(by, Permission.VIEW_OUTAGES)
    query = select(Outage)
    if state is not None:
        if state not in set(State):
            raise ValidationFailed(f"state: one of {', '.join(State)}", field="state")
        query = query.where(Outage.state == state)
    if kind is not None:
        if kind not in set(Kind):
            raise ValidationFailed(f"kind: one of {', '.join(Kind)}", field="kind")
        query = query.where(Outage.kind == kind)
    query = query.order_by(Outage.starts_at.desc(), Outage.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Supply:
    """What supplies a premises, and the outage covering it at the moment asked, if any."""

    premises_id: int
    transformer: str | None
    transformer_name: str | None
    feeder: str | None
    feeder_name: str | None
    outage: Outage | None


def _supply_query(base: type[Premises] | type[Account], premises: Any, at: datetime) -> Any:
    """From a premises (or an account's premises) to its transformer, feeder and the one outage
    whose window holds `at`: the supply row by its primary key, then one range of
    ix_outage_transformer_window; the latest start wins when windows overlap."""
    covering = and_(
        OutageTransformer.transformer_id == PremisesSupply.transformer_id,
        OutageTransformer.begins_at <= at,
        or_(OutageTransformer.ends_at.is_(None), OutageTransformer.ends_at > at),
    )
    return (
        select(
            premises, TransformerArea.code, TransformerArea.name, Feeder.code, Feeder.name, Outage
        )
        .select_from(base)
        .outerjoin(PremisesSupply, PremisesSupply.premises_id == premises)
        .outerjoin(TransformerArea, TransformerArea.id == PremisesSupply.transformer_id)
        .outerjoin(Feeder, Feeder.id == TransformerArea.feeder_id)
        .outerjoin(OutageTransformer, covering)
        .outerjoin(Outage, Outage.id == OutageTransformer.outage_id)
        .order_by(OutageTransformer.begins_at.desc().nulls_last())
        .limit(1)
    )


def active_outage_for_premises(
    session: Session, premises_id: int, at: datetime | None = None, *, by: Actor
) -> Supply:
    """The outage covering a premises at `at` (now by default), in one statement."""
    require(by, Permission.VIEW_OUTAGES)
    moment = _check_moment(at, field="at") if at is not None else clock.now()
    row = session.execute(
        _supply_query(Premises, Premises.id, moment).where(Premises.id == premises_id)
    ).first()
    if row is None:
        raise NotFound(f"no premises {premises_id}", field="premises_id")
    return Supply(*row)


def active_outage_for_account(
    session: Session, number: str, at: datetime | None = None, *, by: Actor
) -> Supply:
    """The same by account number (户号): uq_account_number first, still one statement."""
    require(by, Permission.VIEW_OUTAGES)
    moment = _check_moment(at, field="at") if at is not None else clock.now()
    row = session.execute(
        _supply_query(Account, Account.premises_id, moment).where(Account.number == number)
    ).first()
    if row is None:
        raise NotFound(f"no account {number}", field="account")
    return Supply(*row)


def supplies(session: Session, premises_ids: Sequence[int], *, by: Actor) -> dict[int, Supply]:
    """台区 and 线路 of each premises (the customer view), without outages."""
    require(by, Permission.VIEW_CUSTOMERS)
    if not premises_ids:
        return {}
    rows = session.execute(
        select(
            PremisesSupply.premises_id,
            TransformerArea.code,
            TransformerArea.name,
            Feeder.code,
            Feeder.name,
        )
        .join(TransformerArea, TransformerArea.id == PremisesSupply.transformer_id)
        .join(Feeder, Feeder.id == TransformerArea.feeder_id)
        .where(PremisesSupply.premises_id.in_(sorted(set(premises_ids))))
    )
    return {r[0]: Supply(r[0], r[1], r[2], r[3], r[4], None) for r in rows}


@dataclass(frozen=True)
class PublicOutage:
    outage: Outage
    published_at: datetime
    feeders: list[str]


def announced(session: Session, at: datetime, *, limit: int = 200) -> list[PublicOutage]:
    """停电公告 as the public reads them: planned and temporary outages announced and not over
    at `at`, soonest first. Public (the disclosure page): what a notice says is published."""
    rows = session.execute(
        select(Outage, func.max(OutageNotice.published_at))
        .join(OutageNotice, OutageNotice.outage_id == Outage.id)
        .where(
            Outage.state.in_([State.ANNOUNCED, State.ACTIVE]),
            Outage.expected_restoration_at > at,
        )
        .group_by(Outage.id)
        .order_by(Outage.starts_at, Outage.id)
        .limit(limit)
    ).all()
    ids = [outage.id for outage, _ in rows]
    names: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for outage_id, name in session.execute(
            select(OutageFeeder.outage_id, Feeder.name)
            .join(Feeder, Feeder.id == OutageFeeder.feeder_id)
            .where(OutageFeeder.outage_id.in_(ids))
            .order_by(Feeder.name)
        ):
            names[outage_id].append(name)
    return [PublicOutage(outage, published, names[outage.id]) for outage, published in rows]
