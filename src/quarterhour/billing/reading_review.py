"""A held month reviewed (审核): a person decides on what the bill run would not bill.

- accept: the consumption is real (a new heater, a shop's season); the month is no longer held
  and the next run of the period bills it instead of holding it again;
- correct: one of the month's readings was misread; the corrected value is recorded as a new
  reading that supersedes the original (voided and kept, `corrects_id` names it), checked like
  any reading, and the next run bills it;
- void: the reading is set aside as an administrator's void does (`accounts.set_aside`).

Every decision appends a `reading_review` row: who, when, which, why, and the register value
and the month's consumption before and after. Two people deciding on one held month at once:
the first wins, the second is answered 409 (one guarded UPDATE of the held row, which
PostgreSQL's row lock and SQLite's single writer both serialise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from quarterhour.access.actor import Actor
from quarterhour.access.permissions import Permission, can, require
from quarterhour.billing.models import Bill, HeldReading, ReadingReview
from quarterhour.customers import accounts
from quarterhour.customers.models import Account, Meter, MeterReading
from quarterhour.errors import Conflict, NotFound, ValidationFailed
from quarterhour.kit import bounds, clock
from quarterhour.organisation.models import Staff
from quarterhour.tariffs.reference import month_back

DECISIONS = ("accept", "correct", "void")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Review:
    """One decision as the history shows it."""

    row: ReadingReview
    account_number: str
    reviewer: str  # the staff member's name; the system's purpose for the command line


@dataclass(frozen=True)
class HeldCase:
    """What a reviewer needs to decide: the month's readings in force (each with the value it
    follows), its consumption against the usual month, the run's note, earlier decisions."""

    held: HeldReading
    account: Account
    readings: list[tuple[Meter, MeterReading]]
    kwh: Decimal | None  # None: a meter has no reading to count from
    usual: Decimal | None  # mean of up to 12 earlier bills; None without any
    history: list[Review]


def _require_view(by: Actor) -> None:
    # Reviewers, and whoever sees customers (the desk answers "why is there no bill?").
    if not can(by, Permission.REVIEW_READINGS):
        require(by, Permission.VIEW_CUSTOMERS)


def held_case(session: Session, held_id: int, *, by: Actor) -> HeldCase:
    _require_view(by)
    held = _held(session, held_id)
    account = session.get(Account, held.account_id)
    assert account is not None  # the held row's own account
    return HeldCase(
        held=held,
        account=account,
        readings=_month_readings(session, held),
        kwh=_month_kwh(session, held.account_id, held.period),
        usual=_usual(session, held.account_id, held.period),
        history=_reviews(session, ReadingReview.held_reading_id == held.id, limit=50),
    )


def next_held(session: Session, after_id: int, *, by: Actor) -> int | None:
    """The held month a reviewer goes on to after `after_id`: the next unreviewed one in the
    list's order (newest period first), or the first one left when the end is reached."""
    _require_view(by)
    after = _held(session, after_id)
    waiting = (
        select(HeldReading.id)
        .where(HeldReading.resolved_at.is_(None), HeldReading.id != after.id)
        .order_by(HeldReading.period.desc(), HeldReading.id)
        .limit(1)
    )
    later = waiting.where(
        (HeldReading.period < after.period)
        | ((HeldReading.period == after.period) & (HeldReading.id > after.id))
    )
    return session.scalar(later) or session.scalar(waiting)


def reviews(
    session: Session, *, by: Actor, account_number: str | None = None, limit: int = 50
) -> list[Review]:
    """The decisions taken, newest first: one account's, or everyone's."""
    _require_view(by)
    if account_number is None:
        return _reviews(session, None, limit=limit)
    account = accounts.get_account(session, account_number)
    return _reviews(session, ReadingReview.account_id == account.id, limit=limit)


