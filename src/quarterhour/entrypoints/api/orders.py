"""Contacts (受理) and work orders: queues, one order, lifecycle actions."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, Path, Query, Response, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from quarterhour.access.actor import Actor
from quarterhour.customers.meter_split import record_meter_split
from quarterhour.customers.schemas import FullPhoneOut
from quarterhour.entrypoints.api.deps import Ctx, CtxDep, OneWriteCtxDep
from quarterhour.entrypoints.api.errors import REFUSED, SIGNED_IN, answers
from quarterhour.entrypoints.shared.intake import take_contact_committed
from quarterhour.entrypoints.shared.validation import validated
from quarterhour.errors import ValidationFailed
from quarterhour.kit import bounds
from quarterhour.kit.bounds import BigId, Text
from quarterhour.workorders import (
    attachments,
    crew_jobs,
    moves,
    order_access,
    outage_calls,
    repository,
)
from quarterhour.workorders.filters import OrderFilter
from quarterhour.workorders.lifecycle import MOVES, SYSTEM_ACTIONS, Action, actions_for
from quarterhour.workorders.models import WorkOrder
from quarterhour.workorders.schemas import (
    MAX_ATTACHMENT_BYTES,
    ActionIn,
    ActionResult,
    AutomaticDispatch,
    ContactIn,
    ContactOut,
    MeterSplitIn,
    MeterSplitOut,
    OrderDetail,
    OrderPage,
)

router = APIRouter(tags=["work orders"], responses=SIGNED_IN)


@router.post(
    "/contacts",
    response_model=ContactOut,
    status_code=status.HTTP_201_CREATED,
    responses=REFUSED | answers(404, 409),
)
def take_contact(
    body: ContactIn,
    ctx: OneWriteCtxDep,
    idempotency_key: Annotated[Text | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    result = take_contact_committed(
        ctx.session, body, by=ctx.actor, settings=ctx.settings, idempotency_key=idempotency_key
    )
    contact = result.contact
    out = ContactOut(
        id=contact.id,
        number=contact.number or "",
        channel=contact.channel,
        customer_id=contact.customer_id,
        received_at=contact.received_at,
        episode_id=contact.episode_id,
        orders=(
            repository.summaries_of_customer(result.orders, result.customer)
            if result.customer is not None
            else repository.summaries_for(ctx.session, result.orders)
        ),
    )
    linked = {o.id: o.outage_id for o in result.orders if o.outage_id is not None}
    if linked:
        outages = outage_calls.linked_outages(ctx.session, set(linked.values()), by=ctx.actor)
        out.orders = [
            s.model_copy(update={"outage": outages.get(linked.get(s.id, 0))}) for s in out.orders
        ]
    if result.automatic:
        out.orders = [
            s.model_copy(update={"automatic_dispatch": _automatic(result.automatic[s.id])})
            if s.id in result.automatic
            else s
            for s in out.orders
        ]
    return _json(out, status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


def _automatic(sent: crew_jobs.Automatic) -> AutomaticDispatch:
    crew = sent.crew
    return AutomaticDispatch(
        crew=crew.name if crew is not None else None,
        explanation=sent.suggestion.explanation("zh"),
        explanation_en=sent.suggestion.explanation("en"),
    )


def _json(model: BaseModel, status_code: int = status.HTTP_200_OK) -> Response:
    # Serialised by pydantic in one go: FastAPI would validate the model again against
    # response_model and encode it twice more (jsonable_encoder, then json.dumps).
    return Response(model.model_dump_json(), status_code, media_type="application/json")


class OrderListQuery(OrderFilter):
    # One model for the whole query string: FastAPI hands every parameter to it, and the filter
    # forbids unknown keys, so a separate `with_total` argument would always be refused.
    with_total: bool = Field(default=False, description="also count the matches (one more query)")


@router.get("/orders", response_model=OrderPage, responses=REFUSED)
def list_orders(ctx: CtxDep, q: Annotated[OrderListQuery, Query()]) -> OrderPage:
    return repository.list_orders(ctx.session, q, by=ctx.actor, with_total=q.with_total)


@router.get("/orders/counts", response_model=dict[str, int], responses=answers(403))
def state_counts(ctx: CtxDep) -> dict[str, int]:
    return repository.state_counts(ctx.session, by=ctx.actor)


@router.get("/orders/{order_id}", response_model=OrderDetail, responses=REFUSED | answers(404))
def get_order(order_id: BigId, ctx: CtxDep) -> OrderDetail:
    return repository.order_detail(ctx.session, order_id, by=ctx.actor)


@router.post(
    "/orders/{order_id}/actions/{action}",
    response_model=ActionResult,
    responses=REFUSED | answers(404, 409),
)
def act(
    order_id: BigId,
    action: Annotated[Text, Path(max_length=32)],
    body: ActionIn,
    ctx: OneWriteCtxDep,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response:
    if if_match is not None and body.version is None:
        try:
            seen = bounds.whole_number(if_match.strip('"W/ '), field="If-Match", low=1)
        except ValidationFailed:
            raise ValidationFailed(
                "If-Match must hold the order's version number", field="If-Match"
            ) from None
        body = body.model_copy(update={"version": seen})
    return _move_committed(ctx, order_id, action, body)


def _move_committed(ctx: Ctx, order_id: int, action: str, body: ActionIn) -> Response:
    order = moves.act(ctx.session, order_id, action, body, by=ctx.actor, settings=ctx.settings)
    result = _moved(order, ctx.actor)
    ctx.session.commit()
    return _json(result)


def _moved(order: WorkOrder, actor: Actor) -> ActionResult:
    return ActionResult(
        id=order.id,
        number=order.number or "",
        state=order.state,
        version=order.version,
        due_at=order.due_at,
        rework_count=order.rework_count,
        allowed_actions=[str(a) for a in actions_for(order, actor.role, actor.department_id)],
    )


@router.post(
    "/orders/{order_id}/actions/{action}/files",
    response_model=ActionResult,
    responses=REFUSED | answers(400, 404, 409),  # 400: a body that is not multipart
)
def act_with_files(
    order_id: BigId,
    action: Annotated[Text, Path(max_length=32)],
    ctx: OneWriteCtxDep,
    files: Annotated[list[UploadFile], File(description="photos (JPEG, PNG, WebP) or PDF scans")],
    step: Annotated[
        Text, Form(max_length=20_000, description="the step as JSON, as for the action above")
    ] = "{}",
) -> Response:
    """A step with site photos or scans attached: the files are stored by their content and
    described by their own bytes (type, size, SHA-256) in the step's history."""
    try:
        fields = json.loads(step)
    except ValueError:
        raise ValidationFailed("step: malformed JSON", field="step") from None
    body = validated(ActionIn, fields)
    uploads = [
        attachments.Upload(f.filename or "file", f.file.read(MAX_ATTACHMENT_BYTES + 1))
        for f in files
    ]
    with_files = attachments.attach(ctx.settings.attachments_dir, body, uploads)
    return _move_committed(ctx, order_id, action, with_files)


