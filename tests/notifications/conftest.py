"""Real servers on free local ports for the channels' tests: the sandbox SMS gateway and a small
receiver of callbacks and webhooks (uvicorn in a thread), and an SMTP server (aiosmtpd); for the
outbox's tests, a customer to write to and sessions of the test's database."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.conftest import desk
from notifications.recording import PHONE
from quarterhour.customers.models import Customer
from quarterhour.demo.organisation import DEMO_PASSWORD
from quarterhour.kit import clock
from quarterhour.notifications import sandbox_gateway
from quarterhour.storage.engine import make_session_factory
from serving import free_port
from workorders.loop_client import CUSTOMER_PHONE, MATTERS

# The console's logged-in client, shared with the console's own tests.
__all__ = ["desk"]

KEY = "sandbox-key-7f3a"


@contextmanager
def serving_asgi(app: Any) -> Iterator[str]:
    """Serve `app` (with its lifespan) until the block ends; yields its base address once up."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def eventually(check: Callable[[], bool], what: str, seconds: float = 10) -> None:
    """Waits for something another thread does (a report arriving); fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {seconds} s")
        time.sleep(0.01)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What the receiver was sent, and the statuses it answers with next (then 200)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0  # seconds before each answer

    def on(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    async def record(request: Request) -> Response:
        body = await request.body()
        if state.delay:
            await asyncio.sleep(state.delay)
        state.requests.append(Received(request.url.path, dict(request.headers), body))
        status = state.answers.pop(0) if state.answers else 200
        return JSONResponse({"ok": status < 400}, status_code=status)

    app = Starlette(routes=[Route("/{path:path}", record, methods=["POST"])])
    with serving_asgi(app) as base:
        state.url = base
        yield state


@dataclass
class Sandbox:
    url: str
    gateway: sandbox_gateway.SandboxGateway


@pytest.fixture
def sandbox(receiver: Receiver) -> Iterator[Sandbox]:
    """The sandbox gateway, reporting at once to the receiver's /reports, replies to /inbound."""
    app = sandbox_gateway.make_app(
        KEY,
        report_url=f"{receiver.url}/reports",
        inbound_url=f"{receiver.url}/inbound",
        undeliverable=["13800000000"],
    )
    with serving_asgi(app) as base:
        yield Sandbox(base, app.state.gateway)


@dataclass
class Mailbox:
    """What the SMTP server accepted: (peer, envelope) per message; refusals by address."""

    messages: list[tuple[Any, Envelope]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook names)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.messages.append((session.peer, envelope))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    controller: Controller

    def restart(self) -> None:
        """Stops the server (its connections close) and starts a new one on the same port."""
        self.controller.stop()
        self.controller = _controller(self.mailbox, self.port)
        self.controller.start()


def _controller(mailbox: Mailbox, port: int) -> Controller:
    return Controller(mailbox, hostname="127.0.0.1", port=port)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    port = free_port()
    controller = _controller(mailbox, port)
    controller.start()
    server = SmtpServer(port, mailbox, controller)
    yield server
    server.controller.stop()


# --- the outbox ---------------------------------------------------------------------------------


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[DbSession]:
    return make_session_factory(engine)


@pytest.fixture
def customer(factory: sessionmaker[DbSession]) -> int:
    with factory.begin() as session:
        him = Customer(name="张三", phone=PHONE, phone_last4=PHONE[-4:], created_at=clock.now())
        session.add(him)
        session.flush()
        return him.id


@dataclass
class Heard:
    """A live server whose own worker sends SMS to the sandbox gateway mounted on it
    (Settings.sms_sandbox, as the demo runs), which reports back and forwards replies to the
    server's callbacks, each over real HTTP."""

    base: str  # the server
    sms: str  # the sandbox gateway on it
    key: str  # the gateway's key
    gateway: sandbox_gateway.SandboxGateway

    def texts(self, phone: str) -> list[str]:
        return [m["text"] for m in self.gateway.received(phone)]

    def answer(self, phone: str, text: str) -> None:
        """The customer's text from his phone, through the gateway's inbound callback."""
        sent = httpx.post(
            f"{self.sms}/v1/simulate/inbound",
            json={"from": phone, "text": text},
            headers={"Authorization": f"Bearer {self.key}"},
        )
        assert sent.status_code < 300, sent.text


@contextmanager
def hearing_back(settings: Any, *, poll_seconds: float = 0.05) -> Iterator[Heard]:
    from quarterhour.entrypoints.app import SANDBOX_PATH, create_app
    from serving import serving

    port = free_port()
    live = dataclasses.replace(
        settings,
        sms_sandbox=True,
        sms_gateway_key=KEY,
        public_base_url=f"http://127.0.0.1:{port}",
        embedded_worker=True,
        worker_poll_seconds=poll_seconds,
    )
    app = create_app(live)
    with serving(app, port=port) as base:
        yield Heard(base, f"{base}{SANDBOX_PATH}", KEY, app.state.sandbox.state.gateway)


# The staff's steps from a complaint taken in 包河区 to its reply by phone: (action, who, body).
TO_THE_REPLY = (
    ("dispatch", "dispatcher", {}),
    ("acknowledge", "hall-baohe", {}),
    ("contact_customer", "hall-baohe", {"note": "已电话联系客户"}),
    ("return_result", "hall-baohe", {"result": "已向抄表员核实并致歉"}),
    ("approve", "dispatcher", {}),
    ("reply", "followup", {"reply_method": "phone"}),
)


def reply_to(api: Any, order_id: int, login: Callable[[str], dict[str, str]]) -> None:
    """The complaint taken through its steps to the reply, over the live server's API."""
    for action, username, body in TO_THE_REPLY:
        moved = api.post(
            f"/api/v1/orders/{order_id}/actions/{action}", json=body, headers=login(username)
        )
        assert moved.status_code == 200, f"{action}: {moved.text}"


def logins(api: Any) -> Callable[[str], dict[str, str]]:
    """A bearer token for a demo user, over the live server's API."""

    def login(username: str) -> dict[str, str]:
        token = api.post(
            "/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD}
        ).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    return login


def complaint(org: Any) -> dict[str, Any]:
    """A complaint by phone in 包河区 from the loop's customer, as the desk takes it."""
    return {
        "channel": "hotline",
        "customer": {
            "name": "袁女士",
            "phone": CUSTOMER_PHONE,
            "address": "芜湖路174号宿舍楼",
            "district_id": org.districts["baohe"],
        },
        "matters": [MATTERS["complaint"]],
    }
