"""Failure budgets shared by every worker: two app instances on one database play two worker
processes, and callers come from many addresses, as a guesser rotating addresses would.

Per account number (bill line) and per order number (status), whoever asks: 5 failures within
15 minutes lock the number for 15 minutes, even for the right digits, and a number that is no
account is counted and refused alike. Per caller: 10 failures within 5 minutes. Logins: 10 per
username and per address within 15 minutes. (The defaults in config.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from billing.test_inquiry_and_payments import billed_household
from quarterhour.config import Settings
from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from quarterhour.entrypoints.app import create_app
from serving import free_port
from workorders.loop_client import CUSTOMER_PHONE, LoopApi

pytestmark = pytest.mark.db

PER_NUMBER = 5
PER_CALLER = 10
PER_LOGIN = 10
LOCK = timedelta(minutes=15)
REFUSED = {
    "error": "too_many_requests",
    "message": "too many failed lookups; try again later",
    "field": "account",
}


class _Peer:
    """Test plumbing only: the socket peer of a request is the address named in `x-test-peer`
    (TestClient connects every request from one made-up address)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"x-test-peer":
                    scope["client"] = (value.decode(), 40000)
        await self.app(scope, receive, send)


class Workers:
    """Two instances of the app on one database (as `quarterhour serve --workers 2`)."""

    def __init__(self, clients: list[TestClient]) -> None:
        self.clients = clients

    def get(self, worker: int, caller: str, path: str, **params: str) -> httpx.Response:
        return self.clients[worker].get(path, params=params, headers={"x-test-peer": caller})

    def bill(self, worker: int, caller: str, account: str, last4: str) -> httpx.Response:
        return self.get(worker, caller, "/api/v1/public/bill", account=account, phone_last4=last4)

    def status(self, worker: int, caller: str, number: str, last4: str) -> httpx.Response:
        return self.get(worker, caller, f"/api/v1/public/orders/{number}", phone_last4=last4)

    def log_in(self, worker: int, caller: str, username: str, password: str) -> int:
        return (
            self.clients[worker]
            .post(
                "/api/v1/auth/token",
                json={"username": username, "password": password},
                headers={"x-test-peer": caller},
            )
            .status_code
        )

    def console_log_in(self, worker: int, caller: str, username: str, password: str) -> int:
        return (
            self.clients[worker]
            .post(
                "/console/login",
                data={"username": username, "password": password},
                headers={"x-test-peer": caller},
                follow_redirects=False,
            )
            .status_code
        )


@pytest.fixture
def workers(settings: Settings, engine: Engine, org: Organisation) -> Iterator[Workers]:
    # Each instance builds its own engine from the URL, as a worker process does.
    apps = [create_app(settings), create_app(settings)]
    with (
        TestClient(_Peer(apps[0])) as first,  # type: ignore[arg-type]
        TestClient(_Peer(apps[1])) as second,  # type: ignore[arg-type]
    ):
        yield Workers([first, second])
    for app in apps:
        app.state.engine.dispose()


def _account(session: Session, org: Organisation, settings: Settings) -> tuple[str, str, str]:
    """A billed household's number, its phone's last four digits and four wrong ones."""
    account = billed_household(session, org, settings)
    session.commit()
    number, right = account.number, account.phone_last4 or ""
    session.rollback()  # SQLite: the app's sessions need the lock this one would hold
    return number, right, "0000" if right != "0000" else "1111"


def test_an_account_number_is_refused_after_five_failures_from_any_caller_on_any_worker(
    workers: Workers, session: Session, org: Organisation, settings: Settings, frozen_clock: Any
) -> None:
    number, right, wrong = _account(session, org, settings)
    for n in range(PER_NUMBER):  # a new address every time, on either worker
        assert workers.bill(n % 2, f"198.51.100.{n}", number, wrong).status_code == 404
    # Now the right digits from a fresh address are refused too: a refusal that only came for
    # wrong digits would tell the guesser he had found them.
    for worker in (0, 1):
        refused = workers.bill(worker, f"203.0.113.{worker}", number, right)
        assert (refused.status_code, refused.json()) == (429, REFUSED)
    # The page and the spoken answer read the same budget.
    page = workers.get(1, "203.0.113.9", "/bill", account=number, phone_last4=right)
    assert page.status_code == 429 and "查询失败次数过多" in page.text
    params = {"account": number, "phone_last4": right}
    assert workers.get(0, "203.0.113.9", "/api/v1/public/bill.wav", **params).status_code == 429
    # Another account is not affected.
    assert workers.bill(0, "203.0.113.10", "8888888888", right).status_code == 404
    # After the lock the owner is answered again.
    frozen_clock.advance(seconds=LOCK.total_seconds() + 1)
    answered = workers.bill(1, "203.0.113.11", number, right)
    assert answered.status_code == 200 and answered.json()["account"] == number


