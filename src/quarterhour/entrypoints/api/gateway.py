"""The SMS gateway's callbacks: delivery reports and the texts customers send back (the survey's
answers). Open to the gateway alone: each body must carry its HMAC-SHA256 signature with the
installation's gateway key (notifications/sms_gateway.py; docs/integration.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.orm import Session

from quarterhour.access.actor import system
from quarterhour.config import Settings
from quarterhour.entrypoints.api.errors import answers
from quarterhour.entrypoints.shared.sessions import SessionDep
from quarterhour.errors import NotFound, Unauthenticated
from quarterhour.notifications import sending, sms_gateway
from quarterhour.workorders import sms_survey

router = APIRouter(prefix="/gateway/sms", tags=["gateway"])
GATEWAY = system("sms-gateway")


class ReportOut(BaseModel):
    message_id: int | None


class InboundOut(BaseModel):
    work_order_id: int | None
    outcome: str | None
    note: str | None


async def _signed(request: Request, signature: str | None) -> bytes:
    key = request.app.state.settings.sms_gateway_key
    if not key:
        raise NotFound("no SMS gateway is configured", field="gateway")
    body = await request.body()
    if not sms_gateway.verify_signature(key, body, signature):
        raise Unauthenticated("X-Signature: not signed with the gateway's key", field="X-Signature")
    return body


@router.post("/reports", response_model=ReportOut, responses=answers(401, 404, 422))
async def delivery_report(
    request: Request,
    session: SessionDep,
    x_signature: Annotated[str | None, Header(max_length=200)] = None,
) -> ReportOut:
    """A message delivered to the phone, or failed: the outbox and the order's timeline say so."""
    report = sms_gateway.parse_delivery_report(await _signed(request, x_signature))
    # The database's work off the event loop: on SQLite a wait for the one writer must never
    # hold up the requests whose end would free it.
    return await run_in_threadpool(_record_report, session, report)


def _record_report(session: Session, report: sms_gateway.DeliveryReport) -> ReportOut:
    message_id = sending.receive_report(
        session,
        report.provider_id,
        report.status,
        report.at,
        error=report.error,
        client_ref=report.client_ref,
        by=GATEWAY,
    )
    session.commit()
    return ReportOut(message_id=message_id)


@router.post("/inbound", response_model=InboundOut, responses=answers(401, 404, 422))
async def inbound(
    request: Request,
    session: SessionDep,
    x_signature: Annotated[str | None, Header(max_length=200)] = None,
) -> InboundOut:
    """A customer's text: kept, and the follow-up of the order whose survey it answers."""
    text = sms_gateway.parse_inbound(await _signed(request, x_signature))
    return await run_in_threadpool(_record_reply, session, text, request.app.state.settings)


def _record_reply(session: Session, text: sms_gateway.InboundSms, settings: Settings) -> InboundOut:
    answer = sms_survey.record_reply(
        session,
        sender=text.phone,
        text=text.text,
        received_at=text.at,
        provider_id=text.provider_id,
        by=GATEWAY,
        settings=settings,
    )
    session.commit()
    return InboundOut(work_order_id=answer.work_order_id, outcome=answer.outcome, note=answer.note)
