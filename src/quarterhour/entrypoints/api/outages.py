"""Outages (停电): declared, announced, started, restored or cancelled; and the lookup the desk
asks while a caller is on the line: is his premises out now?"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.errors import ValidationFailed
from quarterhour.kit import clock
from quarterhour.kit.bounds import DbId, SaneDateTime, Text
from quarterhour.outages import service
from quarterhour.outages.models import Outage
from quarterhour.outages.schemas import (
    CallsOut,
    CancelIn,
    DeclareIn,
    EventOut,
    LookupOut,
    MomentIn,
    NoticeOut,
    OutageOut,
    OutageRecordOut,
    PublishIn,
    RescheduleIn,
    RestorationIn,
)
from quarterhour.workorders import call_clusters, outage_answers, outage_calls
from quarterhour.workorders.call_clusters import SuggestedOutage

router = APIRouter(prefix="/outages", tags=["outages"], responses=SIGNED_IN | REFUSED)
OutageId = Annotated[DbId, Path(description="an outage's id")]


def _out(outage: Outage) -> OutageOut:
    return OutageOut.model_validate(outage, from_attributes=True)


def _record(ctx: CtxDep, outage_id: int) -> OutageRecordOut:
    record = service.get_outage(ctx.session, outage_id, by=ctx.actor)
    counts = outage_answers.call_counts(ctx.session, [outage_id], by=ctx.actor)[outage_id]
    return OutageRecordOut(
        calls=CallsOut(linked=counts.linked, answered_on_the_spot=counts.answered_on_the_spot),
        outage=_out(record.outage),
        feeders=record.feeders,
        transformers=record.transformers,
        notices=[
            NoticeOut(
                published_at=n.published_at,
                starts_at=n.starts_at,
                expected_restoration_at=n.expected_restoration_at,
                text=n.text,
                days_ahead=round((n.starts_at - n.published_at) / timedelta(days=1), 2),
            )
            for n in record.notices
        ],
        events=[EventOut.model_validate(e, from_attributes=True) for e in record.events],
        allowed_actions=record.allowed,
    )


def _lookup_out(supply: service.Supply, at: datetime) -> LookupOut:
    return LookupOut(
        premises_id=supply.premises_id,
        at=at,
        transformer=supply.transformer,
        transformer_name=supply.transformer_name,
        feeder=supply.feeder,
        feeder_name=supply.feeder_name,
        outage=_out(supply.outage) if supply.outage is not None else None,
    )


@router.get("", response_model=list[OutageOut])
def outages(
    ctx: CtxDep,
    state: Annotated[
        Literal["planned", "announced", "active", "restored", "cancelled"] | None, Query()
    ] = None,
    kind: Annotated[Literal["planned", "temporary", "fault"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[OutageOut]:
    """Outages, the latest start first."""
    found = service.list_outages(
        ctx.session, by=ctx.actor, state=state, kind=kind, limit=limit, offset=offset
    )
    return [_out(o) for o in found]


@router.get("/lookup", response_model=LookupOut, responses=answers(404))
def lookup(
    ctx: CtxDep,
    account: Annotated[
        Text | None, Query(min_length=1, max_length=20, description="户号 (404 if none such)")
    ] = None,
    premises_id: Annotated[DbId | None, Query(description="or a premises' id")] = None,
    at: Annotated[SaneDateTime | None, Query(description="the moment asked (default: now)")] = None,
) -> LookupOut:
    """Is the premises of this account (or this premises) out at `at`? Its 台区 and 线路 and the
    outage covering it then — announced, in effect, or restored after `at` — or none."""
    moment = at or clock.now()
    if account is not None:
        supply = service.active_outage_for_account(ctx.session, account, moment, by=ctx.actor)
    elif premises_id is not None:
        supply = service.active_outage_for_premises(ctx.session, premises_id, moment, by=ctx.actor)
    else:
        raise ValidationFailed("account: give an account number or a premises id", field="account")
    return _lookup_out(supply, moment)


@router.get("/suggested", response_model=list[SuggestedOutage])
def suggested(
    ctx: CtxDep,
    minutes: Annotated[
        int, Query(ge=1, le=1440, description="how far back the calls are read")
    ] = int(call_clusters.WINDOW / timedelta(minutes=1)),
    threshold: Annotated[
        int, Query(ge=2, le=call_clusters.MAX_THRESHOLD, description="calls that make a group")
    ] = call_clusters.THRESHOLD,
) -> list[SuggestedOutage]:
    """疑似故障停电: open fault calls not linked to an outage, from the last `minutes`, grouped by
    transformer area (台区), by feeder (线路) when they come from several of its areas, or by
    distance (within 300 m) where the network does not know the premises; areas already out are
    left out. Most calls first. Declaring the fault (POST) links these calls to it."""
    return call_clusters.suggested(
        ctx.session, by=ctx.actor, window=timedelta(minutes=minutes), threshold=threshold
    )


@router.post("", response_model=OutageRecordOut, status_code=201)
def declare(body: DeclareIn, ctx: CtxDep) -> OutageRecordOut:
    """登记: a planned outage at least 7 days ahead (its notice must precede it by 7 days; a
    sooner start is refused naming `starts_at`), a temporary one, or a fault in effect now. It
    covers the named transformers (台区) and every transformer of the named feeders (线路). A
    fault takes in the open calls from inside it since its start (`linked_calls`)."""
    declared = outage_calls.declare_outage(
        ctx.session,
        by=ctx.actor,
        kind=body.kind,
        cause=body.cause,
        area=body.area,
        starts_at=body.starts_at,
        expected_restoration_at=body.expected_restoration_at,
        feeders=body.feeders,
        transformers=body.transformers,
    )
    out = _record(ctx, declared.outage.id).model_copy(update={"linked_calls": declared.linked})
    ctx.session.commit()
    return out


@router.get("/{outage_id}", response_model=OutageRecordOut, responses=answers(404))
def outage(outage_id: OutageId, ctx: CtxDep) -> OutageRecordOut:
    """One outage with its feeders, notices, history and the steps allowed next."""
    return _record(ctx, outage_id)


_MOVED = answers(404, 409)


def _after(ctx: CtxDep, outage_id: int) -> OutageRecordOut:
    out = _record(ctx, outage_id)
    ctx.session.commit()
    return out


@router.post("/{outage_id}/publish", response_model=OutageRecordOut, responses=_MOVED)
def publish(outage_id: OutageId, body: PublishIn, ctx: CtxDep) -> OutageRecordOut:
    """公告: the notice is published now; a planned outage starting less than 7 days later is
    refused (422, `starts_at`). 409 with the allowed steps once it is announced or over."""
    service.publish_notice(ctx.session, outage_id, by=ctx.actor, text=body.text)
    return _after(ctx, outage_id)


@router.post("/{outage_id}/reschedule", response_model=OutageRecordOut, responses=_MOVED)
def reschedule(outage_id: OutageId, body: RescheduleIn, ctx: CtxDep) -> OutageRecordOut:
    """Other times, before the notice (the notice rule applies to the new start)."""
    service.reschedule(
        ctx.session,
        outage_id,
        by=ctx.actor,
        starts_at=body.starts_at,
        expected_restoration_at=body.expected_restoration_at,
    )
    return _after(ctx, outage_id)


@router.post("/{outage_id}/start", response_model=OutageRecordOut, responses=_MOVED)
def start(outage_id: OutageId, body: MomentIn, ctx: CtxDep) -> OutageRecordOut:
    """停电: the supply is cut. A planned outage must be announced first (409)."""
    service.start(ctx.session, outage_id, by=ctx.actor, at=body.at)
    return _after(ctx, outage_id)


@router.post("/{outage_id}/restoration", response_model=OutageRecordOut, responses=_MOVED)
def update_restoration(outage_id: OutageId, body: RestorationIn, ctx: CtxDep) -> OutageRecordOut:
    """预计复电时间 moved while the supply is off."""
    service.update_restoration(
        ctx.session,
        outage_id,
        by=ctx.actor,
        expected_restoration_at=body.expected_restoration_at,
        note=body.note,
    )
    return _after(ctx, outage_id)


@router.post("/{outage_id}/restore", response_model=OutageRecordOut, responses=_MOVED)
def restore(outage_id: OutageId, body: MomentIn, ctx: CtxDep) -> OutageRecordOut:
    """复电: the supply is back (not before it was cut), and every call linked to the outage
    that is not yet replied to gets its reply now (SMS, recorded on each order)."""
    restored = outage_calls.restore_outage(
        ctx.session, outage_id, by=ctx.actor, settings=ctx.settings, at=body.at
    )
    out = _record(ctx, outage_id).model_copy(update={"replied_calls": restored.replied})
    ctx.session.commit()
    return out


@router.post("/{outage_id}/cancel", response_model=OutageRecordOut, responses=_MOVED)
def cancel(outage_id: OutageId, body: CancelIn, ctx: CtxDep) -> OutageRecordOut:
    """取消 before it starts, with the reason."""
    service.cancel(ctx.session, outage_id, by=ctx.actor, reason=body.reason)
    return _after(ctx, outage_id)