def test_a_number_that_is_no_account_is_counted_and_refused_exactly_alike(
    workers: Workers, session: Session, org: Organisation, settings: Settings
) -> None:
    number, right, wrong = _account(session, org, settings)
    refusals = []
    for asked in (number, "8888888888"):
        for n in range(PER_NUMBER):
            assert workers.bill(n % 2, f"198.51.100.{n}", asked, wrong).status_code == 404
        refusals.append(workers.bill(1, "203.0.113.1", asked, right))
    existing, missing = refusals
    assert existing.status_code == missing.status_code == 429
    assert existing.content == missing.content  # byte for byte: nothing says which exists


def test_one_caller_is_refused_on_every_worker_after_ten_failures(
    workers: Workers, session: Session, org: Organisation, settings: Settings
) -> None:
    number, right, _ = _account(session, org, settings)
    guesser = "198.51.100.7"
    for n in range(PER_CALLER):  # a different number each time, half on each worker
        assert workers.bill(n % 2, guesser, f"77777777{n:02d}", "1234").status_code == 404
    for worker in (0, 1):
        assert workers.bill(worker, guesser, number, right).status_code == 429
    assert workers.bill(0, "198.51.100.8", number, right).status_code == 200


def test_order_status_counts_per_order_number_apart_from_the_bill_line(
    workers: Workers, org: Organisation, frozen_clock: Any
) -> None:
    order = LoopApi(workers.clients[0], org).intake("complaint")
    number, right = order["number"], CUSTOMER_PHONE[-4:]
    # The bill line's budget for the same string does not touch the order's.
    for n in range(PER_NUMBER):
        assert workers.bill(n % 2, f"198.51.100.{n}", number, "0000").status_code == 404
    assert workers.bill(0, "198.51.100.99", number, "0000").status_code == 429
    assert workers.status(1, "198.51.100.99", number, right).status_code == 200
    for n in range(PER_NUMBER):
        assert workers.status(n % 2, f"192.0.2.{n}", number, "0000").status_code == 404
    for worker in (0, 1):
        refused = workers.status(worker, f"203.0.113.{worker}", number, right)
        assert refused.status_code == 429 and refused.json()["field"] == "phone_last4"
    page = workers.get(1, "203.0.113.5", "/status", number=number, phone_last4=right)
    assert page.status_code == 429
    assert workers.status(0, "203.0.113.6", "GD20990101999999", right).status_code == 404
    frozen_clock.advance(seconds=LOCK.total_seconds() + 1)
    assert workers.status(1, "203.0.113.7", number, right).status_code == 200


def test_logins_are_counted_per_username_and_per_address_on_every_worker(
    workers: Workers,
) -> None:
    for n in range(PER_LOGIN):  # one username, a new address every time, API and console
        if n % 2:
            assert workers.log_in(1, f"198.51.100.{n}", "agent", "guess-1234") == 401
        else:
            assert workers.console_log_in(0, f"198.51.100.{n}", "agent", "guess-1234") == 401
    for worker in (0, 1):
        assert workers.log_in(worker, "203.0.113.1", "agent", DEMO_PASSWORD) == 429
        assert workers.console_log_in(worker, "203.0.113.1", "agent", DEMO_PASSWORD) == 429
    # One address trying many usernames (some of them no one's).
    for n in range(PER_LOGIN):
        assert workers.log_in(n % 2, "192.0.2.1", f"user{n}", "guess-1234") == 401
    assert workers.log_in(0, "192.0.2.1", "dispatcher", DEMO_PASSWORD) == 429
    assert workers.log_in(1, "192.0.2.2", "dispatcher", DEMO_PASSWORD) == 200