def review(
    session: Session,
    held_id: int,
    *,
    by: Actor,
    decision: str,
    reason: str,
    reading_id: int | None = None,
    total: Decimal | None = None,
    peak: Decimal | None = None,
    valley: Decimal | None = None,
) -> Review:
    """One decision on a held month. Everything is checked before anything is written; the
    caller commits once."""
    require(by, Permission.REVIEW_READINGS)
    if decision not in DECISIONS:
        raise ValidationFailed(
            f"decision: one of {', '.join(DECISIONS)}, not {decision[:20]!r}", field="decision"
        )
    why = bounds.check_text(reason.strip(), field="reason")
    if not why:
        raise ValidationFailed("reason: say why", field="reason")
    if len(why) > 200:
        raise ValidationFailed("reason: at most 200 characters", field="reason")
    held = _held(session, held_id)
    if held.resolved_at is not None:
        raise _reviewed_already(held)
    kwh_before = _month_kwh(session, held.account_id, held.period)
    record = ReadingReview(
        held_reading_id=held.id,
        account_id=held.account_id,
        period=held.period,
        decision=decision,
        reason=why,
        kwh_before=kwh_before,
        reviewed_by_id=by.id,
    )
    if decision == "accept":
        if held.reason != "implausible":
            raise ValidationFailed(
                "decision: only a consumption far above the usual month can be accepted;"
                " a missing or negative one needs a correction or a void",
                field="decision",
            )
        _claim(session, held, decision, by)
    elif decision == "correct":
        reading, meter = _reading(session, held, reading_id)
        corrected = _corrected(session, reading, meter, total, peak, valley)
        _claim(session, held, decision, by)
        new = _supersede(session, reading, meter, corrected, by=by, reason=why)
        record.reading_id, record.new_reading_id = reading.id, new.id
        record.total_before, record.total_after = reading.total, new.total
    else:
        reading, meter = _reading(session, held, reading_id)
        _claim(session, held, decision, by)
        accounts.set_aside(session, reading, meter, by=by, reason=why)
        record.reading_id, record.total_before = reading.id, reading.total
    record.kwh_after = _month_kwh(session, held.account_id, held.period)
    record.reviewed_at = clock.now()
    session.add(record)
    session.flush()
    number = session.scalar(select(Account.number).where(Account.id == held.account_id))
    return Review(record, number or "", _name(session, by))


# --- the steps ------------------------------------------------------------------------------


def _held(session: Session, held_id: int) -> HeldReading:
    held = session.get(HeldReading, held_id, populate_existing=True)
    if held is None:
        raise NotFound(f"no held reading {held_id}", field="held_id")
    return held


def _reviewed_already(held: HeldReading) -> Conflict:
    return Conflict(
        f"held reading {held.id} was reviewed already ({held.decision or 'resolved'});"
        " open the list again for the next one",
        field="held_id",
        decision=held.decision,
    )