@router.get(
    "/orders/{order_id}/attachments/{digest}",
    response_class=FileResponse,
    responses=REFUSED | answers(404),
)
def attachment(
    order_id: BigId,
    digest: Annotated[str, Path(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")],
    ctx: CtxDep,
) -> FileResponse:
    """A file attached to one of the order's steps (by its SHA-256), for those who see the order."""
    path, meta = order_access.attachment(
        ctx.session, order_id, digest, by=ctx.actor, settings=ctx.settings
    )
    return FileResponse(path, media_type=meta.content_type, filename=meta.name)


@router.post(
    "/orders/{order_id}/phone", response_model=FullPhoneOut, responses=REFUSED | answers(404)
)
def reveal_caller_phone(order_id: BigId, ctx: CtxDep) -> FullPhoneOut:
    """The caller's whole number, to call him back about this order: for the roles that call
    callers back, and for the order's own department while it is open. Every look recorded."""
    revealed = order_access.reveal_caller_phone(ctx.session, order_id, by=ctx.actor)
    ctx.session.commit()
    return revealed


@router.post(
    "/orders/{order_id}/meter-split",
    response_model=MeterSplitOut,
    responses=REFUSED | answers(404, 409),
)
def meter_split(order_id: BigId, body: MeterSplitIn, ctx: CtxDep) -> MeterSplitOut:
    """分户装表 done on site: the household gets its own meter and account, the shared meter
    (合表) loses it, and the order records the step. For the order's department."""
    order = moves.meter_split_step(ctx.session, order_id, body, by=ctx.actor, settings=ctx.settings)
    account, meter = record_meter_split(
        ctx.session, body, by=ctx.actor, customer_id=order.customer_id, work_order_id=order.id
    )
    result = MeterSplitOut(
        account=account,
        meter=meter,
        order=_moved(order, ctx.actor),
    )
    ctx.session.commit()
    return result


@router.get("/lifecycle")
def lifecycle(_: CtxDep) -> list[dict[str, object]]:
    """The table of allowed moves, as data (state, action → targets, roles)."""
    return [
        {
            "state": m.state,
            "action": m.action,
            "targets": [t for t in m.targets],
            "roles": sorted(m.roles),
            "department_only": m.department_only,
            "guard": m.guard,
        }
        for m in MOVES
        if m.action not in SYSTEM_ACTIONS or m.action is Action.ACCEPT
    ]