def test_rows_whose_window_and_lock_are_over_are_pruned_on_a_later_failure(
    workers: Workers, engine: Engine, frozen_clock: Any
) -> None:
    from quarterhour.throttle import budget
    from quarterhour.throttle.models import FailureBudget

    for n in range(PER_NUMBER):  # locks 6666666666 (and charges five callers)
        workers.bill(n % 2, f"198.51.100.{n}", "6666666666", "1234")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(FailureBudget)) == 1 + PER_NUMBER
    # The callers' windows (5 minutes) are over, the number's lock (15) is not.
    frozen_clock.advance(minutes=10)
    budget.prune_on_next_failure()  # writers prune at most once a minute per process
    workers.bill(0, "192.0.2.1", "5555555555", "1234")
    with Session(engine) as session:
        left = {(row.scope, row.key) for row in session.scalars(select(FailureBudget))}
    assert left == {("bill", "6666666666"), ("bill", "5555555555"), ("bill-from", "192.0.2.1")}
    frozen_clock.advance(minutes=30)
    budget.prune_on_next_failure()
    workers.bill(1, "192.0.2.1", "5555555555", "1234")
    with Session(engine) as session:
        left = {(row.scope, row.key) for row in session.scalars(select(FailureBudget))}
    assert left == {("bill", "5555555555"), ("bill-from", "192.0.2.1")}


def test_an_answered_inquiry_writes_nothing(
    workers: Workers, session: Session, org: Organisation, settings: Settings, engine: Engine
) -> None:
    from quarterhour.throttle.models import FailureBudget

    number, right, _ = _account(session, org, settings)
    for worker in (0, 1):
        assert workers.bill(worker, "198.51.100.1", number, right).status_code == 200
    with Session(engine) as check:
        assert check.scalar(select(func.count()).select_from(FailureBudget)) == 0


def _bill_statuses(client: TestClient, forwarded: list[str]) -> list[int]:
    """One failed inquiry (a different number each time) per X-Forwarded-For value."""
    return [
        client.get(
            "/api/v1/public/bill",
            params={"account": f"44444444{n:02d}", "phone_last4": "1234"},
            headers={"x-forwarded-for": value},
        ).status_code
        for n, value in enumerate(forwarded)
    ]


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    settings: Settings, org: Organisation
) -> None:
    rotating = [f"198.51.100.{n}" for n in range(PER_CALLER + 1)]
    untrusted = create_app(settings)
    with TestClient(untrusted, client=("10.1.2.3", 50000)) as client:
        # Not a trusted proxy: its header is ignored, and it is one caller.
        assert _bill_statuses(client, rotating)[-1] == 429
    proxied = create_app(replace(settings, trusted_proxies=("10.0.0.0/8",)))
    with TestClient(proxied, client=("10.1.2.4", 50000)) as client:
        # Behind the trusted proxy every address is its own caller ...
        assert set(_bill_statuses(client, rotating)) == {404}
        # ... but what the caller wrote left of the proxy's entry changes nothing.
        spoofed = [f"6.6.6.{n}, 192.0.2.1" for n in range(PER_CALLER + 1)]
        assert _bill_statuses(client, spoofed)[-1] == 429
    for app in (untrusted, proxied):
        app.state.engine.dispose()


def test_the_server_ignores_forwarded_for_unless_configured(
    database_url: str, org: Organisation, tmp_path: Path
) -> None:
    """`quarterhour serve` itself: uvicorn would believe X-Forwarded-For from any local peer."""
    port = free_port()
    env = {
        **os.environ,
        "QUARTERHOUR_DATABASE_URL": database_url,
        "QUARTERHOUR_BACKGROUND_SWEEP": "0",
        "QUARTERHOUR_ACCESS_LOG": "0",
    }
    env.pop("QUARTERHOUR_TRUSTED_PROXIES", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    command = [str(Path(sys.executable).with_name("quarterhour")), "serve", "--port", str(port)]
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=10) as client:
            statuses = _bill_statuses(client, [f"198.51.100.{n}" for n in range(PER_CALLER + 1)])
        assert statuses[:PER_CALLER] == [404] * PER_CALLER
        assert statuses[-1] == 429  # one caller, 127.0.0.1, whatever it forwarded
    finally:
        server.terminate()
        server.wait(timeout=30)