def _claim(session: Session, held: HeldReading, decision: str, by: Actor) -> None:
    """The held month is this reviewer's: one guarded UPDATE, so that of two reviews at once
    exactly one changes the row (the other waits for the row lock on PostgreSQL, or for the
    write lock on SQLite, then finds it reviewed)."""
    now = clock.now()
    claimed = session.execute(
        update(HeldReading)
        .where(HeldReading.id == held.id, HeldReading.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=by.id, decision=decision)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(held)
        raise _reviewed_already(held)
    session.refresh(held)


def _month_readings(session: Session, held: HeldReading) -> list[tuple[Meter, MeterReading]]:
    rows = session.execute(
        select(Meter, MeterReading)
        .join(MeterReading, MeterReading.meter_id == Meter.id)
        .where(
            Meter.account_id == held.account_id,
            MeterReading.period == held.period,
            MeterReading.kind != "initial",
            MeterReading.voided_at.is_(None),
        )
        .order_by(Meter.number, MeterReading.read_on, MeterReading.id)
    )
    return [(meter, reading) for meter, reading in rows]


def _reading(
    session: Session, held: HeldReading, reading_id: int | None
) -> tuple[MeterReading, Meter]:
    """The reading decided on: one in force of the held account's meters in the held month."""
    month = _month_readings(session, held)
    if reading_id is None and len(month) == 1:
        reading_id = month[0][1].id
    for meter, reading in month:
        if reading.id == reading_id:
            # Locked for the rest of the transaction: a void from the readings page cannot
            # slip in between the checks and the correction.
            session.execute(
                select(MeterReading.id).where(MeterReading.id == reading.id).with_for_update()
            )
            session.refresh(reading)
            if reading.voided_at is not None:
                raise Conflict(f"reading {reading.id} was voided already", field="reading_id")
            return reading, meter
    if not month:
        raise ValidationFailed(
            f"reading_id: the account has no reading in force in {held.period:%Y-%m};"
            " record the month's reading instead",
            field="reading_id",
        )
    raise ValidationFailed(
        f"reading_id: choose one of the month's readings ({', '.join(str(r.id) for _, r in month)})",
        field="reading_id",
    )


@dataclass(frozen=True)
class _Values:
    total: Decimal
    peak: Decimal | None
    valley: Decimal | None


def _corrected(
    session: Session,
    reading: MeterReading,
    meter: Meter,
    total: Decimal | None,
    peak: Decimal | None,
    valley: Decimal | None,
) -> _Values:
    """The corrected register values, checked like any reading: within the register, not
    below the reading it follows (unless the register rolled over), not above the next one."""
    if total is None:
        raise ValidationFailed("total: the corrected register value", field="total")
    if not meter.is_time_of_use:
        for name, value in (("peak", peak), ("valley", valley)):
            if value is not None:
                raise ValidationFailed(
                    f"{name}: meter {meter.number} has no time-of-use registers", field=name
                )
    else:
        peak = reading.peak if peak is None else peak
        valley = reading.valley if valley is None else valley
    limit = Decimal(10) ** meter.digits
    for name, value, before in (
        ("total", total, reading.previous_total),
        ("peak", peak, reading.previous_peak),
        ("valley", valley, reading.previous_valley),
    ):
        if value is None:
            continue
        bounds.check_decimal(value, field=name)
        if not 0 <= value < limit:
            raise ValidationFailed(
                f"{name}: between 0 and {limit - 1} on a {meter.digits}-digit register",
                field=name,
            )
        if before is not None and value < before and not reading.rolled_over:
            raise ValidationFailed(
                f"{name}: {value} is lower than the previous reading {before}", field=name
            )
    total, peak, valley = (None if v is None else v.quantize(CENT) for v in (total, peak, valley))
    assert total is not None  # checked above
    if (total, peak, valley) == (reading.total, reading.peak, reading.valley):
        raise ValidationFailed(
            f"total: {total} is what the reading says; accept the month if it is right",
            field="total",
        )
    following = accounts.following_reading(session, reading, meter)
    if following is not None and not following.rolled_over and following.total < total:
        raise ValidationFailed(
            f"total: {total} is higher than the next reading {following.total}"
            f" of {following.read_on}",
            field="total",
        )
    return _Values(total, peak, valley)


def _supersede(
    session: Session,
    reading: MeterReading,
    meter: Meter,
    values: _Values,
    *,
    by: Actor,
    reason: str,
) -> MeterReading:
    """The original is voided (kept, with the reason) and the corrected reading takes its day,
    its month and the values it followed; the next reading now follows the corrected one."""
    accounts.set_aside(session, reading, meter, by=by, reason=reason)
    rolled = reading.rolled_over and (
        reading.previous_total is not None and values.total < reading.previous_total
    )
    new = MeterReading(
        meter_id=reading.meter_id,
        period=reading.period,
        read_on=reading.read_on,
        kind=reading.kind,
        source=reading.source,
        total=values.total,
        peak=values.peak,
        valley=values.valley,
        previous_total=reading.previous_total,
        previous_peak=reading.previous_peak,
        previous_valley=reading.previous_valley,
        rolled_over=rolled,
        corrects_id=reading.id,
        created_at=clock.now(),
    )
    session.add(new)
    session.flush()
    following = accounts.following_reading(session, new, meter)
    if following is not None and following.kind != "initial":
        following.previous_total = new.total
        following.previous_peak = new.peak
        following.previous_valley = new.valley
        session.flush()
    return new


def _month_kwh(session: Session, account_id: int, period: date) -> Decimal | None:
    """The month's consumption from its readings in force, as the bill run counts it."""
    rows = session.execute(
        select(MeterReading, Meter.multiplier, Meter.digits)
        .join(Meter, Meter.id == MeterReading.meter_id)
        .where(
            Meter.account_id == account_id,
            MeterReading.period == period,
            MeterReading.kind != "initial",
            MeterReading.voided_at.is_(None),
        )
    ).all()
    if not rows:
        return None
    kwh = Decimal(0)
    for reading, multiplier, digits in rows:
        if reading.previous_total is None:
            return None
        used = reading.total - reading.previous_total
        if reading.rolled_over and used < 0:
            used += Decimal(10) ** digits
        kwh += used * multiplier
    return kwh.quantize(CENT)


def _usual(session: Session, account_id: int, period: date) -> Decimal | None:
    mean = session.scalar(
        select(func.avg(Bill.kwh)).where(
            Bill.account_id == account_id,
            Bill.period >= month_back(period, 12),
            Bill.period < period,
        )
    )
    return None if mean is None else Decimal(str(mean)).quantize(CENT)


def _reviews(session: Session, condition: object, *, limit: int) -> list[Review]:
    query = (
        select(ReadingReview, Account.number, Staff.full_name)
        .join(Account, Account.id == ReadingReview.account_id)
        .outerjoin(Staff, Staff.id == ReadingReview.reviewed_by_id)
        .order_by(ReadingReview.reviewed_at.desc(), ReadingReview.id.desc())
        .limit(limit)
    )
    if condition is not None:
        query = query.where(condition)  # type: ignore[arg-type]
    return [Review(row, number, name or "") for row, number, name in session.execute(query)]


def _name(session: Session, by: Actor) -> str:
    if by.id is None:
        return by.username
    return session.scalar(select(Staff.full_name).where(Staff.id == by.id)) or by.username
