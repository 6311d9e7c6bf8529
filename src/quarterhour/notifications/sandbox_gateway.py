"""A sandbox SMS gateway that speaks the gateway protocol (docs/integration.md), kept in memory.

For tests, the demo and the browser story: it accepts messages as a provider would (bearer key,
an id per message, the same id again for a `client_ref` it has seen), POSTs signed delivery
reports to our callback from background tasks (sends stay fast), forwards a customer's reply
that a test or a demo types in (`/v1/simulate/inbound`), and fails on demand (`fail_next`,
`delay_next`). `GET /v1/sms?to=…` lists what it received with full numbers, to the key's
holder only: the demo mounts it on its own port (Settings.sms_sandbox), where the console's
演示手机 shows the texts with the numbers masked.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from quarterhour.kit import clock
from quarterhour.notifications.sms_gateway import MAX_ID, MAX_TEXT, mobile_number, sign

# Delivery reports go out on this many connections at once, however many sends arrive.
REPORTERS = 4
MAX_LISTED = 10_000


@dataclass(frozen=True)
class _Trouble:
    status: int | None  # answer with this status instead of accepting
    delay: float  # seconds to wait before answering


@dataclass(frozen=True)
class _Report:
    due: float  # time.monotonic() when it is sent
    document: dict[str, Any]


class SandboxGateway:
    """The gateway's state: what it received, the troubles asked for, the reports' outcomes.
    Read and changed on the server's event loop; `fail_next` and `delay_next` may be called
    from a test's thread (a deque's append is atomic)."""

    def __init__(
        self,
        key: str,
        *,
        report_url: str | None,
        inbound_url: str | None,
        report_delay: float | None,
        undeliverable: Iterable[str],
    ) -> None:
        self.key = key
        self.report_url = report_url
        self.inbound_url = inbound_url
        self.report_delay = report_delay
        self.undeliverable = {mobile_number(n) or n for n in undeliverable}
        self.messages: list[dict[str, str]] = []
        self.by_ref: dict[str, str] = {}
        self.by_to: dict[str, list[dict[str, str]]] = {}
        self.connections: set[tuple[str, int]] = set()
        # Sends of a client_ref seen before (a sender that retried after a lost answer): answered
        # with the first id and not recorded again, but counted, so a test or the bench can tell
        # that every message was sent exactly once.
        self.repeated = 0
        self.reports_queued = 0
        self.reports_sent = 0
        self.reports_failed = 0
        self.last_report_problem: str | None = None
        self._troubles: deque[_Trouble] = deque()
        self._reports: asyncio.Queue[_Report] | None = None
        self._inbound = 0

    def fail_next(self, n: int, status: int = 500) -> None:
        """The next `n` sends are answered `status` (a 429, a 500, a 503) and not recorded."""
        self._troubles.extend(_Trouble(status, 0.0) for _ in range(n))

    def delay_next(self, n: int, seconds: float) -> None:
        """The next `n` sends are accepted after `seconds` (a client's timeout runs out first)."""
        self._troubles.extend(_Trouble(None, seconds) for _ in range(n))

    def received(self, to: str | None = None) -> list[dict[str, str]]:
        """The messages received (for one number, if given), oldest first."""
        if to is None:
            return list(self.messages)
        return list(self.by_to.get(mobile_number(to) or to, []))

    def stats(self) -> dict[str, int | str | None]:
        return {
            "accepted": len(self.messages),
            "repeated": self.repeated,
            "connections": len(self.connections),
            "reports_queued": self.reports_queued,
            "reports_sent": self.reports_sent,
            "reports_failed": self.reports_failed,
            "reports_waiting": self._reports.qsize() if self._reports else 0,
            "last_report_problem": self.last_report_problem,
        }

    def authorised(self, request: Request) -> bool:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {self.key}".encode())

    def accept(self, document: dict[str, Any], peer: tuple[str, int] | None) -> tuple[str, bool]:
        """Records a checked message: its id, and whether it is new (not a repeated client_ref)."""
        if peer is not None:
            self.connections.add(peer)
        ref = document["client_ref"]
        if (known := self.by_ref.get(ref)) is not None:
            self.repeated += 1
            return known, False
        provider_id = f"sb{len(self.messages) + 1:09d}"
        record = {
            "id": provider_id,
            "to": document["to"],
            "text": document["text"],
            "client_ref": ref,
            "sender": document["sender"],
            "at": clock.now().isoformat(),
        }
        self.messages.append(record)
        self.by_ref[ref] = provider_id
        self.by_to.setdefault(record["to"], []).append(record)
        if self._reports is not None and self.report_url and self.report_delay is not None:
            failed = record["to"] in self.undeliverable
            self.reports_queued += 1
            self._reports.put_nowait(
                _Report(
                    time.monotonic() + self.report_delay,
                    {
                        "id": provider_id,
                        "client_ref": ref,
                        "status": "failed" if failed else "delivered",
                        "error": "UNDELIVERABLE" if failed else None,
                    },
                )
            )
        return provider_id, True

    def start_reports(self) -> None:
        """From now on accepted messages are queued for a report (on the server's loop)."""
        self._reports = asyncio.Queue()

    def next_trouble(self) -> _Trouble | None:
        try:
            return self._troubles.popleft()
        except IndexError:
            return None

    async def forward(
        self, client: httpx.AsyncClient, phone: str, text: str
    ) -> tuple[str, str | None]:
        """A customer's text from `phone` to the inbound URL, signed: its id, and what went
        wrong (None: the URL answered 2xx)."""
        assert self.inbound_url is not None
        self._inbound += 1
        reply = {
            "id": f"in{self._inbound:09d}",
            "from": phone,
            "text": text,
            "at": clock.now().isoformat(),
        }
        return reply["id"], await _post_signed(client, self.inbound_url, self.key, reply)

    async def report(self, client: httpx.AsyncClient) -> None:
        """One reporter: sends the queued reports when they are due, for as long as it runs."""
        assert self._reports is not None
        assert self.report_url is not None
        while True:
            report = await self._reports.get()
            wait = report.due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            document = {**report.document, "at": clock.now().isoformat()}
            problem = await _post_signed(client, self.report_url, self.key, document)
            if problem is None:
                self.reports_sent += 1
            else:
                self.reports_failed += 1
                self.last_report_problem = problem


async def _post_signed(
    client: httpx.AsyncClient, url: str, key: str, document: dict[str, Any]
) -> str | None:
    """POSTs a signed callback; what went wrong, or None when it was answered 2xx."""
    body = json.dumps(document, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "X-Signature": sign(key, body)}
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return type(exc).__name__
    return None if response.is_success else f"HTTP {response.status_code}"


def _refusal(status: int, error: str, field: str | None = None) -> JSONResponse:
    body = {"error": error} if field is None else {"error": error, "field": field}
    return JSONResponse(body, status_code=status)


def _checked(document: Any) -> tuple[dict[str, str], None] | tuple[None, JSONResponse]:
    if not isinstance(document, dict):
        return None, _refusal(400, "a JSON object")
    to = document.get("to")
    phone = mobile_number(to) if isinstance(to, str) else None
    if phone is None:
        return None, _refusal(400, "not a mobile number", "to")
    text = document.get("text")
    if not isinstance(text, str) or not text or len(text) > MAX_TEXT:
        return None, _refusal(400, f"1 to {MAX_TEXT} characters", "text")
    ref = document.get("client_ref")
    if not isinstance(ref, str) or not ref or len(ref) > MAX_ID:
        return None, _refusal(400, f"1 to {MAX_ID} characters", "client_ref")
    sender = document.get("sender", "")
    if not isinstance(sender, str) or len(sender) > MAX_ID:
        return None, _refusal(400, f"at most {MAX_ID} characters", "sender")
    return {"to": phone, "text": text, "client_ref": ref, "sender": sender}, None


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


def make_app(
    key: str,
    *,
    report_url: str | None = None,
    inbound_url: str | None = None,
    report_delay: float | None = 0.0,
    undeliverable: Iterable[str] = (),
) -> Starlette:
    """The sandbox as an ASGI app; `app.state.gateway` is its `SandboxGateway`. Reports go to
    `report_url` `report_delay` seconds after a send (None: never); replies typed in through
    `/v1/simulate/inbound` go to `inbound_url`; numbers in `undeliverable` are reported failed."""
    gateway = SandboxGateway(
        key,
        report_url=report_url,
        inbound_url=inbound_url,
        report_delay=report_delay,
        undeliverable=undeliverable,
    )

    async def send(request: Request) -> Response:
        if not gateway.authorised(request):
            return _refusal(401, "unknown key")
        # Read before any delay asked for: a slow gateway has the message, the client gave up.
        sent = await _json(request)
        trouble = gateway.next_trouble()
        if trouble is not None:
            if trouble.delay:
                await asyncio.sleep(trouble.delay)
            if trouble.status is not None:
                return _refusal(trouble.status, "injected failure")
        document, refusal = _checked(sent)
        if refusal is not None:
            return refusal
        assert document is not None
        peer = (request.client.host, request.client.port) if request.client else None
        provider_id, new = gateway.accept(document, peer)
        return JSONResponse({"id": provider_id, "status": "accepted"}, 202 if new else 200)

    async def listing(request: Request) -> Response:
        # Full numbers: the key's holder only (mounted on a demo server, this is on its port).
        if not gateway.authorised(request):
            return _refusal(401, "unknown key")
        found = gateway.received(request.query_params.get("to") or None)
        try:
            limit = int(request.query_params.get("limit", "100"))
        except ValueError:
            return _refusal(400, f"a whole number from 1 to {MAX_LISTED}", "limit")
        if not 1 <= limit <= MAX_LISTED:
            return _refusal(400, f"a whole number from 1 to {MAX_LISTED}", "limit")
        return JSONResponse({"messages": found[-limit:], "total": len(found)})

    async def stats(request: Request) -> Response:
        return JSONResponse(gateway.stats())

    async def fail(request: Request) -> Response:
        if not gateway.authorised(request):
            return _refusal(401, "unknown key")
        document = await _json(request)
        count = document.get("count") if isinstance(document, dict) else None
        status = document.get("status", 500) if isinstance(document, dict) else None
        if not isinstance(count, int) or not 0 < count <= 1000:
            return _refusal(400, "a whole number from 1 to 1000", "count")
        if not isinstance(status, int) or not 400 <= status <= 599:
            return _refusal(400, "an HTTP status from 400 to 599", "status")
        gateway.fail_next(count, status)
        return JSONResponse({"failing": count, "status": status})

    async def inbound(request: Request) -> Response:
        if not gateway.authorised(request):
            return _refusal(401, "unknown key")
        if gateway.inbound_url is None:
            return _refusal(409, "no inbound URL is configured")
        document = await _json(request)
        if not isinstance(document, dict):
            return _refusal(400, "a JSON object")
        phone = document.get("from")
        phone = mobile_number(phone) if isinstance(phone, str) else None
        if phone is None:
            return _refusal(400, "not a mobile number", "from")
        text = document.get("text")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            return _refusal(400, f"at most {MAX_TEXT} characters", "text")
        client: httpx.AsyncClient = request.app.state.client
        reply_id, problem = await gateway.forward(client, phone, text)
        if problem is not None:
            return _refusal(502, f"the inbound URL answered {problem}")
        return JSONResponse({"id": reply_id, "forwarded": True})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=10.0) as client:
            app.state.client = client
            reporters: list[asyncio.Task[None]] = []
            if report_url and report_delay is not None:
                gateway.start_reports()
                reporters = [asyncio.create_task(gateway.report(client)) for _ in range(REPORTERS)]
            try:
                yield
            finally:
                for task in reporters:
                    task.cancel()
                await asyncio.gather(*reporters, return_exceptions=True)

    app = Starlette(
        routes=[
            Route("/v1/sms", send, methods=["POST"]),
            Route("/v1/sms", listing, methods=["GET"]),
            Route("/v1/stats", stats, methods=["GET"]),
            Route("/v1/simulate/fail", fail, methods=["POST"]),
            Route("/v1/simulate/inbound", inbound, methods=["POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.gateway = gateway
    return app
