"""The perimeter of the served app (entrypoints/perimeter.py): the headers every answer carries,
the body size limit over real HTTP (a declared Content-Length and a streamed chunked body), the
uploads' own limit, and the console's cookies behind a TLS proxy."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from console.conftest import csrf_of
from quarterhour.config import Settings
from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from quarterhour.entrypoints.api import bill_line
from quarterhour.entrypoints.api.bill_line import BillLine
from quarterhour.entrypoints.app import CheckedWrites, create_app
from quarterhour.entrypoints.perimeter import API_HEADERS, Perimeter
from serving import serving

MiB = 1024 * 1024
TEMPLATES = Path(__file__).parents[2] / "src/quarterhour/entrypoints/web/templates"


def _policy(response: httpx.Response) -> dict[str, str]:
    directives = response.headers["content-security-policy"].split(";")
    return {d.split()[0]: d.strip() for d in directives if d.strip()}


def _guarded(response: httpx.Response, *, stored: bool = False) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    if stored:
        assert "no-store" not in response.headers.get("cache-control", "")
    else:
        assert response.headers["cache-control"] == "no-store"


def _strict_page(response: httpx.Response) -> None:
    policy = _policy(response)
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"
    assert "unsafe" not in response.headers["content-security-policy"]


@pytest.mark.db
def test_console_pages_are_guarded_and_not_kept(client: TestClient, org: Organisation) -> None:
    login = client.get("/console/login")
    _guarded(login)
    _strict_page(login)
    logged_in = client.post(
        "/console/login", data={"username": "dispatcher", "password": DEMO_PASSWORD}
    )
    assert logged_in.status_code == 200 and "/console/orders" in str(logged_in.url)
    _guarded(logged_in)
    _strict_page(logged_in)
    pulse = client.get("/console/orders/pulse")  # the JSON the live banner reads
    _guarded(pulse)


@pytest.mark.db
def test_api_answers_with_personal_data_are_guarded_and_not_kept(
    client: TestClient, login: object, org: Organisation
) -> None:
    token = client.post("/api/v1/auth/token", json={"username": "agent", "password": DEMO_PASSWORD})
    _guarded(token)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    for path in (
        "/api/v1/customers?phone=3456",
        "/api/v1/search?q=3456",
        "/api/v1/orders",
        "/api/v1/accounts/0000000001/statement",
        "/api/v1/public/orders/Q-2026-000001?phone_last4=3456",
        # On PostgreSQL the bill line answers this itself, in front of FastAPI; on SQLite the
        # FastAPI route does: both with the same headers.
        "/api/v1/public/bill?account=0000000001&phone_last4=3456",
        "/api/v1/nowhere",
    ):
        _guarded(client.get(path, headers=headers))
    _guarded(client.get("/api/v1/public/disclosure"), stored=True)  # published: may be kept


@pytest.mark.db
def test_public_pages_are_guarded_and_lookups_not_kept(client: TestClient) -> None:
    for path in ("/bill", "/bill?account=0000000001&phone_last4=3456", "/status"):
        page = client.get(path)
        _guarded(page)
        _strict_page(page)
        assert '<link rel="stylesheet" href="/static/public.css">' in page.text
    disclosure = client.get("/disclosure")
    _guarded(disclosure, stored=True)
    _strict_page(disclosure)
    for asset in ("/static/console.js", "/static/console.css", "/static/public.css"):
        _guarded(client.get(asset), stored=True)


@pytest.mark.db
def test_the_api_docs_allow_exactly_their_own_inline_script(client: TestClient) -> None:
    for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        response = client.get(page)
        assert response.status_code == 200
        _guarded(response, stored=True)
        policy = _policy(response)
        assert policy["frame-ancestors"] == "frame-ancestors 'none'"
        assert "unsafe" not in policy["script-src"]
        inline = re.findall(r"<script>(.*?)</script>", response.text, re.S)
        for script in inline:
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in policy["script-src"]
        assert policy["script-src"].count("sha256-") == len(inline)


def test_no_page_has_inline_script_style_or_handlers() -> None:
    """The pages' policy allows none: a page that had one would break in the browser."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"<style|\sstyle=", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert "javascript:" not in text, template


@pytest.mark.db
def test_the_bill_line_answers_before_the_perimeter_and_with_its_headers(app: FastAPI) -> None:
    """Starlette runs the middleware added last first: the bill line (thousands of calls a
    second) pays nothing for the perimeter, and writes the same headers itself."""
    assert [m.cls for m in app.user_middleware] == [BillLine, CheckedWrites, Perimeter]
    assert set(API_HEADERS) <= set(bill_line._JSON)


# --- the body size limit over real HTTP ------------------------------------------------------


