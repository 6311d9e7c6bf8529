"""What the server writes to its log, read from a real `quarterhour serve` with two worker
processes: no whole phone number anywhere (access lines, the product's own lines, tracebacks), no
line lost (uvicorn's access formatter needs the request's five arguments) and no "Logging error"."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from quarterhour.demo.organisation import DEMO_PASSWORD, Organisation
from serving import free_port

pytestmark = pytest.mark.db

HERE = Path(__file__).parent
PHONES = [f"1385512{n:04d}" for n in range(3456, 3462)]


def test_every_log_line_of_the_served_app_is_masked_and_none_is_lost(
    database_url: str, org: Organisation, tmp_path: Path
) -> None:
    port = free_port()
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    env = {
        **os.environ,
        "QUARTERHOUR_DATABASE_URL": database_url,
        "QUARTERHOUR_BACKGROUND_SWEEP": "0",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    # `quarterhour serve --workers 2`, serving the app with the failing route.
    code = (
        "from quarterhour.entrypoints.cli.main import _serve; "
        f"_serve('127.0.0.1', {port}, 2, app='app_with_a_fault:app')"
    )
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-c", code], stdout=stdout, stderr=stderr, env=env
        )
        try:
            workers = _exercise(f"http://127.0.0.1:{port}")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    access, errors = out.read_text(), err.read_text()
    everything = access + errors
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", everything), everything  # no mobile whole
    for phone in PHONES:
        assert phone not in everything, everything
        masked = f"{phone[:3]}****{phone[-4:]}"
        # Every request's access line is there, masked (two workers: both kept their lines).
        assert f'"GET /api/v1/customers?phone={masked} HTTP/1.1" 200' in access, access
    assert "Logging error" not in everything, everything
    assert "Traceback" in errors  # the tracebacks are kept, masked
    assert "RuntimeError: intake failed: {'name': '袁女士', 'phone': '138****3456'" in errors
    assert "ValueError: no district for" in errors
    assert "intake refused for 138****3456" in errors
    assert "intake of 138****3456 failed" in errors
    assert '"GET /api/v1/test/failing-intake?phone=138****3456 HTTP/1.1" 500' in access
    for pid in workers:  # each worker process masks its own lines
        assert f"worker {pid} looked up 138****3456" in errors


def _exercise(base: str) -> set[int]:
    """The requests whose lines are read; the worker processes that answered."""
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    with httpx.Client(base_url=base, timeout=10) as client:
        token = client.post(
            "/api/v1/auth/token", json={"username": "agent", "password": DEMO_PASSWORD}
        ).json()["access_token"]
        for phone in PHONES:
            found = client.get(
                "/api/v1/customers",
                params={"phone": phone},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert found.status_code == 200, found.text
        failed = client.get("/api/v1/test/failing-intake", params={"phone": PHONES[0]})
        assert failed.status_code == 500
    workers: set[int] = set()
    for _ in range(100):  # a new connection each time, until both workers have answered
        workers.add(httpx.get(f"{base}/api/v1/test/worker?phone={PHONES[0]}").json()["pid"])
        if len(workers) == 2:
            return workers
    raise AssertionError("one worker process answered every request")


def test_a_failed_statement_does_not_carry_its_parameters_into_the_log(engine: Engine) -> None:
    """A failed intake once logged the customer's record with the database's error."""
    with pytest.raises(DBAPIError) as failed, engine.connect() as connection:
        connection.execute(
            text("INSERT INTO no_such_table (name, phone) VALUES (:name, :phone)"),
            {"name": "袁女士", "phone": "13855123456"},
        )
    assert "13855123456" not in str(failed.value) and "袁女士" not in str(failed.value)
