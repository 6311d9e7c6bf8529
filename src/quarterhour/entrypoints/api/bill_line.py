"""The bill inquiry line (电话管家) as a pure ASGI middleware in front of FastAPI's routing.

The public line answers thousands of calls a second; on this path FastAPI's routing, dependency
solving and parameter validation cost as much as the inquiry itself. A well-formed request
(account of 1–20 characters, four digits) from a caller who is not refused is answered here, from
the worker's async PostgreSQL connections. Anything else — a malformed request, a refused caller,
SQLite, another path — goes on to FastAPI's own route (`public.bill_inquiry`), which answers it
the same way and describes the endpoint in the API documentation.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from quarterhour.billing import inquiry
from quarterhour.errors import NotFound
from quarterhour.kit import clock
from quarterhour.kit.ratelimit import FailureLimiter

PATH = "/api/v1/public/bill"
_LAST4 = re.compile(r"^\d{4}$")
_JSON = [(b"content-type", b"application/json")]

Scope = dict[str, Any]
ASGI = Any


class BillLine:
    def __init__(self, app: ASGI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: ASGI, send: ASGI) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        pool = state.read_pool
        query = parse_qs(scope["query_string"].decode("latin-1"))
        account = query.get("account", [""])
        last4 = query.get("phone_last4", [""])
        limiter: FailureLimiter = state.public_limiter
        caller = scope["client"][0] if scope.get("client") else "unknown"
        if (
            pool is None
            or len(account) != 1
            or len(last4) != 1
            or not 1 <= len(account[0]) <= 20
            or not _LAST4.match(last4[0])
            or limiter.is_blocked(caller)
        ):
            await self.app(scope, receive, send)
            return
        try:
            answer = await inquiry.inquire_on_event_loop(
                pool, account[0], last4[0], settings=state.settings, as_of=clock.now().date()
            )
        except NotFound as error:
            limiter.fail(caller)
            # As FastAPI's JSONResponse would write it for the route's NotFound.
            body = json.dumps(error.as_dict(), ensure_ascii=False, separators=(",", ":"))
            await _send(send, error.status_code, body.encode())
            return
        await _send(send, 200, answer.model_dump_json().encode())


async def _send(send: ASGI, status: int, body: bytes) -> None:
    headers = [*_JSON, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
