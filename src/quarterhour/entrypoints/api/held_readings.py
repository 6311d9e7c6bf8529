"""Held readings (待审核的抄表): the months the bill run would not bill, and their review."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query

from quarterhour.billing import reading_review, records
from quarterhour.billing.models import HeldReading
from quarterhour.billing.reading_review import Review
from quarterhour.billing.schemas import (
    AcceptIn,
    CorrectIn,
    HeldCaseOut,
    HeldReadingOut,
    MonthReadingOut,
    ReviewOut,
    VoidHeldIn,
)
from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.kit.bounds import DbId, Text

router = APIRouter(
    prefix="/held-readings", tags=["accounts and bills"], responses=SIGNED_IN | REFUSED
)
HeldId = Annotated[DbId, Path(description="a held reading's id")]


def _held_out(held: HeldReading, account: str) -> HeldReadingOut:
    return HeldReadingOut(
        id=held.id,
        account=account,
        period=held.period,
        reason=held.reason,
        detail=held.detail,
        created_at=held.created_at,
        resolved_at=held.resolved_at,
        decision=held.decision,
    )


def _review_out(review: Review) -> ReviewOut:
    row = review.row
    return ReviewOut(
        id=row.id,
        held_reading_id=row.held_reading_id,
        account=review.account_number,
        period=row.period,
        decision=row.decision,
        reason=row.reason,
        reading_id=row.reading_id,
        new_reading_id=row.new_reading_id,
        total_before=row.total_before,
        total_after=row.total_after,
        kwh_before=row.kwh_before,
        kwh_after=row.kwh_after,
        reviewed_by_id=row.reviewed_by_id,
        reviewed_by=review.reviewer,
        reviewed_at=row.reviewed_at,
    )


@router.get("", response_model=list[HeldReadingOut])
def held(
    ctx: CtxDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[HeldReadingOut]:
    """The months waiting for review, newest period first."""
    rows = records.held_for_review(ctx.session, by=ctx.actor, limit=limit, offset=offset)
    return [_held_out(h, number) for h, number in rows]


@router.get("/reviews", response_model=list[ReviewOut], responses=answers(404))
def reviews(
    ctx: CtxDep,
    account: Annotated[
        Text | None, Query(min_length=1, max_length=20, description="户号 (404 if none such)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ReviewOut]:
    """The decisions taken, newest first: one account's, or everyone's."""
    found = reading_review.reviews(ctx.session, by=ctx.actor, account_number=account, limit=limit)
    return [_review_out(r) for r in found]


@router.get("/{held_id}", response_model=HeldCaseOut, responses=answers(404))
def held_case(held_id: HeldId, ctx: CtxDep) -> HeldCaseOut:
    """One held month with what a reviewer needs: its readings in force (each with the value it
    follows), its consumption against the usual month, the run's note and earlier decisions."""
    case = reading_review.held_case(ctx.session, held_id, by=ctx.actor)
    return HeldCaseOut(
        held=_held_out(case.held, case.account.number),
        readings=[
            MonthReadingOut(
                id=r.id,
                meter=meter.number,
                read_on=r.read_on,
                total=r.total,
                previous_total=r.previous_total,
                peak=r.peak,
                valley=r.valley,
                rolled_over=r.rolled_over,
            )
            for meter, r in case.readings
        ],
        kwh=case.kwh,
        usual=case.usual,
        history=[_review_out(r) for r in case.history],
        next_held_id=reading_review.next_held(ctx.session, case.held.id, by=ctx.actor),
    )


def _decide(
    ctx: CtxDep,
    held_id: int,
    decision: str,
    reason: str,
    *,
    reading_id: int | None = None,
    total: Decimal | None = None,
    peak: Decimal | None = None,
    valley: Decimal | None = None,
) -> ReviewOut:
    review = reading_review.review(
        ctx.session,
        held_id,
        by=ctx.actor,
        decision=decision,
        reason=reason,
        reading_id=reading_id,
        total=total,
        peak=peak,
        valley=valley,
    )
    out = _review_out(review)
    ctx.session.commit()
    return out


_DECIDED = answers(404, 409)


@router.post("/{held_id}/accept", response_model=ReviewOut, responses=_DECIDED)
def accept(held_id: HeldId, body: AcceptIn, ctx: CtxDep) -> ReviewOut:
    """确认: the consumption is real (only a month held as implausible); the next run of the
    period bills it. 409 when someone reviewed the month first."""
    return _decide(ctx, held_id, "accept", body.reason)


@router.post("/{held_id}/correct", response_model=ReviewOut, responses=_DECIDED)
def correct(held_id: HeldId, body: CorrectIn, ctx: CtxDep) -> ReviewOut:
    """更正: the reading's corrected register value, checked like any reading (within the
    register, not below the value it follows, not above the next reading). The original is
    kept, voided, and the new reading names it; the next run of the period bills the corrected
    value."""
    return _decide(
        ctx,
        held_id,
        "correct",
        body.reason,
        reading_id=body.reading_id,
        total=body.total,
        peak=body.peak,
        valley=body.valley,
    )


@router.post("/{held_id}/void", response_model=ReviewOut, responses=_DECIDED)
def void(held_id: HeldId, body: VoidHeldIn, ctx: CtxDep) -> ReviewOut:
    """作废: the month's reading is set aside as on the readings page (kept in the history, the
    next reading follows the one before it)."""
    return _decide(ctx, held_id, "void", body.reason, reading_id=body.reading_id)