def _exchange(base: str, head: str, body_parts: list[bytes]) -> tuple[int, dict[str, str], bytes]:
    """Sends a request's head and then body parts on a raw socket (as a client that declares
    more than it sends would), and reads the answer the server gives."""
    where = urlsplit(base)
    with socket.create_connection((where.hostname, where.port), timeout=10) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        for part in body_parts:
            try:
                sock.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed without reading the rest
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < _expected(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head_part, _, body = answer.partition(b"\r\n\r\n")
    lines = head_part.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def _expected(answer: bytes) -> int:
    head, _, _ = answer.partition(b"\r\n\r\n")
    found = re.search(rb"content-length: (\d+)", head, re.I)
    return len(head) + 4 + int(found.group(1)) if found else 0


def _chunks(total: int, size: int = 64 * 1024) -> list[bytes]:
    parts = []
    while total > 0:
        n = min(size, total)
        parts.append(f"{n:x}\r\n".encode() + b"x" * n + b"\r\n")
        total -= n
    return parts


@pytest.mark.db
def test_a_declared_body_over_the_limit_is_refused_before_it_is_read(live_server: str) -> None:
    # 50 MiB declared, none of it sent: the answer comes without waiting for it.
    status, headers, body = _exchange(
        live_server,
        "POST /api/v1/contacts HTTP/1.1\nHost: x\nContent-Type: application/json\n"
        f"Content-Length: {50 * MiB}\n",
        [],
    )
    assert status == 413
    assert json.loads(body) == {
        "error": "too_large",
        "message": "body: the request is larger than the limit of 1 MiB",
        "field": "body",
        "limit_bytes": MiB,
    }
    assert headers["x-content-type-options"] == "nosniff"
    # The console answers with a page that says so, in the user's language.
    status, headers, body = _exchange(
        live_server,
        "POST /console/login?lang=en HTTP/1.1\nHost: x\n"
        f"Content-Type: application/x-www-form-urlencoded\nContent-Length: {2 * MiB}\n",
        [],
    )
    assert status == 413 and headers["content-type"].startswith("text/html")
    assert "larger than the limit of 1 MiB" in body.decode()


@pytest.mark.db
def test_a_streamed_body_is_counted_and_refused_past_the_limit(live_server: str) -> None:
    chunked = "Host: x\nContent-Type: application/json\nTransfer-Encoding: chunked\n"
    # 1 MiB and one byte, no end of body: the server must not wait for more.
    status, _, body = _exchange(
        live_server, f"POST /api/v1/contacts HTTP/1.1\n{chunked}", _chunks(MiB + 1)
    )
    assert status == 413
    assert json.loads(body)["limit_bytes"] == MiB
    # Within the limit, a chunked body is read as usual.
    login = json.dumps({"username": "agent", "password": DEMO_PASSWORD}).encode()
    status, _, body = _exchange(
        live_server,
        f"POST /api/v1/auth/token HTTP/1.1\n{chunked}",
        [f"{len(login):x}\r\n".encode() + login + b"\r\n0\r\n\r\n"],
    )
    assert status == 200, body
    assert "access_token" in json.loads(body)


@pytest.fixture
def small_limits(settings: Settings, org: Organisation) -> Iterator[str]:
    """A server whose limits are small enough to test quickly: 64 KiB, uploads 256 KiB."""
    limited = dataclasses.replace(settings, max_body_bytes=64 * 1024, max_upload_bytes=256 * 1024)
    app = create_app(limited)
    with serving(app) as base:
        yield base


@pytest.mark.db
def test_uploads_have_their_own_larger_limit(small_limits: str) -> None:
    with httpx.Client(base_url=small_limits, timeout=30) as browser:
        browser.post("/console/login", data={"username": "admin", "password": DEMO_PASSWORD})
        csrf = csrf_of(browser.get("/console/imports").text)
        form = {"csrf": csrf, "kind": "nonsense"}
        # 200 KiB: over the general limit, within the uploads' — the route sees it (and refuses
        # the kind of import, so no job starts).
        taken = browser.post(
            "/console/imports", data=form, files={"file": ("a.csv", b"x" * 200 * 1024)}
        )
        assert taken.status_code == 422 and "kind" in taken.text
        too_large = browser.post(
            "/console/imports", data=form, files={"file": ("a.csv", b"x" * 400 * 1024)}
        )
        assert too_large.status_code == 413
        assert "256 KiB" in too_large.text
        # Elsewhere the general limit holds, for the console as for the API.
        note = browser.post("/console/orders/1/phone", data={"csrf": csrf, "x": "y" * 70_000})
        assert note.status_code == 413
        api = browser.post("/api/v1/auth/token", content=b"{" + b" " * 70_000 + b"}")
        assert api.status_code == 413 and api.json()["limit_bytes"] == 64 * 1024


# --- settings and cookies --------------------------------------------------------------------


def test_limits_and_secure_cookies_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = Settings.from_env()
    assert (default.max_body_bytes, default.max_upload_bytes) == (MiB, 100 * MiB)
    assert default.secure_cookies is False
    monkeypatch.setenv("QUARTERHOUR_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("QUARTERHOUR_MAX_UPLOAD_BYTES", "4096")
    monkeypatch.setenv("QUARTERHOUR_SECURE_COOKIES", "1")
    configured = Settings.from_env()
    assert (configured.max_body_bytes, configured.max_upload_bytes) == (2048, 4096)
    assert configured.secure_cookies is True


@pytest.mark.db
@pytest.mark.parametrize("secure", [True, False])
def test_console_cookies_are_secure_behind_a_tls_proxy(
    settings: Settings, org: Organisation, secure: bool
) -> None:
    app = create_app(dataclasses.replace(settings, secure_cookies=secure))
    with TestClient(app, follow_redirects=False) as browser:
        logged_in = browser.post(
            "/console/login?lang=en", data={"username": "agent", "password": DEMO_PASSWORD}
        )
        assert logged_in.status_code == 303
        session = logged_in.headers["set-cookie"]
        assert session.startswith("qh_session=") and "HttpOnly" in session
        assert ("Secure" in session) is secure
        language = browser.get("/console/login?lang=en").headers["set-cookie"]
        assert language.startswith("qh_lang=en") and ("Secure" in language) is secure
        token = session.split(";")[0].split("=", 1)[1]
        page = browser.get("/console/desk", headers={"Cookie": f"qh_session={token}"})
        out = browser.post(
            "/console/logout",
            data={"csrf": csrf_of(page.text)},
            headers={"Cookie": f"qh_session={token}"},
        )
        assert out.status_code == 303
        assert ("Secure" in out.headers["set-cookie"]) is secure
