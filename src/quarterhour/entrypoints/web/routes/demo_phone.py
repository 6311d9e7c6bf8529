"""演示手机: the customers' phones of a demo server, whose SMS go to the sandbox gateway mounted on
the server itself (Settings.sms_sandbox). Whoever tries the product reads here what the customers
were sent (the 受理通知 with its number, a verification code for /report, the reply and the
survey) and answers as a customer would (the survey's 1, 2 or 3), through the gateway's own
signed inbound callback. A server with a real gateway has no such page (404).
"""

from __future__ import annotations

import re
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.applications import Starlette

from quarterhour.entrypoints.web import render
from quarterhour.entrypoints.web.refusals import Refusal
from quarterhour.entrypoints.web.session import Console, ConsoleDep
from quarterhour.entrypoints.web.wording import Words
from quarterhour.errors import NotFound, ValidationFailed
from quarterhour.kit import bounds
from quarterhour.kit.masking import mask_phone
from quarterhour.notifications.sandbox_gateway import SandboxGateway
from quarterhour.notifications.sms_gateway import MAX_TEXT

router = APIRouter(prefix="/console/demo-phone", include_in_schema=False)
SHOWN = 100
_NUMBER = re.compile(r"(GD\d{14,})")


def _sandbox(request: Request) -> Starlette:
    sandbox: Starlette | None = request.app.state.sandbox
    if sandbox is None:
        raise NotFound("this server sends SMS through a real gateway: no demo phone")
    return sandbox


def _page(
    console: Console, *, error: Refusal | None = None, status_code: int = 200
) -> HTMLResponse:
    gateway: SandboxGateway = _sandbox(console.request).state.gateway
    texts = [
        {
            "id": m["id"],
            "at": datetime.fromisoformat(m["at"]),
            "to": mask_phone(m["to"]),
            # The order numbers in it open the order (through the search) for whoever tries it.
            "parts": _NUMBER.split(m["text"]),
            "survey": "回复1" in m["text"] or "reply 1" in m["text"].lower(),
        }
        for m in reversed(gateway.received()[-SHOWN:])
    ]
    return render.console_page(
        console,
        "console/demo_phone.html",
        status_code=status_code,
        texts=texts,
        error=error,
        said=console.request.query_params.get("done"),
    )


@router.get("", response_class=HTMLResponse)
def demo_phone(console: ConsoleDep) -> HTMLResponse:
    return _page(console)


@router.post("/reply", response_model=None)
async def reply_as_the_customer(console: ConsoleDep) -> Response:
    sandbox = _sandbox(console.request)
    gateway: SandboxGateway = sandbox.state.gateway
    form = await console.request.form()
    message_id, text = str(form.get("message") or ""), str(form.get("text") or "").strip()
    answered = next((m for m in gateway.received() if m["id"] == message_id), None)
    if answered is None:
        shown = message_id[:20]
        raise NotFound(f"no text {shown} on the demo phone", field="message")
    try:
        if not text or len(text) > MAX_TEXT:
            raise ValidationFailed(f"text: 1 to {MAX_TEXT} characters", field="text")
        bounds.check_text(text, field="text")
    except ValidationFailed as exc:
        return _page(console, error=Words(console.lang).refusal(exc), status_code=422)
    _, problem = await gateway.forward(sandbox.state.client, answered["to"], text)
    if problem is not None:
        failed = ValidationFailed(f"the gateway's callback answered {problem}", field="text")
        return _page(console, error=Words(console.lang).refusal(failed), status_code=502)
    return RedirectResponse("/console/demo-phone?done=replied", status_code=303)
