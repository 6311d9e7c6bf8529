"""Quality figures and the call mix (read only; permission VIEW_STATS, checked in analytics)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from quarterhour.analytics import service as analytics
from quarterhour.analytics.message_schemas import MessageQuery, MessageReport
from quarterhour.analytics.messages import message_figures
from quarterhour.analytics.repair_schemas import RepairQuery, RepairReport
from quarterhour.analytics.repairs import repair_figures
from quarterhour.analytics.schemas import MixQuery, MixReport, QualityReport, StatsQuery
from quarterhour.entrypoints.api.deps import CtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN

router = APIRouter(prefix="/stats", tags=["quality figures"], responses=SIGNED_IN)


@router.get("/quality", response_model=QualityReport, responses=REFUSED)
def quality(ctx: CtxDep, q: Annotated[StatsQuery, Query()]) -> QualityReport:
    """Handling, follow-up, satisfaction and on-time rates of the orders accepted in a period,
    in total, per order type and per department."""
    return analytics.quality_figures(ctx.session, q, by=ctx.actor)


@router.get("/mix", response_model=MixReport, responses=REFUSED)
def call_mix(ctx: CtxDep, q: Annotated[MixQuery, Query()]) -> MixReport:
    """Orders accepted per type per day, week (from Monday) or month, Asia/Shanghai."""
    return analytics.call_mix(ctx.session, q, by=ctx.actor)


@router.get("/repairs", response_model=RepairReport, responses=REFUSED)
def repairs(ctx: CtxDep, q: Annotated[RepairQuery, Query()]) -> RepairReport:
    """抢修与停电: arrival and restoration times of fault repairs and fault outages against the
    SGCC commitments, by district and area class; outages by kind and cause, their linked
    calls, customer-hours lost and SAIDI-style minutes per customer (analytics/repairs.py).
    A bad or too long period, or an unknown district, is a 422 naming the field."""
    return repair_figures(ctx.session, q, by=ctx.actor)


@router.get("/messages", response_model=MessageReport, responses=REFUSED)
def messages(ctx: CtxDep, q: Annotated[MessageQuery, Query()]) -> MessageReport:
    """Customers' messages written in a period (the outbox): per channel and in total, how many
    were suppressed, queued, sent, delivered and failed, the delivery and failure rates, the
    time from written to sent and to delivered (mean, p50, p90, p99); per kind; the SMS
    satisfaction survey's response rate and the share of follow-ups closed by SMS
    (analytics/messages.py). A bad or too long period is a 422 naming the field."""
    return message_figures(ctx.session, q, by=ctx.actor)
