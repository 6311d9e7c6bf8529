"""The bill inquiry line (电话管家) as a pure ASGI middleware in front of FastAPI's routing.

The public line answers thousands of calls a second; on this path FastAPI's routing, dependency
solving and parameter validation cost as much as the inquiry itself. A well-formed request
(account of 1–20 characters, four digits) is answered here, from the worker's async PostgreSQL
connections — a refusal too (429, when the account number or the caller is over its failure
budget; the inquiry's statement reads that). Anything else — a malformed request, SQLite, another
path — goes on to FastAPI's own route (`public.bill_inquiry`), which answers it the same way and
describes the endpoint in the API documentation.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from quarterhour.entrypoints.api import public
from quarterhour.entrypoints.perimeter import API_HEADERS
from quarterhour.entrypoints.shared import lookups
from quarterhour.errors import NotFound, TooManyRequests
from quarterhour.kit import bounds

PATH = "/api/v1/public/bill"
_LAST4 = re.compile(public.LAST4_PATTERN)
_JSON = [(b"content-type", b"application/json"), *API_HEADERS]


class BillLine:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        query = parse_qs(scope["query_string"].decode("latin-1"))
        account = query.get("account", [""])
        last4 = query.get("phone_last4", [""])
        if (
            state.read_pool is None
            or len(account) != 1
            or len(last4) != 1
            or not 1 <= len(account[0]) <= public.ACCOUNT_MAX_LENGTH
            or not _LAST4.match(last4[0])
            or bounds.has_control_character(account[0])
        ):
            await self.app(scope, receive, send)
            return
        try:
            answer = await lookups.inquire(state, lookups.caller_of(scope), account[0], last4[0])
        except (NotFound, TooManyRequests) as error:
            # As FastAPI's JSONResponse would write it for the route's error.
            body = json.dumps(error.as_dict(), ensure_ascii=False, separators=(",", ":"))
            await _send(send, error.status_code, body.encode())
            return
        await _send(send, 200, answer.model_dump_json().encode())


async def _send(send: Send, status: int, body: bytes) -> None:
    headers = [*_JSON, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
