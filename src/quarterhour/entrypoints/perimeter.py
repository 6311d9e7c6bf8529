"""The perimeter of the served app: what every answer says to the browser about itself, and how
large a request may be. A pure ASGI middleware, in front of FastAPI's routing and behind the bill
inquiry line (`api/bill_line.py`, which writes the same headers on the answers it gives itself).

Headers. Every page has a Content-Security-Policy that allows only the app's own files: no
inline script or style anywhere (the console's script is `static/console.js`, its styles
`static/console.css`, the public pages' `static/public.css`; charts are SVG with presentation
attributes), so a text that slipped through escaping still cannot run. Nothing may frame a page
(`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for older browsers); no answer is sniffed
into another type; the address of a page (which may hold a phone's last four digits or an order
number) is not sent to other sites. Answers that can carry personal data — console pages, the
API, the public bill and status lookups — are not kept by the browser or a proxy
(`Cache-Control: no-store`); only the static files, the API's documentation and the published
tariffs may be. The API's documentation pages (Swagger UI and ReDoc from fastapi-offline) start
with an inline script that configures them: they get their own policy, which allows exactly that
script by its SHA-256 and inline styles (ReDoc writes its styles into the page); they show no
personal data and take no cookie-authenticated action.

Size. A request body larger than `Settings.max_body_bytes` (1 MiB) is answered 413 before it is
read: at once when its Content-Length says so, or as soon as a streamed (chunked) body passes the
limit while it is read. The uploads — a file of records to import, the photos and scans of a
work-order step — may be as large as `Settings.max_upload_bytes` (100 MiB, the import's limit)
plus the rest of their form. A request without a body (every GET of the bill line, the caller
lookup, the pages) passes straight through after one look at its headers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MiB = 1024 * 1024
# The rest of an upload's form besides its files: the multipart boundaries and part headers,
# the CSRF token, the kind of import, a step's note (at most 4,000 characters).
FORM_ALLOWANCE = 64 * 1024
# The forms that carry files (console imports; the attachments of a work-order step).
UPLOADS = re.compile(r"/console/(?:imports|orders/\d+/act)")

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc: their inline configuration script is allowed by its hash (added per
# answer), their injected styles inline; images as data: addresses; ReDoc's search worker.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
DOCS_PAGES = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
# Answers a browser or proxy may keep: nothing personal in them.
CACHEABLE_PREFIXES = ("/static/", "/static-offline-docs/")
CACHEABLE_PATHS = frozenset({"/openapi.json", "/disclosure", "/api/v1/public/disclosure"})

# On every answer.
COMMON_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
GUARDS = frozenset(name for name, _ in COMMON_HEADERS)
NO_STORE = (b"cache-control", b"no-store")
PAGE_CSP = (b"content-security-policy", PAGE_POLICY.encode())
# What the bill line adds to the JSON it answers itself (personal data: a bill and arrears).
API_HEADERS: list[tuple[bytes, bytes]] = [*COMMON_HEADERS, NO_STORE]

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


class BodyTooLarge(Exception):
    """Raised from `receive` when a streamed body passes its limit; the middleware answers."""


class Perimeter:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        console_too_large: Callable[[Request, str], bytes],
    ) -> None:
        """`console_too_large(request, size)` is the console's 413 page (its body), in the
        user's language: the app hands it over, the perimeter knows no page of its own."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.console_too_large = console_too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        send = _documented(send) if path in DOCS_PAGES else _headed(send, path)
        length: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
        if length is None and not chunked:  # no body: nothing to count
            await self.app(scope, receive, send)
            return
        limit = named = self.max_body_bytes
        if scope["method"] == "POST" and UPLOADS.fullmatch(path):
            named = self.max_upload_bytes
            limit = named + FORM_ALLOWANCE
        if length is not None and length.isdigit() and int(length) > limit:
            await _too_large(scope, send, named, self.console_too_large)
            return
        if not chunked:  # the server reads no more than its Content-Length
            await self.app(scope, receive, send)
            return
        await self._counted(scope, receive, send, limit, named)

    async def _counted(
        self, scope: Scope, receive: Receive, send: Send, limit: int, named: int
    ) -> None:
        """A streamed body: counted as it is read; past the limit the read fails, and whatever
        the app then says is replaced by the 413."""
        received = 0
        over = False
        started = False

        async def counted() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge(limit)
            return message

        async def unless_over(message: Message) -> None:
            nonlocal started
            if over:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, unless_over)
        except Exception:
            if not over or started:
                raise
        if over and not started:
            await _too_large(scope, send, named, self.console_too_large)


def _headed(send: Send, path: str) -> Send:
    cacheable = path.startswith(CACHEABLE_PREFIXES) or path in CACHEABLE_PATHS

    async def headed(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            html = stored = own = False
            for name, value in headers:
                if name == b"content-type":
                    html = value.startswith(b"text/html")
                elif name == b"cache-control":
                    stored = True
                elif name in GUARDS or name == b"content-security-policy":
                    own = True
            if own:  # a route set some itself (an attachment): those stay as it set them
                present = {name for name, _ in headers}
                headers.extend(h for h in COMMON_HEADERS if h[0] not in present)
                html = html and b"content-security-policy" not in present
            else:
                headers.extend(COMMON_HEADERS)
            if html:
                headers.append(PAGE_CSP)
            if not (cacheable or stored):
                headers.append(NO_STORE)
            message = {**message, "headers": headers}
        await send(message)

    return headed


def _documented(send: Send) -> Send:
    """The docs pages: the answer is held until its body is complete (a few kB), so that the
    policy can name the hash of each inline script in it."""
    start: Message | None = None
    body: list[bytes] = []

    async def documented(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        page = b"".join(body)
        hashes = "".join(
            f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
            for script in _INLINE_SCRIPT.findall(page)
        )
        policy = DOCS_POLICY.format(hashes=hashes).encode()
        headers = [*start.get("headers", ()), *COMMON_HEADERS, (b"content-security-policy", policy)]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": page})

    return documented


async def _too_large(
    scope: Scope, send: Send, limit: int, console_page: Callable[[Request, str], bytes]
) -> None:
    """413, naming the limit as configured (an upload's form may exceed it by FORM_ALLOWANCE)."""
    size = _size(limit)
    if not scope["path"].startswith("/console"):  # the API; the public pages take no body
        body = json.dumps(
            {
                "error": "too_large",
                "message": f"body: the request is larger than the limit of {size}",
                "field": "body",
                "limit_bytes": limit,
            },
            ensure_ascii=False,
        ).encode()
        await _answer(send, 413, b"application/json", body)
        return
    await _answer(send, 413, b"text/html; charset=utf-8", console_page(Request(scope), size))


def _size(limit: int) -> str:
    if limit >= MiB and limit % MiB == 0:
        return f"{limit // MiB} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


async def _answer(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    # The connection is closed after it: the rest of the body is never read.
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
