"""The administrators' webhook endpoints (an admin tab): the endpoints with their recent
deliveries, a form to add one (its signing key shown once, on the answer to that form), an
endpoint's form to change it, and its deactivation. Every handler goes through
notifications/admin.py, which asks the permission layer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.routes.admin import tab_page
from quarterhour.entrypoints.web.session import Console, ConsoleDep, back_to_the_form
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import DomainError, NotFound, ValidationFailed
from quarterhour.kit.bounds import DbId
from quarterhour.notifications import admin as messages_admin
from quarterhour.notifications import templates
from quarterhour.notifications.models import WebhookEndpoint

router = APIRouter(prefix="/console/admin/webhooks", include_in_schema=False)

HOME = "/console/admin/webhooks"
# Kinds another system may hear of: a verification code is the customer's alone.
OFFERED = {n: k for n, k in templates.KINDS.items() if n not in templates.NEVER_TO_WEBHOOKS}

Kinds = Annotated[list[str] | None, Form(max_length=len(templates.KINDS))]


def _page(
    console: Console,
    name: str,
    values: dict[str, Any],
    *,
    error: Refusal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return tab_page(
        console,
        name,
        "webhooks",
        error=error,
        status_code=status_code,
        done=None,  # the pages say what was done themselves
        said=console.request.query_params.get("done"),
        kinds=templates.KINDS,
        offered=OFFERED,
        **values,
    )


def _list_page(
    console: Console,
    *,
    created: WebhookEndpoint | None = None,
    typed: dict[str, str] | None = None,
    chosen: list[str] | None = None,
    error: Refusal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return _page(
        console,
        "console/admin_webhooks.html",
        {
            "endpoints": messages_admin.endpoints(console.session, by=console.actor),
            "created": created,
            "typed": typed or {},
            "chosen": chosen or [],
        },
        error=error,
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
def webhook_endpoints(console: ConsoleDep) -> HTMLResponse:
    return _list_page(console)


@router.post("", response_model=None)
def add_webhook_endpoint(
    console: ConsoleDep,
    url: Annotated[str, Form(max_length=500)] = "",
    kinds: Kinds = None,
) -> Response:
    chosen = [k[:32] for k in kinds or []]
    url = url.strip()
    try:
        row = messages_admin.add_endpoint(console.session, url, chosen, by=console.actor)
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        error = Words(console.lang).refusal(exc)
        return _list_page(
            console,
            typed={"url": url},
            chosen=chosen,
            error=error,
            status_code=exc.status_code,
        )
    # Answered here rather than redirected: the key must not travel in an address (history,
    # proxies' logs), and this answer is the only time it is shown.
    return _list_page(console, created=row)


def _edit_page(
    console: Console,
    endpoint_id: int,
    *,
    typed: dict[str, str] | None = None,
    chosen: list[str] | None = None,
    error: Refusal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = [
        e
        for e in messages_admin.endpoints(console.session, by=console.actor)
        if e.row.id == endpoint_id
    ]
    if not found:
        raise NotFound(f"no webhook endpoint {endpoint_id}", field="endpoint_id")
    row = found[0].row
    return _page(
        console,
        "console/admin_webhook.html",
        {
            "endpoint": found[0],
            "typed": typed or {"url": row.url, "active": "1" if row.active else "0"},
            "chosen": row.kinds if chosen is None else chosen,
        },
        error=error,
        status_code=status_code,
    )


@router.get("/{endpoint_id}", response_class=HTMLResponse)
def webhook_endpoint(endpoint_id: DbId, console: ConsoleDep) -> HTMLResponse:
    return _edit_page(console, endpoint_id)


@router.post("/{endpoint_id}", response_model=None)
def change_webhook_endpoint(
    endpoint_id: DbId,
    console: ConsoleDep,
    url: Annotated[str, Form(max_length=500)] = "",
    kinds: Kinds = None,
    active: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    chosen = [k[:32] for k in kinds or []]
    url = url.strip()
    try:
        # A form without its choice changes nothing rather than deactivating by omission.
        if active not in ("0", "1"):
            raise ValidationFailed("active must be 1 (enable) or 0 (disable)", field="active")
        messages_admin.change_endpoint(
            console.session,
            endpoint_id,
            url=url,
            kinds=chosen,
            active=active == "1",
            by=console.actor,
        )
        console.session.commit()
    except DomainError as exc:
        back_to_the_form(console, exc)
        error = Words(console.lang).refusal(exc)
        return _edit_page(
            console,
            endpoint_id,
            typed={"url": url, "active": active},
            chosen=chosen,
            error=error,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"{HOME}?done=changed#endpoint-{endpoint_id}", status_code=303)


@router.post("/{endpoint_id}/deactivate", response_model=None)
def deactivate_webhook_endpoint(endpoint_id: DbId, console: ConsoleDep) -> Response:
    messages_admin.remove_endpoint(console.session, endpoint_id, by=console.actor)
    console.session.commit()
    return RedirectResponse(f"{HOME}?done=deactivated#endpoint-{endpoint_id}", status_code=303)
